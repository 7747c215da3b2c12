"""A report run's lease: who may write the report, and proof that its run is still alive.

A run takes the report with one conditional UPDATE (`tomar`): only a report still pendiente or
procesando, with attempts left; it sets procesando, `lease_hasta = now() + REPORT_LEASE_S` and adds
one to `intentos`. That number is the run's fencing token: the lease renewals (`Latido`, a thread of
its own, every third of the lease), the progress updates, the completion (`completar`) and the
error (`marcar_error`) all match `intentos` to it, so a run that was replaced (its lease expired and
another run took the report) can neither complete it nor overwrite the newer run's state. The
completion renames the file into place inside the transaction that marks the row complete, with
the row locked: a late duplicate finds the row completed and leaves its partial file unrenamed.

A report whose lease expired while procesando lost its run (the worker died): the sweep and every
worker starting up queue it again (app/reportes/reanudacion.py) and remove the dead run's files.
The run's files carry its attempt number (`<id>.xlsx.<intento>-<task>.partial`,
`<id>.<intento>-<task>.tmp/`), so removing a dead attempt's files never touches a newer run's.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.config import get_settings
from app.core.database import Database, new_database, session_scope
from app.reportes.models import EstadoReporte, Reporte

logger = logging.getLogger("app.reportes")

ABIERTOS = (EstadoReporte.PENDIENTE, EstadoReporte.PROCESANDO)
# A renewal that fails (the database unreachable) is retried at the next beat; the lease covers
# two missed beats.
BEATS_POR_LEASE = 3


class LeasePerdido(Exception):
    """The run no longer holds its report: another run took it (or it finished or failed elsewhere)."""


def mensaje_agotado(intentos: int) -> str:
    return (
        f"El reporte no pudo generarse: el proceso que lo generaba se detuvo {intentos} "
        f"{'vez' if intentos == 1 else 'veces'} antes de terminar. Solicítelo nuevamente."
    )


def vencimiento(segundos: int | None = None) -> ColumnElement[datetime]:
    """now() + the lease, in the database's clock (every lease comparison uses that one clock)."""
    return func.now() + timedelta(seconds=segundos or get_settings().report_lease_s)


def lease_vencido() -> ColumnElement[bool]:
    """A procesando report whose run stopped renewing its lease (no lease: a row older than it)."""
    return and_(
        Reporte.estado == EstadoReporte.PROCESANDO,
        or_(Reporte.lease_hasta.is_(None), Reporte.lease_hasta < func.now()),
    )


def del_intento(reporte_id: int, intento: int) -> list[ColumnElement[bool]]:
    """The row as long as run `intento` holds it: procesando, and nobody took it since. A run whose
    lease expired has lost it even if nobody took it yet: the sweep put it back to pendiente and
    removed its files (a run that was only stalled notices at its next renewal and gives up)."""
    return [Reporte.id == reporte_id, Reporte.intentos == intento, Reporte.estado == EstadoReporte.PROCESANDO]


@dataclass(frozen=True)
class Toma:
    intento: int
    tipo: Any
    parametros: dict[str, Any]
    solicitado_por_id: int
    created_at: datetime


async def tomar(reporte_id: int, task_id: str | None) -> Toma | None:
    """Take the report for this run (see the module's docstring); None when it is not takeable.
    The caller holds the report's advisory lock, so a procesando report's previous run has lost
    its session: it is dead (a pool child that crashed, redelivered at once) and its lease, even
    unexpired, is no obstacle."""
    settings = get_settings()
    async with session_scope() as session:
        fila = (
            await session.execute(
                update(Reporte)
                .where(
                    Reporte.id == reporte_id,
                    Reporte.estado.in_(ABIERTOS),
                    Reporte.intentos < settings.report_max_attempts,
                )
                .values(
                    estado=EstadoReporte.PROCESANDO,
                    lease_hasta=vencimiento(),
                    intentos=Reporte.intentos + 1,
                    iniciado_at=func.now(),
                    finalizado_at=None,
                    filas=0,
                    error=None,
                    ruta_archivo=None,
                    task_id=func.coalesce(task_id, Reporte.task_id),
                )
                .returning(
                    Reporte.intentos,
                    Reporte.tipo,
                    Reporte.parametros,
                    Reporte.solicitado_por_id,
                    Reporte.created_at,
                )
            )
        ).one_or_none()
    if fila is None:
        return None
    return Toma(fila[0], fila[1], dict(fila[2]), fila[3], fila[4])


async def agotar(reporte_id: int) -> int | None:
    """A report left open with no attempts left (its last run died): error, with the reason."""
    settings = get_settings()
    async with session_scope() as session:
        intentos = await session.scalar(
            update(Reporte)
            .where(
                Reporte.id == reporte_id,
                Reporte.estado.in_(ABIERTOS),
                Reporte.intentos >= settings.report_max_attempts,
            )
            .values(
                estado=EstadoReporte.ERROR,
                error=mensaje_agotado(settings.report_max_attempts),
                finalizado_at=func.now(),
                lease_hasta=None,
            )
            .returning(Reporte.intentos)
        )
    return intentos


async def avanzar(control: AsyncConnection, reporte_id: int, intento: int, filas: int) -> None:
    """Progress, written only while the run holds the report; raises LeasePerdido otherwise."""
    resultado = await control.execute(
        update(Reporte).where(*del_intento(reporte_id, intento)).values(filas=filas).returning(Reporte.id)
    )
    if resultado.first() is None:
        raise LeasePerdido(f"reporte {reporte_id}: intento {intento} no longer holds it")


async def completar(reporte_id: int, intento: int, filas: int, parcial: Path, final: Path) -> bool:
    """Mark the report complete and rename its file into place, in one transaction with the row
    locked; False (nothing renamed) when the run no longer holds the report."""
    async with session_scope() as session:
        hecho = await session.scalar(
            update(Reporte)
            .where(*del_intento(reporte_id, intento))
            .values(
                estado=EstadoReporte.COMPLETADO,
                filas=filas,
                ruta_archivo=str(final.relative_to(get_settings().storage_dir)),
                finalizado_at=func.now(),
                error=None,
                lease_hasta=None,
            )
            .returning(Reporte.id)
        )
        if hecho is None:
            return False
        # Before the commit: if the rename fails, the row is not complete (the run records its error).
        os.replace(parcial, final)
    return True


async def marcar_error(reporte_id: int, intento: int, mensaje: str) -> bool:
    async with session_scope() as session:
        hecho = await session.scalar(
            update(Reporte)
            .where(*del_intento(reporte_id, intento))
            .values(estado=EstadoReporte.ERROR, error=mensaje, finalizado_at=func.now(), lease_hasta=None)
            .returning(Reporte.id)
        )
    return hecho is not None


class Latido:
    """Renews the run's lease every third of it, from a thread with its own event loop and engine,
    so that a long stretch of synchronous work on the run's loop (zipping a large workbook) cannot
    let it expire. `perdido` is set when a renewal finds that the run no longer holds the report."""

    def __init__(self, reporte_id: int, intento: int) -> None:
        self.reporte_id, self.intento = reporte_id, intento
        self.perdido = threading.Event()
        self._fin = threading.Event()
        self._hilo = threading.Thread(target=self._latir, name=f"lease-reporte-{reporte_id}", daemon=True)

    def __enter__(self) -> Latido:
        self._hilo.start()
        return self

    def __exit__(self, *_: object) -> None:
        # Not joined: the thread wakes at once, and a renewal still running finds the row finished.
        self._fin.set()

    def _latir(self) -> None:
        lease = get_settings().report_lease_s
        database = new_database()
        with asyncio.Runner() as runner:
            try:
                while not self._fin.wait(lease / BEATS_POR_LEASE):
                    try:
                        vigente = runner.run(self._renovar(database, lease))
                    except Exception as exc:
                        logger.warning("reporte.lease_no_renovado id=%s error=%r", self.reporte_id, exc)
                        continue
                    if not vigente:
                        logger.warning("reporte.lease_caducado id=%s n=%s", self.reporte_id, self.intento)
                        self.perdido.set()
                        return
            finally:
                runner.run(database.dispose())

    async def _renovar(self, database: Database, lease: int) -> bool:
        async with database.engine.begin() as conexion:
            resultado = await conexion.execute(
                update(Reporte)
                .where(*del_intento(self.reporte_id, self.intento))
                .values(lease_hasta=vencimiento(lease))
                .returning(Reporte.id)
            )
            return resultado.first() is not None

    def comprobar(self) -> None:
        if self.perdido.is_set():
            raise LeasePerdido(f"reporte {self.reporte_id}: intento {self.intento} lost its lease")


# ---- the files of a run -----------------------------------------------------------------------------

_RESTO = re.compile(r"^(?P<id>\d+)\.(?:xlsx\.(?P<p>[^.]+)\.partial|(?P<t>[^.]+)\.tmp)$")


def etiqueta(intento: int, task_id: str | None, respaldo: str) -> str:
    """The run's mark in its file names: its attempt number first."""
    return f"{intento}-{re.sub(r'[^A-Za-z0-9]', '', task_id or '')[:64] or respaldo}"


def _intento(marca: str) -> int | None:
    numero = marca.split("-", 1)[0]
    return int(numero) if "-" in marca and numero.isdigit() else None


def limpiar_restos(directorio: Path, reporte_id: int, *, hasta: int | None = None, salvo: str = "") -> int:
    """Remove the partial files and temporary directories of report `reporte_id` left by dead
    runs: of attempts up to `hasta` (every attempt when None), never the one marked `salvo`.
    Files without an attempt number (older runs) always count as dead. Returns how many."""
    if not directorio.is_dir():
        return 0
    quitados = 0
    for ruta in directorio.glob(f"{reporte_id}.*"):
        partes = _RESTO.match(ruta.name)
        if partes is None or int(partes["id"]) != reporte_id:
            continue
        marca = partes["p"] or partes["t"]
        intento = _intento(marca)
        if marca == salvo or (hasta is not None and intento is not None and intento > hasta):
            continue
        if ruta.is_dir():
            shutil.rmtree(ruta, ignore_errors=True)
        else:
            ruta.unlink(missing_ok=True)
        quitados += 1
    return quitados
