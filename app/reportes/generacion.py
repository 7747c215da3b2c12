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
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.catalogos.models import Area
from app.core.config import get_settings
from app.core.database import current_database, session_scope
from app.core.office_time import format_month
from app.core.task_queue import cancellation_reason
from app.core.task_runtime import SOFT_LIMIT_MESSAGE
from app.documentos.etiquetas import ESTADO_DOCUMENTO, palabra
from app.estadisticas.schemas import Estadisticas
from app.estadisticas.service import EstadisticaService
from app.reportes.excel import NUMERO, TITULOS, Columna, HojaDatos, LibroExcel
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
from app.reportes.parametros import describir
from app.reportes.resumen import Desglose, escribir_resumen
from app.reportes.schemas import PARAMETROS, ParametrosEstadisticas
from app.usuarios.models import Usuario
from app.usuarios.principal import Principal

logger = logging.getLogger("app.reportes")

# pg_locks.classid of a report run's advisory lock (objid is the report id): "RP".
LOCK_CLASS = 0x5250
MAX_ERROR = 2000
# What the requester reads in the report's `error` (Spanish); the log keeps the technical cause.
ERROR_TIEMPO_AGOTADO = (
    "El reporte no pudo generarse: superó el tiempo máximo de generación. "
    "Solicítelo nuevamente con un rango de fechas menor."
)
ERROR_INTERRUMPIDO = "La generación del reporte fue interrumpida; solicítelo nuevamente."
ERROR_INTERNO = (
    "El reporte no pudo generarse por un error interno ({causa}). Solicítelo nuevamente; "
    "si el problema continúa, avise al equipo técnico."
)
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
    """The report's `error`, for its requester: in Spanish, naming the failure's kind only. A run
    cancelled (by a message, or its process told to stop: worker shutdown, Ctrl+C) was interrupted,
    not broken. (A TimeoutError of `asyncio.wait_for` carries a bare cancellation in its context:
    only a cancellation with a message counts there.)"""
    motivo = cancellation_reason(exc)
    if motivo == SOFT_LIMIT_MESSAGE:
        return ERROR_TIEMPO_AGOTADO
    if motivo is not None or not isinstance(exc, Exception):
        return ERROR_INTERRUMPIDO
    return ERROR_INTERNO.format(causa=type(exc).__name__)[:MAX_ERROR]


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
    # The summary's counts, by the raw value (the words are looked up once per distinct value).
    cuentas = [(d.conteo, d.columna) for d in listado.desgloses if d.columna is not None]
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
                for conteo, columna in cuentas:
                    conteo[fila[columna]] += 1
            if hoja.filas - avisado >= settings.report_progress_rows:
                avisado = hoja.filas
                await avanzar(control, trabajo.reporte_id, trabajo.intento, avisado)
    hoja.cerrar()
    return hoja.filas


async def _nombres_de_areas() -> dict[str, str]:
    """Sigla → name: the statistics count areas by their sigla (several areas may share one)."""
    async with session_scope() as session:
        filas = (await session.execute(select(Area.sigla, Area.nombre).order_by(Area.nombre))).all()
    nombres: dict[str, list[str]] = {}
    for sigla, nombre in filas:
        nombres.setdefault(sigla, []).append(nombre)
    return {sigla: " / ".join(dict.fromkeys(lista)) for sigla, lista in nombres.items()}


def _mes(clave: str) -> str:
    """ "2026-03" → "marzo de 2026"."""
    try:
        anio, mes = (int(parte) for parte in clave.split("-"))
        return format_month(date(anio, mes, 1))
    except ValueError:
        return clave


async def _escribir_estadisticas(
    libro: LibroExcel, trabajo: Trabajo
) -> tuple[int, list[Desglose], list[tuple[str, Any]]]:
    """The aggregates of GET /estadisticas (computed now, not read from the cache), one sheet each,
    each closed by a TOTAL line; the summary's totals and its breakdown by estado."""
    p = ParametrosEstadisticas.model_validate(trabajo.parametros)
    async with session_scope() as session:
        datos: Estadisticas = await EstadisticaService(session).resumen(
            trabajo.usuario, p.fecha_desde, p.fecha_hasta, refresh=True
        )
    totales: list[tuple[str, Any]] = [
        ("Documentos", datos.total),
        ("Vencidos", datos.vencidos),
        (
            "Tiempo medio de atención (días)",
            "sin datos" if datos.tiempo_medio_atencion_dias is None else datos.tiempo_medio_atencion_dias,
        ),
    ]
    por_estado = Desglose("Estado", "Documentos", etiquetas=ESTADO_DOCUMENTO)
    por_estado.conteo.update({c.clave: c.total for c in datos.por_estado})
    areas = await _nombres_de_areas()
    documentos = Columna("Documentos", 14, NUMERO)
    hojas: list[tuple[str, tuple[Columna, ...], list[tuple[Any, ...]]]] = [
        (
            "Por estado",
            (Columna("Estado", 30), documentos),
            [(palabra(ESTADO_DOCUMENTO, c.clave), c.total) for c in datos.por_estado],
        ),
        (
            "Por área",
            (Columna("Área", 50, ajustar=True), Columna("Sigla", 12), documentos),
            [(areas.get(c.clave, c.clave), c.clave, c.total) for c in datos.por_area],
        ),
        (
            "Por tipo",
            (Columna("Tipo de documento", 50, ajustar=True), documentos),
            [(c.clave, c.total) for c in datos.por_tipo],
        ),
        ("Por mes", (Columna("Mes", 24), documentos), [(_mes(c.clave), c.total) for c in datos.por_mes]),
    ]
    filas = 0
    for nombre, columnas, contenido in hojas:
        hoja = HojaDatos(libro, nombre, columnas)
        for valores in contenido:
            hoja.escribir(valores)
        hoja.cerrar()
        hoja.total("TOTAL", [len(columnas) - 1], [sum(v[-1] for v in contenido)])
        filas += hoja.filas
    return filas, [por_estado], totales


async def _generar_archivo(
    trabajo: Trabajo, destino: Path, temporales: Path, control: AsyncConnection, latido: Latido
) -> int:
    libro = LibroExcel(destino, temporales, f"Reporte de {TITULOS[trabajo.tipo]}", trabajo.reporte_id)
    totales: list[tuple[str, Any]] = []
    if trabajo.tipo is TipoReporte.ESTADISTICAS:
        filas, desgloses, totales = await _escribir_estadisticas(libro, trabajo)
    else:
        parametros = PARAMETROS[trabajo.tipo].model_validate(trabajo.parametros)
        listado = LISTADOS[trabajo.tipo](trabajo.usuario, parametros)
        desgloses = list(listado.desgloses)
        filas = await _escribir_listado(libro, listado, control, trabajo, latido)
    async with session_scope() as session:
        descritos = await describir(session, trabajo.tipo, trabajo.parametros)
    escribir_resumen(libro, trabajo, filas, desgloses, descritos, totales)
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
            causa = cancellation_reason(exc) or f"{type(exc).__name__}: {exc}"
            logger.warning("reporte.error id=%s task_id=%s error=%s", reporte_id, task_id, causa[:MAX_ERROR])
            try:
                await marcar_error(reporte_id, intento, mensaje)
            except Exception:
                logger.exception("reporte.error_no_registrado id=%s", reporte_id)
            raise
        finally:
            shutil.rmtree(temporales, ignore_errors=True)
        logger.info("reporte.completado id=%s filas=%s task_id=%s", reporte_id, filas, task_id)
        return {"reporte_id": reporte_id, "resultado": "completado", "filas": filas}
