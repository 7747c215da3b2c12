"""Keyset (cursor) pagination over a `(timestamp, id)` order, with page numbers for the first pages.

The cursor is the last row's key, opaque to clients. The condition is a row comparison
`(ts, id) < (:ts, :id)`, which PostgreSQL uses as an index range condition; no page ever counts
the table: `has_more` comes from fetching one row more than asked.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import Integer, Select, bindparam, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.core.errors import InvalidInput

T = TypeVar("T")
MAX_OFFSET = 10_000


@dataclass(frozen=True)
class Pagina(Generic[T]):
    items: list[T]
    next_cursor: str | None
    page: int | None
    page_size: int
    has_more: bool


def encode_cursor(moment: datetime, row_id: int) -> str:
    raw = orjson.dumps([moment.isoformat(), row_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment, row_id = orjson.loads(raw)
        parsed = datetime.fromisoformat(moment)
        # bool is an int subclass; ids are positive int64; the instant must exist in UTC.
        if type(row_id) is not int or not 1 <= row_id < 2**63 or parsed.tzinfo is None:
            raise ValueError
        return parsed.astimezone(UTC), row_id
    except (ValueError, TypeError, OverflowError, orjson.JSONDecodeError) as exc:
        raise InvalidInput(
            "El cursor no es válido; use el que devolvió la página anterior.",
            field="cursor",
            location="query",
        ) from exc


def parametros_de_pagina(
    *, page_size: int, cursor: str | None = None, page: int | None = None
) -> dict[str, Any]:
    """The values `pagina_query` binds, by name: the cursor's key, the offset of a numbered page,
    and the limit (one row more than the page, which tells whether there is a next one)."""
    valores: dict[str, Any] = {"limite": page_size + 1}
    if cursor is not None:
        valores["cursor_fecha"], valores["cursor_id"] = decode_cursor(cursor)
    elif page is not None:
        offset = (page - 1) * page_size
        if offset > MAX_OFFSET:
            # Deep OFFSETs read and discard every earlier row; the cursor jumps there through the index.
            raise InvalidInput(
                f"La paginación por número llega hasta {MAX_OFFSET} filas; use el cursor.",
                field="page",
                location="query",
            )
        valores["offset"] = offset
    return valores


def pagina_query(
    query: Select[Any],
    key: tuple[InstrumentedAttribute[datetime], InstrumentedAttribute[int]],
    *,
    page_size: int,
    cursor: str | None = None,
    page: int | None = None,
    ascending: bool = False,
) -> Select[Any]:
    """`query` limited to one page ordered by `key` (newest first unless `ascending`), with the
    look-ahead row that tells whether there is a next page. Values are bound by the names of
    `parametros_de_pagina`, so pages of one shape (cursor or not, numbered or not, direction)
    share one SQL text."""
    valores = parametros_de_pagina(page_size=page_size, cursor=cursor, page=page)
    moment, row_id = key
    if "cursor_fecha" in valores:
        after = tuple_(
            bindparam("cursor_fecha", valores["cursor_fecha"], type_=moment.type),
            bindparam("cursor_id", valores["cursor_id"], type_=row_id.type),
        )
        query = query.where(tuple_(moment, row_id) > after if ascending else tuple_(moment, row_id) < after)
    if ascending:
        query = query.order_by(moment.asc(), row_id.asc())
    else:
        query = query.order_by(moment.desc(), row_id.desc())
    if "offset" in valores:
        query = query.offset(bindparam("offset", valores["offset"], type_=Integer()))
    return query.limit(bindparam("limite", valores["limite"], type_=Integer()))


async def paginar(
    session: AsyncSession,
    query: Select[Any],
    key: tuple[InstrumentedAttribute[datetime], InstrumentedAttribute[int]],
    key_of: Callable[[Any], tuple[datetime, int]],
    *,
    page_size: int,
    cursor: str | None = None,
    page: int | None = None,
    ascending: bool = False,
) -> Pagina[Any]:
    """Run `query` for one page ordered by `key` (newest first unless `ascending`)."""
    query = pagina_query(query, key, page_size=page_size, cursor=cursor, page=page, ascending=ascending)
    rows: Sequence[Any] = (await session.scalars(query)).unique().all()
    has_more = len(rows) > page_size
    items = list(rows[:page_size])
    return Pagina(
        items=items,
        next_cursor=encode_cursor(*key_of(items[-1])) if has_more and items else None,
        page=page if cursor is None else None,
        page_size=page_size,
        has_more=has_more,
    )
