"""Email notifications against a real SMTP server (the run's aiosmtpd sink): registration and
routing emails, at most one per event and recipient however often the task runs, SMTP failures
and retries, no SMTP server configured, and the daily overdue alert.

With Redis up the registration's task runs on the real worker; in the Redis-down pass it runs in
this process. Either way the tests wait for what reaches the sink and the ledger."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from typing import Any

import httpx
from sqlalchemy import select, text

from app.catalogos.models import Area
from app.core.config import Settings, get_settings
from app.core.database import db
from app.core.task_queue import celery_app, get_task_queue
from app.documentos.models import EventoHistorial, Historial
from app.institucion.identidad import institucion
from app.notificaciones import plantillas
from app.notificaciones.models import EstadoNotificacion, Notificacion
from app.notificaciones.plantillas import FilaVencido
from app.notificaciones.service import (
    ALERTA_VENCIDOS,
    ENVIAR_NOTIFICACION,
    MAX_REINTENTOS,
    alerta_vencidos,
    backoff,
    enviar_notificacion,
    message_id,
)
from app.notificaciones.tasks import reencolar
from app.seguimiento.service import url_seguimiento
from app.usuarios.models import Rol, Usuario
from tests.celery_worker import SmtpSink, Worker
from tests.conftest import World, nuevo_dni, registrar
from tests.helpers import Tokens, unique
from tests.redis_server import free_port

WAIT_S = 45.0


def leer(message: Message) -> EmailMessage:
    """The sink's message parsed with the modern policy (decoded headers, get_body)."""
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def texto(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def html(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("html",))
    assert body is not None
    return str(body.get_content())


def correos(smtp: SmtpSink, address: str, en_asunto: str = "") -> list[EmailMessage]:
    return [m for m in map(leer, smtp.to(address)) if en_asunto in str(m["Subject"])]


def con_message_id(smtp: SmtpSink, mid: str) -> list[Message]:
    return [m for m in smtp.messages if m["Message-ID"] == mid]


async def esperar(condicion: Any, what: str, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not await condicion():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def fila(clave: str) -> Notificacion | None:
    async with db.sessionmaker() as session:
        return await session.get(Notificacion, clave)


async def esperar_enviada(clave: str) -> Notificacion:
    async def enviada() -> bool:
        row = await fila(clave)
        return row is not None and row.estado == EstadoNotificacion.ENVIADA

    await esperar(enviada, f"notificacion {clave} enviada")
    row = await fila(clave)
    assert row is not None
    return row


async def evento(documento_id: int, tipo: EventoHistorial) -> int:
    async with db.sessionmaker() as session:
        ids = list(
            await session.scalars(
                select(Historial.id).where(Historial.documento_id == documento_id, Historial.evento == tipo)
            )
        )
    assert len(ids) == 1, ids
    return ids[0]


async def esperar_tarea(task_id: str, celery_worker: Worker | None) -> None:
    """Until task `task_id` has run, on the worker or (no broker) in this process."""
    future = get_task_queue().local_runs.get(task_id)
    if future is not None:
        result = await asyncio.wrap_future(future)
        assert result.successful(), result.traceback
    elif celery_worker is not None:
        await asyncio.to_thread(celery_app.AsyncResult(task_id).get, timeout=WAIT_S)
    # else: it ran in-process and is already done (finished runs leave `local_runs`)


def remitente(email: str | None) -> dict[str, Any]:
    return {
        "tipo_persona": "natural",
        "tipo_documento_identidad": "DNI",
        "numero_documento_identidad": nuevo_dni(),
        "nombre": "Rosa Mamani <Quispe> & Cía",
        "email": email,
    }


@dataclass
class Registro:
    doc: dict[str, Any]
    email: str
    historial_id: int

    @property
    def clave(self) -> str:
        return f"historial:{self.historial_id}:{self.email.lower()}"


async def registro(
    client: httpx.AsyncClient, tokens: Tokens, world: World, prefijo: str, *, evento_propio: bool = False
) -> Registro:
    """A registration whose sender has an address of its own. `evento_propio`: the test runs the
    notification of another 'registrado' event of the document, written behind the service's back
    so that no task is enqueued for it (and with the settings the test chooses)."""
    email = f"{unique(prefijo)}@example.pe"
    doc = await registrar(client, tokens["mesa"], world, remitente=remitente(email))
    if evento_propio:
        historial_id = await nuevo_evento(doc["id"], world)
    else:
        historial_id = await evento(doc["id"], EventoHistorial.REGISTRADO)
    return Registro(doc, email, historial_id)


async def test_registration_emails_the_sender_once(
    client: httpx.AsyncClient, tokens: Tokens, world: World, smtp: SmtpSink, celery_worker: Worker | None
) -> None:
    r = await registro(client, tokens, world, "Rem")
    doc, email, historial_id, clave = r.doc, r.email, r.historial_id, r.clave
    row = await esperar_enviada(clave)
    if celery_worker is not None:
        # The email came from the worker process (its task result is logged).
        done = f"{{'historial_id': {historial_id}, 'evento': 'registrado', 'enviadas': 1"

        async def logged() -> bool:
            return done in celery_worker.log_tail(2000)

        await esperar(logged, "the worker's log of the task")

    [correo] = correos(smtp, email)
    numero, codigo = doc["numero_expediente"], doc["codigo_verificacion"]
    assert correo["Subject"] == f"Mesa de Partes — Expediente {numero} registrado"
    assert correo["Message-ID"] == row.message_id == message_id(clave, get_settings().mail_from)
    assert correo["Auto-Submitted"] == "auto-generated"
    url = url_seguimiento(numero, codigo)
    assert url == f"{get_settings().public_base_url}/seguimiento?numero={numero}&codigo={codigo}"
    body = texto(correo)
    assert codigo in body and url in body and doc["asunto"] in body
    assert "Rosa Mamani <Quispe> & Cía" in body
    # The HTML alternative carries the same data, with the citizen's text escaped.
    markup = html(correo)
    assert codigo in markup and url.replace("&", "&amp;") in markup
    assert "Rosa Mamani &lt;Quispe&gt; &amp; Cía" in markup and "<Quispe>" not in markup
    assert row.intentos == 1 and row.error is None and row.enviada_at is not None
    assert row.documento_id == doc["id"] and row.destinatario == email
    # The tracking URL of the email answers.
    tracking = await client.get(url.removeprefix(get_settings().public_base_url))
    assert tracking.status_code == 200, tracking.text
    assert numero in tracking.text  # the public tracking page of the document


async def test_a_sender_without_email_gets_nothing(
    client: httpx.AsyncClient, tokens: Tokens, world: World, celery_worker: Worker | None
) -> None:
    doc = await registrar(client, tokens["mesa"], world, remitente=remitente(None))
    historial_id = await evento(doc["id"], EventoHistorial.REGISTRADO)
    resumen = await enviar_notificacion(historial_id)
    assert resumen["evento"] == "registrado" and resumen["enviadas"] == resumen["sin_cambios"] == 0


async def derivar(client: httpx.AsyncClient, tokens: Tokens, world: World) -> tuple[dict[str, Any], int]:
    """Register (sender without email) and route to OGA, with a copy to OAJ."""
    doc = await registrar(client, tokens["mesa"], world, remitente=remitente(None))
    response = await client.post(
        f"/api/v1/documentos/{doc['id']}/derivar",
        json={
            "version": doc["version"],
            "destinos": [
                {
                    "area_id": world.areas["OGA"],
                    "indicacion_id": world.indicacion_id,
                    "proveido": "Revisar la <propuesta> & informar",
                    "plazo_dias": 3,
                    "prioridad": "alta",
                },
                {"area_id": world.areas["OAJ"], "es_copia": True},
            ],
        },
        headers=tokens["mesa"],
    )
    assert response.status_code == 200, response.text
    return response.json(), await evento(doc["id"], EventoHistorial.DERIVADO)


async def test_routing_emails_the_receiving_areas(
    client: httpx.AsyncClient, tokens: Tokens, world: World, smtp: SmtpSink, celery_worker: Worker | None
) -> None:
    doc, historial_id = await derivar(client, tokens, world)
    numero = doc["numero_expediente"]
    principal = await esperar_enviada(f"historial:{historial_id}:esp_oga@example.pe")
    copia = await esperar_enviada(f"historial:{historial_id}:esp_oaj@example.pe")

    [correo] = correos(smtp, "esp_oga@example.pe", numero)
    assert correo["Subject"] == (
        f"Mesa de Partes — Expediente {numero} derivado a Oficina General de Administración (OGA)"
    )
    assert correo["Message-ID"] == principal.message_id
    body = texto(correo)
    for fragment in [
        doc["asunto"],
        "Mesa de Partes (MP)",
        "Acción necesaria",
        "Revisar la <propuesta> & informar",
        "3 días hábiles, vence el",
        "Alta",
    ]:
        assert fragment in body, fragment
    assert "alta" not in body.split()  # the word, not the code
    assert "copia" not in body.lower()
    assert "Revisar la &lt;propuesta&gt; &amp; informar" in html(correo)

    [aviso] = correos(smtp, "esp_oaj@example.pe", numero)
    assert aviso["Message-ID"] == copia.message_id
    assert "Copia para conocimiento" in str(aviso["Subject"])
    # The copy has no plazo of its own: the document's legal deadline (its procedure's) is shown.
    assert "solo para su conocimiento" in texto(aviso) and "Plazo legal del trámite" in texto(aviso)
    # Nobody of the sending area is told, nor the auditor (no area).
    async with db.sessionmaker() as session:
        claves = set(
            await session.scalars(
                select(Notificacion.clave).where(Notificacion.clave.startswith(f"historial:{historial_id}:"))
            )
        )
    assert {principal.clave, copia.clave} <= claves
    assert not claves & {f"historial:{historial_id}:{u}@example.pe" for u in ("mesa", "admin", "auditor")}
    assert correos(smtp, "mesa@example.pe", numero) == []


async def test_the_same_event_run_again_and_concurrently_sends_nothing_more(
    client: httpx.AsyncClient, tokens: Tokens, world: World, smtp: SmtpSink, celery_worker: Worker | None
) -> None:
    doc, historial_id = await derivar(client, tokens, world)
    numero = doc["numero_expediente"]
    for address in ("esp_oga@example.pe", "esp_oaj@example.pe"):
        await esperar_enviada(f"historial:{historial_id}:{address}")

    queue = get_task_queue()
    task_ids = [queue.enqueue(ENVIAR_NOTIFICACION, {"historial_id": historial_id}) for _ in range(2)]
    again = await asyncio.gather(enviar_notificacion(historial_id), enviar_notificacion(historial_id))
    for task_id in task_ids:
        await esperar_tarea(task_id, celery_worker)
    assert [(r["enviadas"], r["sin_cambios"]) for r in again] == [(0, 2), (0, 2)]
    for address in ("esp_oga@example.pe", "esp_oaj@example.pe"):
        assert len(correos(smtp, address, numero)) == 1, address


async def test_runs_racing_on_a_fresh_event_send_each_email_once(
    client: httpx.AsyncClient, tokens: Tokens, world: World, smtp: SmtpSink, celery_worker: Worker | None
) -> None:
    """Three runs started at once on a new registration, racing the task it enqueued too."""
    r = await registro(client, tokens, world, "par")
    email, historial_id, clave = r.email, r.historial_id, r.clave
    runs = await asyncio.gather(*(enviar_notificacion(historial_id) for _ in range(3)))
    await esperar_enviada(clave)
    assert sum(run["enviadas"] for run in runs) <= 1
    assert len(con_message_id(smtp, message_id(clave, get_settings().mail_from))) == 1
    assert len(smtp.to(email)) == 1


async def nuevo_evento(documento_id: int, world: World) -> int:
    async with db.sessionmaker() as session, session.begin():
        row = Historial(
            documento_id=documento_id,
            evento=EventoHistorial.REGISTRADO,
            usuario_id=world.users["mesa"],
            detalle={},
        )
        session.add(row)
        await session.flush()
        return row.id


async def test_smtp_unreachable_keeps_the_row_pending_and_asks_for_a_retry(
    client: httpx.AsyncClient, tokens: Tokens, world: World, smtp: SmtpSink, celery_worker: Worker | None
) -> None:
    r = await registro(client, tokens, world, "caido", evento_propio=True)
    historial_id, clave = r.historial_id, r.clave
    mid = message_id(clave, get_settings().mail_from)
    cerrado = Settings(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_timeout_s=2)
    pedidos: list[tuple[int, float]] = []

    async def reintentar(intento: int, countdown: float) -> None:
        pedidos.append((intento, countdown))

    resumen = await enviar_notificacion(historial_id, settings=cerrado, reintentar=reintentar)
    assert (resumen["enviadas"], resumen["pendientes"], resumen["reintento"]) == (0, 1, 1)
    assert pedidos == [(1, backoff(0))]
    row = await fila(clave)
    assert row is not None and row.estado == EstadoNotificacion.PENDIENTE
    assert row.intentos == 1 and row.error and "Connection" in row.error and row.message_id is None

    # A duplicate of the first run leaves the row to the retry it asked for.
    resumen = await enviar_notificacion(historial_id, intento=0, reintentar=reintentar)
    assert resumen["sin_cambios"] == 1 and len(pedidos) == 1
    # The retry the task asks for (enqueued again, countdown and all), with the server back,
    # sends it once: on the worker, or in this process without a broker.
    await reencolar(ENVIAR_NOTIFICACION, {"historial_id": historial_id})(1, 0.5)
    row = await esperar_enviada(clave)
    assert row.intentos == 2 and row.error is None and row.message_id == mid
    assert len(con_message_id(smtp, mid)) == 1
    resumen = await enviar_notificacion(historial_id, intento=2)
    assert resumen["sin_cambios"] == 1 and len(con_message_id(smtp, mid)) == 1


async def test_after_the_last_retry_the_notification_is_failed(
    client: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    historial_id = (await registro(client, tokens, world, "f", evento_propio=True)).historial_id
    cerrado = Settings(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_timeout_s=2)
    pedidos: list[int] = []

    async def reintentar(intento: int, countdown: float) -> None:
        pedidos.append(intento)

    for intento in range(MAX_REINTENTOS + 1):
        resumen = await enviar_notificacion(
            historial_id, intento=intento, settings=cerrado, reintentar=reintentar
        )
    assert resumen["fallidas"] == 1 and resumen["reintento"] is None
    assert pedidos == list(range(1, MAX_REINTENTOS + 1))
    async with db.sessionmaker() as session:
        [row] = await session.scalars(
            select(Notificacion).where(Notificacion.clave.startswith(f"historial:{historial_id}:"))
        )
    assert row.estado == EstadoNotificacion.FALLIDA and row.intentos == MAX_REINTENTOS + 1
    assert [backoff(n) for n in range(3)] == [60.0, 120.0, 240.0] and backoff(20) == 1800.0


async def test_without_an_smtp_host_notifications_are_recorded_as_skipped(
    client: httpx.AsyncClient, tokens: Tokens, world: World, smtp: SmtpSink
) -> None:
    r = await registro(client, tokens, world, "sin", evento_propio=True)
    historial_id, clave = r.historial_id, r.clave
    resumen = await enviar_notificacion(historial_id, settings=Settings(smtp_host=None))
    assert resumen["omitidas"] == 1 and resumen["enviadas"] == 0
    row = await fila(clave)
    assert row is not None and row.estado == EstadoNotificacion.OMITIDA and row.intentos == 0
    # Skipped is final: a later run with a server configured does not send it either.
    assert (await enviar_notificacion(historial_id))["sin_cambios"] == 1
    assert con_message_id(smtp, message_id(clave, get_settings().mail_from)) == []


async def test_daily_overdue_alert_once_per_area_user(
    client: httpx.AsyncClient, tokens: Tokens, world: World, smtp: SmtpSink, celery_worker: Worker | None
) -> None:
    async with db.sessionmaker() as session, session.begin():
        area = Area(codigo=unique("VN"), nombre="Unidad de Vencidos", sigla="UV")
        # The other user's area has nothing overdue: a shared area (LOG) may have, from other tests.
        otra_area = Area(codigo=unique("VO"), nombre="Unidad al Día", sigla="UD")
        session.add_all([area, otra_area])
        await session.flush()
        jefe, inactivo, otro = (
            Usuario(
                username=unique(prefix),
                email=f"{unique(prefix)}@example.pe",
                nombre_completo="Jefe de Unidad",
                password_hash="not-a-login",
                rol=Rol.ESPECIALISTA,
                area_id=area_id,
                activo=activo,
            )
            for prefix, area_id, activo in [
                ("jefe", area.id, True),
                ("baja", area.id, False),
                ("otro", otra_area.id, True),
            ]
        )
        session.add_all([jefe, inactivo, otro])
        area_id = area.id

    docs = [await registrar(client, tokens["mesa"], world, remitente=remitente(None)) for _ in range(5)]
    # Overdue by 10, 3 and 1 days; due today (not overdue); overdue but closed.
    for doc, dias, estado in zip(
        docs,
        [10, 3, 1, 0, 20],
        ["registrado", "recibido", "en_proceso", "registrado", "archivado"],
        strict=True,
    ):
        async with db.sessionmaker() as session, session.begin():
            await session.execute(
                text(
                    "UPDATE documentos SET area_actual_id = :area, estado = :estado,"
                    " fecha_limite = current_date - CAST(:dias AS integer) WHERE id = :id"
                ),
                {"area": area_id, "estado": estado, "dias": dias, "id": doc["id"]},
            )

    resumen = await alerta_vencidos(max_filas=2)
    assert resumen["areas"] >= 1 and resumen["enviadas"] >= 1
    [correo] = correos(smtp, jefe.email)
    assert "3 documentos vencidos en Unidad de Vencidos (UV)" in str(correo["Subject"])
    body = texto(correo)
    numeros = [d["numero_expediente"] for d in docs]
    # The two most overdue, most overdue first; the third is counted but not listed.
    assert numeros[0] in body and numeros[1] in body and body.index(numeros[0]) < body.index(numeros[1])
    assert all(numero not in body for numero in numeros[2:])
    assert "Se muestran los 2 más atrasados" in body
    lineas = {line.split()[0]: line.split() for line in body.splitlines() if line.startswith(numeros[0][:5])}
    assert lineas[numeros[0]][2] == "10" and lineas[numeros[1]][2] == "3"
    # States in words, dates as dd/mm/yyyy, the institution named in both parts.
    assert lineas[numeros[0]][3] == "Registrado" and lineas[numeros[1]][3] == "Recibido"
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", lineas[numeros[0]][1])
    assert institucion().nombre in body and institucion().nombre in html(correo)
    assert numeros[0] in html(correo)
    assert smtp.to(inactivo.email) == [] and smtp.to(otro.email) == []
    async with db.sessionmaker() as session:
        hoy = (await session.execute(text("SELECT current_date"))).scalar_one()
    row = await fila(f"vencidos:{hoy.isoformat()}:area-{area_id}:{jefe.email}")
    assert row is not None and row.estado == EstadoNotificacion.ENVIADA and row.documento_id is None

    # Again the same day, as the beat's task and in-process: nothing more.
    task_id = get_task_queue().enqueue(ALERTA_VENCIDOS, {})
    await esperar_tarea(task_id, celery_worker)
    again = await alerta_vencidos()
    assert again["enviadas"] == 0 and again["sin_cambios"] == again["destinatarios"]
    assert len(correos(smtp, jefe.email)) == 1


def test_overdue_template_lists_what_it_is_given_and_counts_all() -> None:
    from datetime import date

    filas = [FilaVencido(f"2026-{n:06d}", "x" * 200, date(2026, 1, 1), 30 - n) for n in range(50)]
    correo = plantillas.vencidos(area="OGA", fecha=date(2026, 2, 1), total=73, filas=filas)
    assert correo.asunto == "Mesa de Partes — 73 documentos vencidos en OGA al 01/02/2026"
    assert "Se muestran los 50 más atrasados" in correo.texto
    assert correo.html.count("<tr><td>") == 50 and "x" * 79 + "…" in correo.texto
    uno = plantillas.vencidos(area="A\r\nBcc: x@y", fecha=date(2026, 2, 1), total=1, filas=filas[:1])
    assert uno.asunto == "Mesa de Partes — 1 documento vencido en A Bcc: x@y al 01/02/2026"
    assert "más atrasados" not in uno.texto
