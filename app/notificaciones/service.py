"""Email notifications: the sender on registration, the receiving areas on routing, and the
daily overdue-documents alert per area.

At most one email per event and recipient, although a task may run twice (at-least-once
delivery) or concurrently: each (event, recipient) pair is a row of `notificaciones` keyed by
`clave`. It is inserted with ON CONFLICT DO NOTHING, then sent in a unit of work of its own that
locks it, skips it unless it is still `pendiente`, sends, and marks it `enviada` in the same
commit. The one window left: a process that dies after the SMTP server accepted the message and
before that commit. The row is still `pendiente`, so the redelivered task sends it again, under
the same Message-ID (derived from `clave`), which lets mail systems that deduplicate on it drop
the copy; others show it twice.

An SMTP failure counts the attempt, keeps the error and leaves the row `pendiente`; the task is
enqueued again with an exponential backoff and the next `intento` number. After the last retry
the row is `fallida`. A run only attempts rows that have failed no more often than its own
`intento`, so two retry chains (a duplicated message) never attempt a row twice per stage.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import smtplib
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from app.catalogos.models import Area
from app.core import office_time
from app.core.config import Settings, get_settings
from app.core.database import after_commit, session_scope
from app.derivaciones.models import Derivacion
from app.documentos import etiquetas
from app.documentos.etiquetas import ESTADO_DERIVACION, ESTADO_DOCUMENTO, PRIORIDAD, palabra
from app.documentos.filtros import documento_vencido
from app.documentos.models import Documento, EventoHistorial, Historial
from app.documentos.plazo_legal import texto_dias_habiles, texto_fecha_limite
from app.notificaciones import plantillas
from app.notificaciones.models import EstadoNotificacion, Notificacion
from app.notificaciones.plantillas import Correo, FilaVencido
from app.seguimiento.service import url_seguimiento
from app.usuarios.models import Usuario

# Task names (the queue's contract: stable across deploys).
ENVIAR_NOTIFICACION = "mesa_partes.enviar_notificacion"
ALERTA_VENCIDOS = "mesa_partes.alerta_vencidos"

logger = logging.getLogger("app.notificaciones")

# The first attempt plus this many retries, waiting min(max, base * 2**n) seconds before retry n+1.
MAX_REINTENTOS = 5
BACKOFF_BASE_S = 60.0
BACKOFF_MAX_S = 30 * 60.0
# Documents listed in one area's overdue alert (the count covers them all).
MAX_FILAS_VENCIDOS = 50

# Asks for the same task again: (the next `intento`, seconds to wait).
Reintento = Callable[[int, float], Awaitable[None]]


def backoff(intento: int) -> float:
    """Seconds to wait before the retry that follows run `intento` (0 = the first run)."""
    return min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2.0**intento)


def message_id(clave: str, mail_from: str) -> str:
    """The same Message-ID for every attempt of one (event, recipient): a resend after a crash is
    recognisable as the same message. Hashed so that the header does not expose the key."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "mesa-partes.local"
    return f"<{hashlib.sha256(clave.encode()).hexdigest()[:40]}@{domain}>"


class SmtpSender:
    """Sends one message per connection with the SMTP settings (blocking: call it off the loop)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def configured(self) -> bool:
        return bool(self.settings.smtp_host)

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        assert s.smtp_host
        context = ssl.create_default_context()
        smtp = (
            smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_s, context=context)
            if s.smtp_ssl
            else smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_s)
        )
        with smtp:
            if s.smtp_starttls and not s.smtp_ssl:
                smtp.starttls(context=context)
            if s.smtp_user:
                password = s.smtp_password.get_secret_value() if s.smtp_password else ""
                smtp.login(s.smtp_user, password)
            smtp.send_message(message)


@dataclass(frozen=True)
class Envio:
    """One email to deliver once: its ledger key, recipient and content."""

    clave: str
    destinatario: str
    documento_id: int | None
    correo: Correo


@dataclass
class Resumen:
    enviadas: int = 0
    omitidas: int = 0  # no SMTP server configured
    # Already enviada/omitida/fallida, or attempted by a later stage or a concurrent run.
    sin_cambios: int = 0
    pendientes: int = 0  # failed now, a retry follows
    fallidas: int = 0  # failed for the last time now
    reintento: int | None = None  # the `intento` of the retry asked for


def construir_mensaje(envio: Envio, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = envio.destinatario
    message["Subject"] = envio.correo.asunto
    message["Date"] = format_datetime(datetime.now(ZoneInfo(settings.timezone)))
    message["Message-ID"] = message_id(envio.clave, settings.mail_from)
    # RFC 3834: auto-responders must not answer (no vacation-reply loops with the desk).
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(envio.correo.texto)
    message.add_alternative(envio.correo.html, subtype="html")
    return message


async def entregar(
    envios: Sequence[Envio],
    *,
    intento: int = 0,
    settings: Settings | None = None,
    sender: SmtpSender | None = None,
    reintentar: Reintento | None = None,
) -> Resumen:
    """Send each email that is still to be sent, once (see the module docstring)."""
    settings = settings or get_settings()
    sender = sender or SmtpSender(settings)
    resumen = Resumen()
    if not envios:
        return resumen
    async with session_scope() as session:
        filas = [
            {
                "clave": e.clave,
                "documento_id": e.documento_id,
                "destinatario": e.destinatario,
                "asunto": e.correo.asunto[:300],
                "estado": EstadoNotificacion.PENDIENTE,
                "intentos": 0,
            }
            for e in envios
        ]
        await session.execute(
            pg_insert(Notificacion).values(filas).on_conflict_do_nothing(index_elements=[Notificacion.clave])
        )
    for envio in envios:
        await _entregar_uno(envio, intento, settings, sender, reintentar, resumen)
    return resumen


async def _entregar_uno(
    envio: Envio,
    intento: int,
    settings: Settings,
    sender: SmtpSender,
    reintentar: Reintento | None,
    resumen: Resumen,
) -> None:
    async with session_scope() as session:
        # SKIP LOCKED: a locked row is being sent by a concurrent run right now, which owns the
        # outcome (and its retry); waiting for its SMTP session would gain nothing.
        fila = await session.scalar(
            select(Notificacion).where(Notificacion.clave == envio.clave).with_for_update(skip_locked=True)
        )
        if fila is None or fila.estado != EstadoNotificacion.PENDIENTE or fila.intentos > intento:
            resumen.sin_cambios += 1
            return
        if not sender.configured:
            fila.estado = EstadoNotificacion.OMITIDA
            resumen.omitidas += 1
            logger.info("notificacion.omitida clave=%s reason=no SMTP_HOST", envio.clave)
            return
        message = construir_mensaje(envio, settings)
        fila.intentos += 1
        try:
            await asyncio.to_thread(sender.send, message)
        except (smtplib.SMTPException, OSError) as exc:
            fila.error = f"{type(exc).__name__}: {exc}"[:2000]
            if fila.intentos > MAX_REINTENTOS:
                fila.estado = EstadoNotificacion.FALLIDA
                resumen.fallidas += 1
                logger.error(
                    "notificacion.fallida clave=%s intentos=%d error=%s",
                    envio.clave,
                    fila.intentos,
                    fila.error,
                )
                return
            resumen.pendientes += 1
            logger.warning(
                "notificacion.reintento clave=%s intentos=%d error=%s", envio.clave, fila.intentos, fila.error
            )
            # One retry per run covers every row it leaves pendiente; asked for once this failure
            # is committed, so a run killed later still has its retry.
            if reintentar is not None and resumen.reintento is None:
                siguiente = resumen.reintento = intento + 1

                async def pedir_reintento() -> None:
                    await reintentar(siguiente, backoff(intento))

                after_commit(session, pedir_reintento)
            return
        fila.estado = EstadoNotificacion.ENVIADA
        fila.message_id = message["Message-ID"]
        fila.enviada_at = datetime.now(UTC)
        fila.error = None
        resumen.enviadas += 1
        logger.info("notificacion.enviada clave=%s message_id=%s", envio.clave, fila.message_id)


# ---- document events ------------------------------------------------------------------------


async def enviar_notificacion(
    historial_id: int,
    *,
    intento: int = 0,
    settings: Settings | None = None,
    sender: SmtpSender | None = None,
    reintentar: Reintento | None = None,
) -> dict[str, Any]:
    """Email whoever document event `historial_id` concerns: the sender of a registered document,
    the active users of each area a routing reached. Other events send nothing."""
    settings = settings or get_settings()
    async with session_scope() as session:
        evento = await session.get(Historial, historial_id)
        if evento is None:
            # Events are never deleted on their own: the document is gone, nothing to tell.
            logger.warning("notificacion.sin_evento historial_id=%d", historial_id)
            return {"historial_id": historial_id, "evento": None, **asdict(Resumen())}
        if evento.evento == EventoHistorial.REGISTRADO:
            envios = await _envios_registrado(session, evento, settings)
        elif evento.evento == EventoHistorial.DERIVADO:
            envios = await _envios_derivado(session, evento)
        else:
            envios = []
    resumen = await entregar(envios, intento=intento, settings=settings, sender=sender, reintentar=reintentar)
    return {"historial_id": historial_id, "evento": evento.evento.value, **asdict(resumen)}


def _clave_evento(evento: Historial, email: str) -> str:
    return f"historial:{evento.id}:{email.strip().lower()}"


async def _envios_registrado(session: AsyncSession, evento: Historial, settings: Settings) -> list[Envio]:
    documento = (
        await session.scalars(
            select(Documento)
            .where(Documento.id == evento.documento_id)
            .options(joinedload(Documento.remitente), joinedload(Documento.procedimiento))
        )
    ).one()
    email = documento.remitente.email
    if not email:
        return []
    correo = plantillas.registrado(
        numero_expediente=documento.numero_expediente,
        codigo_verificacion=documento.codigo_verificacion,
        fecha_recepcion=office_time.format_datetime_zone(documento.fecha_recepcion),
        asunto=documento.asunto,
        remitente=documento.remitente.nombre,
        url_seguimiento=url_seguimiento(documento.numero_expediente, documento.codigo_verificacion, settings),
        procedimiento=_procedimiento(documento),
        fecha_limite=texto_fecha_limite(documento.fecha_recepcion, documento.fecha_limite),
    )
    return [Envio(_clave_evento(evento, email), email, documento.id, correo)]


def _procedimiento(documento: Documento) -> str | None:
    p = documento.procedimiento
    return etiquetas.procedimiento(p.codigo, p.nombre) if p is not None else None


def _plazo(derivacion: Derivacion) -> str:
    """The routing's own deadline; without one, the document's legal deadline (its procedure's)."""
    if derivacion.fecha_limite is not None and derivacion.plazo_dias is not None:
        dias = texto_dias_habiles(derivacion.plazo_dias)
        return f"{dias}, vence el {office_time.format_date(derivacion.fecha_limite)}"
    if derivacion.fecha_limite is not None:
        return f"Vence el {office_time.format_date(derivacion.fecha_limite)}"
    documento = derivacion.documento
    if documento.fecha_limite is not None:
        legal = texto_fecha_limite(documento.fecha_recepcion, documento.fecha_limite)
        return f"Plazo legal del trámite: vence el {legal}"
    return "Sin plazo"


async def _envios_derivado(session: AsyncSession, evento: Historial) -> list[Envio]:
    # The routing's rows were written in the event's transaction, and created_at is now(), the
    # transaction's start: equal to the event's created_at, and to no other routing's (two
    # routings of one document cannot share a transaction, the version check serializes them).
    derivaciones = list(
        await session.scalars(
            select(Derivacion)
            .where(Derivacion.documento_id == evento.documento_id, Derivacion.created_at == evento.created_at)
            .options(
                joinedload(Derivacion.documento).joinedload(Documento.procedimiento),
                joinedload(Derivacion.area_origen),
                joinedload(Derivacion.area_destino),
                joinedload(Derivacion.indicacion),
            )
            .order_by(Derivacion.es_copia, Derivacion.id)
        )
    )
    if not derivaciones:
        logger.warning("notificacion.sin_derivaciones historial_id=%d", evento.id)
        return []
    usuarios = list(
        await session.scalars(
            select(Usuario)
            .where(
                Usuario.area_id.in_([d.area_destino_id for d in derivaciones]),
                Usuario.activo.is_(True),
                Usuario.email != "",
            )
            .order_by(Usuario.id)
        )
    )
    envios: dict[str, Envio] = {}
    for d in derivaciones:
        correo = plantillas.derivado(
            numero_expediente=d.documento.numero_expediente,
            asunto=d.documento.asunto,
            area_origen=_nombre_area(d.area_origen),
            area_destino=_nombre_area(d.area_destino),
            es_copia=d.es_copia,
            indicacion=d.indicacion.nombre if d.indicacion else None,
            proveido=d.proveido,
            plazo=_plazo(d),
            prioridad=palabra(PRIORIDAD, d.prioridad),
            estado=palabra(ESTADO_DERIVACION, d.estado),
            fecha_envio=office_time.format_datetime_zone(d.fecha_envio),
            procedimiento=_procedimiento(d.documento),
        )
        for usuario in usuarios:
            if usuario.area_id == d.area_destino_id:
                clave = _clave_evento(evento, usuario.email)
                envios.setdefault(clave, Envio(clave, usuario.email, d.documento_id, correo))
    return list(envios.values())


def _nombre_area(area: Area) -> str:
    return f"{area.nombre} ({area.sigla})" if area.sigla and area.sigla != area.nombre else area.nombre


# ---- daily overdue alert --------------------------------------------------------------------


async def alerta_vencidos(
    *,
    intento: int = 0,
    settings: Settings | None = None,
    sender: SmtpSender | None = None,
    reintentar: Reintento | None = None,
    max_filas: int = MAX_FILAS_VENCIDOS,
) -> dict[str, Any]:
    """One email per active area with overdue open documents, to each of its active users: the
    count and the `max_filas` most overdue. Once per day and recipient."""
    settings = settings or get_settings()
    async with session_scope() as session:
        # The session runs in the office's timezone: the same "today" as `documento_vencido()`.
        hoy = (await session.execute(select(func.current_date()))).scalar_one()
        ranked = (
            select(
                Documento.id,
                Documento.area_actual_id,
                Documento.numero_expediente,
                Documento.asunto,
                Documento.fecha_limite,
                Documento.estado,
                func.row_number()
                .over(partition_by=Documento.area_actual_id, order_by=(Documento.fecha_limite, Documento.id))
                .label("orden"),
                func.count().over(partition_by=Documento.area_actual_id).label("total"),
            )
            .join(Area, Area.id == Documento.area_actual_id)
            .where(documento_vencido(), Area.activo.is_(True))
            .subquery()
        )
        filas = (
            await session.execute(
                select(ranked)
                .where(ranked.c.orden <= max_filas)
                .order_by(ranked.c.area_actual_id, ranked.c.orden)
            )
        ).all()
        por_area: dict[int, list[Any]] = {}
        for fila in filas:
            por_area.setdefault(fila.area_actual_id, []).append(fila)
        areas: dict[int, Area] = {}
        usuarios: list[Usuario] = []
        if por_area:
            areas = {a.id: a for a in await session.scalars(select(Area).where(Area.id.in_(por_area)))}
            usuarios = list(
                await session.scalars(
                    select(Usuario)
                    .where(Usuario.area_id.in_(por_area), Usuario.activo.is_(True), Usuario.email != "")
                    .order_by(Usuario.id)
                )
            )
    envios: list[Envio] = []
    for area_id, vencidos in por_area.items():
        correo = plantillas.vencidos(
            area=_nombre_area(areas[area_id]),
            fecha=hoy,
            total=vencidos[0].total,
            filas=[
                FilaVencido(
                    v.numero_expediente,
                    v.asunto,
                    v.fecha_limite,
                    (hoy - v.fecha_limite).days,  # calendar days, as the overdue report counts
                    palabra(ESTADO_DOCUMENTO, v.estado),
                )
                for v in vencidos
            ],
        )
        for usuario in usuarios:
            if usuario.area_id == area_id:
                clave = f"vencidos:{hoy.isoformat()}:area-{area_id}:{usuario.email.strip().lower()}"
                envios.append(Envio(clave, usuario.email, None, correo))
    resumen = await entregar(envios, intento=intento, settings=settings, sender=sender, reintentar=reintentar)
    resultado = {
        "fecha": hoy.isoformat(),
        "areas": len(por_area),
        "destinatarios": len(envios),
        **asdict(resumen),
    }
    logger.info("alerta_vencidos.completada %s", resultado)
    return resultado
