"""Files made by the tests (a PDF of n pages, PNG, JPEG, DOCX, XLSX, a corrupted ZIP member) and the
upload request (POST /documentos/{id}/anexos), for the attachment tests and the receipt tests."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import httpx
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

# ---- files made here --------------------------------------------------------------------------------


def pdf_bytes(paginas: int) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    for n in range(paginas):
        canvas.drawString(100, 700, f"Página {n + 1} de {paginas}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(width: int = 4, height: int = 3) -> bytes:
    raw = b"".join(b"\x00" + b"\x80\x20\x10" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(raw))
        + _chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
)
_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def docx_bytes(main: str = _DOCX_MAIN, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _DOCX_TYPES.replace("{main}", main))
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>"
            + "Informe técnico. " * 200
            + "</w:t></w:r></w:p></w:body></w:document>",
        )
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["expediente", "folios"])  # type: ignore[union-attr]
    workbook.active.append(["2026-000001", 3])  # type: ignore[union-attr]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def corromper_miembro(data: bytes, miembro: str) -> bytes:
    """The same ZIP with bytes of one member's compressed data flipped (its CRC no longer matches)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(miembro)
    inicio = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    medio = inicio + info.compress_size // 2
    corrupto = bytearray(data)
    for i in range(medio, medio + 8):
        corrupto[i] ^= 0xFF
    return bytes(corrupto)


# ---- the upload ------------------------------------------------------------------------------------


def url(documento_id: int, *partes: object) -> str:
    return "/".join([f"/api/v1/documentos/{documento_id}/anexos", *(str(p) for p in partes)])


async def subir(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    documento_id: int,
    nombre: str,
    data: bytes,
    content_type: str | None = "application/octet-stream",
) -> httpx.Response:
    archivo = (nombre, data, content_type) if content_type else (nombre, data)
    return await client.post(url(documento_id), files={"archivo": archivo}, headers=headers)
