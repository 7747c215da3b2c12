"""The statements the admin EXPLAIN endpoint may run, by name (never SQL from a client).

Each one is built by the same service code that serves its endpoint, with parameter values taken
from the newest document (so the plan is the one a real request gets), and names the index that
`docs/indexes.md` says serves it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Executable, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.pagination import pagina_query
from app.models.mesa_partes import Documento, Remitente, Usuario
from app.models.mesa_partes.enums import Canal, EstadoDocumento, Prioridad, Rol
from app.services.mesa_partes.documento_service import DocumentoService, FiltrosDocumento
from app.services.mesa_partes.estadistica_service import EstadisticaService

PAGE = 20
_KEY = (Documento.fecha_recepcion, Documento.id)


@dataclass(frozen=True)
class Muestra:
    """Parameter values of a real document: the newest one."""

    area_id: int
    tipo_documento_id: int
    remitente_id: int
    registrado_por_id: int
    procedimiento_id: int | None
    numero_expediente: str
    palabra: str
    fecha: date


async def muestra(session: AsyncSession) -> Muestra:
    documento = (await session.scalars(select(Documento).order_by(Documento.id.desc()).limit(1))).first()
    if documento is None:
        raise LookupError("no documents yet: named queries need data to pick their parameters from")
    palabra = max(documento.asunto.split(), key=len).strip(".,;:()")
    return Muestra(
        area_id=documento.area_actual_id,
        tipo_documento_id=documento.tipo_documento_id,
        remitente_id=documento.remitente_id,
        registrado_por_id=documento.registrado_por_id,
        procedimiento_id=documento.procedimiento_id,
        numero_expediente=documento.numero_expediente,
        palabra=palabra.lower(),
        fecha=documento.fecha_recepcion.date(),
    )


Builder = Callable[[AsyncSession, Muestra], Awaitable[Executable]]


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    index: str  # the index docs/indexes.md says serves it
    build: Builder


def _lista(**filtros: Any) -> Builder:
    """A first page of `GET /documentos` with these filters, as an admin sees it."""

    async def build(session: AsyncSession, m: Muestra) -> Executable:
        values = {k: (v(m) if callable(v) else v) for k, v in filtros.items()}
        query = DocumentoService(session).consulta_lista(Usuario(rol=Rol.ADMIN), FiltrosDocumento(**values))
        return pagina_query(query, _KEY, page_size=PAGE)

    return build


async def _especialista(session: AsyncSession, m: Muestra) -> Executable:
    lector = Usuario(rol=Rol.ESPECIALISTA, area_id=m.area_id)
    return pagina_query(
        DocumentoService(session).consulta_lista(lector, FiltrosDocumento()), _KEY, page_size=PAGE
    )


async def _seguimiento(session: AsyncSession, m: Muestra) -> Executable:
    return select(Documento.id).where(Documento.numero_expediente == m.numero_expediente)


async def _remitentes(session: AsyncSession, m: Muestra) -> Executable:
    nombre = (await session.scalar(select(Remitente.nombre).where(Remitente.id == m.remitente_id))) or "xxx"
    fragmento = nombre.split()[0][:6].lower()
    return (
        select(Remitente)
        .where(Remitente.nombre.ilike(f"%{fragmento}%"))
        .order_by(func.similarity(Remitente.nombre, fragmento).desc(), Remitente.id)
        .limit(20)
    )


async def _estadisticas_por_estado(session: AsyncSession, m: Muestra) -> Executable:
    return EstadisticaService.consulta_por_estado(
        Usuario(rol=Rol.AUDITOR), m.fecha - timedelta(days=30), m.fecha
    )


NAMED_QUERIES: dict[str, NamedQuery] = {
    q.name: q
    for q in (
        NamedQuery(
            "documentos.lista", "GET /documentos (newest first)", "ix_documentos_fecha_recepcion_id", _lista()
        ),
        NamedQuery(
            "documentos.por_estado",
            "GET /documentos?estado=derivado",
            "ix_documentos_estado_fecha",
            _lista(estado=[EstadoDocumento.DERIVADO]),
        ),
        NamedQuery(
            "documentos.por_area_y_estado",
            "GET /documentos?area_id=&estado=recibido",
            "ix_documentos_area_estado_fecha",
            _lista(area_id=lambda m: m.area_id, estado=[EstadoDocumento.RECIBIDO]),
        ),
        NamedQuery(
            "documentos.por_area",
            "GET /documentos?area_id=",
            "ix_documentos_area_fecha",
            _lista(area_id=lambda m: m.area_id),
        ),
        NamedQuery(
            "documentos.por_remitente",
            "GET /documentos?remitente_id=",
            "ix_documentos_remitente_fecha",
            _lista(remitente_id=lambda m: m.remitente_id),
        ),
        NamedQuery(
            "documentos.por_tipo",
            "GET /documentos?tipo_documento_id=",
            "ix_documentos_tipo_fecha",
            _lista(tipo_documento_id=lambda m: m.tipo_documento_id),
        ),
        NamedQuery(
            "documentos.por_registrador",
            "GET /documentos?registrado_por_id=",
            "ix_documentos_registrado_por_fecha",
            _lista(registrado_por_id=lambda m: m.registrado_por_id),
        ),
        NamedQuery(
            "documentos.por_canal",
            "GET /documentos?canal=interoperabilidad&fecha_desde=",
            "ix_documentos_canal_fecha",
            _lista(canal=Canal.INTEROPERABILIDAD, fecha_desde=lambda m: m.fecha - timedelta(days=7)),
        ),
        NamedQuery(
            "documentos.vencidos",
            "GET /documentos?vencidos=true",
            "ix_documentos_vencimiento",
            _lista(vencidos=True),
        ),
        NamedQuery(
            "documentos.urgentes",
            "GET /documentos?prioridad=alta&prioridad=urgente&estado=<open>",
            "ix_documentos_prioritarios",
            _lista(
                prioridad=[Prioridad.ALTA, Prioridad.URGENTE],
                estado=[EstadoDocumento.REGISTRADO, EstadoDocumento.DERIVADO, EstadoDocumento.RECIBIDO],
            ),
        ),
        NamedQuery(
            "documentos.busqueda",
            "GET /documentos?q=<word of the newest asunto>",
            "ix_documentos_busqueda",
            _lista(q=lambda m: m.palabra),
        ),
        NamedQuery(
            "documentos.especialista",
            "GET /documentos as an especialista (visibility rule)",
            "ix_derivaciones_area_destino_id_documento_id",
            _especialista,
        ),
        NamedQuery(
            "seguimiento", "GET /seguimiento?numero=&codigo=", "uq_documentos_numero_expediente", _seguimiento
        ),
        NamedQuery("remitentes.busqueda", "GET /remitentes?q=", "ix_remitentes_nombre_trgm", _remitentes),
        NamedQuery(
            "estadisticas.por_estado",
            "GET /estadisticas?fecha_desde=&fecha_hasta= (counts by estado)",
            "ix_documentos_fecha_recepcion_id",
            _estadisticas_por_estado,
        ),
    )
}
