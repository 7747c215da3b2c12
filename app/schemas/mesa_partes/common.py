"""Shared schema bases: reads come from ORM attributes; writes reject unknown fields."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

T = TypeVar("T")


class ReadSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class WriteSchema(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


Codigo = Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_.\-]+$")]
Nombre = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Texto = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Version = Annotated[int, Field(ge=1, le=2**31 - 1, description="The version you read; a stale one is 409.")]


class Page(ReadSchema, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(default=None, description="Pass as `cursor` to get the next page.")
    page: int | None = None
    page_size: int
    has_more: bool
