"""Small SQL-building helpers shared by the services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, bindparam
from sqlalchemy.orm import InstrumentedAttribute


def in_literal(column: InstrumentedAttribute[Any], values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN ('a', 'b')` with the values written into the SQL text instead of bound.

    For enum values that a partial index's predicate must imply: asyncpg prepares statements, and
    after five runs PostgreSQL may switch to a generic plan, which cannot prove that unknown
    parameters match the predicate and so ignores the index. Only for validated enum values."""
    return column.in_(bindparam(None, sorted(set(values)), expanding=True, literal_execute=True))
