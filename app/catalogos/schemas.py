"""Catalog schemas: areas, tipos de documento, procedimientos, indicaciones, monedas, países."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from app.core.schemas import Booleano, Codigo, Id, Nombre, NombreCorto, ReadSchema, UpdateSchema, WriteSchema


class AreaRef(ReadSchema):
    id: int
    codigo: str
    nombre: str
    sigla: str


class Area(AreaRef):
    parent_id: int | None
    activo: bool


class AreaCreate(WriteSchema):
    codigo: Codigo
    nombre: Nombre
    sigla: Annotated[str, Field(min_length=1, max_length=20)]
    parent_id: Id | None = None
    activo: Booleano = True


class AreaUpdate(UpdateSchema):
    nullable = frozenset({"parent_id"})

    nombre: Nombre | None = None
    sigla: Annotated[str, Field(min_length=1, max_length=20)] | None = None
    parent_id: Id | None = None
    activo: bool | None = None


class TipoDocumentoRef(ReadSchema):
    id: int
    codigo: str
    nombre: str


class TipoDocumento(TipoDocumentoRef):
    activo: bool


class TipoDocumentoCreate(WriteSchema):
    codigo: Codigo
    nombre: NombreCorto
    activo: Booleano = True


class TipoDocumentoUpdate(UpdateSchema):
    nombre: NombreCorto | None = None
    activo: bool | None = None


class Procedimiento(ReadSchema):
    id: int
    codigo: str
    nombre: str
    plazo_dias: int
    costo: Decimal
    moneda_codigo: str
    area_id: int
    activo: bool


class ProcedimientoCreate(WriteSchema):
    codigo: Codigo
    nombre: Annotated[str, Field(min_length=1, max_length=300)]
    plazo_dias: Annotated[int, Field(ge=0, le=365)]
    costo: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)] = Decimal("0")
    moneda_codigo: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "PEN"
    area_id: Id
    activo: Booleano = True


class ProcedimientoUpdate(UpdateSchema):
    nombre: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    plazo_dias: Annotated[int, Field(ge=0, le=365)] | None = None
    costo: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)] | None = None
    moneda_codigo: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    area_id: Id | None = None
    activo: bool | None = None


class Indicacion(ReadSchema):
    id: int
    codigo: str
    nombre: str
    activo: bool


class IndicacionCreate(WriteSchema):
    codigo: Codigo
    nombre: NombreCorto
    activo: Booleano = True


class IndicacionUpdate(UpdateSchema):
    nombre: NombreCorto | None = None
    activo: bool | None = None


class Moneda(ReadSchema):
    codigo: str
    nombre: str
    activo: bool


class Pais(ReadSchema):
    codigo: str
    codigo_alpha3: str
    nombre: str
