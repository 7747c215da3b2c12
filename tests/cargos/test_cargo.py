"""The receipt (cargo de recepción): produced in the background on registration, served from
storage (or rendered on demand), with the data of the document and a QR code that really encodes
the public tracking URL (decoded here from the rendered page)."""

from __future__ import annotations

import asyncio
import io
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pypdf
import pypdfium2
import pytest
import zxingcpp

from app.cargos.pdf import DatosCargo, lineas_url, qr_seguimiento, render_cargo
from app.cargos.service import cargar_datos, generar_cargo, ruta_cargo
from app.core.config import get_settings
from app.core.database import db
from app.core.office_time import format_date
from app.documentos.plazos import calcular_fecha_limite
from app.institucion.identidad import institucion
from app.seguimiento.service import url_seguimiento
from tests.anexos.archivos import pdf_bytes, subir
from tests.conftest import World, nuevo_ruc, registrar
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

    tracking = f"{get_settings().public_base_url}/seguimiento?numero={numero}&codigo={codigo}"
    assert url_seguimiento(numero, codigo) == tracking
    contenido = texto(response.content)
    fecha = datetime.fromisoformat(doc["fecha_recepcion"]).astimezone(ZoneInfo(get_settings().timezone))
    for esperado in (
        "CARGO DE RECEPCIÓN",
        numero,
        codigo,
        f"{fecha:%d/%m/%Y %H:%M:%S} (hora de Lima)",
        doc["remitente"]["nombre"],
        f"DNI {doc['remitente']['numero_documento_identidad']}",
        "Solicitud",  # tipo de documento
        "CARTA N° 001-2026",
        "Registrado por:",
        "Mesa de Partes",
    ):
        assert esperado in contenido, (esperado, contenido)
    assert tracking in contenido.replace("\n", "")  # printed beside the QR (broken before "?")
    assert re.search(r"Folios:\s*3\b", contenido) and re.search(r"Anexos:\s*0\b", contenido), contenido

    # The QR on the page decodes to exactly the tracking URL, and that URL works.
    assert qr_del_pdf(response.content) == [tracking]
    assert qr_seguimiento(numero, codigo).value == tracking
    seguimiento = await client.get(tracking.removeprefix(get_settings().public_base_url))
    assert seguimiento.status_code == 200 and numero in seguimiento.text


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
    assert palabra in contenido and "N.º de documento:" in texto(pdf)
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


async def test_the_receipt_shows_the_institution_the_procedure_its_deadline_and_the_stamp_box(
    client: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    doc = await registrar(client, tokens["mesa"], world)
    numero, codigo = doc["numero_expediente"], doc["codigo_verificacion"]
    pdf = await esperar_archivo(doc["id"])
    contenido = texto(pdf)
    inst = institucion()
    recibido = datetime.fromisoformat(doc["fecha_recepcion"])
    # The procedure of the world (TUPA-01, 10 business days): its deadline, and the plazo counted
    # back from that date.
    assert doc["fecha_limite"] == calcular_fecha_limite(recibido, world.plazo).isoformat()
    limite = format_date(datetime.fromisoformat(doc["fecha_limite"]).date())
    for esperado in (
        inst.nombre,
        f"RUC {inst.ruc}",
        inst.direccion,
        f"Teléfono: {inst.telefono}",
        f"Correo: {inst.email}",
        f"Horario de atención: {inst.horario}",
        "CARGO DE RECEPCIÓN",
        "Procedimiento TUPA:",
        "TUPA-01 — Acceso a la información",
        "Fecha límite de atención:",
        f"{limite} (10 días hábiles)",
        "(hora de Lima)",
        "Consulte el estado de su trámite",
        "Sello y firma de recepción",
    ):
        assert esperado in contenido, (esperado, contenido)
    # The tracking page's address is printed (maybe on two lines) beside the QR that encodes it.
    url = url_seguimiento(numero, codigo)
    assert "/seguimiento?numero=" in url and "/api/" not in url
    assert url in contenido.replace("\n", "")
    assert qr_del_pdf(pdf) == [url]
    assert "America/Lima" not in contenido and "UTC" not in contenido

    # Deterministic: the same data renders the same bytes, here as in the worker.
    async with db.sessionmaker() as session:
        datos = await cargar_datos(session, doc["id"])
    assert render_cargo(datos) == render_cargo(datos) == pdf


async def test_without_a_procedure_the_receipt_says_there_is_no_legal_deadline(
    client: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    doc = await registrar(client, tokens["mesa"], world, procedimiento_id=None)
    assert doc["fecha_limite"] is None
    contenido = texto(await esperar_archivo(doc["id"]))
    assert "Fecha límite de atención:" in contenido and "Sin plazo legal" in contenido
    assert "Procedimiento TUPA" not in contenido and "TUPA-01" not in contenido


async def test_long_names_and_subject_still_fit_on_one_page(
    client: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    remitente = {
        "tipo_persona": "juridica",
        "tipo_documento_identidad": "RUC",
        "numero_documento_identidad": nuevo_ruc(),
        "nombre": ("Asociación de Productores Agropecuarios del Valle " * 7)[:300],
        "email": None,
    }
    asunto = ("Solicito copia certificada del expediente administrativo y sus anexos, " * 15)[:1000]
    doc = await registrar(
        client, tokens["mesa"], world, remitente=remitente, asunto=asunto, numero_documento="N" * 100
    )
    pdf = await esperar_archivo(doc["id"])
    contenido = texto(pdf)  # exactly one page
    plano = contenido.replace("\n", " ")
    # The whole subject still fits beside a 300-character sender (cut to two lines at most).
    assert " ".join(asunto.split()[-6:]) in plano
    assert "Asociación de Productores" in contenido
    for esperado in ("Fecha límite de atención:", "Sello y firma de recepción", "Consulte el estado"):
        assert esperado in contenido, esperado
    assert qr_del_pdf(pdf) == [url_seguimiento(doc["numero_expediente"], doc["codigo_verificacion"])]


def test_values_at_their_longest_are_cut_and_the_page_stays_one() -> None:
    """Every field at its schema's maximum: the values are cut with an ellipsis (the subject last),
    and the deadline, the QR and the stamp box are still on the single page."""
    datos = DatosCargo(
        documento_id=1,
        numero_expediente="2026-000123",
        codigo_verificacion="ABCD2345",
        fecha_recepcion="06/12/2026 05:16:21 (hora de Lima)",
        remitente="Razón Social Extensa " * 15,
        documento_identidad="RUC 20123456786",
        tipo_documento="Tipo " * 20,
        numero_documento="N" * 100,
        asunto=("Asunto muy largo del documento presentado " * 30)[:1000],
        folios=9999,
        anexos=99,
        area="Área de nombre largo " * 10,
        registrado_por="Nombre Completo " * 10,
        procedimiento="TUPA-99 — " + "Procedimiento de nombre largo " * 10,
        fecha_limite="15/12/2026 (7 días hábiles)",
    )
    pdf = render_cargo(datos)
    contenido = texto(pdf)  # one page
    assert "…" in contenido and "Asunto muy largo" in contenido
    for esperado in ("Fecha límite de atención:", "15/12/2026 (7 días hábiles)", "Sello y firma"):
        assert esperado in contenido, esperado
    assert qr_del_pdf(pdf) == [url_seguimiento("2026-000123", "ABCD2345")]
    assert render_cargo(datos) == pdf


@contextmanager
def direccion_publica(valor: str) -> Iterator[None]:
    """PUBLIC_BASE_URL of this process for a while (the worker keeps the suite's)."""
    antes = os.environ.get("PUBLIC_BASE_URL")
    os.environ["PUBLIC_BASE_URL"] = valor
    get_settings.cache_clear()
    try:
        yield
    finally:
        if antes is None:
            os.environ.pop("PUBLIC_BASE_URL", None)
        else:
            os.environ["PUBLIC_BASE_URL"] = antes
        get_settings.cache_clear()


def test_a_long_public_address_is_printed_whole_beside_its_qr() -> None:
    """A 150-character PUBLIC_BASE_URL: the printed address (its lines joined) is exactly the URL the
    QR code encodes; nothing is cut, and the note under it is still there."""
    base = "https://servicios-en-linea.municipalidad-distrital-de-ejemplo.gob.pe/ventanilla-virtual"
    base = (base + "/mesa-de-partes-digital/tramites/consultas-publicas-ciudadanas-v2")[:150]
    assert len(base) == 150
    datos = DatosCargo(
        documento_id=1,
        numero_expediente="2026-000123",
        codigo_verificacion="ABCD2345",
        fecha_recepcion="06/12/2026 05:16:21 (hora de Lima)",
        remitente="Juan Pérez",
        documento_identidad="DNI 12345678",
        tipo_documento="Solicitud",
        numero_documento=None,
        asunto="Solicito información",
        folios=1,
        anexos=0,
        area="Mesa de Partes",
        registrado_por="Operador",
        procedimiento=None,
        fecha_limite="Sin plazo legal",
    )
    with direccion_publica(base):
        url = url_seguimiento("2026-000123", "ABCD2345")
        pdf = render_cargo(datos)
    assert url.startswith(base + "/seguimiento?numero=")
    contenido = texto(pdf)
    lineas = contenido.splitlines()
    inicio = lineas.index("Escanee el código QR o ingrese a:") + 1
    fin = next(i for i in range(inicio, len(lineas)) if lineas[i].startswith("Tenga a mano"))
    assert "".join(lineas[inicio:fin]) == url, lineas[inicio:fin]
    assert "…" not in "".join(lineas[inicio:fin])
    assert "Tenga a mano el N.º de expediente" in contenido and "N.°" not in contenido
    assert qr_del_pdf(pdf) == [url]
    # The sizes and breaks that fit: a longer address still fits at a smaller size; one that no
    # size can hold ends visibly in "…".
    assert "".join(lineas_url(url, 200, 54)[1]) == url
    tamano, cortadas = lineas_url("https://x.gob.pe/" + "a" * 2000, 200, 54)
    assert tamano == 6.0 and cortadas[-1].endswith("…")
