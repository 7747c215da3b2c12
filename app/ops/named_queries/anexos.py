"""Named queries served by the indexes of the anexos table: a document's attachments, an
identical earlier file, and the attachments left pending."""

from __future__ import annotations

from sqlalchemy import select

from app.anexos.models import Anexo
from app.anexos.procesamiento import consulta_pendientes
from app.ops.named_queries.builders import NamedQuery, simple

CONSULTAS = (
    NamedQuery(
        "anexos.de_documento",
        "GET /documentos/{id} (attachments, selectinload)",
        "ix_anexos_documento_id",
        simple(lambda m: select(Anexo).where(Anexo.documento_id.in_([m.documento_id])).order_by(Anexo.id)),
    ),
    NamedQuery(
        "anexos.por_hash",
        "GET /documentos/{id}/anexos/{anexo_id}: an identical earlier file (duplicado_de)",
        "ix_anexos_sha256",
        simple(lambda m: select(Anexo.id).where(Anexo.sha256 == m.sha256)),
    ),
    NamedQuery(
        "anexos.pendientes",
        "mesa_partes.reprocesar_anexos: attachments pending for more than 10 minutes",
        "ix_anexos_pendientes",
        simple(lambda m: consulta_pendientes()),
    ),
)
