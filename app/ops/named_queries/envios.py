"""Named queries served by the indexes of integracion_envios: a document's deliveries and the
retries that are due."""

from __future__ import annotations

from sqlalchemy import select

from app.integraciones.models import IntegracionEnvio
from app.integraciones.service import consulta_vencidos
from app.ops.named_queries.builders import NamedQuery, simple, unica

CONSULTAS = (
    unica(
        "integracion_envios.registro",
        "POST /documentos/{id}/envios: the delivery record per document and integration (upsert)",
        "uq_integracion_envios_integracion_id_documento_id",
        IntegracionEnvio,
        integracion_id=1,
        documento_id=1,
    ),
    NamedQuery(
        "integracion_envios.de_documento",
        "GET /documentos/{id}/envios: the deliveries of a document",
        "ix_integracion_envios_documento_id",
        simple(
            lambda m: select(IntegracionEnvio).where(IntegracionEnvio.documento_id == m.envio_documento_id)
        ),
    ),
    NamedQuery(
        "integracion_envios.pendientes",
        "mesa_partes.reintentar_envios: due deliveries whose retry message was lost",
        "ix_integracion_envios_pendientes",
        simple(lambda m: consulta_vencidos()),
    ),
)
