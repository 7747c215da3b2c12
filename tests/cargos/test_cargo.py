"""The receipt (cargo de recepción): produced in the background on registration, served from
storage (or rendered on demand), with the data of the document and a QR code that really encodes
the public tracking URL (decoded here from the rendered page)."""

from __future__ import annotations

import asyncio
import io
import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pypdf
import pypdfium2
import pytest
import zxingcpp

from app.cargos.service import generar_cargo, qr_seguimiento, ruta_cargo
from app.core.config import get_settings
from app.seguimiento.service import url_seguimiento
from tests.anexos.archivos import pdf_bytes, subir
from tests.conftest import World, registrar
from tests.helpers import UNKNOWN_ID, Tokens, assert_max_queries

pytestmark = pytest.mark.usefixtures("celery_worker")
WAIT_S = 60.0


async def esperar_archivo(documento_id: int) -> bytes:
    path = ruta_cargo(documento_id)
    deadline = time.monotonic() + WAIT_S
    while not path.is_file():
        assert time.monotonic() < deadline, f"no receipt at {path} after {WAIT_S} s"
        await asyncio.sleep(0.1)
    return path.read_bytes()


def texto(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def qr_del_pdf(pdf: bytes) -> list[str]:
    """Render the page (pdfium) and decode every QR code on it (zxing-cpp)."""
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=3).to_pil()
    return [resultado.text for resultado in zxingcpp.read_barcodes(image)]


async def test_registration_produces_the_receipt_with_the_tracking_qr(
    client: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    doc = await registrar(client, tokens["mesa"], world)
    numero, codigo = doc["numero_expediente"], doc["codigo_verificacion"]
    almacenado = await esperar_archivo(doc["id"])

    with assert_max_queries(2):  # user, the document with what the receipt shows
        response = await client.get(f"/api/v1/documentos/{doc['id']}/cargo", headers=tokens["mesa"])
    assert response.status_code == 200 and response.content == almacenado
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f"inline; filename=\"cargo-{numero}.pdf\"; filename*=UTF-8''cargo-{numero}.pdf"
    )
    assert response.headers["x-content-type-options"] == "nosniff"

    tracking = f"{get_settings().public_base_url}/api/v1/seguimiento?numero={numero}&codigo={codigo}"
    assert url_seguimiento(numero, codigo) == tracking
    contenido = texto(response.content)
    fecha = datetime.fromisoformat(doc["fecha_recepcion"]).astimezone(ZoneInfo(get_settings().timezone))
    for esperado in (
        "CARGO DE RECEPCIÓN",
        numero,
        codigo,
        tracking,
        fecha.strftime("%d/%m/%Y %H:%M:%S"),
        doc["remitente"]["nombre"],
        f"DNI {doc['remitente']['numero_documento_identidad']}",
        "Solicitud",  # tipo de documento
        "CARTA N° 001-2026",
        "Registrado por:",
        "Mesa de Partes",
    ):
        assert esperado in contenido, (esperado, contenido)
    assert re.search(r"Folios:\s*3\b", contenido) and re.search(r"Anexos:\s*0\b", contenido), contenido

    # The QR on the page decodes to exactly the tracking URL, and that URL works.
    assert qr_del_pdf(response.content) == [tracking]
    assert qr_seguimiento(numero, codigo).value == tracking
    seguimiento = await client.get(tracking.removeprefix(get_settings().public_base_url))
    assert seguimiento.status_code == 200 and seguimiento.json()["numero_expediente"] == numero


async def test_the_receipt_is_rendered_on_demand_idempotently_and_follows_new_attachments(
    client: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    doc = await registrar(client, tokens["mesa"], world)
    almacenado = await esperar_archivo(doc["id"])
    assert (await generar_cargo(doc["id"]))["escrito"] is False  # a second run writes nothing

    ruta_cargo(doc["id"]).unlink()
    response = await client.get(f"/api/v1/documentos/{doc['id']}/cargo", headers=tokens["auditor"])
    assert response.status_code == 200 and response.content == almacenado  # same data, same bytes
    assert ruta_cargo(doc["id"]).read_bytes() == almacenado  # and stored again

    # An attachment changes what the receipt shows: it is rendered again with the new count.
    assert (await subir(client, tokens["mesa"], doc["id"], "a.pdf", pdf_bytes(1))).status_code == 202
    deadline = time.monotonic() + WAIT_S
    while True:
        response = await client.get(f"/api/v1/documentos/{doc['id']}/cargo", headers=tokens["mesa"])
        if re.search(r"Anexos:\s*1\b", texto(response.content)):
            break
        assert time.monotonic() < deadline, "the receipt still counts no attachment"
        await asyncio.sleep(0.1)


async def test_a_long_subject_wraps_on_one_page(
    client: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    palabra = "X" * 300  # wider than the page: cut, not overflowing
    asunto = ("Solicitud de información sobre el expediente anterior, " * 14)[:690] + " " + palabra
    doc = await registrar(client, tokens["mesa"], world, asunto=asunto[:1000], numero_documento=None)
    pdf = await esperar_archivo(doc["id"])
    contenido = texto(pdf).replace("\n", "")
    assert palabra in contenido and "N.° de documento:" in texto(pdf)
    assert qr_del_pdf(pdf) == [url_seguimiento(doc["numero_expediente"], doc["codigo_verificacion"])]


async def test_the_receipt_follows_the_document_visibility(
    client: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    doc = await registrar(client, tokens["mesa"], world)
    path = f"/api/v1/documentos/{doc['id']}/cargo"
    assert (await client.get(path, headers=tokens["oga"])).status_code == 404
    assert (await client.get(path)).status_code == 401
    assert (
        await client.get(f"/api/v1/documentos/{UNKNOWN_ID}/cargo", headers=tokens["admin"])
    ).status_code == 404
    for role in ("admin", "mesa", "auditor"):
        assert (await client.get(path, headers=tokens[role])).status_code == 200, role


async def test_the_receipt_keeps_the_receiving_area_after_routing(
    client: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    doc = await registrar(client, tokens["mesa"], world)
    await esperar_archivo(doc["id"])
    derivado = await client.post(
        f"/api/v1/documentos/{doc['id']}/derivar",
        json={"version": doc["version"], "destinos": [{"area_id": world.areas["OAJ"]}]},
        headers=tokens["mesa"],
    )
    assert derivado.status_code == 200, derivado.text
    ruta_cargo(doc["id"]).unlink()  # rendered again on demand, from today's data
    response = await client.get(f"/api/v1/documentos/{doc['id']}/cargo", headers=tokens["mesa"])
    contenido = texto(response.content)
    assert "Mesa de Partes" in contenido and "Asesoría Jurídica" not in contenido


async def test_an_on_demand_render_never_replaces_a_stored_receipt(
    client: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    from app.core.files import escribir_si_falta

    doc = await registrar(client, tokens["mesa"], world)
    almacenado = await esperar_archivo(doc["id"])
    # A request that rendered older data while the task stored a newer receipt keeps the newer one.
    assert escribir_si_falta(ruta_cargo(doc["id"]), b"%PDF-older render") is False
    assert ruta_cargo(doc["id"]).read_bytes() == almacenado
