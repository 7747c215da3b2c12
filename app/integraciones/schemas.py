"""Integrations (external systems) and the deliveries of documents to them.

The HMAC secret is write-only: requests carry it, responses only say whether one is configured.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    StringConstraints,
    UrlConstraints,
    ValidationInfo,
    field_validator,
)

from app.core.schemas import Id, Nombre, ReadSchema, UpdateSchema, WriteSchema
from app.integraciones.models import EstadoEnvio, TipoIntegracion

CodigoIntegracion = Annotated[
    str, StringConstraints(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_.\-]+$")
]


def _sin_credenciales(url: HttpUrl) -> HttpUrl:
    # The URL is shown to every reader of the integration: credentials belong in the HMAC secret.
    if url.username or url.password:
        raise ValueError("La URL no debe incluir usuario ni contraseña.")
    return url


# HttpUrl admits only http and https.
UrlIntegracion = Annotated[HttpUrl, UrlConstraints(max_length=500), AfterValidator(_sin_credenciales)]
Secreto = Annotated[
    SecretStr,
    Field(min_length=16, max_length=200, description="Clave HMAC-SHA256; se escribe, nunca se muestra"),
]
TimeoutS = Annotated[
    int, Field(ge=1, le=120, description="Segundos que puede durar un intento, de principio a fin")
]
MaxReintentos = Annotated[int, Field(ge=0, le=20, description="Reintentos después del primer intento")]


def _secreto_valido(value: SecretStr | None) -> SecretStr | None:
    # WriteSchema's NUL check sees only plain strings; the secret must not be stripped either.
    if value is not None and "\x00" in value.get_secret_value():
        raise ValueError("No se admite el carácter NUL.")
    return value


class IntegracionCreate(WriteSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "codigo": "sgd-regional",
                    "nombre": "Sistema de Gestión Documental del Gobierno Regional",
                    "tipo": "webhook",
                    "url": "https://sgd.example.gob.pe/api/recepcion",
                    "secreto": "cambie-este-secreto-compartido",
                    "timeout_s": 10,
                    "max_reintentos": 5,
                }
            ]
        }
    )

    codigo: CodigoIntegracion
    nombre: Nombre
    tipo: TipoIntegracion = TipoIntegracion.WEBHOOK
    url: UrlIntegracion
    secreto: Secreto
    timeout_s: TimeoutS = 10
    max_reintentos: MaxReintentos = 5
    activo: bool = True

    _secreto = field_validator("secreto")(_secreto_valido)


class IntegracionUpdate(UpdateSchema):
    """Any subset of the fields; `secreto` rotates the key (receivers must switch to the new one)."""

    model_config = ConfigDict(
        json_schema_extra={
            "description": "Cualquier subconjunto de los campos; `secreto` cambia la clave (los receptores "
            "deben usar la nueva).",
            "examples": [{"timeout_s": 20, "max_reintentos": 8}],
        }
    )

    codigo: CodigoIntegracion | None = None
    nombre: Nombre | None = None
    tipo: TipoIntegracion | None = None
    url: UrlIntegracion | None = None
    secreto: Secreto | None = None
    timeout_s: TimeoutS | None = None
    max_reintentos: MaxReintentos | None = None
    activo: bool | None = None

    _secreto = field_validator("secreto")(_secreto_valido)


class IntegracionRef(ReadSchema):
    id: int
    codigo: str
    nombre: str


class Integracion(IntegracionRef):
    tipo: TipoIntegracion
    url: str
    timeout_s: int
    max_reintentos: int
    activo: bool
    # Read from the model's `secreto`, answered as a flag: the key itself never leaves the server.
    secreto_configurado: bool = Field(validation_alias="secreto")
    created_at: datetime

    @field_validator("secreto_configurado", mode="before")
    @classmethod
    def _solo_si_hay(cls, value: Any) -> bool:
        return bool(value)


class EnvioCreate(WriteSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"integracion_id": 1, "reenviar": False}]})

    integracion_id: Id
    reenviar: bool = Field(
        default=False, description="Enviar otra vez un documento que la integración ya recibió"
    )


# Validation context key: true when the reader may see what receivers answered (the admins).
VER_RESPUESTAS = "ver_respuestas"
# Errors recorded before answers were kept apart carry the receiver's answer after the status
# (in English, then): shown without the answer, as the Spanish sentence of today's attempts.
_ERROR_CON_RESPUESTA = re.compile(r"^HTTP (\d{3}): .*", re.DOTALL)
_ERROR_DE_ESTADO = r"El receptor respondió con el estado HTTP \1."


def _ve_respuestas(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get(VER_RESPUESTAS))


def _error_sin_respuesta(value: str | None, info: ValidationInfo) -> str | None:
    if value is None or _ve_respuestas(info):
        return value
    return _ERROR_CON_RESPUESTA.sub(_ERROR_DE_ESTADO, value)


class Intento(ReadSchema):
    """One delivery attempt: `entrega` counts deliveries (a `reenviar` starts the next one),
    `intento` the attempts within it."""

    model_config = ConfigDict(
        json_schema_extra={
            "description": "Un intento de entrega: `entrega` cuenta las entregas (un `reenviar` empieza la "
            "siguiente) e `intento`, los intentos dentro de ella."
        }
    )

    intento: int
    entrega: int = 1
    at: datetime
    codigo_respuesta: int | None
    error: str | None
    respuesta: str | None = Field(
        default=None,
        description="Los primeros caracteres de la respuesta del receptor a un intento fallido; "
        "GET /documentos/{id}/envios la muestra solo a los administradores, nulo en los demás casos",
    )
    ms: int

    _error = field_validator("error")(_error_sin_respuesta)

    @field_validator("respuesta")
    @classmethod
    def _solo_admins(cls, value: str | None, info: ValidationInfo) -> str | None:
        return value if _ve_respuestas(info) else None


class Envio(ReadSchema):
    id: int
    documento_id: int
    integracion: IntegracionRef
    estado: EstadoEnvio
    intentos: int = Field(description="Intentos de la entrega en curso")
    codigo_respuesta: int | None
    ultimo_error: str | None
    proximo_intento: datetime | None = Field(
        description="Próximo reintento; nulo una vez entregado o abandonado"
    )
    entregado_at: datetime | None
    created_at: datetime
    intentos_detalle: list[Intento] = Field(
        description="Cada intento, del más antiguo al más reciente, de todas las entregas"
    )

    _ultimo_error = field_validator("ultimo_error")(_error_sin_respuesta)


class EnvioSolicitado(Envio):
    task_id: str | None = Field(
        description="La tarea encolada por esta solicitud; nulo si el envío ya estaba en curso"
    )
