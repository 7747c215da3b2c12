"""Named queries served by the indexes of the documentos table: tracking, idempotent replays,
the document list under each filter, full-text and reference search, and the reports' scans."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.documentos.filtros import documento_vencido
from app.documentos.models import ESTADOS_ABIERTOS, Canal, Documento, EstadoDocumento, Prioridad
from app.ops.named_queries.builders import NamedQuery, lista, simple


def _hace(dias: int) -> datetime:
    return datetime.now().astimezone() - timedelta(days=dias)


_ABIERTOS = [EstadoDocumento.REGISTRADO, EstadoDocumento.DERIVADO, EstadoDocumento.OBSERVADO]

CONSULTAS = (
    NamedQuery(
        "seguimiento",
        "GET /seguimiento?numero=&codigo=",
        "uq_documentos_numero_expediente",
        simple(lambda m: select(Documento.id).where(Documento.numero_expediente == m.numero_expediente)),
    ),
    NamedQuery(
        "documentos.idempotencia",
        "POST /documentos with Idempotency-Key (replay lookup)",
        "ix_documentos_idempotency_key",
        simple(lambda m: select(Documento.id).where(Documento.idempotency_key == "clave-de-muestra")),
    ),
    NamedQuery(
        "documentos.lista", "GET /documentos (newest first)", "ix_documentos_fecha_recepcion_id", lista()
    ),
    NamedQuery(
        "documentos.abiertos",
        "GET /documentos?estado=registrado&estado=derivado&estado=observado (pending tray)",
        "ix_documentos_abiertos",
        lista(estado=_ABIERTOS),
    ),
    NamedQuery(
        "documentos.area_vencidos",
        "GET /documentos?area_id=&vencidos=true (an area's overdue tray)",
        "ix_documentos_area_abiertos",
        lista(area_id=lambda m: m.area_id, vencidos=True),
    ),
    NamedQuery(
        "documentos.por_estado",
        "GET /documentos?estado=derivado",
        "ix_documentos_estado_fecha",
        lista(estado=[EstadoDocumento.DERIVADO]),
    ),
    NamedQuery(
        "documentos.por_area_y_estado",
        "GET /documentos?area_id=&estado=recibido",
        "ix_documentos_area_estado_fecha",
        lista(area_id=lambda m: m.area_id, estado=[EstadoDocumento.RECIBIDO]),
    ),
    NamedQuery(
        "documentos.por_area",
        "GET /documentos?area_id=",
        "ix_documentos_area_fecha",
        lista(area_id=lambda m: m.area_id),
    ),
    NamedQuery(
        "documentos.por_remitente",
        "GET /documentos?remitente_id=",
        "ix_documentos_remitente_fecha",
        lista(remitente_id=lambda m: m.remitente_id),
    ),
    NamedQuery(
        "documentos.por_tipo",
        "GET /documentos?tipo_documento_id=",
        "ix_documentos_tipo_fecha",
        lista(tipo_documento_id=lambda m: m.tipo_documento_id),
    ),
    NamedQuery(
        "documentos.por_procedimiento",
        "GET /documentos?procedimiento_id=",
        "ix_documentos_procedimiento_fecha",
        lista(procedimiento_id=lambda m: m.procedimiento_id),
    ),
    NamedQuery(
        "documentos.por_registrador",
        "GET /documentos?registrado_por_id=",
        "ix_documentos_registrado_por_fecha",
        lista(registrado_por_id=lambda m: m.registrado_por_id),
    ),
    NamedQuery(
        "documentos.por_canal",
        "GET /documentos?canal=interoperabilidad&fecha_desde=",
        "ix_documentos_canal_fecha",
        lista(canal=Canal.INTEROPERABILIDAD, fecha_desde=lambda m: m.fecha - timedelta(days=7)),
    ),
    NamedQuery(
        "reportes.vencidos",
        "POST /reportes {tipo: vencidos}: the overdue-documents Excel report, most overdue first",
        "ix_documentos_vencimiento",
        simple(lambda m: select(Documento.id).where(documento_vencido()).order_by(Documento.fecha_limite)),
    ),
    NamedQuery(
        "documentos.urgentes",
        "GET /documentos?prioridad=alta&prioridad=urgente&estado=<open>",
        "ix_documentos_prioritarios",
        lista(prioridad=[Prioridad.ALTA, Prioridad.URGENTE], estado=list(ESTADOS_ABIERTOS)),
    ),
    NamedQuery(
        "reportes.atendidos",
        "(planned) documents attended in a month, for the attention-time report",
        "ix_documentos_atendidos",
        simple(
            lambda m: (
                select(Documento.id)
                .where(Documento.fecha_atencion >= _hace(30), Documento.fecha_atencion < _hace(0))
                .order_by(Documento.fecha_atencion)
            )
        ),
    ),
    NamedQuery(
        "documentos.busqueda",
        "GET /documentos?q=<a word of a recent asunto>",
        "ix_documentos_busqueda",
        lista(q=lambda m: m.palabra),
    ),
    NamedQuery(
        "documentos.numero_documento",
        "GET /documentos?numero_documento=<the sender's reference>",
        "ix_documentos_numero_documento_trgm",
        lista(numero_documento=lambda m: m.numero_documento),
    ),
)
