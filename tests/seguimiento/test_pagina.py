"""The public tracking page (GET /seguimiento): the form, a document's public view (state, area,
timeline in office time, procedure, deadline in business days, attachments), the same 404 page for
an unknown number and a wrong code, 422 for a malformed one, the throttle's 429 and a database
outage's 503 as HTML, its own strict CSP, no external asset, no script, no personal data."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.core.config import get_settings
from app.core.database import Database, db, using_database
from app.core.office_time import format_date_long, office_today
from app.documentos.plazos import dias_habiles_entre, es_dia_habil, sumar_dias_habiles
from app.institucion.identidad import institucion
from app.main import app
from app.seguimiento.consulta import Expediente
from app.seguimiento.recursos import CSP
from app.seguimiento.service import url_seguimiento
from app.seguimiento.vista import plazo
from tests.anexos.archivos import pdf_bytes
from tests.conftest import World, derivar, nuevo_dni, registrar
from tests.helpers import Tokens, error_code
from tests.redis_server import free_port

PAGINA = "/seguimiento"
_URL_EXTERNA = re.compile(r"(?:https?:)?//[a-z0-9]", re.IGNORECASE)


def _desde(address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def _es_html(r: httpx.Response) -> str:
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["cache-control"] == "no-store"
    html = r.text
    assert html.startswith("<!doctype html>") and '<html lang="es">' in html
    assert institucion().nombre in html
    assert "<script" not in html.lower() and " style=" not in html
    assert not _URL_EXTERNA.search(html), _URL_EXTERNA.search(html)
    return html


def _texto(html: str) -> str:
    """The visible text, tags removed and spaces collapsed (for phrases that span elements)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _formulario_presente(html: str) -> None:
    assert '<form class="formulario" method="get" action="/seguimiento">' in html
    assert '<label for="numero">Número de expediente</label>' in html
    assert '<label for="codigo">Código de verificación</label>' in html
    assert re.search(r'<input id="numero" name="numero"', html)
    assert re.search(r'<input id="codigo" name="codigo"', html)
    assert '<button type="submit">Consultar</button>' in html


@pytest.fixture(scope="module")
async def tramitado(client: httpx.AsyncClient, tokens: Tokens, world: World) -> dict[str, Any]:
    """A document with a distinctive sender, an attachment, routed to OAJ (and copied to LOG) and
    received there."""
    remitente = {
        "tipo_persona": "natural",
        "tipo_documento_identidad": "DNI",
        "numero_documento_identidad": nuevo_dni(),
        "nombre": "Eustaquia Zapallar Quintanilla",
        "email": "eustaquia.zapallar@example.pe",
        "direccion": "Jr. Las Camelias 742, Surquillo",
    }
    doc = await registrar(
        client,
        tokens["mesa"],
        world,
        remitente=remitente,
        asunto='Pedido <script>alert("x")</script> & copia "certificada"',
        numero_documento="CARTA N° 7788-PRIVADA",
        observacion="Nota interna: revisar antecedentes del remitente",
    )
    anexo = {"archivo": ("dni-eustaquia.pdf", pdf_bytes(1), "application/pdf")}
    r = await client.post(f"/api/v1/documentos/{doc['id']}/anexos", files=anexo, headers=tokens["mesa"])
    assert r.status_code == 202, r.text
    destinos = [{"area_id": world.areas["OAJ"]}, {"area_id": world.areas["LOG"], "es_copia": True}]
    r = await derivar(client, tokens["mesa"], doc, destinos)
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/api/v1/documentos/{doc['id']}/recibir",
        json={"version": r.json()["version"]},
        headers=tokens["oaj"],
    )
    assert r.status_code == 200, r.text
    return {**r.json(), "remitente": remitente}


async def test_the_bare_form(client: httpx.AsyncClient) -> None:
    r = await client.get(PAGINA)
    assert r.status_code == 200
    html = _es_html(r)
    _formulario_presente(html)
    assert "<title>Consultar un expediente · Seguimiento de expedientes" in html
    assert '<a class="saltar" href="#contenido">' in html and '<main id="contenido"' in html
    assert "<header" in html and "<footer" in html and institucion().ruc in html
    assert (await client.head(PAGINA)).status_code == 200


async def test_a_document_as_the_citizen_sees_it(
    client: httpx.AsyncClient, tramitado: dict[str, Any], world: World
) -> None:
    numero, codigo = tramitado["numero_expediente"], tramitado["codigo_verificacion"]
    r = await client.get(PAGINA, params={"numero": numero, "codigo": codigo.lower()})
    assert r.status_code == 200, r.text
    html = _es_html(r)
    texto = _texto(html)
    assert f'<h1>Expediente N.º <span class="sin-corte">{numero}</span></h1>' in html
    assert '<strong id="estado">Recibido</strong>' in html
    assert '<dd id="area">Oficina de Asesoría Jurídica</dd>' in html
    assert '<dd id="procedimiento">TUPA-01 — Acceso a la información</dd>' in html
    assert '<dd id="anexos">1 anexo</dd>' in html
    # The deadline in business days from today (office time).
    limite = date.fromisoformat(tramitado["fecha_limite"])
    dias = dias_habiles_entre(office_today(), limite)
    assert dias > 0
    fechas = f"{format_date_long(limite)} ({limite:%d/%m/%Y})</time>."
    assert f"{fechas} Quedan {dias} días hábiles para su atención.</dd>" in html
    assert f"Quedan {dias} días hábiles para su atención." in texto
    assert re.search(r'<dd id="plazo" class="plazo">Fecha límite: <time datetime="' + str(limite), html)
    # The timeline, oldest first, in office time.
    historial = html[html.index('<ol id="historial">') : html.index("</ol>")]
    pasos = [_texto(li).strip() for li in re.findall(r"<li>(.*?)</li>", historial, re.DOTALL)]
    titulos = [re.sub(r"^\d\d/\d\d/\d{4} \d\d:\d\d ", "", paso) for paso in pasos]
    assert titulos[0] == "Documento registrado Área: Mesa de Partes"
    assert "Anexo agregado Área: Mesa de Partes" in titulos
    assert "Derivado a Oficina de Asesoría Jurídica Estado de la derivación: Recibida" in titulos
    assert (
        "Derivado a Logística (copia informativa) Estado de la derivación: Pendiente de recepción" in titulos
    )
    assert titulos[-1] == "Recibido por Oficina de Asesoría Jurídica"
    assert len(titulos) == 5, titulos
    assert "Fechas y horas en hora de Lima." in texto
    assert re.search(r"Recibido el \d\d/\d\d/\d{4} \d\d:\d\d \(hora de Lima\)", texto), texto
    assert "Mesa de Partes · Seguimiento de expedientes" in texto
    assert "America/Lima" not in html and "UTC" not in html
    # The asunto is escaped, never markup.
    assert "Pedido &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; copia &#34;certificada&#34;" in html
    # Nothing personal: not the sender, the sender's reference, internal notes, users or file names.
    remitente = tramitado["remitente"]
    for secreto in (
        remitente["nombre"],
        "Zapallar",
        remitente["numero_documento_identidad"],
        remitente["email"],
        "Camelias",
        "7788-PRIVADA",
        "Nota interna",
        "esp_oaj",
        "dni-eustaquia",
    ):
        assert secreto not in html, secreto
    # HEAD answers like GET.
    cabeza = await client.head(PAGINA, params={"numero": numero, "codigo": codigo})
    assert cabeza.status_code == 200 and cabeza.headers["cache-control"] == "no-store"


async def test_the_link_on_the_receipt_opens_the_page(
    client: httpx.AsyncClient, new_doc: dict[str, Any]
) -> None:
    url = url_seguimiento(new_doc["numero_expediente"], new_doc["codigo_verificacion"])
    assert url.startswith(f"{get_settings().public_base_url.rstrip('/')}/seguimiento?numero=")
    r = await client.get(url.removeprefix(get_settings().public_base_url.rstrip("/")))
    assert r.status_code == 200
    html = _es_html(r)
    assert '<strong id="estado">Registrado</strong>' in html and '<dd id="anexos">Sin anexos</dd>' in html
    assert '<dd id="area">Mesa de Partes</dd>' in html


async def test_unknown_number_and_wrong_code_get_the_same_404_page(
    client: httpx.AsyncClient, new_doc: dict[str, Any]
) -> None:
    numero, codigo = new_doc["numero_expediente"], new_doc["codigo_verificacion"]
    otro = "1999-999999"
    equivocado = "ZZZZ" + codigo[4:] if not codigo.startswith("ZZZZ") else "YYYY" + codigo[4:]
    r1 = await client.get(PAGINA, params={"numero": numero, "codigo": equivocado})
    r2 = await client.get(PAGINA, params={"numero": otro, "codigo": codigo})
    assert r1.status_code == r2.status_code == 404
    html = _es_html(r1)
    assert "<h1>No encontramos ese expediente</h1>" in html
    _formulario_presente(html)
    assert f'<input id="numero" name="numero" type="text" value="{numero}"' in html
    assert '<input id="codigo" name="codigo" type="text" value=""' in html
    assert equivocado not in html and new_doc["asunto"] not in html
    assert r2.text.replace(otro, numero) == html


@pytest.mark.parametrize(
    ("params", "campos"),
    [
        pytest.param({"numero": "abc", "codigo": "ABCD2345"}, {"numero"}, id="numero-text"),
        pytest.param({"numero": "2026-000001", "codigo": "AB-CD"}, {"codigo"}, id="codigo-symbols"),
        pytest.param({"numero": "", "codigo": ""}, {"numero", "codigo"}, id="both-empty"),
        pytest.param({"codigo": "ABCD2345"}, {"numero"}, id="numero-missing"),
        pytest.param({"numero": "9" * 5_000, "codigo": "ABCD\x00"}, {"numero", "codigo"}, id="long-and-nul"),
    ],
)
async def test_malformed_input_is_the_form_again_with_a_message(
    client: httpx.AsyncClient, params: dict[str, str], campos: set[str]
) -> None:
    r = await client.get(PAGINA, params=params)
    assert r.status_code == 422
    html = _es_html(r)
    _formulario_presente(html)
    assert "<title>Error: Consultar un expediente" in html and 'role="alert"' in html
    for campo in ("numero", "codigo"):
        assert (f'<p class="error" id="{campo}-error">' in html) == (campo in campos)
        assert (f'<a href="#{campo}">' in html) == (campo in campos)
    if "numero" in campos:
        assert "por ejemplo 2026-000123" in html
    assert "\x00" not in html and "9" * 100 not in html


async def test_throttled_lookups_get_a_429_page(
    monkeypatch: pytest.MonkeyPatch, new_doc: dict[str, Any]
) -> None:
    monkeypatch.setattr(get_settings(), "seguimiento_limit_por_ip", "3/minute")
    numero, codigo = new_doc["numero_expediente"], new_doc["codigo_verificacion"]
    async with _desde("10.9.1.1") as http:
        for _ in range(5):  # the bare form is not a lookup
            assert (await http.get(PAGINA)).status_code == 200
        assert (await http.get(PAGINA, params={"numero": numero, "codigo": "AAAA1111"})).status_code == 404
        assert (await http.get(PAGINA, params={"numero": "abc", "codigo": "x"})).status_code == 422
        # The JSON endpoint counts in the same window (same scope and key).
        json_404 = await http.get("/api/v1/seguimiento", params={"numero": numero, "codigo": "AAAA1112"})
        assert json_404.status_code == 404 and error_code(json_404) == "not_found"
        assert json_404.json()["detail"] == "No existe un expediente con ese número y código de verificación."
        r = await http.get(PAGINA, params={"numero": numero, "codigo": codigo})
        assert r.status_code == 429
        html = _es_html(r)
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        assert "<h1>Demasiadas consultas</h1>" in html and "Vuelva a intentarlo en " in html
        assert new_doc["asunto"] not in html
    async with _desde("10.9.1.2") as http:
        assert (await http.get(PAGINA, params={"numero": numero, "codigo": codigo})).status_code == 200


async def test_a_database_outage_is_a_503_page(client: httpx.AsyncClient, new_doc: dict[str, Any]) -> None:
    caida = Database(f"postgresql+asyncpg://nadie:nada@127.0.0.1:{free_port()}/ninguna", pool_timeout_s=1)
    params = {"numero": new_doc["numero_expediente"], "codigo": new_doc["codigo_verificacion"]}
    try:
        with using_database(caida):
            r = await client.get(PAGINA, params=params)
    finally:
        await caida.dispose()
    assert r.status_code == 503
    html = _es_html(r)
    assert int(r.headers["Retry-After"]) >= 1
    assert "<h1>Servicio no disponible por el momento</h1>" in html
    assert "Vuelva a intentarlo en " in html and "perdido" not in html  # nothing was saved or lost


async def test_styles_and_logo_are_served_here(client: httpx.AsyncClient) -> None:
    html = (await client.get(PAGINA)).text
    css_url = re.search(r'<link rel="stylesheet" href="(/seguimiento/estilos\.css\?v=[0-9a-f]+)">', html)
    logo_url = re.search(r'<img class="cabecera__logo" src="(/seguimiento/logo\?v=[0-9a-f]+)"', html)
    assert css_url and logo_url
    css = await client.get(css_url.group(1))
    assert css.status_code == 200 and css.headers["content-type"] == "text/css; charset=utf-8"
    assert "immutable" in css.headers["cache-control"]
    assert "@media print" in css.text and ":focus-visible" in css.text
    assert not re.search(r"https?:|url\(|@import", css.text)
    logo = await client.get(logo_url.group(1))
    assert logo.status_code == 200 and logo.headers["content-type"] == institucion().logo_tipo
    assert logo.content == institucion().logo_bytes and "max-age" in logo.headers["cache-control"]


async def test_the_page_is_not_in_the_api_document() -> None:
    assert not any(path.startswith("/seguimiento") for path in app.openapi()["paths"])


async def test_an_overdue_document_counts_its_business_days_late(
    client: httpx.AsyncClient, new_doc: dict[str, Any]
) -> None:
    hoy = office_today()
    limite = hoy - timedelta(days=1)
    while not es_dia_habil(limite) or dias_habiles_entre(limite, hoy) < 1:
        limite -= timedelta(days=1)
    async with db.sessionmaker() as session, session.begin():
        await session.execute(
            text("UPDATE documentos SET fecha_limite = :limite WHERE id = :id"),
            {"limite": limite, "id": new_doc["id"]},
        )
    params = {"numero": new_doc["numero_expediente"], "codigo": new_doc["codigo_verificacion"]}
    html = _es_html(await client.get(PAGINA, params=params))
    dias = dias_habiles_entre(limite, hoy)
    esperado = "1 día hábil" if dias == 1 else f"{dias} días hábiles"
    assert '<dd id="plazo" class="plazo plazo--vencido">' in html
    assert f"Plazo vencido hace {esperado}." in _texto(html)


def _expediente(**cambios: Any) -> Expediente:
    base: dict[str, Any] = {
        "numero_expediente": "2026-000001",
        "tipo_documento": "Solicitud",
        "asunto": "Asunto",
        "estado": "recibido",
        "area_actual": "Mesa de Partes",
        "fecha_recepcion": datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
        "fecha_limite": date(2026, 12, 11),  # a Friday
        "fecha_atencion": None,
        "procedimiento_codigo": None,
        "procedimiento_nombre": None,
        "anexos": 0,
        "rutas": (),
        "eventos": (),
    }
    return Expediente(**{**base, **cambios})


@pytest.mark.parametrize(
    ("hoy", "cambios", "mensaje", "vencido"),
    [
        # Wed 9 (a holiday) → Fri 11: Thu and Fri left.
        pytest.param(date(2026, 12, 9), {}, "Quedan 2 días hábiles para su atención.", False, id="two-left"),
        pytest.param(date(2026, 12, 10), {}, "Queda 1 día hábil para su atención.", False, id="one-left"),
        pytest.param(date(2026, 12, 11), {}, "El plazo vence hoy.", False, id="today"),
        # Saturday after a Friday deadline: overdue, no business day late yet.
        pytest.param(
            date(2026, 12, 12), {}, "El plazo venció sin que el trámite concluyera.", True, id="weekend"
        ),
        pytest.param(date(2026, 12, 15), {}, "Plazo vencido hace 2 días hábiles.", True, id="late"),
        # Mon 7 → Fri 11, Tue 8 (Inmaculada Concepción) and Wed 9 (Batalla de Ayacucho) holidays.
        pytest.param(date(2026, 12, 7), {}, "Quedan 2 días hábiles para su atención.", False, id="holidays"),
        pytest.param(
            date(2026, 12, 15), {"estado": "archivado"}, "El trámite fue archivado.", False, id="archivado"
        ),
        pytest.param(
            date(2026, 12, 15), {"estado": "anulado"}, "El trámite fue anulado.", False, id="anulado"
        ),
        pytest.param(
            date(2026, 12, 15), {"estado": "atendido"}, "El trámite fue atendido.", False, id="atendido"
        ),
        pytest.param(
            date(2026, 12, 15),
            {"estado": "atendido", "fecha_atencion": datetime(2026, 12, 10, 23, 44, tzinfo=UTC)},
            "Atendido el 10/12/2026 18:44 (hora de Lima).",
            False,
            id="atendido-el",
        ),
        pytest.param(
            date(2026, 12, 15),
            {"fecha_limite": None},
            "Este trámite no tiene una fecha límite de atención.",
            False,
            id="none",
        ),
    ],
)
def test_deadline_words(hoy: date, cambios: dict[str, Any], mensaje: str, vencido: bool) -> None:
    resultado = plazo(_expediente(**cambios), hoy)
    assert (resultado.mensaje, resultado.vencido) == (mensaje, vencido)


def test_business_days_between_is_the_inverse_of_adding_them() -> None:
    inicio = date(2026, 12, 4)  # a Friday
    for dias in range(0, 30):
        fin = sumar_dias_habiles(inicio, dias)
        assert dias_habiles_entre(inicio, fin) == dias
        assert dias_habiles_entre(fin, inicio) == -dias
