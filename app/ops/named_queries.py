"""The statements the admin EXPLAIN endpoint may run, by name (never SQL from a client): one for
each of the 51 secondary indexes of `docs/indexes.md`, naming the index that serves it.

Endpoint statements are built by the same service code that serves the endpoint (list, tray and
audit queries with their ORDER BY and look-ahead LIMIT). Unique constraints are shown the way
PostgreSQL uses them on a write: as the arbiter of `INSERT … ON CONFLICT`. Rows marked planned in
`docs/indexes.md` are the statements the task-queue and integration features run. Parameter values
come from the data (`muestra`), chosen to be as selective as a real request's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Executable, Select, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.anexos.models import Anexo
from app.anexos.service import consulta_pendientes
from app.catalogos.models import Area, Indicacion, Procedimiento, TipoDocumento
from app.core.models import Base
from app.core.pagination import pagina_query
from app.derivaciones.models import Derivacion, EstadoDerivacion
from app.derivaciones.service import BANDEJA_ORDEN, DerivacionService, FiltrosDerivacion
from app.documentos.filtros import FiltrosDocumento, documento_vencido
from app.documentos.historial import AUDITORIA_ORDEN, FiltrosHistorial, HistorialService
from app.documentos.models import (
    ESTADOS_ABIERTOS,
    Canal,
    Documento,
    EstadoDocumento,
    EventoHistorial,
    Historial,
    Prioridad,
)
from app.documentos.service import DocumentoService
from app.integraciones.models import Integracion, IntegracionEnvio
from app.integraciones.service import consulta_vencidos
from app.remitentes.models import Remitente, TipoDocumentoIdentidad
from app.reportes.models import Reporte
from app.reportes.service import consulta_atascados
from app.usuarios.models import Rol, Usuario

PAGE = 20
_LISTA_ORDEN = (Documento.fecha_recepcion, Documento.id)
_ADMIN = Usuario(rol=Rol.ADMIN)


@dataclass(frozen=True)
class Muestra:
    """Parameter values taken from the data."""

    documento_id: int
    area_id: int
    tipo_documento_id: int  # the least used tipo: a selective filter
    remitente_id: int
    registrado_por_id: int
    procedimiento_id: int
    numero_expediente: str
    numero_documento: str  # a whole reference: a short fragment matches too many to be selective
    palabra: str  # a word of a recent asunto found in at most 200 documents
    fecha: date
    derivacion: dict[str, Any]
    historial_usuario_id: int
    historial_area_id: int
    sha256: str
    reporte_usuario_id: int
    task_id: str
    envio_documento_id: int


async def _scalar(session: AsyncSession, statement: Any, default: Any) -> Any:
    value = await session.scalar(statement)
    return default if value is None else value


def _tsquery(word: str) -> Any:
    return func.websearch_to_tsquery("spanish", func.unaccent(word))


async def _palabra(session: AsyncSession) -> str:
    asuntos = await session.scalars(select(Documento.asunto).order_by(Documento.id.desc()).limit(200))
    seen: set[str] = set()
    for asunto in asuntos:
        for word in asunto.split():
            word = word.strip(".,;:()\"'").lower()
            if len(word) < 6 or word in seen or not word.isalpha():
                continue
            seen.add(word)
            matches = await session.scalar(
                select(func.count()).select_from(
                    select(Documento.id)
                    .where(
                        Documento.busqueda.op("@@")(func.websearch_to_tsquery("spanish", func.unaccent(word)))
                    )
                    .limit(201)
                    .subquery()
                )
            )
            # A term in a few hundred documents at most: a common one is found faster by walking
            # the newest documents than through the index (FLOOR.md: 23k matches, tens of ms).
            if matches is not None and 1 <= matches <= 200:
                return word
    return "tortuga"


async def muestra(session: AsyncSession) -> Muestra:
    documento = (await session.scalars(select(Documento).order_by(Documento.id.desc()).limit(1))).first()
    if documento is None:
        raise LookupError("no documents yet: named queries need data to pick their parameters from")
    derivacion = (await session.scalars(select(Derivacion).order_by(Derivacion.id.desc()).limit(1))).first()
    tipo = await session.scalar(
        select(Documento.tipo_documento_id)
        .group_by(Documento.tipo_documento_id)
        .order_by(func.count())
        .limit(1)
    )
    recibido_por = await _scalar(
        session, select(Derivacion.recibido_por_id).where(Derivacion.recibido_por_id.is_not(None)).limit(1), 0
    )
    return Muestra(
        documento_id=documento.id,
        area_id=documento.area_actual_id,
        tipo_documento_id=tipo or documento.tipo_documento_id,
        remitente_id=documento.remitente_id,
        registrado_por_id=documento.registrado_por_id,
        procedimiento_id=await _scalar(
            session,
            select(Documento.procedimiento_id)
            .where(Documento.procedimiento_id.is_not(None))
            .order_by(Documento.id.desc())
            .limit(1),
            0,
        ),
        numero_expediente=documento.numero_expediente,
        numero_documento=await _scalar(
            session,
            select(Documento.numero_documento)
            .where(Documento.numero_documento.is_not(None))
            .order_by(Documento.id.desc())
            .limit(1),
            "CARTA N° 001-2026",
        ),
        palabra=await _palabra(session),
        fecha=documento.fecha_recepcion.date(),
        derivacion={
            "area_destino_id": derivacion.area_destino_id if derivacion else 0,
            "area_origen_id": derivacion.area_origen_id if derivacion else 0,
            "enviado_por_id": derivacion.enviado_por_id if derivacion else 0,
            "recibido_por_id": recibido_por,
            "indicacion_id": (derivacion.indicacion_id if derivacion else None) or 0,
        },
        historial_usuario_id=await _scalar(
            session, select(Historial.usuario_id).order_by(Historial.id.desc()).limit(1), 0
        ),
        historial_area_id=await _scalar(
            session,
            select(Historial.area_id)
            .where(Historial.area_id.is_not(None))
            .order_by(Historial.id.desc())
            .limit(1),
            0,
        ),
        sha256=await _scalar(session, select(Anexo.sha256).order_by(Anexo.id.desc()).limit(1), "0" * 64),
        reporte_usuario_id=await _scalar(
            session, select(Reporte.solicitado_por_id).order_by(Reporte.id.desc()).limit(1), 0
        ),
        task_id=await _scalar(
            session,
            select(Reporte.task_id).where(Reporte.task_id.is_not(None)).order_by(Reporte.id.desc()).limit(1),
            "sin-tarea",
        ),
        envio_documento_id=await _scalar(
            session, select(IntegracionEnvio.documento_id).order_by(IntegracionEnvio.id.desc()).limit(1), 0
        ),
    )


Builder = Callable[[AsyncSession, Muestra], Awaitable[Executable]]


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    index: str  # the index docs/indexes.md says serves it
    build: Builder
    # Conflict-arbiter inserts carry only their key: planned, never run (not even rolled back).
    analyzable: bool = True


Consulta = Callable[[AsyncSession, dict[str, Any]], Select[Any]]


def _primera_pagina(consulta: Consulta, orden: Any) -> Callable[..., Builder]:
    """Builders of an endpoint's first page: `consulta` makes its statement from the session and
    the filter values (callables are resolved against the sample), `orden` is its keyset."""

    def con_filtros(**filtros: Any) -> Builder:
        async def build(session: AsyncSession, m: Muestra) -> Executable:
            values = {k: (v(m) if callable(v) else v) for k, v in filtros.items()}
            return pagina_query(consulta(session, values), orden, page_size=PAGE)

        return build

    return con_filtros


# GET /documentos and GET /derivaciones as an admin sees them; GET /historial.
_lista = _primera_pagina(
    lambda session, f: DocumentoService(session).consulta_lista(_ADMIN, FiltrosDocumento(**f)), _LISTA_ORDEN
)
_bandeja = _primera_pagina(
    lambda session, f: DerivacionService(session).consulta_lista(_ADMIN, FiltrosDerivacion(**f)),
    BANDEJA_ORDEN,
)
_auditoria = _primera_pagina(
    lambda session, f: HistorialService.consulta_auditoria(FiltrosHistorial(**f)), AUDITORIA_ORDEN
)


def _unica(name: str, description: str, index: str, model: type[Base], **values: Any) -> NamedQuery:
    """An insert whose duplicate the unique index on `values`' columns detects: the index is the
    conflict arbiter (what enforces it on every insert; a one-page table is never read by index)."""

    async def build(session: AsyncSession, m: Muestra) -> Executable:
        return pg_insert(model).values(**values).on_conflict_do_nothing(index_elements=list(values))

    return NamedQuery(name, description, index, build, analyzable=False)


def _simple(make: Callable[[Muestra], Executable]) -> Builder:
    async def build(session: AsyncSession, m: Muestra) -> Executable:
        return make(m)

    return build


async def _especialista(session: AsyncSession, m: Muestra) -> Executable:
    lector = Usuario(rol=Rol.ESPECIALISTA, area_id=m.derivacion["area_destino_id"])
    query = DocumentoService(session).consulta_lista(lector, FiltrosDocumento())
    return pagina_query(query, _LISTA_ORDEN, page_size=PAGE)


async def _remitentes(session: AsyncSession, m: Muestra) -> Executable:
    nombre = await _scalar(session, select(Remitente.nombre).where(Remitente.id == m.remitente_id), "quispe")
    fragmento = str(nombre).split()[0][:6].lower()
    return (
        select(Remitente)
        .where(Remitente.nombre.ilike(f"%{fragmento}%"))
        .order_by(func.similarity(Remitente.nombre, fragmento).desc(), Remitente.id)
        .limit(20)
    )


def _hace(dias: int) -> datetime:
    return datetime.now().astimezone() - timedelta(days=dias)


_ABIERTOS = [EstadoDocumento.REGISTRADO, EstadoDocumento.DERIVADO, EstadoDocumento.OBSERVADO]

_QUERIES = (
    # ---- catalogs and users: integrity (conflict arbiters) --------------------------------------------
    _unica(
        "areas.alta", "POST /catalogos/areas (duplicate codigo → 409)", "uq_areas_codigo", Area, codigo="MP"
    ),
    _unica(
        "tipos_documento.alta",
        "POST /catalogos/tipos-documento (duplicate codigo → 409)",
        "uq_tipos_documento_codigo",
        TipoDocumento,
        codigo="SOL",
    ),
    _unica(
        "procedimientos.alta",
        "POST /catalogos/procedimientos (duplicate codigo → 409)",
        "uq_procedimientos_codigo",
        Procedimiento,
        codigo="TUPA-01",
    ),
    _unica(
        "indicaciones.alta",
        "POST /catalogos/indicaciones (duplicate codigo → 409)",
        "uq_indicaciones_codigo",
        Indicacion,
        codigo="ACC",
    ),
    _unica(
        "integraciones.alta",
        "POST/PATCH /integraciones (duplicate codigo → 409)",
        "uq_integraciones_codigo",
        Integracion,
        codigo="PIDE",
    ),
    _unica(
        "usuarios.alta_username",
        "POST /usuarios (duplicate username → 409)",
        "uq_usuarios_username",
        Usuario,
        username="admin",
    ),
    _unica(
        "usuarios.alta_email",
        "POST /usuarios (duplicate email → 409)",
        "uq_usuarios_email",
        Usuario,
        email="admin@mesa-partes.local",
    ),
    _unica(
        "remitentes.upsert",
        "POST /documentos with an inline remitente (upsert by identity)",
        "uq_remitentes_identidad",
        Remitente,
        numero_documento_identidad="12345678",
        tipo_documento_identidad=TipoDocumentoIdentidad.DNI,
    ),
    NamedQuery("remitentes.busqueda", "GET /remitentes?q=", "ix_remitentes_nombre_trgm", _remitentes),
    # ---- documentos ----------------------------------------------------------------------------------------
    NamedQuery(
        "seguimiento",
        "GET /seguimiento?numero=&codigo=",
        "uq_documentos_numero_expediente",
        _simple(lambda m: select(Documento.id).where(Documento.numero_expediente == m.numero_expediente)),
    ),
    NamedQuery(
        "documentos.idempotencia",
        "POST /documentos with Idempotency-Key (replay lookup)",
        "ix_documentos_idempotency_key",
        _simple(lambda m: select(Documento.id).where(Documento.idempotency_key == "clave-de-muestra")),
    ),
    NamedQuery(
        "documentos.lista", "GET /documentos (newest first)", "ix_documentos_fecha_recepcion_id", _lista()
    ),
    NamedQuery(
        "documentos.abiertos",
        "GET /documentos?estado=registrado&estado=derivado&estado=observado (pending tray)",
        "ix_documentos_abiertos",
        _lista(estado=_ABIERTOS),
    ),
    NamedQuery(
        "documentos.area_vencidos",
        "GET /documentos?area_id=&vencidos=true (an area's overdue tray)",
        "ix_documentos_area_abiertos",
        _lista(area_id=lambda m: m.area_id, vencidos=True),
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
        "documentos.por_procedimiento",
        "GET /documentos?procedimiento_id=",
        "ix_documentos_procedimiento_fecha",
        _lista(procedimiento_id=lambda m: m.procedimiento_id),
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
        "reportes.vencidos",
        "POST /reportes {tipo: vencidos}: the overdue-documents Excel report, most overdue first",
        "ix_documentos_vencimiento",
        _simple(lambda m: select(Documento.id).where(documento_vencido()).order_by(Documento.fecha_limite)),
    ),
    NamedQuery(
        "documentos.urgentes",
        "GET /documentos?prioridad=alta&prioridad=urgente&estado=<open>",
        "ix_documentos_prioritarios",
        _lista(prioridad=[Prioridad.ALTA, Prioridad.URGENTE], estado=list(ESTADOS_ABIERTOS)),
    ),
    NamedQuery(
        "reportes.atendidos",
        "(planned) documents attended in a month, for the attention-time report",
        "ix_documentos_atendidos",
        _simple(
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
        _lista(q=lambda m: m.palabra),
    ),
    NamedQuery(
        "documentos.numero_documento",
        "GET /documentos?numero_documento=<the sender's reference>",
        "ix_documentos_numero_documento_trgm",
        _lista(numero_documento=lambda m: m.numero_documento),
    ),
    # ---- integrations and reports --------------------------------------------------------------------------
    _unica(
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
        _simple(
            lambda m: select(IntegracionEnvio).where(IntegracionEnvio.documento_id == m.envio_documento_id)
        ),
    ),
    NamedQuery(
        "integracion_envios.pendientes",
        "mesa_partes.reintentar_envios: due deliveries whose retry message was lost",
        "ix_integracion_envios_pendientes",
        _simple(lambda m: consulta_vencidos()),
    ),
    NamedQuery(
        "reportes.mios",
        "GET /reportes: my reports, newest first",
        "ix_reportes_solicitante_fecha",
        _simple(
            lambda m: (
                select(Reporte)
                .where(Reporte.solicitado_por_id == m.reporte_usuario_id)
                .order_by(Reporte.created_at.desc())
                .limit(PAGE)
            )
        ),
    ),
    NamedQuery(
        "reportes.por_tarea",
        "GET /reportes?task_id= (the report of a Celery task)",
        "ix_reportes_task_id",
        _simple(lambda m: select(Reporte).where(Reporte.task_id == m.task_id)),
    ),
    NamedQuery(
        "reportes.atascados",
        "mesa_partes.reanudar_reportes: reports left unfinished with no progress for 15 minutes",
        "ix_reportes_activos",
        _simple(lambda m: consulta_atascados()),
    ),
    # ---- anexos ------------------------------------------------------------------------------------------
    NamedQuery(
        "anexos.de_documento",
        "GET /documentos/{id} (attachments, selectinload)",
        "ix_anexos_documento_id",
        _simple(lambda m: select(Anexo).where(Anexo.documento_id.in_([m.documento_id])).order_by(Anexo.id)),
    ),
    NamedQuery(
        "anexos.por_hash",
        "GET /documentos/{id}/anexos/{anexo_id}: an identical earlier file (duplicado_de)",
        "ix_anexos_sha256",
        _simple(lambda m: select(Anexo.id).where(Anexo.sha256 == m.sha256)),
    ),
    NamedQuery(
        "anexos.pendientes",
        "mesa_partes.reprocesar_anexos: attachments pending for more than 10 minutes",
        "ix_anexos_pendientes",
        _simple(lambda m: consulta_pendientes()),
    ),
    # ---- derivaciones ------------------------------------------------------------------------------------
    NamedQuery(
        "derivaciones.de_documento",
        "GET /documentos/{id} and GET /seguimiento (routings, selectinload)",
        "ix_derivaciones_documento_id_fecha_envio",
        _simple(
            lambda m: (
                select(Derivacion)
                .where(Derivacion.documento_id.in_([m.documento_id]))
                .order_by(Derivacion.id)
            )
        ),
    ),
    NamedQuery(
        "documentos.especialista",
        "GET /documentos as an especialista (visibility rule)",
        "ix_derivaciones_area_destino_id_documento_id",
        _especialista,
    ),
    NamedQuery(
        "derivaciones.bandeja",
        "GET /derivaciones?area_destino_id=&estado=pendiente (an area's inbox)",
        "ix_derivaciones_bandeja",
        _bandeja(
            area_destino_id=lambda m: m.derivacion["area_destino_id"], estado=[EstadoDerivacion.PENDIENTE]
        ),
    ),
    NamedQuery(
        "derivaciones.entrada",
        "GET /derivaciones?area_destino_id= (an area's inbox, every state)",
        "ix_derivaciones_destino_fecha",
        _bandeja(area_destino_id=lambda m: m.derivacion["area_destino_id"]),
    ),
    NamedQuery(
        "derivaciones.salida",
        "GET /derivaciones?area_origen_id= (an area's outbox)",
        "ix_derivaciones_area_origen_fecha",
        _bandeja(area_origen_id=lambda m: m.derivacion["area_origen_id"]),
    ),
    NamedQuery(
        "derivaciones.por_remitente",
        "GET /derivaciones?enviado_por_id=",
        "ix_derivaciones_enviado_por_fecha",
        _bandeja(enviado_por_id=lambda m: m.derivacion["enviado_por_id"]),
    ),
    NamedQuery(
        "derivaciones.por_receptor",
        "GET /derivaciones?recibido_por_id=",
        "ix_derivaciones_recibido_por_fecha",
        _bandeja(recibido_por_id=lambda m: m.derivacion["recibido_por_id"]),
    ),
    NamedQuery(
        "derivaciones.por_indicacion",
        "GET /derivaciones?indicacion_id=",
        "ix_derivaciones_indicacion_fecha",
        _bandeja(indicacion_id=lambda m: m.derivacion["indicacion_id"]),
    ),
    NamedQuery(
        "derivaciones.por_fecha",
        "GET /derivaciones?fecha_desde=&fecha_hasta= (one week)",
        "ix_derivaciones_fecha_envio",
        _bandeja(fecha_desde=lambda m: m.fecha - timedelta(days=7), fecha_hasta=lambda m: m.fecha),
    ),
    NamedQuery(
        "derivaciones.vencidas",
        "GET /derivaciones?vencidas=true",
        "ix_derivaciones_vencimiento",
        _bandeja(vencidas=True),
    ),
    # ---- historial -------------------------------------------------------------------------------------
    NamedQuery(
        "historial.de_documento",
        "GET /documentos/{id}/historial",
        "ix_historial_documento_id_created_at",
        _simple(lambda m: DocumentoService.consulta_historial(m.documento_id)),
    ),
    NamedQuery(
        "historial.por_usuario",
        "GET /historial?usuario_id=",
        "ix_historial_usuario_id_created_at",
        _auditoria(usuario_id=lambda m: m.historial_usuario_id),
    ),
    NamedQuery(
        "historial.por_area",
        "GET /historial?area_id=",
        "ix_historial_area_id_created_at",
        _auditoria(area_id=lambda m: m.historial_area_id),
    ),
    NamedQuery(
        "historial.anulaciones",
        "GET /historial?evento=anulado&fecha_desde=",
        "ix_historial_evento_created_at",
        _auditoria(evento=EventoHistorial.ANULADO, fecha_desde=lambda m: m.fecha - timedelta(days=90)),
    ),
    NamedQuery(
        "historial.reciente", "GET /historial (newest first)", "ix_historial_created_at_id", _auditoria()
    ),
)

NAMED_QUERIES: dict[str, NamedQuery] = {q.name: q for q in _QUERIES}
