"""The tables that later revisions derive from the loaded rows, and how each is refilled after a
large load with the SQL of the revision that owns it.

A bulk load disables the triggers that keep these tables (they would cost a statement per COPY
batch and a row per document), and refills each table once, beside the index builds. The fill is
the revision's own backfill, so the result is what `alembic upgrade head` leaves over the same rows:

- the statistics counters (revision 0005): `estadisticas_recontar()`, the function its backfill
  calls, which truncates and recounts every table it keeps;
- visibilidad (revision 0006): truncated, then the `FILL` statement of the newest revision that
  defines one, over a table without indexes (they are rebuilt after it, as the revision does).

Which loaded tables a fill reads is read from its SQL (the function's body for the recount), so
that the rebuild runs it only beside jobs whose locks allow it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.config import PROJECT_ROOT
from app.ops.seed.context import LOADED_TABLES


@dataclass(frozen=True)
class Fill:
    """Statements that rewrite `writes` from the loaded tables `reads`, run in one transaction."""

    name: str
    sqls: tuple[str, ...]
    writes: tuple[str, ...]
    reads: tuple[str, ...]
    rebuild_indexes: bool  # its indexes are dropped before the load and built after the fill


def _reads(sql: str) -> tuple[str, ...]:
    return tuple(t for t in LOADED_TABLES if re.search(rf"\b{t}\b", sql))


def alembic_config() -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    return config


def _newest_fill(table: str) -> str | None:
    """The `FILL` statement into `table` of the newest revision that defines one."""
    for script in ScriptDirectory.from_config(alembic_config()).walk_revisions():
        fill = getattr(script.module, "FILL", None)
        if isinstance(fill, str) and re.search(rf"INSERT\s+INTO\s+{table}\b", fill, flags=re.IGNORECASE):
            return fill.strip()
    return None


async def derived_fills(conn: AsyncConnection) -> list[Fill]:
    """The derived tables present in this database, with their fills."""
    fills: list[Fill] = []
    recount = await conn.scalar(text("SELECT pg_get_functiondef(to_regprocedure('estadisticas_recontar()'))"))
    if recount:
        written = re.search(r"TRUNCATE\s+([\w\s,]+?);", recount)
        writes = tuple(t.strip() for t in written.group(1).split(",")) if written else ()
        fills.append(Fill("statistics", ("SELECT estadisticas_recontar()",), writes, _reads(recount), False))
    if await conn.scalar(text("SELECT to_regclass('public.visibilidad') IS NOT NULL")):
        fill = _newest_fill("visibilidad")
        if fill is None:
            raise RuntimeError("visibilidad exists but no revision defines its FILL")
        sqls = ("TRUNCATE visibilidad", fill)
        fills.append(Fill("visibilidad", sqls, ("visibilidad",), _reads(fill), True))
    return fills
