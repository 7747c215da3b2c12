"""Named queries served by the indexes of the historial table: a document's history and the audit
log under each filter."""

from __future__ import annotations

from datetime import timedelta

from app.documentos.models import EventoHistorial
from app.documentos.service import DocumentoService
from app.ops.named_queries.builders import NamedQuery, auditoria, simple

CONSULTAS = (
    NamedQuery(
        "historial.de_documento",
        "GET /documentos/{id}/historial",
        "ix_historial_documento_id_created_at",
        simple(lambda m: DocumentoService.consulta_historial(m.documento_id)),
    ),
    NamedQuery(
        "historial.por_usuario",
        "GET /historial?usuario_id=",
        "ix_historial_usuario_id_created_at",
        auditoria(usuario_id=lambda m: m.historial_usuario_id),
    ),
    NamedQuery(
        "historial.por_area",
        "GET /historial?area_id=",
        "ix_historial_area_id_created_at",
        auditoria(area_id=lambda m: m.historial_area_id),
    ),
    NamedQuery(
        "historial.anulaciones",
        "GET /historial?evento=anulado&fecha_desde=",
        "ix_historial_evento_created_at",
        auditoria(evento=EventoHistorial.ANULADO, fecha_desde=lambda m: m.fecha - timedelta(days=90)),
    ),
    NamedQuery(
        "historial.reciente", "GET /historial (newest first)", "ix_historial_created_at_id", auditoria()
    ),
)
