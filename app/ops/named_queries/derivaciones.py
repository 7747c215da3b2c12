"""Named queries served by the indexes of the derivaciones table: a document's routings, what an
especialista may see, and the inbox and outbox of an area under each filter."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Executable, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.derivaciones.models import Derivacion, EstadoDerivacion
from app.documentos.acceso import filtro_visibilidad
from app.documentos.lectura import consulta_detalle
from app.ops.named_queries.builders import NamedQuery, bandeja, simple
from app.ops.named_queries.muestreo import Muestra
from app.usuarios.principal import especialista_de


async def _especialista(session: AsyncSession, m: Muestra) -> Executable:
    # One routed document as an especialista of its destination reads it: one probe of the
    # visibility table (their list reads its primary key in page order, docs/indexes.md).
    lector = especialista_de(m.derivacion["area_destino_id"])
    query = consulta_detalle().where(filtro_visibilidad(lector))
    return query.params(documento_id=m.derivacion["documento_id"])


CONSULTAS = (
    NamedQuery(
        "derivaciones.de_documento",
        "GET /documentos/{id} and GET /seguimiento (routings, selectinload)",
        "ix_derivaciones_documento_id_fecha_envio",
        simple(
            lambda m: (
                select(Derivacion)
                .where(Derivacion.documento_id.in_([m.documento_id]))
                .order_by(Derivacion.id)
            )
        ),
    ),
    NamedQuery(
        "documentos.especialista",
        "GET /documentos/{id} (and its history, attachments, actions) as an especialista (visibility rule)",
        "ix_visibilidad_documento_area",
        _especialista,
    ),
    NamedQuery(
        "derivaciones.bandeja",
        "GET /derivaciones?area_destino_id=&estado=pendiente (an area's inbox)",
        "ix_derivaciones_bandeja",
        bandeja(
            area_destino_id=lambda m: m.derivacion["area_destino_id"], estado=[EstadoDerivacion.PENDIENTE]
        ),
    ),
    NamedQuery(
        "derivaciones.entrada",
        "GET /derivaciones?area_destino_id= (an area's inbox, every state)",
        "ix_derivaciones_destino_fecha",
        bandeja(area_destino_id=lambda m: m.derivacion["area_destino_id"]),
    ),
    NamedQuery(
        "derivaciones.salida",
        "GET /derivaciones?area_origen_id= (an area's outbox)",
        "ix_derivaciones_area_origen_fecha",
        bandeja(area_origen_id=lambda m: m.derivacion["area_origen_id"]),
    ),
    NamedQuery(
        "derivaciones.por_remitente",
        "GET /derivaciones?enviado_por_id=",
        "ix_derivaciones_enviado_por_fecha",
        bandeja(enviado_por_id=lambda m: m.derivacion["enviado_por_id"]),
    ),
    NamedQuery(
        "derivaciones.por_receptor",
        "GET /derivaciones?recibido_por_id=",
        "ix_derivaciones_recibido_por_fecha",
        bandeja(recibido_por_id=lambda m: m.derivacion["recibido_por_id"]),
    ),
    NamedQuery(
        "derivaciones.por_indicacion",
        "GET /derivaciones?indicacion_id=",
        "ix_derivaciones_indicacion_fecha",
        bandeja(indicacion_id=lambda m: m.derivacion["indicacion_id"]),
    ),
    NamedQuery(
        "derivaciones.por_fecha",
        "GET /derivaciones?fecha_desde=&fecha_hasta= (one week)",
        "ix_derivaciones_fecha_envio",
        bandeja(fecha_desde=lambda m: m.fecha - timedelta(days=7), fecha_hasta=lambda m: m.fecha),
    ),
    NamedQuery(
        "derivaciones.vencidas",
        "GET /derivaciones?vencidas=true",
        "ix_derivaciones_vencimiento",
        bandeja(vencidas=True),
    ),
)
