"""The audit trail: who did what, where and when. Every document write records its event here;
admins and auditors read the trail across documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from app import cache_policy
from app.core.pagination import Pagina, paginar
from app.documentos.filtros import rango_de_dias
from app.documentos.models import Documento, EstadoDocumento, EventoHistorial, Historial
from app.usuarios.models import Rol
from app.usuarios.permisos import exigir_rol
from app.usuarios.principal import Principal


def registrar_evento(
    session: AsyncSession,
    documento: Documento,
    usuario: Principal,
    evento: EventoHistorial,
    anterior: EstadoDocumento | None,
    nuevo: EstadoDocumento | None,
    detalle: dict[str, Any],
) -> Historial:
    """Audit one write of a document, in the caller's unit of work."""
    # Every document write passes here (DESIGN: each one is audited), so this is where the
    # cached statistics and search pages learn that they are stale.
    cache_policy.documentos_cambiaron(session)
    registro = Historial(
        documento_id=documento.id,
        evento=evento,
        usuario_id=usuario.id,
        area_id=usuario.area_id,
        estado_anterior=anterior.value if anterior else None,
        estado_nuevo=nuevo.value if nuevo else None,
        detalle=detalle,
    )
    session.add(registro)
    return registro


@dataclass(frozen=True)
class FiltrosHistorial:
    usuario_id: int | None = None
    area_id: int | None = None
    evento: EventoHistorial | None = None
    fecha_desde: date | None = None
    fecha_hasta: date | None = None


AUDITORIA_ORDEN = (Historial.created_at, Historial.id)


class HistorialService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def auditar(
        self, usuario: Principal, f: FiltrosHistorial, *, page_size: int, cursor: str | None
    ) -> Pagina[Historial]:
        exigir_rol(usuario, Rol.ADMIN, Rol.AUDITOR)
        return await paginar(
            self.session,
            self.consulta_auditoria(f),
            AUDITORIA_ORDEN,
            lambda evento: (evento.created_at, evento.id),
            page_size=page_size,
            cursor=cursor,
        )

    @staticmethod
    def consulta_auditoria(f: FiltrosHistorial) -> Select[Historial]:
        """The audit trail's statement before paging (the query optimizer explains it by name)."""
        query = select(Historial).options(joinedload(Historial.usuario), joinedload(Historial.area))
        if f.usuario_id is not None:
            query = query.where(Historial.usuario_id == f.usuario_id)
        if f.area_id is not None:
            query = query.where(Historial.area_id == f.area_id)
        if f.evento is not None:
            query = query.where(Historial.evento == f.evento)
        return query.where(*rango_de_dias(Historial.created_at, f.fecha_desde, f.fecha_hasta))
