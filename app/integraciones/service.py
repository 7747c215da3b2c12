"""Integrations (external systems a document is delivered to) and their deliveries.

A delivery is one `integracion_envios` row per document and integration, made by the task
`mesa_partes.sincronizar_integracion`: a signed JSON POST, retried with full-jitter exponential
backoff up to the integration's `max_reintentos`, every attempt appended to `intentos_detalle`.

Each attempt is one unit of work that holds the row lock across the HTTP call: a second copy of
the task (at-least-once delivery, the retry sweep) skips the locked row instead of posting twice,
and a worker killed mid-request commits nothing, so the row stays due and is attempted again
(by Celery's redelivery or by the sweep) under the same `Idempotency-Key`.

Where a URL may point (the SSRF check at registration and at every attempt, the pinned address)
and the POST itself are in `app.integraciones.entrega`; an attempt the check refuses is final.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Select, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.core.config import Settings, get_settings
from app.core.database import after_commit, session_scope
from app.core.errors import Conflict, InvalidInput, NotFound, unique_violation
from app.core.sql import in_literal
from app.core.task_queue import enqueue_after_commit, get_task_queue
from app.documentos.acceso import filtro_visibilidad
from app.documentos.models import Documento, EventoHistorial
from app.documentos.workflow import WorkflowService
from app.integraciones.entrega import Respuesta, post, verificar_url
from app.integraciones.models import EstadoEnvio, Integracion, IntegracionEnvio
from app.integraciones.schemas import EnvioCreate, IntegracionCreate, IntegracionUpdate
from app.usuarios.models import Rol
from app.usuarios.permisos import exigir_rol
from app.usuarios.principal import Principal

# Task names (the queue's contract: stable across deploys).
SINCRONIZAR_INTEGRACION = "mesa_partes.sincronizar_integracion"
REINTENTAR_ENVIOS = "mesa_partes.reintentar_envios"

logger = logging.getLogger("app.integraciones")

# Who may read the integrations: the admin who manages them, the auditor who reads everything and
# the desk clerk who picks one when sending. Only the admin writes; nobody reads the secret.
LECTORES = (Rol.ADMIN, Rol.AUDITOR, Rol.MESA_PARTES)
# Sending is a desk action: mesa de partes (for a document in its area) or an admin anywhere.
QUIENES_ENVIAN = (Rol.ADMIN, Rol.MESA_PARTES)
POR_ENTREGAR = (EstadoEnvio.PENDIENTE, EstadoEnvio.FALLIDO)
LOTE_REINTENTOS = 50
# A retry's countdown runs on the worker's clock, proximo_intento was computed on another host's:
# an attempt up to DESFASE_RELOJ_S early is due. The shortest wait is longer than that, so a
# duplicate copy of a message that just failed is always early and dropped (one retry chain).
DESFASE_RELOJ_S = 0.5
BACKOFF_MIN_S = 2 * DESFASE_RELOJ_S
IDLE_MARGEN_S = 30
EVENTO = "documento.enviado"
TIMESTAMP_HEADER = "X-MesaPartes-Timestamp"
FIRMA_HEADER = "X-MesaPartes-Signature"


class IntegracionService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def listar(self, usuario: Principal) -> list[Integracion]:
        exigir_rol(usuario, *LECTORES)
        return list(await self.session.scalars(select(Integracion).order_by(Integracion.codigo)))

    async def obtener(self, usuario: Principal, integracion_id: int) -> Integracion:
        exigir_rol(usuario, *LECTORES)
        return await self._obtener(integracion_id)

    async def _obtener(self, integracion_id: int) -> Integracion:
        integracion = await self.session.get(Integracion, integracion_id)
        if integracion is None:
            raise NotFound(f"No existe la integración {integracion_id}.")
        return integracion

    async def crear(self, data: IntegracionCreate) -> Integracion:
        await verificar_url(str(data.url))
        values = data.model_dump()
        values.update(url=str(data.url), secreto=data.secreto.get_secret_value())
        # The unique constraint is the arbiter: a duplicate inserts nothing and returns no row.
        stmt = (
            pg_insert(Integracion)
            .values(**values)
            .on_conflict_do_nothing(index_elements=[Integracion.codigo])
            .returning(Integracion)
        )
        integracion = (await self.session.scalars(stmt)).first()
        if integracion is None:
            raise _codigo_duplicado(data.codigo)
        return integracion

    async def actualizar(self, integracion_id: int, data: IntegracionUpdate) -> Integracion:
        integracion = await self._obtener(integracion_id)
        values = data.model_dump(exclude_unset=True)
        if data.url is not None:
            await verificar_url(str(data.url))
            values["url"] = str(data.url)
        if data.secreto is not None:
            values["secreto"] = data.secreto.get_secret_value()
        for name, value in values.items():
            setattr(integracion, name, value)
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError as exc:
            if unique_violation(exc) is None:
                raise
            raise _codigo_duplicado(values["codigo"]) from exc
        return integracion


def ve_respuestas(usuario: Principal) -> bool:
    """Whether the user sees what receivers answered: an answer can carry anything the receiver
    (or whatever the URL reached) had to say, so only the admins who manage integrations do."""
    return usuario.rol is Rol.ADMIN


def _codigo_duplicado(codigo: str) -> Conflict:
    return Conflict(f"Ya existe una integración con el código {codigo}.", field="codigo")


@dataclass(frozen=True)
class Solicitud:
    envio: IntegracionEnvio
    task_id: str | None  # None: the delivery was already under way, nothing new was enqueued


class EnvioService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enviar(self, usuario: Principal, documento_id: int, data: EnvioCreate) -> Solicitud:
        """Ask for the delivery of a document to an integration. Idempotent while a delivery is
        under way (same row, no second task); an exhausted one starts again; a delivered one only
        with `reenviar` (a new delivery, with a new Idempotency-Key for the receiver)."""
        exigir_rol(usuario, *QUIENES_ENVIAN)
        documentos = WorkflowService(self.session)
        documento = await documentos.para_anotar(usuario, documento_id)
        integracion = await self.session.get(Integracion, data.integracion_id)
        if integracion is None or not integracion.activo:
            raise InvalidInput(
                f"No existe la integración {data.integracion_id}, o está inactiva.", field="integracion_id"
            )
        envio = await self._registrar(integracion.id, documento.id)
        if envio is None:
            # SKIP LOCKED: a running attempt holds the row up to its timeout; the request does not wait.
            bloqueado = await self._bloquear(integracion.id, documento.id)
            envio = bloqueado or await self._leer(integracion.id, documento.id)
            set_committed_value(envio, "integracion", integracion)
            if not _hay_que_empezar(envio, integracion, data.reenviar) or bloqueado is None:
                # Already on its way (or being attempted right now): the same row, no new task.
                return Solicitud(envio, None)
            _reiniciar(envio)
        set_committed_value(envio, "integracion", integracion)
        documentos.anotar(
            usuario,
            documento,
            EventoHistorial.ENVIADO_INTEGRACION,
            {"integracion": integracion.codigo, "envio_id": envio.id},
        )
        await self.session.flush()
        task_id = enqueue_after_commit(self.session, SINCRONIZAR_INTEGRACION, {"envio_id": envio.id})
        return Solicitud(envio, task_id)

    async def _registrar(self, integracion_id: int, documento_id: int) -> IntegracionEnvio | None:
        """The new delivery row, or None when the pair already has one (the unique key decides)."""
        stmt = (
            pg_insert(IntegracionEnvio)
            .values(
                integracion_id=integracion_id,
                documento_id=documento_id,
                estado=EstadoEnvio.PENDIENTE,
                proximo_intento=func.now(),  # due now: the sweep finds it should its task be lost
            )
            .on_conflict_do_nothing(
                index_elements=[IntegracionEnvio.integracion_id, IntegracionEnvio.documento_id]
            )
            .returning(IntegracionEnvio)
        )
        return (await self.session.scalars(stmt)).first()

    def _por_clave(self, integracion_id: int, documento_id: int) -> Select[IntegracionEnvio]:
        return select(IntegracionEnvio).where(
            IntegracionEnvio.integracion_id == integracion_id, IntegracionEnvio.documento_id == documento_id
        )

    async def _bloquear(self, integracion_id: int, documento_id: int) -> IntegracionEnvio | None:
        query = self._por_clave(integracion_id, documento_id).with_for_update(skip_locked=True)
        return (await self.session.scalars(query.execution_options(populate_existing=True))).first()

    async def _leer(self, integracion_id: int, documento_id: int) -> IntegracionEnvio:
        return (await self.session.scalars(self._por_clave(integracion_id, documento_id))).one()

    async def de_documento(self, usuario: Principal, documento_id: int) -> list[IntegracionEnvio]:
        """Every delivery of a document visible to the user (the detail's visibility rule, 404
        otherwise), with its integration and attempts: two statements whatever their number."""
        visible = await self.session.scalar(
            select(Documento.id).where(Documento.id == documento_id, filtro_visibilidad(usuario))
        )
        if visible is None:
            raise NotFound(f"No existe el documento {documento_id}.")
        query = (
            select(IntegracionEnvio)
            .where(IntegracionEnvio.documento_id == documento_id)
            .options(joinedload(IntegracionEnvio.integracion, innerjoin=True))
            .order_by(IntegracionEnvio.id)
        )
        return list(await self.session.scalars(query))


def _hay_que_empezar(envio: IntegracionEnvio, integracion: Integracion, reenviar: bool) -> bool:
    if envio.estado is EstadoEnvio.ENTREGADO:
        if not reenviar:
            raise Conflict(
                f"El documento ya fue entregado a {integracion.codigo}; "
                "envíe reenviar=true para entregarlo de nuevo.",
                field="reenviar",
                estado_actual=envio.estado.value,
            )
        return True
    # Given up (retries exhausted or integration deactivated): asking again starts a new round.
    return envio.estado is EstadoEnvio.FALLIDO and envio.proximo_intento is None


def _reiniciar(envio: IntegracionEnvio) -> None:
    """A new round of attempts with a fresh retry budget; the earlier attempts stay in the history."""
    envio.estado = EstadoEnvio.PENDIENTE
    envio.intentos = 0
    envio.ultimo_error = None
    envio.codigo_respuesta = None
    envio.entregado_at = None
    envio.proximo_intento = datetime.now(UTC)


# ---- the delivery itself (task bodies) -------------------------------------------------------------


def numero_entrega(envio: IntegracionEnvio) -> int:
    """Deliveries count from 1; each accepted one (2xx) ends one. A retried attempt keeps the
    number, so the receiver sees the same Idempotency-Key and can drop a duplicate."""
    return 1 + sum(1 for item in envio.intentos_detalle if _exito(item.get("codigo_respuesta")))


def idempotency_key(envio_id: int, entrega: int) -> str:
    return f"mp-envio-{envio_id}-{entrega}"


def cuerpo(documento: Documento, envio_id: int, entrega: int) -> bytes:
    """Canonical JSON (sorted keys, no spaces) of the document's public data. Never the
    verification code: that is the citizen's key to the public tracking page."""
    remitente = documento.remitente
    payload = {
        "evento": EVENTO,
        "envio_id": envio_id,
        "entrega": entrega,
        "documento": {
            "id": documento.id,
            "numero_expediente": documento.numero_expediente,
            "tipo_documento": {
                "codigo": documento.tipo_documento.codigo,
                "nombre": documento.tipo_documento.nombre,
            },
            "numero_documento": documento.numero_documento,
            "asunto": documento.asunto,
            "folios": documento.folios,
            "remitente": {
                "nombre": remitente.nombre,
                "tipo_persona": remitente.tipo_persona.value,
                "tipo_documento_identidad": remitente.tipo_documento_identidad.value,
                "numero_documento_identidad": remitente.numero_documento_identidad,
            },
            "canal": documento.canal.value,
            "prioridad": documento.prioridad.value,
            "estado": documento.estado.value,
            "area": {"codigo": documento.area_actual.codigo, "nombre": documento.area_actual.nombre},
            "fecha_recepcion": documento.fecha_recepcion,
            "fecha_limite": documento.fecha_limite,
        },
    }
    return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z)


def firma(secreto: str, timestamp: int, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 of "<timestamp>.<body>" with the integration's secret."""
    mac = hmac.new(secreto.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def backoff_s(intentos: int, settings: Settings | None = None) -> float:
    """Full jitter: uniform over [0, min(max, base·2^(n-1))] after the n-th failed attempt,
    with a small floor so that a retry never fires in the same instant."""
    settings = settings or get_settings()
    cap = min(settings.integracion_backoff_max_s, settings.integracion_backoff_base_s * 2 ** (intentos - 1))
    return max(BACKOFF_MIN_S, random.uniform(0, cap))


def _exito(codigo: Any) -> bool:
    return isinstance(codigo, int) and 200 <= codigo < 300


async def publicar(integracion: Integracion, body: bytes, key: str) -> Respuesta:
    """One signed POST; any outcome (2xx, another status, timeout, connection error, a destination
    the SSRF check refuses) is an answer."""
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "mesa-partes-integraciones",
        TIMESTAMP_HEADER: str(timestamp),
        FIRMA_HEADER: firma(integracion.secreto, timestamp, body),
        "Idempotency-Key": key,
    }
    return await post(integracion.url, body, headers, integracion.timeout_s)


async def _documento(session: AsyncSession, documento_id: int) -> Documento:
    query = (
        select(Documento)
        .where(Documento.id == documento_id)
        .options(
            joinedload(Documento.tipo_documento, innerjoin=True),
            joinedload(Documento.remitente, innerjoin=True),
            joinedload(Documento.area_actual, innerjoin=True),
        )
    )
    return (await session.scalars(query)).one()


async def sincronizar(envio_id: int) -> dict[str, Any]:
    """One delivery attempt of envio `envio_id`, if one is due; the outcome recorded on the row."""
    async with session_scope() as session:
        query = (
            select(IntegracionEnvio)
            .where(IntegracionEnvio.id == envio_id)
            .options(joinedload(IntegracionEnvio.integracion, innerjoin=True))
            .with_for_update(of=IntegracionEnvio, skip_locked=True)
        )
        envio = (await session.scalars(query)).first()
        ahora = datetime.now(UTC)
        if envio is None:
            # Locked: another copy of this task is attempting it right now. Or gone with its document.
            return _resultado(envio_id, "ocupado")
        if envio.estado is EstadoEnvio.ENTREGADO:
            return _resultado(envio_id, "ya_entregado")
        if envio.proximo_intento is None:
            return _resultado(envio_id, "abandonado")
        if envio.proximo_intento > ahora + timedelta(seconds=DESFASE_RELOJ_S):
            return _resultado(envio_id, "temprano")  # a duplicate of an earlier attempt's message
        integracion = envio.integracion
        if not integracion.activo:
            envio.estado, envio.proximo_intento = EstadoEnvio.FALLIDO, None
            envio.ultimo_error = "La integración fue desactivada."
            logger.warning("integracion.inactiva envio=%s integracion=%s", envio_id, integracion.codigo)
            return _resultado(envio_id, "inactiva")
        # Should this worker vanish mid-request (host down, no TCP reset), the server ends the
        # transaction, releasing the row for a retry, once it idled past any honest attempt.
        idle_ms = (integracion.timeout_s + IDLE_MARGEN_S) * 1000
        await session.execute(
            select(func.set_config("idle_in_transaction_session_timeout", str(idle_ms), True))
        )
        entrega = numero_entrega(envio)
        body = cuerpo(await _documento(session, envio.documento_id), envio.id, entrega)
        respuesta = await publicar(integracion, body, idempotency_key(envio.id, entrega))
        return _registrar_intento(session, envio, integracion, entrega, ahora, respuesta)


def _registrar_intento(
    session: AsyncSession,
    envio: IntegracionEnvio,
    integracion: Integracion,
    entrega: int,
    inicio: datetime,
    respuesta: Respuesta,
) -> dict[str, Any]:
    envio.intentos += 1
    # A new list, not an in-place append: SQLAlchemy only sees a reassigned JSONB value.
    envio.intentos_detalle = [
        *envio.intentos_detalle,
        {
            "intento": envio.intentos,
            "entrega": entrega,
            "at": inicio.isoformat(),
            "codigo_respuesta": respuesta.codigo,
            "error": respuesta.error,
            "respuesta": respuesta.extracto,
            "ms": respuesta.ms,
        },
    ]
    envio.codigo_respuesta = respuesta.codigo
    envio.ultimo_error = respuesta.error
    log = f"envio={envio.id} integracion={integracion.codigo} intento={envio.intentos} ms={respuesta.ms}"
    if respuesta.error is None:
        envio.estado, envio.entregado_at, envio.proximo_intento = (
            EstadoEnvio.ENTREGADO,
            datetime.now(UTC),
            None,
        )
        logger.info("integracion.entregada %s codigo=%s", log, respuesta.codigo)
        return _resultado(envio.id, "entregado")
    envio.estado = EstadoEnvio.FALLIDO
    if respuesta.rechazado:
        # Not a passing failure: the URL points where no delivery may go (now). Given up at once.
        envio.proximo_intento = None
        logger.warning("integracion.rechazada %s error=%r", log, respuesta.error)
        return _resultado(envio.id, "rechazado")
    if envio.intentos >= 1 + integracion.max_reintentos:
        envio.proximo_intento = None
        logger.warning("integracion.agotada %s error=%r", log, respuesta.error)
        return _resultado(envio.id, "agotado")
    espera = backoff_s(envio.intentos)
    envio.proximo_intento = datetime.now(UTC) + timedelta(seconds=espera)
    envio_id = envio.id

    async def reintentar() -> None:
        # After the commit, so the retry finds the row unlocked and its new proximo_intento.
        await asyncio.to_thread(
            get_task_queue().enqueue, SINCRONIZAR_INTEGRACION, {"envio_id": envio_id}, countdown=espera
        )

    after_commit(session, reintentar)
    logger.info("integracion.reintento %s error=%r espera_s=%.2f", log, respuesta.error, espera)
    return _resultado(envio.id, "reintento")


def _resultado(envio_id: int, resultado: str) -> dict[str, Any]:
    return {"envio_id": envio_id, "resultado": resultado}


def consulta_vencidos() -> Select[int]:
    """Due deliveries, oldest first, but those an attempt holds now (ix_integracion_envios_pendientes)."""
    return (
        select(IntegracionEnvio.id)
        .where(
            # Literals, so that a generic plan still matches the partial index's predicate.
            in_literal(IntegracionEnvio.estado, POR_ENTREGAR),
            IntegracionEnvio.proximo_intento <= func.now(),
        )
        .order_by(IntegracionEnvio.proximo_intento)
        .limit(LOTE_REINTENTOS)
        .with_for_update(skip_locked=True)
    )


async def reintentar_envios() -> int:
    """The sweep (beat, every minute): enqueue an attempt for each due delivery whose retry message
    was lost."""
    async with session_scope() as session:
        ids = list(await session.scalars(consulta_vencidos()))
        for envio_id in ids:
            enqueue_after_commit(session, SINCRONIZAR_INTEGRACION, {"envio_id": envio_id})
    if ids:
        logger.info("integracion.barrido envios=%s", len(ids))
    return len(ids)
