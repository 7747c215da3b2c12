"""The document list's filters, shared by the list, the search, the trays, statistics and reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func
from sqlalchemy.orm import InstrumentedAttribute

from app.core.config import get_settings
from app.core.errors import InvalidInput
from app.core.sql import in_literal
from app.documentos.models import (
    ESTADOS_ABIERTOS,
    Canal,
    Documento,
    EstadoDocumento,
    Prioridad,
)
from app.remitentes.service import escape_like


@dataclass(frozen=True)
class FiltrosDocumento:
    estado: list[EstadoDocumento] | None = None
    area_id: int | None = None
    tipo_documento_id: int | None = None
    remitente_id: int | None = None
    fecha_desde: date | None = None
    fecha_hasta: date | None = None
    vencidos: bool | None = None
    q: str | None = None
    procedimiento_id: int | None = None
    registrado_por_id: int | None = None
    canal: Canal | None = None
    prioridad: list[Prioridad] | None = None
    numero_documento: str | None = None


# Any SELECT over documentos: entities for the list, plain columns for the Excel report.
ConsultaT = TypeVar("ConsultaT", bound=Select[Any])


def rango_de_dias(
    column: InstrumentedAttribute[datetime], desde: date | None, hasta: date | None
) -> list[ColumnElement[bool]]:
    """`column` within the whole days [desde, hasta] of the office's calendar."""
    if desde and hasta and desde > hasta:
        raise InvalidInput("fecha_desde is after fecha_hasta", field="fecha_desde", location="query")
    zone = ZoneInfo(get_settings().timezone)
    condiciones: list[ColumnElement[bool]] = []
    if desde is not None:
        condiciones.append(column >= datetime.combine(desde, time.min, tzinfo=zone))
    if hasta is not None:
        condiciones.append(column < datetime.combine(hasta + timedelta(days=1), time.min, tzinfo=zone))
    return condiciones


def documento_vencido() -> ColumnElement[bool]:
    """Open and past its deadline in the office's calendar (the session runs in its timezone).
    The plain comparison can use an index; `documento_no_vencido` is its NULL-safe negation."""
    return and_(in_literal(Documento.estado, ESTADOS_ABIERTOS), Documento.fecha_limite < func.current_date())


def documento_no_vencido() -> ColumnElement[bool]:
    """Closed, or without a deadline, or not past it (a NULL deadline is "not overdue")."""
    return ~and_(
        in_literal(Documento.estado, ESTADOS_ABIERTOS),
        func.coalesce(Documento.fecha_limite < func.current_date(), False),
    )


def aplicar_filtros(
    query: ConsultaT,
    f: FiltrosDocumento,
    *,
    recepcion: InstrumentedAttribute[datetime] = Documento.fecha_recepcion,
) -> ConsultaT:
    """The document list's filters as WHERE clauses on any SELECT over documentos (the list, the
    search, the Excel report). `recepcion` is the column the date range applies to: the document's,
    or an equal one the query is ordered by (an especialista's list: `acceso.orden_de_lista`)."""
    query = query.where(*rango_de_dias(recepcion, f.fecha_desde, f.fecha_hasta))
    if f.estado:
        query = query.where(in_literal(Documento.estado, f.estado))
    if f.area_id is not None:
        query = query.where(Documento.area_actual_id == f.area_id)
    if f.tipo_documento_id is not None:
        query = query.where(Documento.tipo_documento_id == f.tipo_documento_id)
    if f.remitente_id is not None:
        query = query.where(Documento.remitente_id == f.remitente_id)
    if f.procedimiento_id is not None:
        query = query.where(Documento.procedimiento_id == f.procedimiento_id)
    if f.registrado_por_id is not None:
        query = query.where(Documento.registrado_por_id == f.registrado_por_id)
    if f.canal is not None:
        query = query.where(Documento.canal == f.canal)
    if f.prioridad:
        query = query.where(in_literal(Documento.prioridad, f.prioridad))
    if f.numero_documento:
        # Substring match served by the trigram index; LIKE wildcards in the input are literal.
        pattern = f"%{escape_like(f.numero_documento)}%"
        query = query.where(Documento.numero_documento.ilike(pattern, escape="\\"))
    if f.vencidos is not None:
        query = query.where(documento_vencido() if f.vencidos else documento_no_vencido())
    if f.q:
        tsquery = func.websearch_to_tsquery("spanish", func.unaccent(f.q))
        query = query.where(Documento.busqueda.op("@@")(tsquery))
    return query
