"""Changing an expediente: the routing state machine (`TRANSICIONES`), every action on it, the
update of its data, and the events that leave its state as it is.

Every method runs inside the caller's unit of work and only flushes; the request commits.
Every change writes `historial` in that same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.cargos import service as cargo_service
from app.catalogos.models import Area, Indicacion, TipoDocumento
from app.core.errors import Conflict, InvalidInput, NotFound
from app.derivaciones.models import Derivacion, EstadoDerivacion
from app.documentos import eventos
from app.documentos.acceso import exigir_area_actual, visibles
from app.documentos.etiquetas import ESTADO_DOCUMENTO, palabra
from app.documentos.historial import registrar_evento
from app.documentos.models import Documento, EstadoDocumento, EventoHistorial, Historial
from app.documentos.plazos import calcular_fecha_limite
from app.documentos.registro import exigir_activo
from app.documentos.schemas import AccionRequest, DerivarRequest, DocumentoUpdate, MotivoRequest
from app.documentos.service import DocumentoService
from app.usuarios.models import Rol
from app.usuarios.permisos import exigir_escritura, exigir_rol
from app.usuarios.principal import Principal

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

# Fields printed on the receipt (cargo): changing one renders it again.
CAMPOS_DEL_CARGO = frozenset({"asunto", "folios", "tipo_documento_id", "numero_documento"})


def _estado(estado: EstadoDocumento) -> str:
    """The state as a sentence says it: "en proceso", "archivado" (the code stays in estado_actual)."""
    return palabra(ESTADO_DOCUMENTO, estado).lower()


def _json(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


class WorkflowService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.documentos = DocumentoService(session)

    # ---- events that keep the state ----------------------------------------------------------

    async def para_anotar(self, usuario: Principal, documento_id: int) -> Documento:
        """The document a user acts on without changing its state (attach a file, send it to an
        integration): visible to them (404) and in their area (403)."""
        exigir_escritura(usuario)
        documento = (
            await self.session.scalars(visibles(usuario).where(Documento.id == documento_id))
        ).first()
        if documento is None:
            raise NotFound(f"No existe el documento {documento_id}.")
        exigir_area_actual(usuario, documento)
        return documento

    def anotar(
        self, usuario: Principal, documento: Documento, evento: EventoHistorial, detalle: dict[str, Any]
    ) -> Historial:
        """Audit an event that leaves the document's state as it is (anexo_agregado, enviado_integracion)."""
        return registrar_evento(self.session, documento, usuario, evento, None, None, detalle)

    # ---- what every change shares ------------------------------------------------------------

    async def _cargar_para_cambio(self, usuario: Principal, documento_id: int, version: int) -> Documento:
        exigir_escritura(usuario)
        query = (
            visibles(usuario)
            .where(Documento.id == documento_id)
            .options(selectinload(Documento.derivaciones))
        )
        documento = (await self.session.scalars(query)).first()
        if documento is None:
            raise NotFound(f"No existe el documento {documento_id}.")
        if documento.version != version:
            raise Conflict(
                "El documento cambió desde que lo consultó; vuelva a cargarlo.",
                version_actual=documento.version,
                estado_actual=documento.estado.value,
            )
        return documento

    def _transicion(
        self,
        documento: Documento,
        usuario: Principal,
        nuevo: EstadoDocumento,
        evento: EventoHistorial,
        detalle: dict[str, Any],
    ) -> Historial:
        anterior = documento.estado
        if nuevo not in TRANSICIONES[anterior]:
            raise Conflict(
                f"Un documento {_estado(anterior)} no puede pasar a {_estado(nuevo)}.",
                estado_actual=anterior.value,
            )
        documento.estado = nuevo
        return registrar_evento(self.session, documento, usuario, evento, anterior, nuevo, detalle)

    async def _guardar(self, usuario: Principal, documento: Documento) -> bytes:
        try:
            await self.session.flush()
        except StaleDataError as exc:
            raise Conflict("El documento cambió mientras usted lo modificaba; vuelva a cargarlo.") from exc
        return await self.documentos.detalle(usuario, documento.id)

    # ---- the actions -------------------------------------------------------------------------

    async def actualizar(self, usuario: Principal, documento_id: int, data: DocumentoUpdate) -> bytes:
        documento = await self._cargar_para_cambio(usuario, documento_id, data.version)
        exigir_area_actual(usuario, documento)
        if documento.estado in (EstadoDocumento.ARCHIVADO, EstadoDocumento.ANULADO):
            raise Conflict(
                f"Un documento {_estado(documento.estado)} ya no puede modificarse.",
                estado_actual=documento.estado.value,
            )
        requested = data.model_dump(exclude_unset=True, exclude={"version"})
        if "tipo_documento_id" in requested:
            await exigir_activo(
                self.session, TipoDocumento, requested["tipo_documento_id"], "tipo_documento_id"
            )
        changed = {key: value for key, value in requested.items() if getattr(documento, key) != value}
        if not changed:
            return await self.documentos.detalle(usuario, documento.id)
        detalle = {
            key: {"antes": _json(getattr(documento, key)), "despues": _json(value)}
            for key, value in changed.items()
        }
        for key, value in changed.items():
            setattr(documento, key, value)
        registrar_evento(self.session, documento, usuario, EventoHistorial.ACTUALIZADO, None, None, detalle)
        if changed.keys() & CAMPOS_DEL_CARGO:
            cargo_service.cargo_cambio(self.session, documento.id)
        return await self._guardar(usuario, documento)

    async def derivar(self, usuario: Principal, documento_id: int, data: DerivarRequest) -> bytes:
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
                    f"No existe la indicación {min(missing)}, o está inactiva.",
                    field="destinos.indicacion_id",
                )
        principal = next(d for d in data.destinos if not d.es_copia)
        if any(d.area_id == documento.area_actual_id for d in data.destinos):
            raise InvalidInput("El documento ya está en esa área.", field="destinos.area_id")

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
                raise InvalidInput(f"No existe el área {area_id}, o está inactiva.", field="destinos.area_id")
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

    async def recibir(self, usuario: Principal, documento_id: int, data: AccionRequest) -> bytes:
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

    async def procesar(self, usuario: Principal, documento_id: int, data: AccionRequest) -> bytes:
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

    async def atender(self, usuario: Principal, documento_id: int, data: AccionRequest) -> bytes:
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

    async def archivar(self, usuario: Principal, documento_id: int, data: AccionRequest) -> bytes:
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

    async def observar(self, usuario: Principal, documento_id: int, data: MotivoRequest) -> bytes:
        documento = await self._cargar_para_cambio(usuario, documento_id, data.version)
        exigir_area_actual(usuario, documento)
        self._transicion(
            documento, usuario, EstadoDocumento.OBSERVADO, EventoHistorial.OBSERVADO, {"motivo": data.motivo}
        )
        return await self._guardar(usuario, documento)

    async def anular(self, usuario: Principal, documento_id: int, data: MotivoRequest) -> bytes:
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
