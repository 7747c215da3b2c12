"""Shared schema bases: reads come from ORM attributes; writes reject unknown fields."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

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
            raise ValueError("the NUL character is not allowed")
        return value


class UpdateSchema(WriteSchema):
    """A partial update: an omitted field keeps its value; null clears only the `nullable` fields."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _null_solo_si_se_puede(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("may be omitted but not null")
        return value


Codigo = Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_.\-]+$")]
Nombre = Annotated[str, StringConstraints(min_length=1, max_length=200)]
NombreCorto = Annotated[str, StringConstraints(min_length=1, max_length=120)]
# Free text in query strings: PostgreSQL text cannot hold NUL.
TEXT_PATTERN = r"^[^\x00]*$"
# Dates a person can mean; outside this range date arithmetic would overflow.
Fecha = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2999, 12, 31))]
Texto = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Version = Annotated[int, Field(ge=1, le=2**31 - 1, description="The version you read; a stale one is 409.")]


class Page(ReadSchema, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(default=None, description="Pass as `cursor` to get the next page.")
    page: int | None = None
    page_size: int
    has_more: bool
