"""The generation of one report, run by a worker (app/reportes/tasks.py): at least once, effect once.

A run holds a PostgreSQL advisory lock on the report for its whole duration (on a connection of
its own, so the lock dies with the process), re-reads the row, and does nothing when the report is
already complete. Rows are streamed from a server-side cursor into the workbook
(app/reportes/excel.py), written to a partial file in the same directory and renamed over the
final name at the end: a reader never sees half a file, and a failed run leaves none behind.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.core.config import get_settings
from app.core.database import current_database, session_scope
from app.core.task_queue import cancellation_reason
from app.estadisticas.schemas import Estadisticas
from app.estadisticas.service import EstadisticaService
from app.reportes.excel import NUMERO, Columna, Desglose, HojaDatos, LibroExcel
from app.reportes.listados import LISTADOS, Listado
from app.reportes.models import EstadoReporte, Reporte, TipoReporte
from app.reportes.schemas import PARAMETROS, ParametrosEstadisticas
from app.usuarios.models import Usuario
from app.usuarios.principal import Principal

logger = logging.getLogger("app.reportes")

# pg_locks.classid of a report run's advisory lock (objid is the report id): "RP".
LOCK_CLASS = 0x5250
MAX_ERROR = 2000


def directorio_reportes() -> Path:
    return get_settings().storage_dir / "reportes"


@dataclass(frozen=True)
class Trabajo:
    """What a run needs from the row, read once under the lock."""

    reporte_id: int
    tipo: TipoReporte
    parametros: dict[str, Any]
    usuario: Principal
    solicitante: str
    solicitado_at: datetime


def _clave(reporte_id: int) -> int:
    """The report id as the lock's signed int4 objid (ids are bigint; the low 32 bits are kept)."""
    bajo = reporte_id & 0xFFFFFFFF
    return bajo - (1 << 32) if bajo >= 1 << 31 else bajo


@asynccontextmanager
async def candado(engine: AsyncEngine, reporte_id: int) -> AsyncIterator[AsyncConnection | None]:
    """A session-level advisory lock on the report, held on a dedicated autocommit connection;
    None when another live run holds it. A killed process's connection closes, which frees it."""
    async with engine.connect() as conexion:
        conexion = await conexion.execution_options(isolation_level="AUTOCOMMIT")
        clave = _clave(reporte_id)
        if not await conexion.scalar(select(func.pg_try_advisory_lock(LOCK_CLASS, clave))):
            yield None
            return
        try:
            yield conexion
        finally:
            try:
                await conexion.scalar(select(func.pg_advisory_unlock(LOCK_CLASS, clave)))
            except BaseException as exc:
                # A pooled connection must never keep the lock: close it, which frees it. (A run
                # cancelled mid-statement on this connection leaves it unusable: not an error of
                # its own, the run's exception is the one to report.)
                await conexion.invalidate()
                if not isinstance(exc, Exception):
                    raise
                logger.info("reporte.candado_cerrado id=%s reason=%r", reporte_id, exc)


def _mensaje(exc: BaseException) -> str:
    motivo = cancellation_reason(exc)
    if motivo is not None:
        return motivo[:MAX_ERROR]
    texto = str(exc).strip()
    return (f"{type(exc).__name__}: {texto}" if texto else type(exc).__name__)[:MAX_ERROR]


def _limpiar_restos(directorio: Path, reporte_id: int) -> None:
    """Partial files and temporary directories of earlier runs of this report that were killed
    (only a lock holder calls this, so none of them is in use)."""
    for resto in directorio.glob(f"{reporte_id}.xlsx.*.partial"):
        resto.unlink(missing_ok=True)
    for resto in directorio.glob(f"{reporte_id}.*.tmp"):
        shutil.rmtree(resto, ignore_errors=True)


async def _iniciar(reporte_id: int, task_id: str | None) -> Trabajo | str:
    """Mark the report procesando and return what the run needs; or why there is nothing to do."""
    async with session_scope() as session:
        reporte = await session.get(Reporte, reporte_id)
        if reporte is None:
            return "desconocido"
        if reporte.estado is EstadoReporte.COMPLETADO:
            return "ya_completado"
        usuario = await session.get(Usuario, reporte.solicitado_por_id)
        assert usuario is not None  # RESTRICT foreign key
        reporte.estado = EstadoReporte.PROCESANDO
        reporte.iniciado_at = datetime.now(UTC)
        reporte.finalizado_at = None
        reporte.filas = 0
        reporte.error = None
        reporte.ruta_archivo = None
        reporte.task_id = task_id or reporte.task_id
        return Trabajo(
            reporte_id=reporte.id,
            tipo=reporte.tipo,
            parametros=dict(reporte.parametros),
            usuario=Principal(id=usuario.id, rol=usuario.rol, area_id=usuario.area_id),
            solicitante=f"{usuario.nombre_completo} ({usuario.username})",
            solicitado_at=reporte.created_at,
        )


async def _escribir_listado(
    libro: LibroExcel, listado: Listado, control: AsyncConnection, reporte_id: int
) -> int:
    """Stream the statement into its sheet; the progress goes out every `report_progress_rows`."""
    settings = get_settings()
    hoja = HojaDatos(libro, listado.hoja, listado.columnas)
    desglose = listado.desglose
    avisado = 0
    async with current_database().engine.connect() as conexion:
        # A report may scan for longer than a request may: its task's time limit bounds it instead.
        limite_ms = str(settings.task_time_limit_s * 1000)
        await conexion.execute(select(func.set_config("statement_timeout", limite_ms, True)))
        resultado = await conexion.stream(
            listado.consulta.execution_options(yield_per=settings.report_fetch_rows)
        )
        async for lote in resultado.partitions():
            for fila in lote:
                hoja.escribir(fila)
                if desglose.columna is not None:
                    desglose.conteo[str(fila[desglose.columna])] += 1
            if hoja.filas - avisado >= settings.report_progress_rows:
                avisado = hoja.filas
                await control.execute(update(Reporte).where(Reporte.id == reporte_id).values(filas=avisado))
    hoja.cerrar()
    return hoja.filas


async def _escribir_estadisticas(libro: LibroExcel, trabajo: Trabajo, desglose: Desglose) -> int:
    """The aggregates of GET /estadisticas (computed now, not read from the cache), one sheet each."""
    p = ParametrosEstadisticas.model_validate(trabajo.parametros)
    async with session_scope() as session:
        datos: Estadisticas = await EstadisticaService(session).resumen(
            trabajo.usuario, p.fecha_desde, p.fecha_hasta, refresh=True
        )
    desglose.totales = [
        ("Documentos", datos.total),
        ("Vencidos", datos.vencidos),
        (
            "Tiempo medio de atención (días)",
            "sin datos" if datos.tiempo_medio_atencion_dias is None else datos.tiempo_medio_atencion_dias,
        ),
    ]
    desglose.conteo.update({c.clave: c.total for c in datos.por_estado})
    filas = 0
    for nombre, clave, conteos in (
        ("Por estado", "Estado", datos.por_estado),
        ("Por área", "Área", datos.por_area),
        ("Por tipo", "Tipo de documento", datos.por_tipo),
        ("Por mes", "Mes", datos.por_mes),
    ):
        hoja = HojaDatos(libro, nombre, (Columna(clave, 36), Columna("Documentos", 12, NUMERO)))
        for conteo in conteos:
            hoja.escribir((conteo.clave, conteo.total))
        hoja.cerrar()
        filas += hoja.filas
    return filas


async def _generar_archivo(
    trabajo: Trabajo, destino: Path, temporales: Path, control: AsyncConnection
) -> int:
    libro = LibroExcel(destino, temporales)
    if trabajo.tipo is TipoReporte.ESTADISTICAS:
        desglose = Desglose("Estado", "Documentos")
        filas = await _escribir_estadisticas(libro, trabajo, desglose)
    else:
        parametros = PARAMETROS[trabajo.tipo].model_validate(trabajo.parametros)
        listado = LISTADOS[trabajo.tipo](trabajo.usuario, parametros)
        desglose = listado.desglose
        filas = await _escribir_listado(libro, listado, control, trabajo.reporte_id)
    libro.escribir_resumen(trabajo, filas, desglose)
    # Zips the sheets' temporary files into the partial file. On this loop, not in a thread: a
    # cancellation must not leave a thread writing a file that the clean-up has just removed.
    libro.cerrar()
    return filas


async def _marcar_error(reporte_id: int, mensaje: str) -> None:
    async with session_scope() as session:
        await session.execute(
            update(Reporte)
            .where(Reporte.id == reporte_id)
            .values(estado=EstadoReporte.ERROR, error=mensaje, finalizado_at=func.now())
        )


async def generar_reporte(reporte_id: int, task_id: str | None = None) -> dict[str, Any]:
    """Generate report `reporte_id` unless it is complete or another live run is at it. Returns
    {"reporte_id", "resultado": completado | ya_completado | en_curso | desconocido, "filas"}."""
    async with candado(current_database().engine, reporte_id) as control:
        if control is None:
            logger.info("reporte.en_curso id=%s task_id=%s: another run holds it", reporte_id, task_id)
            return {"reporte_id": reporte_id, "resultado": "en_curso"}
        trabajo = await _iniciar(reporte_id, task_id)
        if isinstance(trabajo, str):
            logger.info("reporte.omitido id=%s task_id=%s resultado=%s", reporte_id, task_id, trabajo)
            return {"reporte_id": reporte_id, "resultado": trabajo}
        logger.info("reporte.iniciado id=%s tipo=%s task_id=%s", reporte_id, trabajo.tipo.value, task_id)
        directorio = directorio_reportes()
        directorio.mkdir(parents=True, exist_ok=True)
        _limpiar_restos(directorio, reporte_id)
        etiqueta = re.sub(r"[^A-Za-z0-9-]", "", task_id or "")[:64] or uuid.uuid4().hex
        final = directorio / f"{reporte_id}.xlsx"
        parcial = directorio / f"{reporte_id}.xlsx.{etiqueta}.partial"
        temporales = directorio / f"{reporte_id}.{etiqueta}.tmp"
        temporales.mkdir(exist_ok=True)
        try:
            filas = await _generar_archivo(trabajo, parcial, temporales, control)
            os.replace(parcial, final)
            async with session_scope() as session:
                await session.execute(
                    update(Reporte)
                    .where(Reporte.id == reporte_id)
                    .values(
                        estado=EstadoReporte.COMPLETADO,
                        filas=filas,
                        ruta_archivo=str(final.relative_to(get_settings().storage_dir)),
                        finalizado_at=func.now(),
                        error=None,
                    )
                )
        except BaseException as exc:
            parcial.unlink(missing_ok=True)
            mensaje = _mensaje(exc)
            logger.warning("reporte.error id=%s task_id=%s error=%s", reporte_id, task_id, mensaje)
            try:
                await _marcar_error(reporte_id, mensaje)
            except Exception:
                logger.exception("reporte.error_no_registrado id=%s", reporte_id)
            raise
        finally:
            shutil.rmtree(temporales, ignore_errors=True)
        logger.info("reporte.completado id=%s filas=%s task_id=%s", reporte_id, filas, task_id)
        return {"reporte_id": reporte_id, "resultado": "completado", "filas": filas}
