"""Dangerous attachments: active content in a PDF (JavaScript, also inside a compressed object stream
where no byte scan sees it; /OpenAction; /Launch) and polyglots (a ZIP after a PDF's %%EOF, data after
a PNG's IEND or a JPEG's end marker) are flagged with their reasons and only ever served as a
sandboxed octet-stream download; a clean PDF is not flagged. An attachment whose processing failed
is downloadable by admins only (403 for the others, who still see it listed)."""

from __future__ import annotations

import asyncio
import io
import time
import zipfile
import zlib
from typing import Any

import httpx
import pypdf
import pytest
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from app.anexos import contenido
from app.anexos import models as alertas
from tests.anexos.archivos import jpeg_bytes, pdf_bytes, png_bytes, subir, url
from tests.conftest import World, registrar
from tests.helpers import Tokens, error_code

pytestmark = pytest.mark.usefixtures("celery_worker")
WAIT_S = 60.0


async def procesado(
    client: httpx.AsyncClient, headers: dict[str, str], doc_id: int, nombre: str, data: bytes
) -> Any:
    """Upload `data` and wait for its processing's outcome."""
    response = await subir(client, headers, doc_id, nombre, data)
    assert response.status_code == 202, response.text
    anexo_id = response.json()["id"]
    deadline = time.monotonic() + WAIT_S
    while True:
        detalle = await client.get(url(doc_id, anexo_id), headers=headers)
        assert detalle.status_code == 200, detalle.text
        body = detalle.json()
        if body["estado_procesamiento"] != "pendiente":
            return body
        assert time.monotonic() < deadline, f"anexo {anexo_id} still pending"
        await asyncio.sleep(0.1)


# ---- files made here --------------------------------------------------------------------------------


def pdf_en_object_stream(objetos: dict[int, str], raiz: int = 1) -> bytes:
    """A PDF 1.5 whose objects all live in one Flate-compressed object stream, indexed by a
    compressed cross-reference stream: none of their names appear in the file's bytes."""
    numeros = sorted(objetos)
    cuerpos = [objetos[n].encode() for n in numeros]
    desplazamientos, posicion = [], 0
    for cuerpo in cuerpos:
        desplazamientos.append(posicion)
        posicion += len(cuerpo) + 1
    cabecera = " ".join(f"{n} {d}" for n, d in zip(numeros, desplazamientos, strict=True)).encode() + b" "
    contenido_stm = zlib.compress(cabecera + b"\n".join(cuerpos) + b"\n")
    stm = max(numeros) + 1
    xref = stm + 1
    salida = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offset_stm = len(salida)
    salida += (
        f"{stm} 0 obj\n<< /Type /ObjStm /N {len(numeros)} /First {len(cabecera)} /Filter /FlateDecode"
        f" /Length {len(contenido_stm)} >>\nstream\n"
    ).encode()
    salida += contenido_stm + b"\nendstream\nendobj\n"
    offset_xref = len(salida)
    filas = []
    for n in range(xref + 1):
        if n in objetos:
            filas.append(bytes([2]) + stm.to_bytes(4, "big") + numeros.index(n).to_bytes(2, "big"))
        elif n == stm:
            filas.append(bytes([1]) + offset_stm.to_bytes(4, "big") + (0).to_bytes(2, "big"))
        elif n == xref:
            filas.append(bytes([1]) + offset_xref.to_bytes(4, "big") + (0).to_bytes(2, "big"))
        else:
            filas.append(bytes([0]) + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big"))
    datos_xref = zlib.compress(b"".join(filas))
    salida += (
        f"{xref} 0 obj\n<< /Type /XRef /Size {xref + 1} /W [1 4 2] /Root {raiz} 0 R /Filter /FlateDecode"
        f" /Length {len(datos_xref)} >>\nstream\n"
    ).encode()
    salida += datos_xref + b"\nendstream\nendobj\n"
    salida += f"startxref\n{offset_xref}\n%%EOF\n".encode()
    return bytes(salida)


def pdf_javascript_oculto() -> bytes:
    """A document-level script (the /Names /JavaScript tree), every object compressed."""
    return pdf_en_object_stream(
        {
            1: "<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 4 0 R >> >>",
            2: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
            4: "<< /Names [(inicio) 5 0 R] >>",
            5: "<< /S /JavaScript /JS (app.alert\\('hola'\\);) >>",
        }
    )


def _con_raiz(clave: str, valor: Any) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf_bytes(1)))
    writer._root_object[NameObject(clave)] = valor(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_open_action() -> bytes:
    """Opens at its first page, fit to the window: an /OpenAction, even without a script."""
    return _con_raiz(
        "/OpenAction", lambda w: ArrayObject([w.pages[0].indirect_reference, NameObject("/Fit")])
    )


def pdf_launch() -> bytes:
    """A page whose opening launches a program (page /AA, action /Launch)."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf_bytes(1)))
    accion = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")}
    )
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): writer._add_object(accion)})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("leeme.txt", "contenido oculto " * 50)
    return buffer.getvalue()


EJECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00This program cannot be run in DOS mode.\r\r\n" + b"\x00" * 64

PELIGROSOS: list[tuple[str, bytes, set[str]]] = [
    ("script.pdf", pdf_javascript_oculto(), {alertas.PDF_JAVASCRIPT}),
    ("abre.pdf", pdf_open_action(), {alertas.PDF_OPEN_ACTION}),
    ("lanza.pdf", pdf_launch(), {alertas.PDF_LAUNCH, alertas.PDF_ADDITIONAL_ACTIONS}),
    ("poliglota.pdf", pdf_bytes(1) + zip_bytes(), {alertas.TRAILING_DATA, alertas.EMBEDDED_ZIP}),
    ("doble.pdf", pdf_bytes(1) + pdf_bytes(1)[:400], {alertas.TRAILING_DATA, alertas.EMBEDDED_PDF}),
    ("cola.png", png_bytes() + EJECUTABLE, {alertas.TRAILING_DATA, alertas.EMBEDDED_EXECUTABLE}),
    ("cola.jpg", jpeg_bytes() + zip_bytes(), {alertas.TRAILING_DATA, alertas.EMBEDDED_ZIP}),
]


def test_the_hidden_script_is_only_in_a_compressed_object_stream() -> None:
    """The test file is what it claims: a readable one-page PDF whose script no byte scan sees."""
    data = pdf_javascript_oculto()
    assert b"JavaScript" not in data and b"/JS" not in data
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1 and reader.xref_objStm


# ---- through the API ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("nombre", "data", "esperadas"), PELIGROSOS, ids=[p[0] for p in PELIGROSOS])
async def test_dangerous_files_are_flagged_and_never_served_inline(
    client: httpx.AsyncClient, tokens: Tokens, world: World, nombre: str, data: bytes, esperadas: set[str]
) -> None:
    doc = await registrar(client, tokens["mesa"], world)
    anexo = await procesado(client, tokens["mesa"], doc["id"], nombre, data)
    assert anexo["estado_procesamiento"] == "procesado", anexo
    codigos = {alerta["codigo"] for alerta in anexo["alertas"]}
    assert esperadas <= codigos, (nombre, codigos)
    assert anexo["peligroso"] is True
    assert all(alerta["motivo"] == alertas.MOTIVOS[alerta["codigo"]] for alerta in anexo["alertas"])
    listado = (await client.get(url(doc["id"]), headers=tokens["mesa"])).json()
    assert [a["peligroso"] for a in listado] == [True]

    descarga = await client.get(url(doc["id"], anexo["id"], "descarga"), headers=tokens["mesa"])
    assert descarga.status_code == 200 and descarga.content == data
    assert descarga.headers["content-disposition"].startswith("attachment;")
    assert descarga.headers["content-type"] == contenido.DESCONOCIDO
    assert "sandbox" in descarga.headers["content-security-policy"]
    assert descarga.headers["x-content-type-options"] == "nosniff"


async def test_clean_files_are_not_flagged(client: httpx.AsyncClient, tokens: Tokens, world: World) -> None:
    doc = await registrar(client, tokens["mesa"], world)
    for nombre, data, tipo in [
        ("limpio.pdf", pdf_bytes(3), contenido.PDF),
        ("limpio.png", png_bytes(), contenido.PNG),
        ("limpio.jpg", jpeg_bytes(), contenido.JPEG),
    ]:
        anexo = await procesado(client, tokens["mesa"], doc["id"], nombre, data)
        assert anexo["estado_procesamiento"] == "procesado", anexo
        assert anexo["alertas"] == [] and anexo["peligroso"] is False, anexo
        descarga = await client.get(url(doc["id"], anexo["id"], "descarga"), headers=tokens["mesa"])
        assert descarga.status_code == 200 and descarga.headers["content-type"].startswith(tipo)
        assert descarga.headers["content-disposition"].startswith("attachment;")


async def test_a_failed_attachment_is_listed_but_downloadable_by_admins_only(
    client: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    doc = await registrar(client, tokens["mesa"], world)
    roto = b"%PDF-1.7\n" + bytes(range(256)) * 40
    anexo = await procesado(client, tokens["mesa"], doc["id"], "roto.pdf", roto)
    assert anexo["estado_procesamiento"] == "fallido" and anexo["alertas"] is None
    assert [a["id"] for a in (await client.get(url(doc["id"]), headers=tokens["mesa"])).json()] == [
        anexo["id"]
    ]
    ruta = url(doc["id"], anexo["id"], "descarga")
    for quien in ("mesa", "auditor"):
        response = await client.get(ruta, headers=tokens[quien])
        assert response.status_code == 403, (quien, response.text)
        assert error_code(response) == "forbidden"
    admin = await client.get(ruta, headers=tokens["admin"])
    assert admin.status_code == 200 and admin.content == roto
    assert admin.headers["content-disposition"].startswith("attachment;")
    # A processed one stays downloadable by everyone who sees the document.
    bueno = await procesado(client, tokens["mesa"], doc["id"], "bueno.pdf", pdf_bytes(1))
    assert (
        await client.get(url(doc["id"], bueno["id"], "descarga"), headers=tokens["auditor"])
    ).status_code == 200
