"""The document list's filters, shared by the list, the search, the trays, statistics and reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, String, and_, bindparam, func
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


def limites_de_dias(desde: date | None, hasta: date | None) -> tuple[datetime | None, datetime | None]:
    """The instants that bound the whole days [desde, hasta] of the office's calendar."""
    if desde and hasta and desde > hasta:
        raise InvalidInput(
            "La fecha_desde no puede ser posterior a la fecha_hasta.", field="fecha_desde", location="query"
        )
    zone = ZoneInfo(get_settings().timezone)
    return (
        datetime.combine(desde, time.min, tzinfo=zone) if desde is not None else None,
        datetime.combine(hasta + timedelta(days=1), time.min, tzinfo=zone) if hasta is not None else None,
    )


def rango_de_dias(
    column: InstrumentedAttribute[datetime], desde: date | None, hasta: date | None
) -> list[ColumnElement[bool]]:
    """`column` within the whole days [desde, hasta] of the office's calendar (parameters
    `fecha_desde` and `fecha_hasta`, as `parametros_de_filtros` gives them)."""
    inicio, fin = limites_de_dias(desde, hasta)
    condiciones: list[ColumnElement[bool]] = []
    if inicio is not None:
        condiciones.append(column >= bindparam("fecha_desde", inicio, type_=column.type))
    if fin is not None:
        condiciones.append(column < bindparam("fecha_hasta", fin, type_=column.type))
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


# The filters compared for equality: the parameter (and field) name, and the column.
_IGUALDADES: tuple[tuple[str, InstrumentedAttribute[Any]], ...] = (
    ("area_id", Documento.area_actual_id),
    ("tipo_documento_id", Documento.tipo_documento_id),
    ("remitente_id", Documento.remitente_id),
    ("procedimiento_id", Documento.procedimiento_id),
    ("registrado_por_id", Documento.registrado_por_id),
    ("canal", Documento.canal),
)


def aplicar_filtros(
    query: ConsultaT,
    f: FiltrosDocumento,
    *,
    recepcion: InstrumentedAttribute[datetime] = Documento.fecha_recepcion,
) -> ConsultaT:
    """The document list's filters as WHERE clauses on any SELECT over documentos (the list, the
    search, the Excel report). `recepcion` is the column the date range applies to: the document's,
    or an equal one the query is ordered by (an especialista's list: `acceso.orden_de_lista`).

    Values are bound under their filter's name (`parametros_de_filtros`) and the enum lists written
    into the text, so filters of one `forma_de_filtros` give one SQL text: the list prepares it
    once per shape (`app.documentos.service`)."""
    query = query.where(*rango_de_dias(recepcion, f.fecha_desde, f.fecha_hasta))
    if f.estado:
        query = query.where(in_literal(Documento.estado, f.estado))
    for nombre, column in _IGUALDADES:
        value = getattr(f, nombre)
        if value is not None:
            query = query.where(column == bindparam(nombre, value, type_=column.type))
    if f.prioridad:
        query = query.where(in_literal(Documento.prioridad, f.prioridad))
    if f.numero_documento:
        # Substring match served by the trigram index; LIKE wildcards in the input are literal.
        patron = bindparam("numero_documento", _patron(f.numero_documento), type_=String())
        query = query.where(Documento.numero_documento.ilike(patron, escape="\\"))
    if f.vencidos is not None:
        query = query.where(documento_vencido() if f.vencidos else documento_no_vencido())
    if f.q:
        tsquery = func.websearch_to_tsquery("spanish", func.unaccent(bindparam("q", f.q, type_=String())))
        query = query.where(Documento.busqueda.op("@@")(tsquery))
    return query


def _patron(numero_documento: str) -> str:
    return f"%{escape_like(numero_documento)}%"


def forma_de_filtros(f: FiltrosDocumento) -> tuple[Any, ...]:
    """What of `f` shapes the SQL text of `aplicar_filtros`: which filters are set, and the values
    written into the text (the enum lists, `vencidos`)."""
    return (
        f.fecha_desde is not None,
        f.fecha_hasta is not None,
        tuple(sorted(set(f.estado))) if f.estado else None,
        *(getattr(f, nombre) is not None for nombre, _ in _IGUALDADES),
        tuple(sorted(set(f.prioridad))) if f.prioridad else None,
        bool(f.numero_documento),
        f.vencidos,
        bool(f.q),
    )


def parametros_de_filtros(f: FiltrosDocumento) -> dict[str, Any]:
    """The values `aplicar_filtros(…, f)` binds, by name."""
    inicio, fin = limites_de_dias(f.fecha_desde, f.fecha_hasta)
    valores: dict[str, Any] = {nombre: getattr(f, nombre) for nombre, _ in _IGUALDADES}
    valores.update(fecha_desde=inicio, fecha_hasta=fin)
    if f.numero_documento:
        valores["numero_documento"] = _patron(f.numero_documento)
    if f.q:
        valores["q"] = f.q
    return {nombre: value for nombre, value in valores.items() if value is not None}
