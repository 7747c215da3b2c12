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
from app.derivaciones.models import Derivacion
from app.derivaciones.service import DerivacionService, FiltrosDerivacion
from app.documentos.acceso import filtro_visibilidad
from app.documentos.filtros import FiltrosDocumento, aplicar_filtros, documento_vencido
from app.documentos.models import Documento
from app.remitentes.models import Remitente
from app.reportes.excel import FECHA, FECHA_HORA, NUMERO, SI_NO, Columna, Desglose
from app.reportes.models import TipoReporte
from app.reportes.schemas import ParametrosDerivaciones, ParametrosDocumentos, ParametrosVencidos
from app.usuarios.models import Usuario
from app.usuarios.principal import Principal

Consulta = Select[*tuple[Any, ...]]  # a SELECT of plain columns, whatever they are


@dataclass(frozen=True)
class Listado:
    """A streamed data sheet: its columns and the statement (plain columns, names joined)."""

    hoja: str
    columnas: tuple[Columna, ...]
    consulta: Consulta
    desglose: Desglose


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
        Columna("N.º expediente", 15),
        Columna("Fecha de recepción", 17, FECHA_HORA),
        Columna("Tipo de documento", 18),
        Columna("N.º de documento", 22),
        Columna("Asunto", 60),
        Columna("Folios", 8, NUMERO),
        Columna("Remitente", 36),
        Columna("Doc. identidad", 11),
        Columna("N.º doc. identidad", 16),
        Columna("Procedimiento", 36),
        Columna("Canal", 16),
        Columna("Prioridad", 10),
        Columna("Estado", 12),
        Columna("Área actual", 30),
        Columna("Registrado por", 24),
        Columna("Fecha límite", 12, FECHA),
        Columna("Fecha de atención", 17, FECHA_HORA),
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
    return Listado("Documentos", columnas, query, Desglose("Estado", "Documentos", columna=12))


def listado_derivaciones(usuario: Principal, p: ParametrosDerivaciones) -> Listado:
    filtros = FiltrosDerivacion(**p.model_dump(exclude_none=True))
    origen, destino = aliased(Area), aliased(Area)
    enviado_por, recibido_por = aliased(Usuario), aliased(Usuario)
    columnas = (
        Columna("N.º expediente", 15),
        Columna("Asunto", 50),
        Columna("Fecha de envío", 17, FECHA_HORA),
        Columna("Área de origen", 30),
        Columna("Área de destino", 30),
        Columna("Enviado por", 24),
        Columna("Indicación", 28),
        Columna("Prioridad", 10),
        Columna("Estado", 11),
        Columna("Copia", 7, SI_NO),
        Columna("Proveído", 50),
        Columna("Fecha de recepción", 17, FECHA_HORA),
        Columna("Recibido por", 24),
        Columna("Fecha de atención", 17, FECHA_HORA),
        Columna("Plazo (días)", 10, NUMERO),
        Columna("Fecha límite", 12, FECHA),
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
    return Listado("Derivaciones", columnas, query, Desglose("Estado", "Derivaciones", columna=8))


def listado_vencidos(usuario: Principal, p: ParametrosVencidos) -> Listado:
    columnas = (
        Columna("N.º expediente", 15),
        Columna("Fecha límite", 12, FECHA),
        Columna("Días de atraso", 10, NUMERO),
        Columna("Fecha de recepción", 17, FECHA_HORA),
        Columna("Tipo de documento", 18),
        Columna("Asunto", 60),
        Columna("Remitente", 36),
        Columna("Procedimiento", 36),
        Columna("Prioridad", 10),
        Columna("Estado", 12),
        Columna("Área actual", 30),
    )
    query = _con_nombres(
        Documento.numero_expediente,
        Documento.fecha_limite,
        # Calendar days past the deadline, in the office's calendar (the session's time zone).
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
    return Listado("Vencidos", columnas, query, Desglose("Área actual", "Documentos vencidos", columna=10))


LISTADOS: dict[TipoReporte, Callable[[Principal, Any], Listado]] = {
    TipoReporte.DOCUMENTOS: listado_documentos,
    TipoReporte.DERIVACIONES: listado_derivaciones,
    TipoReporte.VENCIDOS: listado_vencidos,
}
