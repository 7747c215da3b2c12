"""Senders. The identity number is checked against its type (DNI, RUC check digit, CE, pasaporte)."""

from __future__ import annotations

from typing import Annotated

from pydantic import EmailStr, Field, ValidationInfo, field_validator

from app.core.schemas import ReadSchema, WriteSchema
from app.remitentes.identidad import identity_number_error
from app.remitentes.models import TipoDocumentoIdentidad, TipoPersona


class RemitenteRef(ReadSchema):
    id: int
    tipo_persona: TipoPersona
    tipo_documento_identidad: TipoDocumentoIdentidad
    numero_documento_identidad: str
    nombre: str


class Remitente(RemitenteRef):
    email: str | None
    telefono: str | None
    direccion: str | None
    pais_codigo: str


class RemitenteCreate(WriteSchema):
    tipo_persona: TipoPersona
    tipo_documento_identidad: TipoDocumentoIdentidad
    numero_documento_identidad: Annotated[str, Field(min_length=1, max_length=20)]
    nombre: Annotated[str, Field(min_length=1, max_length=300)]
    email: EmailStr | None = None
    telefono: Annotated[str, Field(max_length=30, pattern=r"^[0-9+() \-]{6,30}$")] | None = None
    direccion: Annotated[str, Field(max_length=300)] | None = None
    pais_codigo: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = "PE"

    @field_validator("numero_documento_identidad")
    @classmethod
    def _numero_valido(cls, numero: str, info: ValidationInfo) -> str:
        numero = numero.upper()
        tipo = info.data.get("tipo_documento_identidad")
        if tipo is None:  # the type itself failed validation and is reported on its own
            return numero
        error = identity_number_error(tipo, numero)
        if error:
            raise ValueError(error)
        if (
            tipo is TipoDocumentoIdentidad.RUC
            and info.data.get("tipo_persona") is TipoPersona.NATURAL
            and not numero.startswith("10")
        ):
            raise ValueError("El RUC de una persona natural empieza con 10.")
        return numero
