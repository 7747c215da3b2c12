"""The baseline's database: a copy of the benchmark database without its secondary indexes.

    .venv/bin/python -m bench.baseline_db postgresql+asyncpg://...mesa_partes_baseline

The copy is `CREATE DATABASE <copy> TEMPLATE <source>` (the runner does it, on a server nothing else
is connected to the source of). This module then runs the downgrade of the index migration
(`alembic/versions/*_indexes.py`) against the copy only, through Alembic's operations, keeping what
registration needs: every unique constraint and unique index (expediente numbers, senders'
identities, usernames, the idempotency key) stays; an index a later migration already dropped is
skipped. Then any non-unique index a later migration added (a replacement of one of them, an index
of a new table) is dropped too: the baseline has no non-unique secondary index at all
(docs/design.md §6). Primary keys stay. `alembic_version` is left as it is. Prints one JSON line:
the indexes dropped (by the migration, and after it) and kept.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parents[1]


def index_migration() -> Any:
    """The migration module that creates the secondary indexes (its file name ends in _indexes)."""
    paths = sorted((ROOT / "alembic" / "versions").glob("*_indexes.py"))
    if len(paths) != 1:
        raise SystemExit(f"expected one *_indexes.py migration, found {[p.name for p in paths]}")
    spec = importlib.util.spec_from_file_location("bench_index_migration", paths[0])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class KeepUnique(Operations):
    """The migration's operations, except that unique constraints and unique indexes stay."""

    unique_indexes: frozenset[str] = frozenset()
    existing: frozenset[str] = frozenset()
    dropped: list[str]
    kept: list[str]

    def drop_constraint(
        self, constraint_name: str, table_name: str, type_: str | None = None, **kw: Any
    ) -> None:
        if type_ == "unique":
            self.kept.append(constraint_name)
            return
        super().drop_constraint(constraint_name, table_name, type_=type_, **kw)

    def drop_index(self, index_name: str, table_name: str | None = None, **kw: Any) -> None:
        if str(index_name) in self.unique_indexes:
            self.kept.append(str(index_name))
            return
        if str(index_name) not in self.existing:  # a later migration dropped it already
            return
        self.dropped.append(str(index_name))
        super().drop_index(index_name, table_name=table_name, **kw)


INDEXES = text(
    "SELECT c.relname, i.indisunique, i.indisprimary FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
)


def _downgrade(connection: Connection) -> dict[str, list[str]]:
    indexes = connection.execute(INDEXES).all()
    ops = KeepUnique(MigrationContext.configure(connection))
    ops.unique_indexes = frozenset(name for name, unique, _ in indexes if unique)
    ops.existing = frozenset(name for name, _, _ in indexes)
    ops.dropped, ops.kept = [], []
    # Alembic installs `alembic.op` per class: this subclass uses the module set up for Operations.
    Operations._setups[KeepUnique] = Operations._setups[Operations]
    ops._install_proxy()
    try:
        index_migration().downgrade()
    finally:
        ops._remove_proxy()
    later = [
        name for name, unique, primary in connection.execute(INDEXES).all() if not unique and not primary
    ]
    for name in later:
        connection.execute(text(f'DROP INDEX "{name}"'))
    connection.execute(text("ANALYZE"))
    return {"dropped": ops.dropped, "dropped_after": later, "kept": ops.kept}


async def drop_secondary_indexes(url: str) -> dict[str, list[str]]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(_downgrade)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(drop_secondary_indexes(sys.argv[1]))))
