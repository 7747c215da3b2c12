"""The sweep of reports whose run or task was lost: the beat task REANUDAR_REPORTES (every
REPORT_SWEEP_INTERVAL_S, app/reportes/tasks.py) and every worker starting up (`al_arrancar`).

- procesando with an expired lease: its run died with its worker (app/reportes/lease.py). With
  attempts left it goes back to pendiente and its task is queued again; without, it ends in error
  with the reason. Either way the dead run's partial files are removed.
- pendiente for 15 minutes with no progress: its message was lost (a run in the API process lost at a
  restart, the broker down); its task is queued again.

The lock, the lease and the fencing token of each run make a needless message harmless: it finds
the report `en_curso`, `ya_completado`...
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

from sqlalchemy import Select, and_, func, or_, select, text, update

from app.core.config import get_settings
from app.core.database import own_database, session_scope
from app.core.sql import in_literal
from app.core.task_queue import get_task_queue
from app.reportes.generacion import directorio_reportes
from app.reportes.lease import ABIERTOS, lease_vencido, limpiar_restos, mensaje_agotado
from app.reportes.models import EstadoReporte, Reporte
from app.reportes.service import GENERAR_REPORTE

logger = logging.getLogger("app.reportes")

ATASCADO_TRAS = "15 minutes"
LOTE_ATASCADOS = 100
# The start-up sweep runs again once a lease taken just before this worker started has expired.
MARGEN_ARRANQUE_S = 5.0


def consulta_atascados() -> Select[int]:
    """Reports procesando whose lease expired, and reports pendiente long after they were
    requested with no progress written for as long (ix_reportes_activos: only unfinished reports
    are in it)."""
    return (
        select(Reporte.id)
        .where(
            # Literals, so that a generic plan still matches the partial index's predicate.
            in_literal(Reporte.estado, list(ABIERTOS)),
            or_(
                lease_vencido(),
                and_(
                    Reporte.estado == EstadoReporte.PENDIENTE,
                    Reporte.created_at < func.now() - text(f"interval '{ATASCADO_TRAS}'"),
                    Reporte.updated_at < func.now() - text(f"interval '{ATASCADO_TRAS}'"),
                ),
            ),
        )
        .order_by(Reporte.created_at)
        .limit(LOTE_ATASCADOS)
    )


async def reanudar_atascados() -> list[int]:
    """Queue the report task again for orphaned and stuck reports (see the module's docstring);
    returns the ids queued. A report that is in fact still running keeps its lock, so the new
    message only finds it `en_curso`; a complete one, `ya_completado`."""
    settings = get_settings()
    async with session_scope() as session:
        ids = list(await session.scalars(consulta_atascados()))
    if not ids:
        return []
    async with session_scope() as session:
        # Conditional: a run that renewed or took one since the select keeps it.
        huerfanos: dict[int, tuple[EstadoReporte, int]] = {}
        for sin_intentos, valores in (
            (
                True,
                {
                    "estado": EstadoReporte.ERROR,
                    "error": mensaje_agotado(settings.report_max_attempts),
                    "finalizado_at": func.now(),
                },
            ),
            (False, {"estado": EstadoReporte.PENDIENTE}),
        ):
            limite = Reporte.intentos >= settings.report_max_attempts
            filas = await session.execute(
                update(Reporte)
                .where(Reporte.id.in_(ids), lease_vencido(), limite if sin_intentos else ~limite)
                .values(lease_hasta=None, **valores)
                .returning(Reporte.id, Reporte.estado, Reporte.intentos)
            )
            huerfanos.update({fila[0]: (fila[1], fila[2]) for fila in filas})
        pendientes = set(
            await session.scalars(
                select(Reporte.id).where(Reporte.id.in_(ids), Reporte.estado == EstadoReporte.PENDIENTE)
            )
        )
    directorio = directorio_reportes()
    for reporte_id, (_, intentos) in huerfanos.items():
        limpiar_restos(directorio, reporte_id, hasta=intentos)
    agotados = sorted(i for i, (estado, _) in huerfanos.items() if estado is EstadoReporte.ERROR)
    reanudados = sorted(pendientes)
    queue = get_task_queue()
    for reporte_id in reanudados:
        queue.enqueue(GENERAR_REPORTE, {"reporte_id": reporte_id})
    if reanudados:
        logger.warning(
            "reporte.reanudados ids=%s huerfanos=%s", reanudados, sorted(set(huerfanos) & pendientes)
        )
    if agotados:
        logger.warning("reporte.agotados ids=%s", agotados)
    return reanudados


async def _reanudar_con_base_propia() -> list[int]:
    async with own_database():
        return await reanudar_atascados()


def _barridos_de_arranque() -> None:
    """Now, and once more when every lease that a run dead before this start could hold has
    expired (a worker restarted by its supervisor within seconds finds its runs' leases valid)."""
    for espera in (0.0, get_settings().report_lease_s + MARGEN_ARRANQUE_S):
        time.sleep(espera)
        try:
            # Its own loop and engine, closed after: a pool child forked later inherits no connection.
            ids = asyncio.run(_reanudar_con_base_propia())
        except Exception:
            logger.exception("reporte.barrido_arranque_fallido")
            continue
        logger.info("reporte.barrido_arranque reanudados=%s", ids)


def al_arrancar() -> threading.Thread:
    """The start-up sweep of a worker, on a thread of its own (it must not delay the worker)."""
    hilo = threading.Thread(target=_barridos_de_arranque, name="reportes-arranque", daemon=True)
    hilo.start()
    return hilo
