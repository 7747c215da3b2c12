"""Shared schema bases: reads come from ORM attributes; writes reject unknown fields."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

T = TypeVar("T")


class ReadSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class WriteSchema(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _sin_nul(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold NUL: reject it here, naming the field, instead of failing at INSERT.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("No se admite el carácter NUL.")
        return value


class UpdateSchema(WriteSchema):
    """A partial update: an omitted field keeps its value; null clears only the `nullable` fields."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _null_solo_si_se_puede(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("Puede omitirse, pero no puede ser null.")
        return value


Codigo = Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_.\-]+$")]
Nombre = Annotated[str, StringConstraints(min_length=1, max_length=200)]
NombreCorto = Annotated[str, StringConstraints(min_length=1, max_length=120)]
# Free text in query strings: PostgreSQL text cannot hold NUL.
TEXT_PATTERN = r"^[^\x00]*$"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _fecha_iso(value: Any) -> Any:
    """Only `AAAA-MM-DD` (or a date): pydantic alone would read `0` or `1700000000` as a timestamp."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise PydanticCustomError("date_parsing", "Debe ser una fecha AAAA-MM-DD.")


def _booleano(value: Any) -> Any:
    """Only a JSON true or false: never 0, 1, "false" or "yes"."""
    if isinstance(value, bool):
        return value
    raise PydanticCustomError("bool_type", "Debe ser true o false.")


def _booleano_consulta(value: Any) -> Any:
    """A query string's `true` or `false`: never 0, 1, "yes" or "on"."""
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise PydanticCustomError("bool_parsing", "Debe ser true o false.")


# Dates a person can mean; outside this range date arithmetic would overflow.
Fecha = Annotated[date, BeforeValidator(_fecha_iso), Field(ge=date(1900, 1, 1), le=date(2999, 12, 31))]
# A boolean written as a boolean: in a body, JSON true/false; in a query string, the words true/false.
Booleano = Annotated[bool, BeforeValidator(_booleano)]
BooleanoConsulta = Annotated[bool, BeforeValidator(_booleano_consulta)]
Texto = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Version = Annotated[
    int, Field(ge=1, le=2**31 - 1, description="La versión que se leyó; una desactualizada responde 409.")
]


class Page(ReadSchema, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Envíelo como `cursor` para obtener la página siguiente."
    )
    page: int | None = None
    page_size: int
    has_more: bool
