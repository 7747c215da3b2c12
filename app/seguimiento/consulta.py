"""What the public tracking page (GET /seguimiento) shows of a document, read in two statements.

The first reads the document (its type, TUPA procedure, current area, attachment count) with one row
per routing, by its number; only when the verification code matches does the second read the events
of its history that are public: their kind, time and area, never the user, the notes or `detalle`.
Routings (sent to, received by) come from the routings themselves, so the history's `derivado` and
`recibido` events are not repeated, and the deliveries to other systems are internal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import String, bindparam, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.anexos.models import Anexo
from app.catalogos.models import Area, Procedimiento, TipoDocumento
from app.core.database import Prepared, fetch_prepared
from app.core.errors import NotFound
from app.derivaciones.models import Derivacion
from app.documentos.models import Documento, EventoHistorial, Historial
from app.seguimiento.service import NO_ENCONTRADO, codigo_correcto

# Events shown as they are; routings are shown from `derivaciones` instead.
EVENTOS_OCULTOS = frozenset(
    {EventoHistorial.DERIVADO, EventoHistorial.RECIBIDO, EventoHistorial.ENVIADO_INTEGRACION}
)


@dataclass(frozen=True, slots=True)
class Ruta:
    """One routing: where the document was sent, and when it was received there."""

    area_destino: str
    estado: str
    es_copia: bool
    fecha_envio: datetime
    fecha_recepcion: datetime | None


@dataclass(frozen=True, slots=True)
class Evento:
    evento: str
    area: str | None
    fecha: datetime


@dataclass(frozen=True, slots=True)
class Expediente:
    numero_expediente: str
    tipo_documento: str
    asunto: str
    estado: str
    area_actual: str
    fecha_recepcion: datetime
    fecha_limite: date | None
    fecha_atencion: datetime | None
    procedimiento_codigo: str | None
    procedimiento_nombre: str | None
    anexos: int
    rutas: tuple[Ruta, ...]
    eventos: tuple[Evento, ...]


_destino = aliased(Area)
_anexos = (
    select(func.count(Anexo.id))
    .where(Anexo.documento_id == Documento.id)
    .correlate(Documento)
    .scalar_subquery()
)
_DOCUMENTO = Prepared(
    select(
        Documento.codigo_verificacion,
        Documento.id,
        TipoDocumento.nombre,
        Documento.asunto,
        type_coerce(Documento.estado, String),
        Area.nombre,
        Documento.fecha_recepcion,
        Documento.fecha_limite,
        Documento.fecha_atencion,
        Procedimiento.codigo,
        Procedimiento.nombre,
        _anexos,
        Derivacion.id,
        _destino.nombre,
        type_coerce(Derivacion.estado, String),
        Derivacion.es_copia,
        Derivacion.fecha_envio,
        Derivacion.fecha_recepcion,
    )
    .select_from(Documento)
    .join(TipoDocumento, TipoDocumento.id == Documento.tipo_documento_id)
    .join(Area, Area.id == Documento.area_actual_id)
    .outerjoin(Procedimiento, Procedimiento.id == Documento.procedimiento_id)
    .outerjoin(Derivacion, Derivacion.documento_id == Documento.id)
    .outerjoin(_destino, _destino.id == Derivacion.area_destino_id)
    .where(Documento.numero_expediente == bindparam("numero"))
    .order_by(Derivacion.id)
)
_EVENTOS = Prepared(
    select(type_coerce(Historial.evento, String), Area.nombre, Historial.created_at)
    .select_from(Historial)
    .outerjoin(Area, Area.id == Historial.area_id)
    .where(Historial.documento_id == bindparam("documento_id"))
    .order_by(Historial.created_at, Historial.id)
)


async def consultar(session: AsyncSession, numero_expediente: str, codigo_verificacion: str) -> Expediente:
    """The document's public view; `NotFound` (the same for an unknown number and a wrong code)."""
    filas = await fetch_prepared(session, _DOCUMENTO, numero=numero_expediente)
    if not codigo_correcto(filas[0][0] if filas else None, codigo_verificacion):
        raise NotFound(NO_ENCONTRADO)
    d = filas[0]
    eventos = await fetch_prepared(session, _EVENTOS, documento_id=d[1])
    return Expediente(
        numero_expediente=numero_expediente,
        tipo_documento=d[2],
        asunto=d[3],
        estado=d[4],
        area_actual=d[5],
        fecha_recepcion=d[6],
        fecha_limite=d[7],
        fecha_atencion=d[8],
        procedimiento_codigo=d[9],
        procedimiento_nombre=d[10],
        anexos=d[11],
        rutas=tuple(Ruta(r[13], r[14], r[15], r[16], r[17]) for r in filas if r[12] is not None),
        eventos=tuple(Evento(e[0], e[1], e[2]) for e in eventos if e[0] not in EVENTOS_OCULTOS),
    )
