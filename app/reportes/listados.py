"""The statements of the listing reports (documentos, derivaciones, vencidos): plain columns with
the names joined, under the same visibility rules and filters as the API's lists, each with the
columns of its sheet and the breakdown of its summary. Built here; streamed into the workbook by
app/reportes/generacion.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from app.catalogos.models import Area, Indicacion, Procedimiento, TipoDocumento
from app.core.office_time import zone_label
from app.derivaciones.models import Derivacion
from app.derivaciones.service import DerivacionService, FiltrosDerivacion
from app.documentos.acceso import filtro_visibilidad
from app.documentos.etiquetas import CANAL, ESTADO_DERIVACION, ESTADO_DOCUMENTO, PRIORIDAD
from app.documentos.filtros import FiltrosDocumento, aplicar_filtros, documento_vencido
from app.documentos.models import Documento
from app.remitentes.models import Remitente
from app.reportes.excel import FECHA, FECHA_HORA, NUMERO, SI_NO, Columna
from app.reportes.models import TipoReporte
from app.reportes.resumen import Desglose
from app.reportes.schemas import ParametrosDerivaciones, ParametrosDocumentos, ParametrosVencidos
from app.usuarios.models import Usuario
from app.usuarios.principal import Principal

Consulta = Select[*tuple[Any, ...]]  # a SELECT of plain columns, whatever they are


@dataclass(frozen=True)
class Listado:
    """A streamed data sheet: its columns, the statement (plain columns, names joined) and the
    summary's breakdowns (rows counted by one of their columns)."""

    hoja: str
    columnas: tuple[Columna, ...]
    consulta: Consulta
    desgloses: tuple[Desglose, ...]


def _hora(titulo: str) -> str:
    """A date-time column's title, naming the office's time: "Fecha de envío (hora de Lima)"."""
    return f"{titulo} ({zone_label()})"


def _con_nombres(*columnas: Any) -> Consulta:
    """Columns of documents with the names of their tipo, sender, procedimiento and area."""
    return (
        select(*columnas)
        .select_from(Documento)
        .join(TipoDocumento, TipoDocumento.id == Documento.tipo_documento_id)
        .join(Remitente, Remitente.id == Documento.remitente_id)
        .outerjoin(Procedimiento, Procedimiento.id == Documento.procedimiento_id)
        .join(Area, Area.id == Documento.area_actual_id)
    )


def listado_documentos(usuario: Principal, p: ParametrosDocumentos) -> Listado:
    filtros = FiltrosDocumento(**p.model_dump(exclude_none=True))
    columnas = (
        Columna("Número de expediente", 14),
        Columna(_hora("Fecha de recepción"), 16, FECHA_HORA),
        Columna("Tipo de documento", 14, ajustar=True),
        Columna("Número de documento", 16, ajustar=True),
        Columna("Asunto", 40, ajustar=True),
        Columna("Folios", 7, NUMERO),
        Columna("Remitente", 26, ajustar=True),
        Columna("Documento de identidad", 11),
        Columna("Número del documento de identidad", 13),
        Columna("Procedimiento", 24, ajustar=True),
        Columna("Canal", 12, etiquetas=CANAL, ajustar=True),
        Columna("Prioridad", 10, etiquetas=PRIORIDAD),
        Columna("Estado", 12, etiquetas=ESTADO_DOCUMENTO),
        Columna("Área actual", 24, ajustar=True),
        Columna("Registrado por", 18, ajustar=True),
        Columna("Fecha límite", 11, FECHA),
        Columna(_hora("Fecha de atención"), 16, FECHA_HORA),
    )
    query = (
        _con_nombres(
            Documento.numero_expediente,
            Documento.fecha_recepcion,
            TipoDocumento.nombre,
            Documento.numero_documento,
            Documento.asunto,
            Documento.folios,
            Remitente.nombre,
            Remitente.tipo_documento_identidad,
            Remitente.numero_documento_identidad,
            Procedimiento.nombre,
            Documento.canal,
            Documento.prioridad,
            Documento.estado,
            Area.nombre,
            Usuario.nombre_completo,
            Documento.fecha_limite,
            Documento.fecha_atencion,
        )
        .join(Usuario, Usuario.id == Documento.registrado_por_id)
        .where(filtro_visibilidad(usuario))
    )
    # The list's order: newest first.
    query = aplicar_filtros(query, filtros).order_by(Documento.fecha_recepcion.desc(), Documento.id.desc())
    desgloses = (
        Desglose("Estado", "Documentos", columna=12, etiquetas=ESTADO_DOCUMENTO),
        Desglose("Área actual", "Documentos", columna=13),
        Desglose("Prioridad", "Documentos", columna=11, etiquetas=PRIORIDAD),
        Desglose("Canal", "Documentos", columna=10, etiquetas=CANAL),
    )
    return Listado("Documentos", columnas, query, desgloses)


def listado_derivaciones(usuario: Principal, p: ParametrosDerivaciones) -> Listado:
    filtros = FiltrosDerivacion(**p.model_dump(exclude_none=True))
    origen, destino = aliased(Area), aliased(Area)
    enviado_por, recibido_por = aliased(Usuario), aliased(Usuario)
    columnas = (
        Columna("Número de expediente", 14),
        Columna("Asunto", 34, ajustar=True),
        Columna(_hora("Fecha de envío"), 16, FECHA_HORA),
        Columna("Área de origen", 22, ajustar=True),
        Columna("Área de destino", 22, ajustar=True),
        Columna("Enviado por", 18, ajustar=True),
        Columna("Indicación", 20, ajustar=True),
        Columna("Prioridad", 10, etiquetas=PRIORIDAD),
        Columna("Estado", 13, etiquetas=ESTADO_DERIVACION, ajustar=True),
        Columna("Copia", 7, SI_NO),
        Columna("Proveído", 34, ajustar=True),
        Columna(_hora("Fecha de recepción"), 16, FECHA_HORA),
        Columna("Recibido por", 18, ajustar=True),
        Columna(_hora("Fecha de atención"), 16, FECHA_HORA),
        Columna("Plazo (días)", 9, NUMERO),
        Columna("Fecha límite", 11, FECHA),
    )
    # The tray's statement (visibility and filters), with plain columns instead of entities.
    query = (
        DerivacionService.consulta_lista(usuario, filtros)
        .with_only_columns(
            Documento.numero_expediente,
            Documento.asunto,
            Derivacion.fecha_envio,
            origen.nombre,
            destino.nombre,
            enviado_por.nombre_completo,
            Indicacion.nombre,
            Derivacion.prioridad,
            Derivacion.estado,
            Derivacion.es_copia,
            Derivacion.proveido,
            Derivacion.fecha_recepcion,
            recibido_por.nombre_completo,
            Derivacion.fecha_atencion,
            Derivacion.plazo_dias,
            Derivacion.fecha_limite,
        )
        .select_from(Derivacion)
        .join(Documento, Documento.id == Derivacion.documento_id)
        .join(origen, origen.id == Derivacion.area_origen_id)
        .join(destino, destino.id == Derivacion.area_destino_id)
        .join(enviado_por, enviado_por.id == Derivacion.enviado_por_id)
        .outerjoin(recibido_por, recibido_por.id == Derivacion.recibido_por_id)
        .outerjoin(Indicacion, Indicacion.id == Derivacion.indicacion_id)
        .order_by(Derivacion.fecha_envio.desc(), Derivacion.id.desc())
    )
    desgloses = (
        Desglose("Estado", "Derivaciones", columna=8, etiquetas=ESTADO_DERIVACION),
        Desglose("Área de destino", "Derivaciones", columna=4),
        Desglose("Área de origen", "Derivaciones", columna=3),
    )
    return Listado("Derivaciones", columnas, query, desgloses)


def listado_vencidos(usuario: Principal, p: ParametrosVencidos) -> Listado:
    columnas = (
        Columna("Número de expediente", 14),
        Columna("Fecha límite", 11, FECHA),
        Columna("Días calendario de atraso", 11, NUMERO),
        Columna(_hora("Fecha de recepción"), 16, FECHA_HORA),
        Columna("Tipo de documento", 16, ajustar=True),
        Columna("Asunto", 40, ajustar=True),
        Columna("Remitente", 26, ajustar=True),
        Columna("Procedimiento", 24, ajustar=True),
        Columna("Prioridad", 10, etiquetas=PRIORIDAD),
        Columna("Estado", 12, etiquetas=ESTADO_DOCUMENTO),
        Columna("Área actual", 24, ajustar=True),
    )
    query = _con_nombres(
        Documento.numero_expediente,
        Documento.fecha_limite,
        # Calendar days past the deadline, in the office's calendar (the session's time zone): cheap
        # in SQL for a million rows, and labelled as such (the tracking page counts business days).
        (func.current_date() - Documento.fecha_limite).label("dias_atraso"),
        Documento.fecha_recepcion,
        TipoDocumento.nombre,
        Documento.asunto,
        Remitente.nombre,
        Procedimiento.nombre,
        Documento.prioridad,
        Documento.estado,
        Area.nombre,
    ).where(documento_vencido(), filtro_visibilidad(usuario))
    if p.area_id is not None:
        query = query.where(Documento.area_actual_id == p.area_id)
    # The shape of the named query "reportes.vencidos" (ix_documentos_vencimiento): most overdue first.
    query = query.order_by(Documento.fecha_limite)
    desgloses = (
        Desglose("Área actual", "Documentos vencidos", columna=10),
        Desglose("Prioridad", "Documentos vencidos", columna=8, etiquetas=PRIORIDAD),
        Desglose("Estado", "Documentos vencidos", columna=9, etiquetas=ESTADO_DOCUMENTO),
    )
    return Listado("Vencidos", columnas, query, desgloses)


LISTADOS: dict[TipoReporte, Callable[[Principal, Any], Listado]] = {
    TipoReporte.DOCUMENTOS: listado_documentos,
    TipoReporte.DERIVACIONES: listado_derivaciones,
    TipoReporte.VENCIDOS: listado_vencidos,
}
