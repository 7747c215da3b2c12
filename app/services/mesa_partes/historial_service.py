"""The audit trail across documents: who did what, where and when (admin and auditor)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from app.core.pagination import Pagina, paginar
from app.models.mesa_partes import Historial, Usuario
from app.models.mesa_partes.enums import EventoHistorial, Rol
from app.services.mesa_partes.acceso import exigir_rol
from app.services.mesa_partes.documento_service import rango_de_dias


@dataclass(frozen=True)
class FiltrosHistorial:
    usuario_id: int | None = None
    area_id: int | None = None
    evento: EventoHistorial | None = None
    fecha_desde: date | None = None
    fecha_hasta: date | None = None


class HistorialService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def auditar(
        self, usuario: Usuario, f: FiltrosHistorial, *, page_size: int, cursor: str | None
    ) -> Pagina[Historial]:
        exigir_rol(usuario, Rol.ADMIN, Rol.AUDITOR)
        query = select(Historial).options(joinedload(Historial.usuario), joinedload(Historial.area))
        if f.usuario_id is not None:
            query = query.where(Historial.usuario_id == f.usuario_id)
        if f.area_id is not None:
            query = query.where(Historial.area_id == f.area_id)
        if f.evento is not None:
            query = query.where(Historial.evento == f.evento)
        query = query.where(*rango_de_dias(Historial.created_at, f.fecha_desde, f.fecha_hasta))
        return await paginar(
            self.session,
            query,
            (Historial.created_at, Historial.id),
            lambda evento: (evento.created_at, evento.id),
            page_size=page_size,
            cursor=cursor,
        )
