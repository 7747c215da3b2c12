"""Integrations (external systems) and the deliveries of documents to them.

The HMAC secret is write-only: requests carry it, responses only say whether one is configured.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
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
        raise ValueError("the URL must not carry a user name or password")
    return url


# HttpUrl admits only http and https.
UrlIntegracion = Annotated[HttpUrl, UrlConstraints(max_length=500), AfterValidator(_sin_credenciales)]
Secreto = Annotated[
    SecretStr, Field(min_length=16, max_length=200, description="HMAC-SHA256 key; write-only")
]
TimeoutS = Annotated[int, Field(ge=1, le=120, description="seconds one attempt may take, whole request")]
MaxReintentos = Annotated[int, Field(ge=0, le=20, description="retries after the first attempt")]


def _secreto_valido(value: SecretStr | None) -> SecretStr | None:
    # WriteSchema's NUL check sees only plain strings; the secret must not be stripped either.
    if value is not None and "\x00" in value.get_secret_value():
        raise ValueError("the NUL character is not allowed")
    return value


class IntegracionCreate(WriteSchema):
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
    integracion_id: Id
    reenviar: bool = Field(
        default=False, description="deliver again a document the integration already received"
    )


# Validation context key: true when the reader may see what receivers answered (the admins).
VER_RESPUESTAS = "ver_respuestas"
# Errors recorded before answers were kept apart carry the receiver's answer after the status.
_ERROR_CON_RESPUESTA = re.compile(r"^(HTTP \d{3}): .*", re.DOTALL)


def _ve_respuestas(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get(VER_RESPUESTAS))


def _error_sin_respuesta(value: str | None, info: ValidationInfo) -> str | None:
    if value is None or _ve_respuestas(info):
        return value
    return _ERROR_CON_RESPUESTA.sub(r"\1", value)


class Intento(ReadSchema):
    """One delivery attempt: `entrega` counts deliveries (a `reenviar` starts the next one),
    `intento` the attempts within it."""

    intento: int
    entrega: int = 1
    at: datetime
    codigo_respuesta: int | None
    error: str | None
    respuesta: str | None = Field(
        default=None,
        description="the first characters of the receiver's answer to a failed attempt; "
        "GET /documentos/{id}/envios shows it to admins only, null everywhere else",
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
    intentos: int = Field(description="attempts of the current delivery")
    codigo_respuesta: int | None
    ultimo_error: str | None
    proximo_intento: datetime | None = Field(description="next retry; null once delivered or given up")
    entregado_at: datetime | None
    created_at: datetime
    intentos_detalle: list[Intento] = Field(description="every attempt, oldest first, all deliveries")

    _ultimo_error = field_validator("ultimo_error")(_error_sin_respuesta)


class EnvioSolicitado(Envio):
    task_id: str | None = Field(description="the task enqueued by this request; null when already under way")
