"""The generation of one report, run by a worker (app/reportes/tasks.py): at least once, effect once.

A run holds a PostgreSQL advisory lock on the report for its whole duration (on a connection of
its own, so the lock dies with the process) and takes the report under a lease (app/reportes/lease.py:
a conditional UPDATE, renewed from a thread while the run lives, and the fencing token that the
progress, the completion and the error must match); it does nothing when the report is complete,
failed or out of attempts. Rows are streamed from a server-side cursor into the workbook
(app/reportes/excel.py), written to a partial file in the same directory and renamed over the
final name at the end, in the transaction that completes the row: a reader never sees half a
file, a failed run leaves none behind, and a run that lost its lease renames nothing.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.core.config import get_settings
from app.core.database import current_database, session_scope
from app.core.task_queue import cancellation_reason
from app.estadisticas.schemas import Estadisticas
from app.estadisticas.service import EstadisticaService
from app.reportes.excel import NUMERO, Columna, Desglose, HojaDatos, LibroExcel
from app.reportes.lease import (
    Latido,
    LeasePerdido,
    Toma,
    agotar,
    avanzar,
    completar,
    etiqueta,
    limpiar_restos,
    marcar_error,
    tomar,
)
from app.reportes.listados import LISTADOS, Listado
from app.reportes.models import EstadoReporte, Reporte, TipoReporte
from app.reportes.schemas import PARAMETROS, ParametrosEstadisticas
from app.usuarios.models import Usuario
from app.usuarios.principal import Principal

logger = logging.getLogger("app.reportes")

# pg_locks.classid of a report run's advisory lock (objid is the report id): "RP".
LOCK_CLASS = 0x5250
MAX_ERROR = 2000
# A message for a report queued again while its stalled run still holds the lock: checks every
# second, for a lease and this margin at most.
ESPERA_PASO_S = 1.0
ESPERA_MARGEN_S = 5.0


def directorio_reportes() -> Path:
    return get_settings().storage_dir / "reportes"


@dataclass(frozen=True)
class Trabajo:
    """What a run needs from the row, read once under the lock."""

    reporte_id: int
    intento: int
    tipo: TipoReporte
    parametros: dict[str, Any]
    usuario: Principal
    solicitante: str
    solicitado_at: datetime


def _clave(reporte_id: int) -> int:
    """The report id as the lock's signed int4 objid (ids are bigint; the low 32 bits are kept)."""
    bajo = reporte_id & 0xFFFFFFFF
    return bajo - (1 << 32) if bajo >= 1 << 31 else bajo


async def _espera_candado(reporte_id: int) -> float:
    """How long to wait for a held lock: a report queued again by the sweep (pendiente, taken
    before) may still be locked by its stalled run, which gives up within a lease once it resumes;
    any other message finds the run that holds it alive and leaves at once."""
    async with session_scope() as session:
        fila = (
            await session.execute(select(Reporte.estado, Reporte.intentos).where(Reporte.id == reporte_id))
        ).one_or_none()
    if fila is None or fila[0] is not EstadoReporte.PENDIENTE or fila[1] == 0:
        return 0.0
    return get_settings().report_lease_s + ESPERA_MARGEN_S


@asynccontextmanager
async def candado(engine: AsyncEngine, reporte_id: int) -> AsyncIterator[AsyncConnection | None]:
    """A session-level advisory lock on the report, held on a dedicated autocommit connection;
    None when another live run holds it. A killed process's connection closes, which frees it."""
    async with engine.connect() as conexion:
        conexion = await conexion.execution_options(isolation_level="AUTOCOMMIT")
        clave = _clave(reporte_id)
        hasta: float | None = None
        while not await conexion.scalar(select(func.pg_try_advisory_lock(LOCK_CLASS, clave))):
            if hasta is None:
                hasta = time.monotonic() + await _espera_candado(reporte_id)
            if time.monotonic() >= hasta:
                yield None
                return
            await asyncio.sleep(ESPERA_PASO_S)
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


async def _iniciar(reporte_id: int, task_id: str | None) -> Toma | str:
    """Take the report (lease.tomar); or why there is nothing to do."""
    toma = await tomar(reporte_id, task_id)
    if toma is None:
        async with session_scope() as session:
            estado = await session.scalar(select(Reporte.estado).where(Reporte.id == reporte_id))
        if estado is None:
            return "desconocido"
        if estado is EstadoReporte.COMPLETADO:
            return "ya_completado"
        if estado is EstadoReporte.ERROR:
            return "ya_fallido"
        # Open with no attempts left: its last run died (this run holds the lock, so none is alive).
        if await agotar(reporte_id) is not None:
            limpiar_restos(directorio_reportes(), reporte_id)
            logger.warning("reporte.agotado id=%s task_id=%s", reporte_id, task_id)
        return "agotado"
    return toma


async def _trabajo(reporte_id: int, toma: Toma) -> Trabajo:
    """What the run needs besides the row: its requester (whose visibility the report follows)."""
    async with session_scope() as session:
        usuario = await session.get(Usuario, toma.solicitado_por_id)
    assert usuario is not None  # RESTRICT foreign key
    return Trabajo(
        reporte_id=reporte_id,
        intento=toma.intento,
        tipo=TipoReporte(toma.tipo),
        parametros=toma.parametros,
        usuario=Principal(id=usuario.id, rol=usuario.rol, area_id=usuario.area_id),
        solicitante=f"{usuario.nombre_completo} ({usuario.username})",
        solicitado_at=toma.created_at,
    )


async def _escribir_listado(
    libro: LibroExcel, listado: Listado, control: AsyncConnection, trabajo: Trabajo, latido: Latido
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
            latido.comprobar()
            for fila in lote:
                hoja.escribir(fila)
                if desglose.columna is not None:
                    desglose.conteo[str(fila[desglose.columna])] += 1
            if hoja.filas - avisado >= settings.report_progress_rows:
                avisado = hoja.filas
                await avanzar(control, trabajo.reporte_id, trabajo.intento, avisado)
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
    trabajo: Trabajo, destino: Path, temporales: Path, control: AsyncConnection, latido: Latido
) -> int:
    libro = LibroExcel(destino, temporales)
    if trabajo.tipo is TipoReporte.ESTADISTICAS:
        desglose = Desglose("Estado", "Documentos")
        filas = await _escribir_estadisticas(libro, trabajo, desglose)
    else:
        parametros = PARAMETROS[trabajo.tipo].model_validate(trabajo.parametros)
        listado = LISTADOS[trabajo.tipo](trabajo.usuario, parametros)
        desglose = listado.desglose
        filas = await _escribir_listado(libro, listado, control, trabajo, latido)
    libro.escribir_resumen(trabajo, filas, desglose)
    # Zips the sheets' temporary files into the partial file. On this loop, not in a thread: a
    # cancellation must not leave a thread writing a file that the clean-up has just removed.
    libro.cerrar()
    latido.comprobar()
    return filas


async def generar_reporte(reporte_id: int, task_id: str | None = None) -> dict[str, Any]:
    """Generate report `reporte_id` unless it is finished, out of attempts or another live run is at
    it. Returns {"reporte_id", "resultado": completado | ya_completado | ya_fallido | agotado |
    en_curso | desconocido | lease_perdido, "filas"}."""
    engine = current_database().engine
    async with candado(engine, reporte_id) as control:
        if control is None:
            logger.info("reporte.en_curso id=%s task_id=%s: another run holds it", reporte_id, task_id)
            return {"reporte_id": reporte_id, "resultado": "en_curso"}
        toma = await _iniciar(reporte_id, task_id)
        if isinstance(toma, str):
            logger.info("reporte.omitido id=%s task_id=%s resultado=%s", reporte_id, task_id, toma)
            return {"reporte_id": reporte_id, "resultado": toma}
        # From here on (no await before the `try`) the run ends the report or hands it over.
        intento = toma.intento
        directorio = directorio_reportes()
        directorio.mkdir(parents=True, exist_ok=True)
        marca = etiqueta(intento, task_id, uuid.uuid4().hex)
        # Earlier attempts are dead (this run holds the lock and took the report from them).
        limpiar_restos(directorio, reporte_id, salvo=marca)
        final = directorio / f"{reporte_id}.xlsx"
        parcial = directorio / f"{reporte_id}.xlsx.{marca}.partial"
        temporales = directorio / f"{reporte_id}.{marca}.tmp"
        temporales.mkdir(exist_ok=True)
        try:
            with Latido(reporte_id, intento) as latido:
                trabajo = await _trabajo(reporte_id, toma)
                logger.info(
                    "reporte.iniciado id=%s tipo=%s intento=%s task_id=%s",
                    reporte_id, trabajo.tipo.value, intento, task_id,
                )  # fmt: skip
                filas = await _generar_archivo(trabajo, parcial, temporales, control, latido)
                # The workbook is closed: its scratch files go before the report is seen complete.
                shutil.rmtree(temporales, ignore_errors=True)
                if not await completar(reporte_id, intento, filas, parcial, final):
                    raise LeasePerdido(f"reporte {reporte_id}: intento {intento} no longer holds it")
        except LeasePerdido as exc:
            # Another run has the report now: leave its state alone, and no file of this run.
            parcial.unlink(missing_ok=True)
            logger.warning("reporte.lease_perdido id=%s task_id=%s: %s", reporte_id, task_id, exc)
            return {"reporte_id": reporte_id, "resultado": "lease_perdido"}
        except BaseException as exc:
            parcial.unlink(missing_ok=True)
            mensaje = _mensaje(exc)
            logger.warning("reporte.error id=%s task_id=%s error=%s", reporte_id, task_id, mensaje)
            try:
                await marcar_error(reporte_id, intento, mensaje)
            except Exception:
                logger.exception("reporte.error_no_registrado id=%s", reporte_id)
            raise
        finally:
            shutil.rmtree(temporales, ignore_errors=True)
        logger.info("reporte.completado id=%s filas=%s task_id=%s", reporte_id, filas, task_id)
        return {"reporte_id": reporte_id, "resultado": "completado", "filas": filas}
