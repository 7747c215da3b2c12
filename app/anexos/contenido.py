"""What a stored file really is: its type sniffed from its bytes (never from the name or the declared
type), a structural check of the allowed types, and safe names for showing and downloading it.

Everything here is synchronous file work: callers on the event loop run it with `asyncio.to_thread`.
"""

from __future__ import annotations

import hashlib
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pypdf

from app.anexos import alertas
from app.core.files import extension

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP = "application/zip"
DESCONOCIDO = "application/octet-stream"

# Sniffed type → the extensions and the declared content types that agree with it.
EXTENSIONES: dict[str, frozenset[str]] = {
    PDF: frozenset({".pdf"}),
    PNG: frozenset({".png"}),
    JPEG: frozenset({".jpg", ".jpeg", ".jpe", ".jfif"}),
    DOCX: frozenset({".docx"}),
    XLSX: frozenset({".xlsx"}),
}
_DECLARADOS: dict[str, frozenset[str]] = {
    PDF: frozenset({PDF, "application/x-pdf"}),
    PNG: frozenset({PNG}),
    JPEG: frozenset({JPEG, "image/jpg", "image/pjpeg"}),
    # A few clients label any ZIP-based office file by its container.
    DOCX: frozenset({DOCX, ZIP, "application/x-zip-compressed"}),
    XLSX: frozenset({XLSX, ZIP, "application/x-zip-compressed"}),
}
PERMITIDOS = frozenset(EXTENSIONES)
# The extension a stored file gets: its name on disk says what its bytes are.
EXTENSION_CANONICA: dict[str, str] = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", DOCX: ".docx", XLSX: ".xlsx"}
# A declared type that says nothing about the content (curl without `;type=`, some browsers).
_GENERICOS = frozenset({"", DESCONOCIDO, "binary/octet-stream"})
NOMBRES: dict[str, str] = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG", DOCX: "DOCX", XLSX: "XLSX"}

HEAD_BYTES = 8192  # what sniffing reads from the start of a file
_CHUNK = 1 << 16
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# An office file is a ZIP: refuse to inflate more than this (a small upload can hide a bomb).
_MAX_DESCOMPRIMIDO = 512 * 1024 * 1024
_MAX_CONTENT_TYPES_XML = 256 * 1024

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", PDF),
    (_PNG_SIGNATURE, PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"PK\x03\x04", ZIP),
    (b"\x7fELF", "application/x-executable"),
    (b"MZ", "application/x-msdownload"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%!PS", "application/postscript"),
    (b"{\\rtf", "application/rtf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    (b"#!", "text/x-shellscript"),
)
_MARKUP: tuple[tuple[bytes, str], ...] = (
    (b"<!doctype html", "text/html"),
    (b"<html", "text/html"),
    (b"<head", "text/html"),
    (b"<body", "text/html"),
    (b"<script", "text/html"),
    (b"<iframe", "text/html"),
    (b"<svg", "image/svg+xml"),
    (b"<?xml", "application/xml"),
)


class ArchivoInvalido(Exception):
    """The bytes claim an allowed type but do not hold a readable file of it; the message says why."""


@dataclass(frozen=True)
class Inspeccion:
    content_type: str
    paginas: int | None
    alertas: tuple[str, ...] = ()  # codes of app.anexos.alertas: why the file must not be opened inline


# ---- sniffing -------------------------------------------------------------------------------------


def tipo_por_cabecera(head: bytes) -> str:
    """The type told by the first bytes alone (a ZIP is only `application/zip` here)."""
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    for magic, content_type in _MARKUP:
        if text.startswith(magic):
            return content_type
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError as exc:
            # The head may end in the middle of a multi-byte character.
            if exc.start >= len(head) - 3:
                return "text/plain"
    return DESCONOCIDO


def tipo_de_archivo(path: Path) -> str:
    """The type sniffed from the file's bytes; a ZIP is told apart as DOCX, XLSX or another package."""
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    content_type = tipo_por_cabecera(head)
    return _tipo_ooxml(path) if content_type == ZIP else content_type


def _tipo_ooxml(path: Path) -> str:
    """An OOXML package names its main part in `[Content_Types].xml`; macro-enabled variants
    (a `vbaProject.bin` inside) are different types, not allowed ones."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            info = archive.getinfo("[Content_Types].xml") if "[Content_Types].xml" in names else None
            if info is None or info.file_size > _MAX_CONTENT_TYPES_XML:
                return ZIP
            tipos = archive.read(info).lower()
    except Exception:  # a damaged or exotic archive (encrypted, unknown compression) is no OOXML file
        return ZIP
    macros = any(name.endswith("vbaProject.bin") for name in names)
    if "word/document.xml" in names and b"wordprocessingml.document.main+xml" in tipos:
        return "application/vnd.ms-word.document.macroEnabled.12" if macros else DOCX
    if "word/document.xml" in names and b"macroenabled.main+xml" in tipos:
        return "application/vnd.ms-word.document.macroEnabled.12"
    if "xl/workbook.xml" in names and b"spreadsheetml.sheet.main+xml" in tipos:
        return "application/vnd.ms-excel.sheet.macroEnabled.12" if macros else XLSX
    if "xl/workbook.xml" in names and b"macroenabled.main+xml" in tipos:
        return "application/vnd.ms-excel.sheet.macroEnabled.12"
    if "ppt/presentation.xml" in names:
        return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    return ZIP


def contradiccion(sniffed: str, declarado: str | None, nombre: str) -> str | None:
    """Why the declared type or the name's extension disagree with the sniffed type (None if they
    agree). A missing extension or a generic declared type is no contradiction."""
    declarado = (declarado or "").split(";")[0].strip().lower()
    if declarado not in _GENERICOS and declarado not in _DECLARADOS[sniffed]:
        return f"se declaró como {declarado}, pero su contenido es {NOMBRES[sniffed]}"
    ext = extension(nombre)
    if ext and ext not in EXTENSIONES[sniffed]:
        return f"su nombre termina en {ext}, pero su contenido es {NOMBRES[sniffed]}"
    return None


# ---- structural check (the processing task) --------------------------------------------------------


def sha256_de(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def inspeccionar(path: Path) -> Inspeccion:
    """Sniff `path` and check that it really is a readable file of an allowed type; the page count of
    a PDF, 1 for an image, and what makes it dangerous to open (`alertas`). Raises ArchivoInvalido
    with the reason."""
    content_type = tipo_de_archivo(path)
    if content_type not in PERMITIDOS:
        raise ArchivoInvalido(f"El contenido es {content_type}, un tipo no admitido.")
    if content_type == PDF:
        paginas = _paginas_pdf(path)
        return Inspeccion(PDF, paginas, tuple(alertas.ordenadas(alertas.alertas_pdf(path))))
    if content_type == PNG:
        fin = _verificar_png(path)
        return Inspeccion(PNG, 1, tuple(alertas.ordenadas(alertas.alertas_imagen(path, fin))))
    if content_type == JPEG:
        fin = _verificar_jpeg(path)
        return Inspeccion(JPEG, 1, tuple(alertas.ordenadas(alertas.alertas_imagen(path, fin))))
    _verificar_zip(path)
    return Inspeccion(content_type, None)


def _paginas_pdf(path: Path) -> int:
    try:
        reader = pypdf.PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            # An owner password alone (printing/copying restrictions) opens with an empty user password.
            raise ArchivoInvalido("El PDF está protegido con contraseña.")
        paginas = len(reader.pages)
    except ArchivoInvalido:
        raise
    # pypdf reports malformed input with many exception types, its own and builtin ones; whatever it
    # raises (a time limit included), this file is not one the office can use.
    except Exception as exc:
        raise ArchivoInvalido(f"El PDF no se puede leer ({_motivo(exc)}).") from exc
    if paginas < 1:
        raise ArchivoInvalido("El PDF no tiene páginas.")
    return paginas


def _leer_exacto(f: BinaryIO, n: int, que: str) -> bytes:
    data = f.read(n)
    if len(data) != n:
        formato, _, parte = que.partition(" ")
        raise ArchivoInvalido(f"{formato} truncado {parte}.")
    return data


def _verificar_png(path: Path) -> int:
    """Walk the chunks from IHDR to IEND checking each CRC: a truncated or altered PNG fails. The
    offset just past IEND (what follows is no part of the image)."""
    with path.open("rb") as f:
        if f.read(8) != _PNG_SIGNATURE:
            raise ArchivoInvalido("La firma PNG no es válida.")
        primero = True
        while True:
            length, kind = struct.unpack(">I4s", _leer_exacto(f, 8, "PNG (cabecera de bloque)"))
            if length > 2**31 - 1 or (primero and (kind != b"IHDR" or length != 13)):
                raise ArchivoInvalido("PNG mal formado (cabecera de bloque inválida).")
            crc = zlib.crc32(kind)
            restante = length
            while restante:
                data = _leer_exacto(f, min(restante, _CHUNK), "PNG (datos de bloque)")
                crc = zlib.crc32(data, crc)
                restante -= len(data)
            (esperado,) = struct.unpack(">I", _leer_exacto(f, 4, "PNG (CRC de bloque)"))
            if esperado != crc:
                bloque = kind.decode("latin-1")
                raise ArchivoInvalido(f"PNG dañado (el CRC del bloque {bloque!r} no coincide).")
            if kind == b"IEND":
                return f.tell()
            primero = False


def _verificar_jpeg(path: Path) -> int:
    """Walk the header segments up to the scan (a frame header must come first), then require the
    end-of-image marker after it: a truncated JPEG has none. The offset just past that marker (in
    entropy-coded data 0xFF is always followed by 0x00 or a restart marker, so the first FFD9 after
    the scan header is the end of the image)."""
    with path.open("rb") as f:
        if f.read(2) != b"\xff\xd8":
            raise ArchivoInvalido("No es un JPEG.")
        frame = False
        while True:
            marker = _leer_exacto(f, 2, "JPEG (marcador de segmento)")
            while marker[1] == 0xFF:  # fill bytes
                marker = marker[1:] + _leer_exacto(f, 1, "JPEG (marcador de segmento)")
            if marker[0] != 0xFF:
                raise ArchivoInvalido("JPEG mal formado (marcador de segmento inválido).")
            code = marker[1]
            if code in (0x01, *range(0xD0, 0xD8)):
                continue
            if code == 0xD9:
                raise ArchivoInvalido("JPEG sin datos de imagen.")
            (length,) = struct.unpack(">H", _leer_exacto(f, 2, "JPEG (longitud de segmento)"))
            if length < 2:
                raise ArchivoInvalido("JPEG mal formado (longitud de segmento inválida).")
            if code in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                frame = True
            if code == 0xDA:
                if not frame:
                    raise ArchivoInvalido("JPEG mal formado (barrido antes de la cabecera de cuadro).")
                _leer_exacto(f, length - 2, "JPEG (cabecera de barrido)")
                break
            _leer_exacto(f, length - 2, "JPEG (segmento)")
        cola, inicio = b"", f.tell()  # `inicio`: the offset of `cola + chunk`
        while chunk := f.read(_CHUNK):
            datos = cola + chunk
            if (i := datos.find(b"\xff\xd9")) >= 0:
                return inicio + i + 2
            cola = datos[-1:]
            inicio += len(datos) - 1
        raise ArchivoInvalido("JPEG truncado (sin marcador de fin de imagen).")


def _verificar_zip(path: Path) -> None:
    """Inflate every member once (CRC-checked by zipfile) without keeping it, after refusing an
    archive that claims to inflate beyond a sane size."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if sum(info.file_size for info in members) > _MAX_DESCOMPRIMIDO:
                raise ArchivoInvalido("El archivo de Office se descomprime a más de 512 MiB.")
            for info in members:
                with archive.open(info) as member:
                    while member.read(_CHUNK):
                        pass
    except ArchivoInvalido:
        raise
    except Exception as exc:  # zipfile and zlib report a corrupt member in several ways
        raise ArchivoInvalido(f"El archivo de Office está dañado ({_motivo(exc)}).") from exc


def _motivo(exc: BaseException) -> str:
    # The library's own text is English and technical: people get the exception's name only.
    return type(exc).__name__
