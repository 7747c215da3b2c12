"""Use cases of the expediente: register, list, detail, update and the routing workflow.

Every method runs inside the caller's unit of work and only flushes; the request commits.
Every state change writes `historial` in that same transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import UTC, datetime
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app import cache_policy as caching
from app.cargos import service as cargo_service
from app.catalogos.models import Area, Indicacion, Procedimiento, TipoDocumento
from app.core.cache import WARM, argument_digest, get_cache
from app.core.config import get_settings
from app.core.errors import Conflict, InvalidInput, NotFound
from app.core.pagination import Pagina, paginar
from app.core.schemas import Page
from app.derivaciones.models import Derivacion, EstadoDerivacion
from app.documentos import eventos
from app.documentos.acceso import exigir_area_actual, filtro_visibilidad
from app.documentos.filtros import FiltrosDocumento, aplicar_filtros
from app.documentos.models import (
    Documento,
    EstadoDocumento,
    EventoHistorial,
    ExpedienteCorrelativo,
    Historial,
)
from app.documentos.plazos import calcular_fecha_limite
from app.documentos.schemas import (
    AccionRequest,
    DerivarRequest,
    DocumentoCreate,
    DocumentoListItem,
    DocumentoUpdate,
    MotivoRequest,
)
from app.remitentes.models import Remitente
from app.remitentes.service import RemitenteService
from app.usuarios.models import Rol, Usuario
from app.usuarios.permisos import exigir_escritura, exigir_rol

E = EstadoDocumento
TRANSICIONES: dict[EstadoDocumento, frozenset[EstadoDocumento]] = {
    E.REGISTRADO: frozenset({E.DERIVADO, E.OBSERVADO, E.ANULADO}),
    E.DERIVADO: frozenset({E.RECIBIDO, E.ANULADO}),
    E.RECIBIDO: frozenset({E.EN_PROCESO, E.DERIVADO, E.ATENDIDO, E.OBSERVADO, E.ANULADO}),
    E.EN_PROCESO: frozenset({E.DERIVADO, E.ATENDIDO, E.OBSERVADO, E.ANULADO}),
    E.ATENDIDO: frozenset({E.ARCHIVADO}),
    E.OBSERVADO: frozenset({E.DERIVADO, E.ARCHIVADO, E.ANULADO}),
    E.ARCHIVADO: frozenset(),
    E.ANULADO: frozenset(),
}
ESTADOS_DERIVACION_ACTIVA = (EstadoDerivacion.PENDIENTE, EstadoDerivacion.RECIBIDA)
MESA_PARTES_AREA = "MP"
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud at the counter


def _detail_options() -> tuple[Any, ...]:
    """What the detail response shows: 4 statements at most whatever the number of derivaciones."""
    return (
        joinedload(Documento.tipo_documento),
        joinedload(Documento.remitente),
        joinedload(Documento.area_actual),
        selectinload(Documento.derivaciones).options(
            joinedload(Derivacion.area_origen),
            joinedload(Derivacion.area_destino),
            joinedload(Derivacion.indicacion),
        ),
        selectinload(Documento.anexos),
    )


def _list_options() -> tuple[Any, ...]:
    # Many-to-one links join in the same statement: one round trip for the whole page.
    return (
        joinedload(Documento.tipo_documento),
        joinedload(Documento.remitente),
        joinedload(Documento.area_actual),
    )


def _json(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _misma_solicitud(documento: Documento, data: DocumentoCreate) -> bool:
    """Whether a replayed registration asks for the document that the key already produced."""
    remitente_ok = (
        documento.remitente_id == data.remitente_id
        if data.remitente_id is not None
        else data.remitente is not None
        and documento.remitente.numero_documento_identidad == data.remitente.numero_documento_identidad
        and documento.remitente.tipo_documento_identidad == data.remitente.tipo_documento_identidad
    )
    return remitente_ok and (
        documento.tipo_documento_id,
        documento.numero_documento,
        documento.asunto,
        documento.folios,
        documento.procedimiento_id,
        documento.canal,
        documento.prioridad,
    ) == (
        data.tipo_documento_id,
        data.numero_documento,
        data.asunto,
        data.folios,
        data.procedimiento_id,
        data.canal,
        data.prioridad,
    )


# Fields printed on the receipt (cargo): changing one renders it again.
CAMPOS_DEL_CARGO = frozenset({"asunto", "folios", "tipo_documento_id", "numero_documento"})


class DocumentoService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # ---- reads -------------------------------------------------------------------------------

    def _visible(self, usuario: Usuario) -> Select[Documento]:
        return select(Documento).where(filtro_visibilidad(usuario))

    async def listar(
        self,
        usuario: Usuario,
        filtros: FiltrosDocumento,
        *,
        page_size: int,
        cursor: str | None = None,
        page: int | None = None,
        ascendente: bool = False,
    ) -> Pagina[Documento]:
        query = self.consulta_lista(usuario, filtros)
        return await paginar(
            self.session,
            query,
            (Documento.fecha_recepcion, Documento.id),
            lambda documento: (documento.fecha_recepcion, documento.id),
            page_size=page_size,
            cursor=cursor,
            page=page,
            ascending=ascendente,
        )

    def consulta_lista(self, usuario: Usuario, filtros: FiltrosDocumento) -> Select[Documento]:
        """The list's statement before paging (the query optimizer explains it by name)."""
        return aplicar_filtros(self._visible(usuario).options(*_list_options()), filtros)

    async def buscar(
        self,
        usuario: Usuario,
        filtros: FiltrosDocumento,
        *,
        page_size: int,
        cursor: str | None = None,
        page: int | None = None,
        ascendente: bool = False,
    ) -> bytes:
        """A full-text search page as its JSON body, cached (WARM) per normalized term, visibility
        scope, filters and day; document, sender and area/tipo writes invalidate it."""
        filtros = replace(filtros, q=caching.normalizar_termino(filtros.q or ""))
        if not filtros.q:
            raise InvalidInput("q needs at least one word", field="q", location="query")
        digest = argument_digest(
            [caching.alcance(usuario), caching.hoy(), filtros, page_size, cursor, page, ascendente]
        )

        async def body() -> bytes:
            pagina = await self.listar(
                usuario, filtros, page_size=page_size, cursor=cursor, page=page, ascendente=ascendente
            )
            return Page[DocumentoListItem].model_validate(pagina).model_dump_json().encode()

        return await get_cache().get_or_compute(
            f"{caching.DOCUMENTOS}:busqueda:{digest}", body, ttl=WARM, type_=bytes
        )

    async def obtener(self, usuario: Usuario, documento_id: int) -> Documento:
        """The detail of a visible document; 404 also when it exists but is not visible to the user."""
        query = self._visible(usuario).where(Documento.id == documento_id).options(*_detail_options())
        documento = (await self.session.scalars(query.execution_options(populate_existing=True))).first()
        if documento is None:
            raise NotFound(f"documento {documento_id} not found")
        return documento

    async def historial(self, usuario: Usuario, documento_id: int) -> list[Historial]:
        visible = await self.session.scalar(
            select(Documento.id).where(Documento.id == documento_id, filtro_visibilidad(usuario))
        )
        if visible is None:
            raise NotFound(f"documento {documento_id} not found")
        return list(await self.session.scalars(self.consulta_historial(documento_id)))

    @staticmethod
    def consulta_historial(documento_id: int) -> Select[Historial]:
        return (
            select(Historial)
            .where(Historial.documento_id == documento_id)
            .options(joinedload(Historial.usuario), joinedload(Historial.area))
            .order_by(Historial.created_at, Historial.id)
        )

    # ---- registration ------------------------------------------------------------------------

    async def registrar(
        self, usuario: Usuario, data: DocumentoCreate, idempotency_key: str | None = None
    ) -> tuple[Documento, bool]:
        """Register a document; returns it and whether it was created now (False on a replay)."""
        exigir_rol(usuario, Rol.ADMIN, Rol.MESA_PARTES)
        scoped_key = f"{usuario.id}:{idempotency_key}" if idempotency_key else None
        if scoped_key:
            existing = await self.session.scalar(
                select(Documento.id).where(Documento.idempotency_key == scoped_key)
            )
            if existing is not None:
                documento = await self.obtener(usuario, existing)
                if not _misma_solicitud(documento, data):
                    raise InvalidInput(
                        "this Idempotency-Key was already used for a different document",
                        field="idempotency-key",
                        location="header",
                    )
                return documento, False

        await self._exigir_activo(TipoDocumento, data.tipo_documento_id, "tipo_documento_id")
        plazo: int | None = None
        if data.procedimiento_id is not None:
            procedimiento = await self._exigir_activo(
                Procedimiento, data.procedimiento_id, "procedimiento_id"
            )
            plazo = procedimiento.plazo_dias
        remitente_id = await self._resolver_remitente(data)
        area_id = usuario.area_id or await self._area_mesa_partes()

        ahora = datetime.now(UTC)
        documento = Documento(
            numero_expediente=await self._siguiente_numero(
                ahora.astimezone(ZoneInfo(get_settings().timezone)).year
            ),
            codigo_verificacion="".join(secrets.choice(_CODE_ALPHABET) for _ in range(8)),
            tipo_documento_id=data.tipo_documento_id,
            numero_documento=data.numero_documento,
            asunto=data.asunto,
            folios=data.folios,
            remitente_id=remitente_id,
            procedimiento_id=data.procedimiento_id,
            canal=data.canal,
            prioridad=data.prioridad,
            estado=EstadoDocumento.REGISTRADO,
            area_actual_id=area_id,
            registrado_por_id=usuario.id,
            fecha_recepcion=ahora,
            fecha_limite=calcular_fecha_limite(ahora, plazo) if plazo is not None else None,
            observacion=data.observacion,
            idempotency_key=scoped_key,
        )
        self.session.add(documento)
        if scoped_key is None:
            await self.session.flush()
        else:
            try:
                # A savepoint only when a concurrent twin request can hit the idempotency key first.
                async with self.session.begin_nested():
                    await self.session.flush()
            except IntegrityError as exc:
                raise Conflict("a request with this Idempotency-Key is being processed; retry it") from exc
        evento = self._registrar_evento(
            documento,
            usuario,
            EventoHistorial.REGISTRADO,
            None,
            EstadoDocumento.REGISTRADO,
            {"numero_expediente": documento.numero_expediente},
        )
        await self.session.flush()
        eventos.documento_registrado(self.session, documento.id, evento)
        return await self.obtener(usuario, documento.id), True

    async def _siguiente_numero(self, anio: int) -> str:
        """Next expediente number of the year; the counter row lock serializes concurrent registrations."""
        stmt = (
            pg_insert(ExpedienteCorrelativo)
            .values(anio=anio, ultimo=1)
            .on_conflict_do_update(
                index_elements=[ExpedienteCorrelativo.anio],
                set_={"ultimo": ExpedienteCorrelativo.ultimo + 1},
            )
            .returning(ExpedienteCorrelativo.ultimo)
        )
        numero = (await self.session.execute(stmt)).scalar_one()
        return f"{anio}-{numero:06d}"

    async def _resolver_remitente(self, data: DocumentoCreate) -> int:
        if data.remitente_id is not None:
            if await self.session.get(Remitente, data.remitente_id) is None:
                raise InvalidInput(f"remitente {data.remitente_id} does not exist", field="remitente_id")
            return data.remitente_id
        assert data.remitente is not None
        return await RemitenteService(self.session).upsert(data.remitente)

    async def _area_mesa_partes(self) -> int:
        area_id = await self.session.scalar(select(Area.id).where(Area.codigo == MESA_PARTES_AREA))
        if area_id is None:
            raise Conflict(f"the catalog has no area {MESA_PARTES_AREA}; load the catalogs first")
        return area_id

    async def _exigir_activo(self, model: type[Any], obj_id: int, field: str) -> Any:
        obj = await self.session.get(model, obj_id)
        if obj is None or not getattr(obj, "activo", True):
            raise InvalidInput(f"{field} {obj_id} does not exist or is inactive", field=field)
        return obj

    # ---- changes -----------------------------------------------------------------------------

    async def para_anotar(self, usuario: Usuario, documento_id: int) -> Documento:
        """The document a user acts on without changing its state (attach a file, send it to an
        integration): visible to them (404) and in their area (403)."""
        exigir_escritura(usuario)
        documento = (
            await self.session.scalars(self._visible(usuario).where(Documento.id == documento_id))
        ).first()
        if documento is None:
            raise NotFound(f"documento {documento_id} not found")
        exigir_area_actual(usuario, documento)
        return documento

    def anotar(
        self, usuario: Usuario, documento: Documento, evento: EventoHistorial, detalle: dict[str, Any]
    ) -> Historial:
        """Audit an event that leaves the document's state as it is (anexo_agregado, enviado_integracion)."""
        return self._registrar_evento(documento, usuario, evento, None, None, detalle)

    async def _cargar_para_cambio(self, usuario: Usuario, documento_id: int, version: int) -> Documento:
        exigir_escritura(usuario)
        query = (
            self._visible(usuario)
            .where(Documento.id == documento_id)
            .options(selectinload(Documento.derivaciones))
        )
        documento = (await self.session.scalars(query)).first()
        if documento is None:
            raise NotFound(f"documento {documento_id} not found")
        if documento.version != version:
            raise Conflict(
                "the document changed since you read it; reload it",
                version_actual=documento.version,
                estado_actual=documento.estado.value,
            )
        return documento

    def _transicion(
        self,
        documento: Documento,
        usuario: Usuario,
        nuevo: EstadoDocumento,
        evento: EventoHistorial,
        detalle: dict[str, Any],
    ) -> Historial:
        anterior = documento.estado
        if nuevo not in TRANSICIONES[anterior]:
            raise Conflict(
                f"a document in state {anterior.value} cannot become {nuevo.value}",
                estado_actual=anterior.value,
            )
        documento.estado = nuevo
        return self._registrar_evento(documento, usuario, evento, anterior, nuevo, detalle)

    def _registrar_evento(
        self,
        documento: Documento,
        usuario: Usuario,
        evento: EventoHistorial,
        anterior: EstadoDocumento | None,
        nuevo: EstadoDocumento | None,
        detalle: dict[str, Any],
    ) -> Historial:
        # Every document write passes here (DESIGN: each one is audited), so this is where the
        # cached statistics and search pages learn that they are stale.
        caching.documentos_cambiaron(self.session)
        registro = Historial(
            documento_id=documento.id,
            evento=evento,
            usuario_id=usuario.id,
            area_id=usuario.area_id,
            estado_anterior=anterior.value if anterior else None,
            estado_nuevo=nuevo.value if nuevo else None,
            detalle=detalle,
        )
        self.session.add(registro)
        return registro

    async def _guardar(self, usuario: Usuario, documento: Documento) -> Documento:
        try:
            await self.session.flush()
        except StaleDataError as exc:
            raise Conflict("the document changed while you were changing it; reload it") from exc
        return await self.obtener(usuario, documento.id)

    async def actualizar(self, usuario: Usuario, documento_id: int, data: DocumentoUpdate) -> Documento:
        documento = await self._cargar_para_cambio(usuario, documento_id, data.version)
        exigir_area_actual(usuario, documento)
        if documento.estado in (EstadoDocumento.ARCHIVADO, EstadoDocumento.ANULADO):
            raise Conflict(
                f"a document in state {documento.estado.value} cannot be changed",
                estado_actual=documento.estado.value,
            )
        requested = data.model_dump(exclude_unset=True, exclude={"version"})
        if "tipo_documento_id" in requested:
            await self._exigir_activo(TipoDocumento, requested["tipo_documento_id"], "tipo_documento_id")
        changed = {key: value for key, value in requested.items() if getattr(documento, key) != value}
        if not changed:
            return await self.obtener(usuario, documento.id)
        detalle = {
            key: {"antes": _json(getattr(documento, key)), "despues": _json(value)}
            for key, value in changed.items()
        }
        for key, value in changed.items():
            setattr(documento, key, value)
        self._registrar_evento(documento, usuario, EventoHistorial.ACTUALIZADO, None, None, detalle)
        if changed.keys() & CAMPOS_DEL_CARGO:
            cargo_service.cargo_cambio(self.session, documento.id)
        return await self._guardar(usuario, documento)

    async def derivar(self, usuario: Usuario, documento_id: int, data: DerivarRequest) -> Documento:
        documento = await self._cargar_para_cambio(usuario, documento_id, data.version)
        exigir_area_actual(usuario, documento)
        areas = await self._areas_activas([d.area_id for d in data.destinos])
        indicaciones = {d.indicacion_id for d in data.destinos if d.indicacion_id is not None}
        if indicaciones:
            found = set(
                await self.session.scalars(
                    select(Indicacion.id).where(Indicacion.id.in_(indicaciones), Indicacion.activo.is_(True))
                )
            )
            if missing := indicaciones - found:
                raise InvalidInput(
                    f"indicacion {min(missing)} does not exist", field="destinos.indicacion_id"
                )
        principal = next(d for d in data.destinos if not d.es_copia)
        if any(d.area_id == documento.area_actual_id for d in data.destinos):
            raise InvalidInput("the document is already in that area", field="destinos.area_id")

        ahora = datetime.now(UTC)
        for anterior in documento.derivaciones:
            if not anterior.es_copia and anterior.estado in ESTADOS_DERIVACION_ACTIVA:
                anterior.estado = EstadoDerivacion.ATENDIDA
                anterior.fecha_atencion = ahora
        origen = documento.area_actual_id
        evento = self._transicion(
            documento,
            usuario,
            EstadoDocumento.DERIVADO,
            EventoHistorial.DERIVADO,
            {
                "destinos": [
                    {"area": areas[d.area_id].sigla, "es_copia": d.es_copia, "proveido": d.proveido}
                    for d in data.destinos
                ]
            },
        )
        for destino in data.destinos:
            self.session.add(
                Derivacion(
                    documento_id=documento.id,
                    area_origen_id=origen,
                    area_destino_id=destino.area_id,
                    enviado_por_id=usuario.id,
                    indicacion_id=destino.indicacion_id,
                    prioridad=destino.prioridad or documento.prioridad,
                    proveido=destino.proveido,
                    estado=EstadoDerivacion.PENDIENTE,
                    es_copia=destino.es_copia,
                    fecha_envio=ahora,
                    plazo_dias=destino.plazo_dias,
                    fecha_limite=calcular_fecha_limite(ahora, destino.plazo_dias)
                    if destino.plazo_dias is not None
                    else None,
                )
            )
        documento.area_actual_id = principal.area_id
        eventos.notificar(self.session, evento)
        return await self._guardar(usuario, documento)

    async def _areas_activas(self, ids: list[int]) -> dict[int, Area]:
        found = {
            area.id: area
            for area in await self.session.scalars(
                select(Area).where(Area.id.in_(ids), Area.activo.is_(True))
            )
        }
        for area_id in ids:
            if area_id not in found:
                raise InvalidInput(f"area {area_id} does not exist or is inactive", field="destinos.area_id")
        return found

    def _derivacion_principal(self, documento: Documento) -> Derivacion | None:
        activas = [
            d
            for d in documento.derivaciones
            if not d.es_copia
            and d.estado in ESTADOS_DERIVACION_ACTIVA
            and d.area_destino_id == documento.area_actual_id
        ]
        return activas[-1] if activas else None

    async def recibir(self, usuario: Usuario, documento_id: int, data: AccionRequest) -> Documento:
        documento = await self._cargar_para_cambio(usuario, documento_id, data.version)
        exigir_area_actual(usuario, documento)
        self._transicion(
            documento,
            usuario,
            EstadoDocumento.RECIBIDO,
            EventoHistorial.RECIBIDO,
            {"comentario": data.comentario},
        )
        derivacion = self._derivacion_principal(documento)
        if derivacion is not None:
            derivacion.estado = EstadoDerivacion.RECIBIDA
            derivacion.recibido_por_id = usuario.id
            derivacion.fecha_recepcion = datetime.now(UTC)
        return await self._guardar(usuario, documento)

    async def procesar(self, usuario: Usuario, documento_id: int, data: AccionRequest) -> Documento:
        documento = await self._cargar_para_cambio(usuario, documento_id, data.version)
        exigir_area_actual(usuario, documento)
        self._transicion(
            documento,
            usuario,
            EstadoDocumento.EN_PROCESO,
            EventoHistorial.EN_PROCESO,
            {"comentario": data.comentario},
        )
        return await self._guardar(usuario, documento)

    async def atender(self, usuario: Usuario, documento_id: int, data: AccionRequest) -> Documento:
        documento = await self._cargar_para_cambio(usuario, documento_id, data.version)
        exigir_area_actual(usuario, documento)
        self._transicion(
            documento,
            usuario,
            EstadoDocumento.ATENDIDO,
            EventoHistorial.ATENDIDO,
            {"comentario": data.comentario},
        )
        ahora = datetime.now(UTC)
        documento.fecha_atencion = ahora
        derivacion = self._derivacion_principal(documento)
        if derivacion is not None:
            derivacion.estado = EstadoDerivacion.ATENDIDA
            derivacion.fecha_atencion = ahora
        return await self._guardar(usuario, documento)

    async def archivar(self, usuario: Usuario, documento_id: int, data: AccionRequest) -> Documento:
        documento = await self._cargar_para_cambio(usuario, documento_id, data.version)
        exigir_area_actual(usuario, documento)
        self._transicion(
            documento,
            usuario,
            EstadoDocumento.ARCHIVADO,
            EventoHistorial.ARCHIVADO,
            {"comentario": data.comentario},
        )
        self._cerrar_derivaciones(documento, EstadoDerivacion.ATENDIDA)
        return await self._guardar(usuario, documento)

    async def observar(self, usuario: Usuario, documento_id: int, data: MotivoRequest) -> Documento:
        documento = await self._cargar_para_cambio(usuario, documento_id, data.version)
        exigir_area_actual(usuario, documento)
        self._transicion(
            documento, usuario, EstadoDocumento.OBSERVADO, EventoHistorial.OBSERVADO, {"motivo": data.motivo}
        )
        return await self._guardar(usuario, documento)

    async def anular(self, usuario: Usuario, documento_id: int, data: MotivoRequest) -> Documento:
        exigir_rol(usuario, Rol.ADMIN, Rol.MESA_PARTES)
        documento = await self._cargar_para_cambio(usuario, documento_id, data.version)
        exigir_area_actual(usuario, documento)
        self._transicion(
            documento, usuario, EstadoDocumento.ANULADO, EventoHistorial.ANULADO, {"motivo": data.motivo}
        )
        self._cerrar_derivaciones(documento, EstadoDerivacion.ANULADA)
        return await self._guardar(usuario, documento)

    def _cerrar_derivaciones(self, documento: Documento, estado: EstadoDerivacion) -> None:
        """A closed document leaves no routing open in any tray (main or copy)."""
        ahora = datetime.now(UTC)
        for derivacion in documento.derivaciones:
            if derivacion.estado in ESTADOS_DERIVACION_ACTIVA:
                derivacion.estado = estado
                if estado is EstadoDerivacion.ATENDIDA:
                    derivacion.fecha_atencion = ahora
