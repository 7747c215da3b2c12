"""Taking indexes and constraints out before a large load and putting them back exactly after it."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import NamedTuple

from alembic import command
from alembic.config import Config
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.config import PROJECT_ROOT
from app.ops.seed.context import LOADED_TABLES

REVISION_WITHOUT_INDEXES = "0001"
REVISION_INDEXES = "0002"
# No foreign key points at these, so their primary keys can go during a load. (documentos is
# referenced by integracion_envios; remitentes' key serves the busqueda trigger's look-up.)
_TABLES_WITHOUT_PK_DURING_LOAD = ("derivaciones", "anexos", "historial")


def _alembic_config(sync_conn: Connection | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    if sync_conn is not None:
        config.attributes["connection"] = sync_conn
    return config


def alembic_run(sync_conn: Connection, action: str, revision: str) -> None:
    config = _alembic_config(sync_conn)
    if action == "upgrade":
        command.upgrade(config, revision)
    elif action == "downgrade":
        command.downgrade(config, revision)
    else:
        command.stamp(config, revision)


def revisions_up_to(revision: str) -> list[str]:
    """The revisions after REVISION_WITHOUT_INDEXES up to `revision`, oldest first."""
    script = ScriptDirectory.from_config(_alembic_config())
    return [r.revision for r in reversed(list(script.iterate_revisions(revision, REVISION_WITHOUT_INDEXES)))]


def revision_statements(revision: str) -> list[str]:
    """The DDL of a revision's upgrade(), rendered by Alembic itself (offline mode), one per item."""
    script = ScriptDirectory.from_config(_alembic_config())
    module = script.get_revision(revision).module
    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name="postgresql", opts={"as_sql": True, "output_buffer": buffer}
    )
    with Operations.context(context):
        module.upgrade()
    return [sql.strip() for sql in buffer.getvalue().split(";\n") if sql.strip()]


async def _current_revision(conn: AsyncConnection) -> str | None:
    exists = await conn.scalar(text("SELECT to_regclass('public.alembic_version') IS NOT NULL"))
    if not exists:
        return None
    revision: str | None = await conn.scalar(text("SELECT version_num FROM alembic_version"))
    return revision


async def count_secondary_indexes(conn: AsyncConnection) -> int:
    """Indexes of the public schema other than primary keys (the 51 of revision 0002)."""
    total = await conn.scalar(
        text(
            "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT i.indisprimary"
        )
    )
    return int(total or 0)


async def schema_signature(conn: AsyncConnection) -> list[str]:
    """Every index and constraint definition of the schema: equal before and after a rebuild."""
    rows = await conn.execute(
        text(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'"
            " UNION ALL SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)"
            " || CASE WHEN convalidated THEN '' ELSE ' NOT VALID' END"
            " FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
        )
    )
    return sorted(rows.scalars())


class Constraint(NamedTuple):
    table: str
    name: str
    kind: str  # pg_constraint.contype: 'p' primary key, 'f' foreign key
    definition: str

    def add_sql(self) -> str:
        return f'ALTER TABLE {self.table} ADD CONSTRAINT "{self.name}" {self.definition}'


@dataclass
class SchemaState:
    """What a load took out of the schema, and how far putting it back has got."""

    revision: str | None = None
    signature: list[str] = field(default_factory=list)
    dropped_constraints: list[Constraint] = field(default_factory=list)
    indexes_dropped: bool = False
    done: set[str] = field(
        default_factory=set
    )  # statements of `restore_schema` already run (a retry skips them)
    autovacuum_paused: list[str] = field(default_factory=list)  # tables to give autovacuum back
    analyzed: bool = False  # the rebuild ANALYZEd the loaded tables

    def pending(self) -> list[str]:
        """What is still to run to restore the schema, for an operator when a restore failed."""
        statements = [constraint.add_sql() for constraint in self.dropped_constraints]
        statements += [_resume_sql(table) for table in self.autovacuum_paused]
        if self.indexes_dropped:
            statements.append(f"-- then: alembic upgrade {self.revision}")
        return statements


def _resume_sql(table: str) -> str:
    return f"ALTER TABLE {table} RESET (autovacuum_enabled)"


async def pause_autovacuum(conn: AsyncConnection, state: SchemaState) -> None:
    """Keep autovacuum off the loaded tables until `resume_autovacuum`.

    Right after a load it would vacuum and analyze them while the indexes are built, taking CPU
    from the builds, and each ALTER TABLE that needs a stronger lock would wait a deadlock_timeout
    (1 s) before cancelling it. Tables with an autovacuum setting of their own are left alone.
    """
    rows = await conn.execute(
        text(
            "SELECT relname FROM pg_class WHERE relname = ANY(:tables)"
            " AND relnamespace = 'public'::regnamespace AND NOT EXISTS"
            " (SELECT 1 FROM unnest(reloptions) o WHERE o LIKE 'autovacuum_enabled=%')"
        ),
        {"tables": list(LOADED_TABLES)},
    )
    for table in rows.scalars().all():
        await conn.execute(text(f"ALTER TABLE {table} SET (autovacuum_enabled = false)"))
        state.autovacuum_paused.append(table)
    await conn.commit()


async def resume_autovacuum(conn: AsyncConnection, state: SchemaState) -> None:
    while state.autovacuum_paused:
        await conn.execute(text(_resume_sql(state.autovacuum_paused[-1])))
        state.autovacuum_paused.pop()
    await conn.commit()


async def strip_schema(conn: AsyncConnection, state: SchemaState, *, referencing: bool = False) -> None:
    """Drop what slows COPY down: secondary indexes, foreign keys, unreferenced primary keys.

    The indexes go by running Alembic down to the revision before them, so that a load that dies
    half-way leaves a database that `alembic upgrade head` repairs. Foreign keys (a locking look-up
    per row) and the primary keys nothing references are restored afterwards from their own
    `pg_get_constraintdef`, which round-trips them exactly. CHECKs stay: theirs does not (an IN
    list comes back as a differently cast ANY(ARRAY)), and they cost only ~1 µs per row. With
    `referencing`, the foreign keys of other tables that point at the loaded ones go too: TRUNCATE
    refuses to run while any does.
    """
    state.signature = await schema_signature(conn)
    state.revision = await _current_revision(conn)
    if state.revision is not None and state.revision != REVISION_WITHOUT_INDEXES:
        await conn.run_sync(alembic_run, "downgrade", REVISION_WITHOUT_INDEXES)
        state.indexes_dropped = True
    rows = await conn.execute(
        text(
            "SELECT conrelid::regclass::text, conname, contype::text, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE (conrelid::regclass::text = ANY(:tables)"
            " AND (contype = 'f' OR (contype = 'p' AND conrelid::regclass::text = ANY(:without_pk))))"
            " OR (:referencing AND contype = 'f' AND confrelid::regclass::text = ANY(:tables))"
            " ORDER BY contype = 'p', 1, 2"  # keys that others depend on go last
        ),
        {
            "tables": list(LOADED_TABLES),
            "without_pk": list(_TABLES_WITHOUT_PK_DURING_LOAD),
            "referencing": referencing,
        },
    )
    state.dropped_constraints = [Constraint(*row) for row in rows]
    for constraint in state.dropped_constraints:
        await conn.execute(text(f'ALTER TABLE {constraint.table} DROP CONSTRAINT "{constraint.name}"'))
    await conn.commit()


async def drop_restored_foreign_keys(conn: AsyncConnection, state: SchemaState) -> None:
    """Take out the foreign keys a failed restore already put back, before deleting a failed load.

    With them in place every deleted documento would be an ON DELETE CASCADE scan of unindexed tables.
    """
    for c in state.dropped_constraints:
        if c.kind == "f":
            await conn.execute(text(f'ALTER TABLE {c.table} DROP CONSTRAINT IF EXISTS "{c.name}"'))
    state.done = {sql for sql in state.done if "FOREIGN KEY" not in sql and "VALIDATE" not in sql}
