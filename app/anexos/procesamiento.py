"""Background processing of attachments: sha256, sniffed type and pages of a stored file, and the
sweep that queues again the ones whose task was lost."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select, update

from app.anexos import contenido
from app.anexos.archivos import ruta_segura
from app.anexos.models import Anexo, EstadoProcesamiento
from app.core.database import session_scope
from app.core.errors import NotFound
from app.core.sql import in_literal
from app.core.task_queue import get_task_queue

# Task names (the queue's contract: stable across deploys).
PROCESAR_ANEXO = "mesa_partes.procesar_anexo"
REPROCESAR_ANEXOS = "mesa_partes.reprocesar_anexos"
logger = logging.getLogger("app.anexos")


@dataclass(frozen=True)
class Analisis:
    sha256: str | None
    content_type: str | None
    paginas: int | None
    error: str | None
    alertas: list[str] | None = None  # None: not scanned (the file could not be used)


def analizar(path: Path | None, tamano_esperado: int) -> Analisis:
    """sha256 (streamed), sniffed type, page count and alerts (app.anexos.alertas) of a stored file,
    or why it cannot be used."""
    if path is None:
        return Analisis(None, None, None, "La ruta guardada está fuera del directorio de almacenamiento.")
    try:
        tamano = path.stat().st_size
    except FileNotFoundError:
        return Analisis(None, None, None, "Falta el archivo guardado.")
    sha256 = contenido.sha256_de(path)
    if tamano != tamano_esperado:
        return Analisis(
            sha256, None, None, f"El archivo guardado tiene {tamano} bytes; se subieron {tamano_esperado}."
        )
    try:
        inspeccion = contenido.inspeccionar(path)
    except contenido.ArchivoInvalido as exc:
        return Analisis(sha256, contenido.tipo_de_archivo(path), None, str(exc))
    return Analisis(sha256, inspeccion.content_type, inspeccion.paginas, None, list(inspeccion.alertas))


async def procesar_anexo(anexo_id: int) -> dict[str, Any]:
    """Idempotent: an attachment already processed (or failed) is left as it is, and the update only
    applies while the row is still pending, so two deliveries of the task record one outcome."""
    async with session_scope() as session:
        anexo = await session.get(Anexo, anexo_id)
        if anexo is None:
            raise NotFound(f"No existe el anexo {anexo_id}.")
        if anexo.estado_procesamiento is not EstadoProcesamiento.PENDIENTE:
            return {"anexo_id": anexo_id, "estado": anexo.estado_procesamiento.value, "cambiado": False}
        path, tamano = ruta_segura(anexo), anexo.tamano_bytes
    # No connection is held while the file is read; this is the worker's own thread, so blocking
    # here blocks no one (and a soft time limit can interrupt a pathological PDF).
    analisis = analizar(path, tamano)
    estado = EstadoProcesamiento.FALLIDO if analisis.error else EstadoProcesamiento.PROCESADO
    async with session_scope() as session:
        result = await session.execute(
            update(Anexo)
            .where(Anexo.id == anexo_id, Anexo.estado_procesamiento == EstadoProcesamiento.PENDIENTE)
            .values(
                sha256=analisis.sha256,
                content_type=analisis.content_type or Anexo.content_type,
                paginas=analisis.paginas,
                estado_procesamiento=estado,
                error=analisis.error,
                alertas=analisis.alertas,
            )
            .returning(Anexo.id)
        )
        cambiado = result.scalar_one_or_none() is not None
    if cambiado:
        log = logger.warning if analisis.error or analisis.alertas else logger.info
        log(
            "anexo.%s anexo_id=%s error=%r alertas=%s",
            estado.value,
            anexo_id,
            analisis.error,
            analisis.alertas,
        )
    return {"anexo_id": anexo_id, "estado": estado.value, "cambiado": cambiado, "error": analisis.error}


def consulta_pendientes(antiguedad_s: int = 600, limite: int = 500) -> Select[int]:
    """Attachments pending for longer than `antiguedad_s`, oldest first (ix_anexos_pendientes)."""
    return (
        select(Anexo.id)
        .where(
            # A literal, so that a generic plan still matches the partial index's predicate.
            in_literal(Anexo.estado_procesamiento, [EstadoProcesamiento.PENDIENTE]),
            Anexo.created_at < func.now() - func.make_interval(0, 0, 0, 0, 0, 0, antiguedad_s),
        )
        .order_by(Anexo.created_at)
        .limit(limite)
    )


async def reencolar_pendientes(antiguedad_s: int = 600, limite: int = 500) -> list[int]:
    """Attachments still pending long after their upload lost their task (run in-process by an API
    process that stopped, a purged queue): queue them again. Processing is idempotent, so one that
    is merely slow is processed once all the same."""
    async with session_scope() as session:
        ids = list(await session.scalars(consulta_pendientes(antiguedad_s, limite)))
    queue = get_task_queue()
    for anexo_id in ids:
        queue.enqueue(PROCESAR_ANEXO, {"anexo_id": anexo_id})
    if ids:
        logger.warning("anexo.reencolados count=%d", len(ids))
    return ids
