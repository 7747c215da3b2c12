"""What makes an accepted file dangerous to open: active content in a PDF (JavaScript, actions run on
opening, launching programs, embedded files) and a second format hidden after the end of the first
one (a polyglot: a ZIP, a PDF or an executable after a PDF's last `%%EOF`, a PNG's IEND or a JPEG's
end-of-image marker).

A flagged attachment is kept (it may be a genuine form with a script) but is never served as its
type: its download is `application/octet-stream`, as an attachment, sandboxed (app/anexos/router.py).
The codes are the API's (`AnexoDetalle.alertas`); they and their Spanish wording (`MOTIVOS`) live
with the model, where the schemas can read them.

Everything here is synchronous file work, run by the processing task (app/anexos/procesamiento.py).
"""

from __future__ import annotations

import mmap
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pypdf
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from app.anexos.models import (
    EMBEDDED_EXECUTABLE,
    EMBEDDED_PDF,
    EMBEDDED_ZIP,
    MOTIVOS,
    PDF_ADDITIONAL_ACTIONS,
    PDF_EMBEDDED_FILE,
    PDF_JAVASCRIPT,
    PDF_LAUNCH,
    PDF_OPEN_ACTION,
    PDF_SCAN_INCOMPLETE,
    TRAILING_DATA,
)

# Keys of a PDF dictionary, and values of its /S (action type) or /Type, that flag it.
_CLAVES: dict[str, str] = {
    "/JS": PDF_JAVASCRIPT,
    "/JavaScript": PDF_JAVASCRIPT,
    "/OpenAction": PDF_OPEN_ACTION,
    "/Launch": PDF_LAUNCH,
    "/AA": PDF_ADDITIONAL_ACTIONS,
    "/EmbeddedFiles": PDF_EMBEDDED_FILE,
    "/EmbeddedFile": PDF_EMBEDDED_FILE,
    "/EF": PDF_EMBEDDED_FILE,  # a file specification's embedded streams
}
_VALORES: dict[str, str] = {
    "/JavaScript": PDF_JAVASCRIPT,
    "/Launch": PDF_LAUNCH,
    "/EmbeddedFile": PDF_EMBEDDED_FILE,
}
# The same names in the raw bytes (objects outside any stream, also those the cross-reference table
# does not list, which a lenient reader may still find); names inside compressed object streams are
# only seen by walking the parsed objects.
_NOMBRES_CRUDOS = re.compile(rb"/(JS|JavaScript|OpenAction|Launch)(?![A-Za-z0-9#_.+-])")
_CRUDOS: dict[bytes, str] = {
    b"JS": PDF_JAVASCRIPT,
    b"JavaScript": PDF_JAVASCRIPT,
    b"OpenAction": PDF_OPEN_ACTION,
    b"Launch": PDF_LAUNCH,
}
# Bounds of the walk: a PDF beyond them is flagged as not fully checked rather than trusted.
_MAX_OBJETOS = 200_000
_MAX_NODOS = 2_000_000
# What may follow an end marker without meaning anything (line ends, padding).
_RELLENO = b" \t\r\n\x00\x0c"
_EJECUTABLES = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"#!")


def alertas_pdf(path: Path) -> set[str]:
    """Active content anywhere in the PDF's objects (object streams included) and in its raw bytes,
    and a second format after its last `%%EOF`."""
    encontradas = _objetos_pdf(path)
    with _bytes_de(path) as datos:
        encontradas |= {_CRUDOS[m.group(1)] for m in _NOMBRES_CRUDOS.finditer(datos)}
        fin = datos.rfind(b"%%EOF")
        if fin >= 0:
            encontradas |= alertas_tras_fin(datos, fin + len(b"%%EOF"))
    return encontradas | _zip_incrustado(path)


def alertas_imagen(path: Path, fin: int) -> set[str]:
    """A second format after an image's end (`fin`: the offset just past IEND's CRC or FFD9)."""
    with _bytes_de(path) as datos:
        encontradas = alertas_tras_fin(datos, fin)
    return encontradas | _zip_incrustado(path)


@contextmanager
def _bytes_de(path: Path) -> Iterator[Any]:
    """The file's bytes, mapped (not read into memory); an empty file cannot be mapped."""
    with path.open("rb") as f:
        if path.stat().st_size == 0:
            yield b""
            return
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as datos:
            yield datos


def alertas_tras_fin(datos: Any, fin: int) -> set[str]:
    """Bytes after offset `fin` of `datos` (bytes or an mmap) other than padding, and what they hold."""
    cola = datos[fin:]
    resto = cola.lstrip(_RELLENO)
    if not resto.rstrip(_RELLENO):
        return set()
    encontradas = {TRAILING_DATA}
    if b"PK\x03\x04" in resto or b"PK\x05\x06" in resto:
        encontradas.add(EMBEDDED_ZIP)
    if b"%PDF-" in resto:
        encontradas.add(EMBEDDED_PDF)
    if resto.startswith(_EJECUTABLES) or b"This program cannot be run in DOS mode" in resto:
        encontradas.add(EMBEDDED_EXECUTABLE)
    return encontradas


def _zip_incrustado(path: Path) -> set[str]:
    """A ZIP reader opens the file (its end record can sit anywhere in the last 64 KiB): a polyglot
    even when its ZIP is hidden before the end marker. Strict: the central directory must list
    members, so a stray signature in compressed data is no match."""
    try:
        with zipfile.ZipFile(path) as archivo:
            return {EMBEDDED_ZIP} if archivo.namelist() else set()
    except Exception:  # no ZIP, or a damaged one: zipfile reports it in several ways
        return set()


def _objetos_pdf(path: Path) -> set[str]:
    encontradas: set[str] = set()
    try:
        lector = pypdf.PdfReader(path, strict=False)
        if lector.is_encrypted:
            lector.decrypt("")
        pendientes: list[Any] = [lector.trailer]
        ids = [(idnum, gen) for gen, tabla in lector.xref.items() for idnum in tabla]
        ids += [(idnum, 0) for idnum in lector.xref_objStm]
        if len(ids) > _MAX_OBJETOS:
            encontradas.add(PDF_SCAN_INCOMPLETE)
            ids = ids[:_MAX_OBJETOS]
        for idnum, gen in ids:
            try:
                pendientes.append(lector.get_object(IndirectObject(idnum, gen, lector)))
            except Exception:  # one unreadable object: the others are still checked
                continue
        if not _recorrer(pendientes, encontradas):
            encontradas.add(PDF_SCAN_INCOMPLETE)
    except Exception:
        # pypdf reports malformed input in many ways; the processing task already marks a PDF it
        # cannot read as failed. What the raw bytes show is still checked by the caller.
        pass
    return encontradas


def _recorrer(pendientes: list[Any], encontradas: set[str]) -> bool:
    """Walk dictionaries and arrays (not following indirect references: every object is a root
    here), noting flagged keys and action types. False when the walk hit its bound."""
    nodos = 0
    while pendientes:
        nodo = pendientes.pop()
        nodos += 1
        if nodos > _MAX_NODOS:
            return False
        if isinstance(nodo, IndirectObject):
            continue
        if isinstance(nodo, DictionaryObject):
            for clave, valor in nodo.items():
                if (codigo := _CLAVES.get(str(clave))) is not None:
                    encontradas.add(codigo)
                if (
                    clave in ("/S", "/Type")
                    and isinstance(valor, NameObject)
                    and (codigo := _VALORES.get(str(valor))) is not None
                ):
                    encontradas.add(codigo)
                if isinstance(valor, DictionaryObject | ArrayObject):
                    pendientes.append(valor)
        elif isinstance(nodo, ArrayObject):
            pendientes.extend(v for v in nodo if isinstance(v, DictionaryObject | ArrayObject))
    return True


def ordenadas(alertas: set[str]) -> list[str]:
    """The codes in a stable order (the order of `MOTIVOS`)."""
    return [codigo for codigo in MOTIVOS if codigo in alertas]
