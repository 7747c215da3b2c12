"""What public tracking shows of a document, read by its number and verification code: the JSON
endpoint (GET /api/v1/seguimiento, one statement) and the page (GET /seguimiento, two) read the
same query.

The first statement reads the document (its type, TUPA procedure, current area, attachment count)
with one row per routing, by its number; the attachments are counted once, in a LATERAL subquery
joined to the document, not per routing row. Only for the page, and only when the verification code
matches, the second reads the events of its history that are public: their kind, time and area,
never the user, the notes or `detalle`. Routings (sent to, received by) come from the routings
themselves, so the history's `derivado` and `recibido` events are not repeated, and the deliveries
to other systems are internal.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import String, bindparam, func, select, true, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.anexos.models import Anexo
from app.catalogos.models import Area, Procedimiento, TipoDocumento
from app.core.database import Prepared, fetch_prepared
from app.core.errors import NotFound
from app.derivaciones.models import Derivacion
from app.documentos.models import Documento, EventoHistorial, Historial

# The same words on the JSON 404 and on the page's "not found".
NO_ENCONTRADO = "No existe un expediente con ese número y código de verificación."

# Events shown as they are; routings are shown from `derivaciones` instead.
EVENTOS_OCULTOS = frozenset(
    {EventoHistorial.DERIVADO, EventoHistorial.RECIBIDO, EventoHistorial.ENVIADO_INTEGRACION}
)


def codigo_correcto(esperado: str | None, dado: str) -> bool:
    """Whether `dado` is the verification code `esperado` (None: no such document), in constant
    time and case-insensitively; an unknown number costs the same comparison as a wrong code."""
    esperado_o_nada = esperado if esperado is not None else "x" * len(dado)
    return hmac.compare_digest(esperado_o_nada.upper(), dado.upper()) and esperado is not None


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
# One row, evaluated once per document (LATERAL): not a correlated subquery in the select list,
# which PostgreSQL would run again for every routing row.
_anexos = (
    select(func.count(Anexo.id).label("cantidad"))
    .where(Anexo.documento_id == Documento.id)
    .lateral("anexos_del_documento")
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
        _anexos.c.cantidad,
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
    .join(_anexos, true())
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


async def consultar(
    session: AsyncSession, numero_expediente: str, codigo_verificacion: str, *, con_eventos: bool = True
) -> Expediente:
    """The document's public view; `NotFound` (the same for an unknown number and a wrong code).
    Without `con_eventos` (the JSON endpoint) its history is not read: one statement, `eventos` empty."""
    filas = await fetch_prepared(session, _DOCUMENTO, numero=numero_expediente)
    if not codigo_correcto(filas[0][0] if filas else None, codigo_verificacion):
        raise NotFound(NO_ENCONTRADO)
    d = filas[0]
    eventos = await fetch_prepared(session, _EVENTOS, documento_id=d[1]) if con_eventos else ()
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
