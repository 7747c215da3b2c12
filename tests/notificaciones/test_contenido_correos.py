"""What the emails say, read from the real messages the SMTP sink received (both the text and the
HTML part): the institution's identity on every one; on registration the procedure, its legal
deadline, the verification code and the tracking page; on routing the words for the codes and the
deadline that applies; no raw code, ISO timestamp or IANA zone name anywhere."""

from __future__ import annotations

import re
from datetime import date, datetime
from email.message import EmailMessage
from html import escape

import httpx

from app.core.office_time import format_date, format_datetime
from app.documentos.models import EventoHistorial
from app.institucion.identidad import institucion
from app.notificaciones import plantillas
from app.notificaciones.plantillas import FilaVencido
from app.seguimiento.service import url_seguimiento
from tests.celery_worker import SmtpSink, Worker
from tests.conftest import World, registrar
from tests.helpers import Tokens
from tests.notificaciones.test_notificaciones import (
    correos,
    esperar_enviada,
    evento,
    html,
    registro,
    remitente,
    texto,
)

ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2})?(?!\d)")


def partes(correo: EmailMessage) -> list[str]:
    return [texto(correo), html(correo)]


def sin_codigos_ni_iso(contenido: str) -> None:
    assert "America/Lima" not in contenido and "UTC" not in contenido
    assert not ISO.search(contenido), ISO.search(contenido)


def con_la_institucion(contenido: str) -> None:
    inst = institucion()
    for dato in (inst.nombre, f"RUC {inst.ruc}", inst.direccion, inst.telefono, inst.email, inst.horario):
        assert escape(dato, quote=False) in contenido or dato in contenido, (dato, contenido)


async def test_the_registration_email_tells_the_procedure_deadline_code_and_tracking_page(
    client: httpx.AsyncClient, tokens: Tokens, world: World, smtp: SmtpSink, celery_worker: Worker | None
) -> None:
    r = await registro(client, tokens, world, "reg-contenido")
    await esperar_enviada(r.clave)
    [correo] = correos(smtp, r.email)
    doc = r.doc
    numero, codigo = doc["numero_expediente"], doc["codigo_verificacion"]
    url = url_seguimiento(numero, codigo)
    assert "/seguimiento?numero=" in url and "/api/" not in url
    limite = format_date(date.fromisoformat(doc["fecha_limite"]))
    recibido = format_datetime(datetime.fromisoformat(doc["fecha_recepcion"]))
    assert correo["Subject"] == f"Mesa de Partes — Expediente {numero} registrado"

    body, markup = partes(correo)
    for contenido in (body, markup):
        con_la_institucion(contenido)
        sin_codigos_ni_iso(contenido)
        for esperado in (
            numero,
            codigo,
            "TUPA-01 — Acceso a la información",
            "Fecha límite de atención",
            f"{limite} (10 días hábiles)",
            f"{recibido} (hora de Lima)",
        ):
            assert esperado in contenido, (esperado, contenido)
    assert url in body and f'href="{escape(url)}"' in markup
    assert "Consultar el estado de mi trámite" in markup
    assert re.search(r"Fecha límite de atención:\s+" + re.escape(limite), body), body


async def test_without_a_procedure_the_registration_email_says_there_is_no_legal_deadline(
    client: httpx.AsyncClient, tokens: Tokens, world: World, smtp: SmtpSink, celery_worker: Worker | None
) -> None:
    email = "sin-procedimiento@example.pe"
    doc = await registrar(client, tokens["mesa"], world, procedimiento_id=None, remitente=remitente(email))
    historial_id = await evento(doc["id"], EventoHistorial.REGISTRADO)
    await esperar_enviada(f"historial:{historial_id}:{email}")
    [correo] = correos(smtp, email, doc["numero_expediente"])
    for contenido in partes(correo):
        assert "Sin plazo legal" in contenido and "Procedimiento" not in contenido
        con_la_institucion(contenido)


async def test_a_routing_without_plazo_shows_the_documents_legal_deadline_in_words(
    client: httpx.AsyncClient, tokens: Tokens, world: World, smtp: SmtpSink, celery_worker: Worker | None
) -> None:
    doc = await registrar(client, tokens["mesa"], world, remitente=remitente(None))
    assert doc["fecha_limite"] is not None  # the procedure's 10 business days
    response = await client.post(
        f"/api/v1/documentos/{doc['id']}/derivar",
        json={"version": doc["version"], "destinos": [{"area_id": world.areas["OGA"]}]},
        headers=tokens["mesa"],
    )
    assert response.status_code == 200, response.text
    derivacion = response.json()["derivaciones"][-1]
    assert derivacion["plazo_dias"] is None and derivacion["prioridad"] == "normal"
    historial_id = await evento(doc["id"], EventoHistorial.DERIVADO)
    await esperar_enviada(f"historial:{historial_id}:esp_oga@example.pe")
    numero = doc["numero_expediente"]
    [correo] = correos(smtp, "esp_oga@example.pe", numero)
    assert str(correo["Subject"]).startswith(f"Mesa de Partes — Expediente {numero} derivado a ")
    limite = format_date(date.fromisoformat(doc["fecha_limite"]))
    enviado = format_datetime(datetime.fromisoformat(derivacion["fecha_envio"]))

    body, markup = partes(correo)
    for contenido in (body, markup):
        con_la_institucion(contenido)
        sin_codigos_ni_iso(contenido)
        for esperado in (
            f"vence el {limite} (10 días hábiles)",
            "TUPA-01 — Acceso a la información",
            "Pendiente de recepción",
            f"{enviado} (hora de Lima)",
        ):
            assert esperado in contenido, (esperado, contenido)
        assert "Sin plazo" not in contenido
    assert re.search(r"^Prioridad:\s+Normal$", body, re.MULTILINE), body
    assert re.search(r"^Plazo:\s+Plazo legal del trámite: vence el " + re.escape(limite), body, re.M), body
    assert re.search(r">Prioridad</th>\s*<td[^>]*>Normal</td>", markup), markup
    assert not re.search(r"\b(normal|pendiente|alta|urgente)\b", body), body


def test_the_overdue_template_speaks_words_and_dates_and_names_the_institution() -> None:
    filas = [
        FilaVencido("2026-000101", "Solicitud <urgente>", date(2026, 11, 20), 12, "En proceso"),
        FilaVencido("2026-000102", "Reclamo", date(2026, 11, 30), 4, "Pendiente de recepción"),
    ]
    area = "Oficina General de Administración (OGA)"
    correo = plantillas.vencidos(area=area, fecha=date(2026, 12, 7), total=2, filas=filas)
    assert correo.asunto == (
        "Mesa de Partes — 2 documentos vencidos en Oficina General de Administración (OGA) al 07/12/2026"
    )
    for contenido in (correo.texto, correo.html):
        con_la_institucion(contenido)
        sin_codigos_ni_iso(contenido)
        for esperado in ("20/11/2026", "30/11/2026", "En proceso", "Pendiente de recepción", "2026-000101"):
            assert esperado in contenido, esperado
        # What the number counts, as the overdue report says it (the tracking page counts business days).
        assert "Días calendario de atraso" in contenido and "Días vencido" not in contenido
    assert "Solicitud &lt;urgente&gt;" in correo.html and "<urgente>" not in correo.html
    linea = next(line for line in correo.texto.splitlines() if line.startswith("2026-000101"))
    assert linea.split()[1:4] == ["20/11/2026", "12", "En"], linea
