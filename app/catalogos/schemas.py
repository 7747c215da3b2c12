"""Catalog schemas: areas, tipos de documento, procedimientos, indicaciones, monedas, países."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import ConfigDict, Field

from app.core.schemas import Booleano, Codigo, Id, Nombre, NombreCorto, ReadSchema, UpdateSchema, WriteSchema


class AreaRef(ReadSchema):
    id: int
    codigo: str
    nombre: str
    sigla: str


class Area(AreaRef):
    parent_id: int | None
    activo: bool


# Examples of the API document: parent_id 2 and area_id 23 are the demo data set's GM (Gerencia
# Municipal) and SGLC (app/ops/seed/catalog_data.py; tests/test_openapi_ejemplos.py checks them).
class AreaCreate(WriteSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"codigo": "GSP", "nombre": "Gerencia de Servicios Públicos", "sigla": "GSP", "parent_id": 2}
            ]
        }
    )

    codigo: Codigo
    nombre: Nombre
    sigla: Annotated[str, Field(min_length=1, max_length=20)]
    parent_id: Id | None = None
    activo: Booleano = True


class AreaUpdate(UpdateSchema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"nombre": "Gerencia de Servicios Públicos Locales"}]}
    )
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
    model_config = ConfigDict(json_schema_extra={"examples": [{"codigo": "ACT", "nombre": "Acta"}]})

    codigo: Codigo
    nombre: NombreCorto
    activo: Booleano = True


class TipoDocumentoUpdate(UpdateSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"nombre": "Acta de sesión"}]})

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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "codigo": "TUPA-033",
                    "nombre": "Duplicado de licencia de funcionamiento",
                    "plazo_dias": 5,
                    "costo": "25.80",
                    "moneda_codigo": "PEN",
                    "area_id": 23,
                }
            ]
        }
    )

    codigo: Codigo
    nombre: Annotated[str, Field(min_length=1, max_length=300)]
    plazo_dias: Annotated[int, Field(ge=0, le=365)]
    costo: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)] = Decimal("0")
    moneda_codigo: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "PEN"
    area_id: Id
    activo: Booleano = True


class ProcedimientoUpdate(UpdateSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"plazo_dias": 7, "costo": "27.50"}]})

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
    model_config = ConfigDict(json_schema_extra={"examples": [{"codigo": "17", "nombre": "Para firma"}]})

    codigo: Codigo
    nombre: NombreCorto
    activo: Booleano = True


class IndicacionUpdate(UpdateSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"nombre": "Para firma del titular"}]})

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
