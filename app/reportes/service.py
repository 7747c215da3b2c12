"""Excel reports, the API's use cases: request one (a row, and its task enqueued after the
commit), list them, read the status of one and open its file. The file itself is written by a
worker: app/reportes/generacion.py, run by the task GENERAR_REPORTE of app/reportes/tasks.py.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime
from typing import IO
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import get_settings
from app.core.errors import AppError, Conflict, Forbidden, NotFound
from app.core.task_queue import enqueue_after_commit
from app.reportes.excel import TITULOS
from app.reportes.models import EstadoReporte, Reporte, TipoReporte
from app.reportes.schemas import ReporteCreate
from app.usuarios.models import Rol
from app.usuarios.permisos import exigir_rol
from app.usuarios.principal import Principal

# Task names (the queue's contract: stable across deploys).
GENERAR_REPORTE = "mesa_partes.generar_reporte_excel"
REANUDAR_REPORTES = "mesa_partes.reanudar_reportes"

logger = logging.getLogger("app.reportes")

MEDIA_TYPE_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROLES = (Rol.ADMIN, Rol.MESA_PARTES, Rol.AUDITOR, Rol.ESPECIALISTA)
# Why a download finds no file, in the report's state (the 409 keeps the code in `estado`).
_NO_COMPLETADO = {
    EstadoReporte.PENDIENTE: "El reporte {id} está en cola; aún no está completado.",
    EstadoReporte.PROCESANDO: "El reporte {id} se está generando; aún no está completado.",
    EstadoReporte.ERROR: "El reporte {id} no pudo generarse; solicítelo nuevamente.",
}


class ArchivoNoDisponible(AppError):
    """The report completed but its file is no longer on disk (removed by retention or by hand)."""

    status_code = 410
    code = "gone"


class ReporteService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def solicitar(self, usuario: Principal, data: ReporteCreate) -> Reporte:
        """Insert the report as pendiente; its task is published once the request commits."""
        exigir_rol(usuario, *ROLES)
        task_id = uuid.uuid4().hex
        reporte = Reporte(
            tipo=TipoReporte(data.tipo),
            parametros=data.parametros_json(),
            estado=EstadoReporte.PENDIENTE,
            task_id=task_id,
            solicitado_por_id=usuario.id,
        )
        self.session.add(reporte)
        await self.session.flush()
        enqueue_after_commit(self.session, GENERAR_REPORTE, {"reporte_id": reporte.id}, task_id=task_id)
        logger.info("reporte.solicitado id=%s tipo=%s task_id=%s", reporte.id, reporte.tipo.value, task_id)
        return reporte

    async def listar(
        self, usuario: Principal, *, todos: bool, task_id: str | None, page_size: int
    ) -> tuple[list[Reporte], bool]:
        """The user's reports newest first (an admin's `todos`: everyone's); one statement."""
        if todos and usuario.rol is not Rol.ADMIN:
            raise Forbidden("Solo un administrador puede ver los reportes de todos los usuarios.")
        query = select(Reporte)
        if not todos:
            query = query.where(Reporte.solicitado_por_id == usuario.id)
        if task_id is not None:
            query = query.where(Reporte.task_id == task_id)
        # The shape of the named query "reportes.mios" (ix_reportes_solicitante_fecha).
        query = query.order_by(Reporte.created_at.desc()).limit(page_size + 1)
        reportes = list(await self.session.scalars(query))
        return reportes[:page_size], len(reportes) > page_size

    async def obtener(self, usuario: Principal, reporte_id: int) -> Reporte:
        """Its requester's and the admins'; 404 for anyone else, as for an unknown id."""
        query = select(Reporte).where(Reporte.id == reporte_id)
        if usuario.rol is not Rol.ADMIN:
            query = query.where(Reporte.solicitado_por_id == usuario.id)
        reporte = await self.session.scalar(query)
        if reporte is None:
            raise NotFound(f"No existe el reporte {reporte_id}.")
        return reporte

    async def abrir_archivo(self, usuario: Principal, reporte_id: int) -> tuple[Reporte, IO[bytes]]:
        """The completed report and its file, opened: a later run replacing the file, or a
        clean-up removing it, cannot cut a download short."""
        reporte = await self.obtener(usuario, reporte_id)
        if reporte.estado is not EstadoReporte.COMPLETADO:
            raise Conflict(
                _NO_COMPLETADO[reporte.estado].format(id=reporte_id),
                estado=reporte.estado.value,
            )
        raiz = get_settings().storage_dir.resolve()
        ruta = (raiz / (reporte.ruta_archivo or "")).resolve()
        try:
            if not ruta.is_relative_to(raiz) or not ruta.is_file():
                raise FileNotFoundError(ruta)
            archivo = await asyncio.to_thread(ruta.open, "rb")
        except OSError as exc:
            raise ArchivoNoDisponible(f"El archivo del reporte {reporte_id} ya no está disponible.") from exc
        return reporte, archivo


def segundos(reporte: Reporte, ahora: datetime | None = None) -> float | None:
    """Run time so far (until now while it runs)."""
    if reporte.iniciado_at is None:
        return None
    fin = reporte.finalizado_at or ahora or datetime.now(UTC)
    return round(max((fin - reporte.iniciado_at).total_seconds(), 0.0), 3)


def nombre_descarga(reporte: Reporte) -> str:
    """The file name offered to the user, made only of server data (never of user input)."""
    momento = (reporte.finalizado_at or reporte.created_at).astimezone(ZoneInfo(get_settings().timezone))
    return f"Reporte de {TITULOS[reporte.tipo]} {reporte.id} {momento:%Y-%m-%d}.xlsx"
