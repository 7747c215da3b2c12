"""The live schema against the code: the Alembic revision, drift from the models, and the secondary
indexes. Shared by `verify_optimizations.py` and the schema tests (tests/test_schema.py), so that
both judge the same way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection

import app.models  # noqa: F401 - every table on the metadata, or the comparison sees a partial schema
from app.core.config import PROJECT_ROOT
from app.core.models import Base

# docs/indexes.md lists them (revision 0002): secondary = every index of `public` but primary keys,
# unique constraints included, as app/ops/seed/schema.py counts them.
EXPECTED_SECONDARY_INDEXES = 51

SECONDARY_INDEXES_SQL = text(
    """
    SELECT c.relname AS name, x.indisvalid AS valid, x.indisready AS ready
    FROM pg_index AS x
    JOIN pg_class AS c ON c.oid = x.indexrelid
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND NOT x.indisprimary
    ORDER BY c.relname
    """
)


def alembic_config() -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    return config


@dataclass(frozen=True)
class MigrationState:
    current: tuple[str, ...]
    heads: tuple[str, ...]

    @property
    def at_head(self) -> bool:
        return set(self.current) == set(self.heads)


def migration_state(connection: Connection) -> MigrationState:
    """`alembic current` and `alembic heads`, read without running anything."""
    current = MigrationContext.configure(connection).get_current_heads()
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    return MigrationState(tuple(sorted(current)), tuple(sorted(heads)))


def schema_drift(connection: Connection) -> list[Any]:
    """What `alembic revision --autogenerate` would write: the differences between the models'
    metadata and the live schema (tables, columns and their types, indexes, constraints)."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def expected_secondary_indexes() -> set[str]:
    """The names the models declare: their indexes and unique constraints."""
    names: set[str] = set()
    for table in Base.metadata.tables.values():
        names.update(str(index.name) for index in table.indexes)
        names.update(
            str(constraint.name)
            for constraint in table.constraints
            if constraint.__visit_name__ == "unique_constraint"
        )
    return names


@dataclass(frozen=True)
class SecondaryIndex:
    name: str
    valid: bool
    ready: bool


async def secondary_indexes(connection: AsyncConnection) -> list[SecondaryIndex]:
    rows = (await connection.execute(SECONDARY_INDEXES_SQL)).all()
    return [SecondaryIndex(str(name), bool(valid), bool(ready)) for name, valid, ready in rows]
