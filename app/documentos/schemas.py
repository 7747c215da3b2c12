"""Documents (expedientes): registration, update, the routing actions, the detail and the history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Self

from pydantic import ConfigDict, Field, field_validator, model_validator
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

# Examples of the API document. Catalog ids are those of the demo data set (app/ops/seed/
# catalog_data.py loaded into an empty database): tipo de documento 3 = CAR Carta, 16 = SAIP Solicitud
# de acceso a la información pública; procedimiento 1 = TUPA-001 Acceso a la información pública,
# 9 = TUPA-009 Licencia de edificación modalidad B; área 9 = OAJ, 18 = OAC; indicación 1 = 01 Acción
# necesaria, 3 = 03 Conocimiento y fines. tests/test_openapi_ejemplos.py checks them against a freshly
# seeded database, and validates every example against its schema.
EJEMPLO_REGISTRO: dict[str, Any] = {
    "tipo_documento_id": 16,
    "asunto": "Solicito copia de las actas de sesión de concejo de octubre de 2026",
    "folios": 2,
    "procedimiento_id": 1,
    "canal": "presencial",
    "prioridad": "normal",
    "remitente": {
        "tipo_persona": "natural",
        "tipo_documento_identidad": "DNI",
        "numero_documento_identidad": "45871236",
        "nombre": "María Elena Quispe Huamán",
        "email": "maria.quispe@example.pe",
        "telefono": "987 654 321",
        "direccion": "Jr. Ayacucho 245, Huancayo",
    },
}
EJEMPLO_REGISTRO_ENTIDAD: dict[str, Any] = {
    "tipo_documento_id": 3,
    "numero_documento": "CARTA N° 045-2026-CLA",
    "asunto": "Presenta expediente técnico para licencia de edificación en la Av. Ferrocarril 1120",
    "folios": 48,
    "procedimiento_id": 9,
    "canal": "virtual",
    "remitente": {
        "tipo_persona": "juridica",
        "tipo_documento_identidad": "RUC",
        "numero_documento_identidad": "20601234565",
        "nombre": "Constructora Los Andes S.A.C.",
        "email": "tramites@losandes.example.pe",
    },
    "observacion": "Adjunta planos en formato digital.",
}


class DocumentoCreate(WriteSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [EJEMPLO_REGISTRO, EJEMPLO_REGISTRO_ENTIDAD]})

    tipo_documento_id: Id
    numero_documento: NumeroDocumento | None = None
    asunto: Asunto
    folios: Folios
    remitente: RemitenteCreate | None = Field(
        default=None,
        description="Remitente nuevo, o uno ya registrado con el mismo número de documento de identidad.",
    )
    remitente_id: Id | None = None
    procedimiento_id: Id | None = None
    canal: Canal = Canal.PRESENCIAL
    prioridad: Prioridad = Prioridad.NORMAL
    observacion: Texto | None = None

    @model_validator(mode="after")
    def _un_remitente(self) -> Self:
        if (self.remitente is None) == (self.remitente_id is None):
            raise PydanticCustomError("remitente", "Indique exactamente uno de remitente o remitente_id.", {})
        return self


class DocumentoUpdate(UpdateSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"version": 1, "folios": 4, "observacion": "Se agregan dos folios omitidos al registrarlo."}
            ]
        }
    )
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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 1,
                    "destinos": [
                        {
                            "area_id": 18,
                            "indicacion_id": 1,
                            "proveido": "Atender la solicitud dentro del plazo de ley.",
                            "plazo_dias": 10,
                            "prioridad": "normal",
                        },
                        {"area_id": 9, "es_copia": True, "indicacion_id": 3},
                    ],
                }
            ]
        }
    )

    version: Version
    destinos: Annotated[list[Destino], Field(min_length=1, max_length=20)]

    @field_validator("destinos")
    @classmethod
    def _un_principal(cls, destinos: list[Destino]) -> list[Destino]:
        if sum(1 for d in destinos if not d.es_copia) != 1:
            raise ValueError("Exactamente un destino debe ser el principal (es_copia false).")
        areas = [d.area_id for d in destinos]
        if len(set(areas)) != len(areas):
            raise ValueError("Un área figura más de una vez.")
        return destinos


class AccionRequest(WriteSchema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"version": 2, "comentario": "Recibido conforme."}]}
    )

    version: Version
    comentario: Texto | None = None


class MotivoRequest(WriteSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"version": 1, "motivo": "Falta la firma del solicitante en el formulario."}]
        }
    )

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
