"""Documents (expedientes): registration, update, the routing actions, the detail and the history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Self

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from app.anexos.models import EstadoProcesamiento
from app.catalogos.schemas import AreaRef, Indicacion, TipoDocumentoRef
from app.core.schemas import Booleano, Id, ReadSchema, Texto, UpdateSchema, Version, WriteSchema
from app.derivaciones.models import EstadoDerivacion
from app.documentos.models import Canal, EstadoDocumento, EventoHistorial, Prioridad
from app.remitentes.schemas import Remitente, RemitenteCreate, RemitenteRef
from app.usuarios.schemas import UsuarioRef

Asunto = Annotated[str, Field(min_length=3, max_length=1000)]
Folios = Annotated[int, Field(gt=0, le=100_000)]
NumeroDocumento = Annotated[str, Field(min_length=1, max_length=100)]


class DocumentoCreate(WriteSchema):
    tipo_documento_id: Id
    numero_documento: NumeroDocumento | None = None
    asunto: Asunto
    folios: Folios
    remitente: RemitenteCreate | None = Field(
        default=None, description="A new or known sender (matched by number)."
    )
    remitente_id: Id | None = None
    procedimiento_id: Id | None = None
    canal: Canal = Canal.PRESENCIAL
    prioridad: Prioridad = Prioridad.NORMAL
    observacion: Texto | None = None

    @model_validator(mode="after")
    def _un_remitente(self) -> Self:
        if (self.remitente is None) == (self.remitente_id is None):
            raise PydanticCustomError(
                "remitente", "remitente: give exactly one of remitente or remitente_id", {}
            )
        return self


class DocumentoUpdate(UpdateSchema):
    nullable = frozenset({"numero_documento", "observacion"})

    version: Version
    tipo_documento_id: Id | None = None
    numero_documento: NumeroDocumento | None = None
    asunto: Asunto | None = None
    folios: Folios | None = None
    prioridad: Prioridad | None = None
    observacion: Texto | None = None


class Destino(WriteSchema):
    area_id: Id
    es_copia: Booleano = False
    indicacion_id: Id | None = None
    proveido: Texto | None = None
    plazo_dias: Annotated[int, Field(ge=0, le=365)] | None = None
    prioridad: Prioridad | None = None


class DerivarRequest(WriteSchema):
    version: Version
    destinos: Annotated[list[Destino], Field(min_length=1, max_length=20)]

    @field_validator("destinos")
    @classmethod
    def _un_principal(cls, destinos: list[Destino]) -> list[Destino]:
        if sum(1 for d in destinos if not d.es_copia) != 1:
            raise ValueError("exactly one destination must be the main one (es_copia false)")
        areas = [d.area_id for d in destinos]
        if len(set(areas)) != len(areas):
            raise ValueError("an area appears twice")
        return destinos


class AccionRequest(WriteSchema):
    version: Version
    comentario: Texto | None = None


class MotivoRequest(WriteSchema):
    version: Version
    motivo: Texto


class Derivacion(ReadSchema):
    id: int
    area_origen: AreaRef
    area_destino: AreaRef
    indicacion: Indicacion | None
    prioridad: Prioridad
    proveido: str | None
    estado: EstadoDerivacion
    es_copia: bool
    fecha_envio: datetime
    fecha_recepcion: datetime | None
    fecha_atencion: datetime | None
    plazo_dias: int | None
    fecha_limite: date | None
    enviado_por_id: int
    recibido_por_id: int | None


class Anexo(ReadSchema):
    id: int
    nombre_archivo: str
    content_type: str | None
    tamano_bytes: int
    sha256: str | None
    paginas: int | None
    estado_procesamiento: EstadoProcesamiento
    created_at: datetime


class DocumentoListItem(ReadSchema):
    id: int
    numero_expediente: str
    asunto: str
    numero_documento: str | None
    folios: int
    canal: Canal
    prioridad: Prioridad
    estado: EstadoDocumento
    fecha_recepcion: datetime
    fecha_limite: date | None
    version: int
    tipo_documento: TipoDocumentoRef
    remitente: RemitenteRef
    area_actual: AreaRef


class Documento(DocumentoListItem):
    codigo_verificacion: str
    procedimiento_id: int | None
    fecha_atencion: datetime | None
    observacion: str | None
    registrado_por_id: int
    created_at: datetime
    updated_at: datetime
    remitente: Remitente  # the detail shows the full sender
    derivaciones: list[Derivacion]
    anexos: list[Anexo]


class HistorialItem(ReadSchema):
    id: int
    documento_id: int
    evento: EventoHistorial
    estado_anterior: str | None
    estado_nuevo: str | None
    usuario: UsuarioRef | None
    area: AreaRef | None
    detalle: dict[str, Any]
    created_at: datetime
