"""Routing trays: what an area received (inbox) or sent (outbox), with overdue filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.core.pagination import Pagina, paginar
from app.core.sql import in_literal
from app.derivaciones.models import Derivacion, EstadoDerivacion
from app.documentos.etiquetas import ESTADO_DERIVACION, palabra
from app.documentos.filtros import rango_de_dias
from app.documentos.models import EventoHistorial, Historial
from app.usuarios.models import Rol
from app.usuarios.permisos import exigir_escritura
from app.usuarios.principal import Principal

BANDEJA_ORDEN = (Derivacion.fecha_envio, Derivacion.id)


@dataclass(frozen=True)
class FiltrosDerivacion:
    area_destino_id: int | None = None
    area_origen_id: int | None = None
    estado: list[EstadoDerivacion] | None = None
    es_copia: bool | None = None
    vencidas: bool | None = None
    enviado_por_id: int | None = None
    recibido_por_id: int | None = None
    indicacion_id: int | None = None
    fecha_desde: date | None = None
    fecha_hasta: date | None = None


def _visibles(usuario: Principal) -> ColumnElement[bool]:
    """An especialista sees the routings into or out of their area; other roles see all."""
    if usuario.rol is not Rol.ESPECIALISTA:
        return Derivacion.id.is_not(None)
    return or_(Derivacion.area_destino_id == usuario.area_id, Derivacion.area_origen_id == usuario.area_id)


def _tray_options() -> tuple[Any, ...]:
    return (
        joinedload(Derivacion.documento),
        joinedload(Derivacion.area_origen),
        joinedload(Derivacion.area_destino),
        joinedload(Derivacion.indicacion),
    )


class DerivacionService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def listar(
        self,
        usuario: Principal,
        f: FiltrosDerivacion,
        *,
        page_size: int,
        cursor: str | None,
        page: int | None,
    ) -> Pagina[Derivacion]:
        return await paginar(
            self.session,
            self.consulta_lista(usuario, f),
            BANDEJA_ORDEN,
            lambda derivacion: (derivacion.fecha_envio, derivacion.id),
            page_size=page_size,
            cursor=cursor,
            page=page,
        )

    @staticmethod
    def consulta_lista(usuario: Principal, f: FiltrosDerivacion) -> Select[Derivacion]:
        """The tray's statement before paging (the query optimizer explains it by name)."""
        query: Select[Derivacion] = select(Derivacion).where(_visibles(usuario)).options(*_tray_options())
        if f.area_destino_id is not None:
            query = query.where(Derivacion.area_destino_id == f.area_destino_id)
        if f.area_origen_id is not None:
            query = query.where(Derivacion.area_origen_id == f.area_origen_id)
        if f.estado:
            query = query.where(in_literal(Derivacion.estado, f.estado))
        if f.es_copia is not None:
            query = query.where(Derivacion.es_copia.is_(f.es_copia))
        if f.vencidas is not None:
            if not f.vencidas:
                raise InvalidInput("Use vencidas=true u omita el filtro.", field="vencidas", location="query")
            # Implies the partial index ix_derivaciones_vencimiento's predicate, also under a generic plan.
            query = query.where(
                in_literal(Derivacion.estado, [EstadoDerivacion.PENDIENTE, EstadoDerivacion.RECIBIDA]),
                Derivacion.fecha_limite < func.current_date(),
            )
        if f.enviado_por_id is not None:
            query = query.where(Derivacion.enviado_por_id == f.enviado_por_id)
        if f.recibido_por_id is not None:
            query = query.where(Derivacion.recibido_por_id == f.recibido_por_id)
        if f.indicacion_id is not None:
            query = query.where(Derivacion.indicacion_id == f.indicacion_id)
        return query.where(*rango_de_dias(Derivacion.fecha_envio, f.fecha_desde, f.fecha_hasta))

    async def recibir_copia(self, usuario: Principal, derivacion_id: int) -> Derivacion:
        """The destination area acknowledges a copy; the document's own state does not change."""
        exigir_escritura(usuario)
        derivacion = (
            await self.session.scalars(
                select(Derivacion).where(Derivacion.id == derivacion_id, _visibles(usuario)).with_for_update()
            )
        ).first()
        if derivacion is None:
            raise NotFound(f"No existe la derivación {derivacion_id}.")
        if usuario.rol is not Rol.ADMIN and usuario.area_id != derivacion.area_destino_id:
            raise Forbidden("La copia fue enviada a otra área.")
        if not derivacion.es_copia:
            raise Conflict("La derivación principal se recibe con POST /documentos/{id}/recibir.")
        if derivacion.estado is not EstadoDerivacion.PENDIENTE:
            raise Conflict(
                "No se puede recibir una derivación en estado "
                f"«{palabra(ESTADO_DERIVACION, derivacion.estado)}».",
                estado_actual=derivacion.estado.value,
            )
        derivacion.estado = EstadoDerivacion.RECIBIDA
        derivacion.recibido_por_id = usuario.id
        derivacion.fecha_recepcion = datetime.now(UTC)
        self.session.add(
            Historial(
                documento_id=derivacion.documento_id,
                evento=EventoHistorial.RECIBIDO,
                usuario_id=usuario.id,
                area_id=usuario.area_id,
                detalle={"derivacion_id": derivacion.id, "es_copia": True},
            )
        )
        await self.session.flush()
        query = select(Derivacion).where(Derivacion.id == derivacion_id).options(*_tray_options())
        return (await self.session.scalars(query.execution_options(populate_existing=True))).one()
