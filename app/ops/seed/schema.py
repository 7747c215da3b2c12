"""Taking indexes and constraints out before a large load and putting them back exactly after it."""

from __future__ import annotations

import collections
import contextlib
import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from alembic import command
from alembic.config import Config
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.core.config import PROJECT_ROOT
from app.ops.seed.connections import NO_LIMITS, private_connection, task_group
from app.ops.seed.context import LOADED_TABLES
from app.ops.seed.report import PhaseTimer

if TYPE_CHECKING:
    from app.ops.seed.connections import RawConnection

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


def _alembic(sync_conn: Connection, action: str, revision: str) -> None:
    config = _alembic_config(sync_conn)
    if action == "upgrade":
        command.upgrade(config, revision)
    elif action == "downgrade":
        command.downgrade(config, revision)
    else:
        command.stamp(config, revision)


def _revisions_up_to(revision: str) -> list[str]:
    """The revisions after REVISION_WITHOUT_INDEXES up to `revision`, oldest first."""
    script = ScriptDirectory.from_config(_alembic_config())
    return [r.revision for r in reversed(list(script.iterate_revisions(revision, REVISION_WITHOUT_INDEXES)))]


def _revision_statements(revision: str) -> list[str]:
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


async def _schema_signature(conn: AsyncConnection) -> list[str]:
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

    def pending(self) -> list[str]:
        """What is still to run to restore the schema, for an operator when a restore failed."""
        statements = [constraint.add_sql() for constraint in self.dropped_constraints]
        if self.indexes_dropped:
            statements.append(f"-- then: alembic upgrade {self.revision}")
        return statements


async def strip_schema(conn: AsyncConnection, state: SchemaState) -> None:
    """Drop what slows COPY down: secondary indexes, foreign keys, unreferenced primary keys.

    The indexes go by running Alembic down to the revision before them, so that a load that dies
    half-way leaves a database that `alembic upgrade head` repairs. Foreign keys (a locking look-up
    per row) and the primary keys nothing references are restored afterwards from their own
    `pg_get_constraintdef`, which round-trips them exactly. CHECKs stay: theirs does not (an IN
    list comes back as a differently cast ANY(ARRAY)), and they cost only ~1 µs per row.
    """
    state.signature = await _schema_signature(conn)
    state.revision = await _current_revision(conn)
    if state.revision is not None and state.revision != REVISION_WITHOUT_INDEXES:
        await conn.run_sync(_alembic, "downgrade", REVISION_WITHOUT_INDEXES)
        state.indexes_dropped = True
    rows = await conn.execute(
        text(
            "SELECT conrelid::regclass::text, conname, contype::text, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE conrelid::regclass::text = ANY(:tables)"
            " AND (contype = 'f' OR (contype = 'p' AND conrelid::regclass::text = ANY(:without_pk)))"
            " ORDER BY contype = 'p', 1, 2"  # keys that others depend on go last
        ),
        {"tables": list(LOADED_TABLES), "without_pk": list(_TABLES_WITHOUT_PK_DURING_LOAD)},
    )
    state.dropped_constraints = [Constraint(*row) for row in rows]
    for constraint in state.dropped_constraints:
        await conn.execute(text(f'ALTER TABLE {constraint.table} DROP CONSTRAINT "{constraint.name}"'))
    await conn.commit()


def _table_of(sql: str) -> str:
    found = re.search(r"\bON (\w+)|^ALTER TABLE (\w+)", sql)
    return next((g for g in found.groups() if g), "") if found else ""


async def _run_in_parallel(
    engine: AsyncEngine, phases: list[list[list[str]]], done: set[str], connections: int = 2
) -> None:
    """Run each phase's jobs (a job: statements run in order) on `connections` connections.

    Index builds are CPU-bound sorts; two builds on two connections keep both cores busy, where one
    build with parallel workers leaves them idle between sort runs and in its serial merge.
    """
    async with contextlib.AsyncExitStack() as stack:
        raws = [
            await stack.enter_async_context(
                private_connection(engine, NO_LIMITS + "; SET max_parallel_maintenance_workers = 0")
            )
            for _ in range(connections)
        ]
        for jobs in phases:
            queue = collections.deque(jobs)
            async with task_group() as group:  # one failure cancels the other connection's statement
                for raw in raws:
                    group.create_task(_worker(raw, queue, done))


async def _worker(raw: RawConnection, queue: collections.deque[list[str]], done: set[str]) -> None:
    while queue:
        for sql in queue.popleft():
            if sql not in done:
                await raw.execute(sql)
                done.add(sql)


async def restore_schema(
    engine: AsyncEngine, conn: AsyncConnection, state: SchemaState, timer: PhaseTimer
) -> None:
    """Put back what `strip_schema` removed, in three parallel phases.

    1. primary and unique keys (they lock their table exclusively), 2. every index build of revision
    0002 (Alembic renders the revision's own DDL), 3. validation of the foreign keys,
    re-added NOT VALID beforehand (instant) and validated one table per job, since validations of
    the same table wait for each other. Revisions after 0002, if any, then run through Alembic.
    """
    if not state.indexes_dropped and not state.dropped_constraints:
        return
    async with timer.phase("indexes and constraints"):
        keys = [c for c in state.dropped_constraints if c.kind == "p"]
        to_validate = [c for c in state.dropped_constraints if c.kind != "p"]
        add_not_valid = [c.add_sql() + " NOT VALID" for c in to_validate]
        for sql in add_not_valid:
            if sql not in state.done:
                await conn.execute(text(sql))
        await conn.commit()
        state.done.update(add_not_valid)

        revisions = _revisions_up_to(state.revision) if state.indexes_dropped and state.revision else []
        statements = _revision_statements(REVISION_INDEXES) if revisions[:1] == [REVISION_INDEXES] else []
        is_index = [sql.upper().startswith(("CREATE INDEX", "CREATE UNIQUE INDEX")) for sql in statements]
        exclusive = [c.add_sql() for c in keys]
        exclusive += [sql for sql, index in zip(statements, is_index, strict=True) if not index]
        index_builds = [sql for sql, index in zip(statements, is_index, strict=True) if index]
        validations: dict[str, list[str]] = {}
        for c in to_validate:
            validations.setdefault(c.table, []).append(
                f'ALTER TABLE {c.table} VALIDATE CONSTRAINT "{c.name}"'
            )

        size_rows = await conn.execute(
            text("SELECT relname, pg_relation_size(oid) FROM pg_class WHERE relkind = 'r'")
        )
        table_size: dict[str, int] = dict(size_rows.tuples().all())

        def cost(job: list[str]) -> float:
            # Largest first keeps both connections busy to the end; a GIN build costs a few btrees.
            return sum(
                table_size.get(_table_of(sql), 0) * (3 if " gin " in sql.lower() else 1) for sql in job
            )

        phases = [[[sql] for sql in exclusive], [[sql] for sql in index_builds], list(validations.values())]
        await _run_in_parallel(
            engine, [sorted(phase, key=cost, reverse=True) for phase in phases], state.done
        )
        state.dropped_constraints = []

        if statements:
            await conn.run_sync(_alembic, "stamp", REVISION_INDEXES)
        if state.indexes_dropped and state.revision is not None:
            await conn.run_sync(_alembic, "upgrade", state.revision)
        await conn.commit()
        state.indexes_dropped = False
    timer.report.schema_restored = await _schema_signature(conn) == state.signature
    if not timer.report.schema_restored:
        timer.progress("[seed] WARNING: indexes or constraints differ from those before the load")


async def drop_restored_foreign_keys(conn: AsyncConnection, state: SchemaState) -> None:
    """Take out the foreign keys a failed restore already put back, before deleting a failed load.

    With them in place every deleted documento would be an ON DELETE CASCADE scan of unindexed tables.
    """
    for c in state.dropped_constraints:
        if c.kind == "f":
            await conn.execute(text(f'ALTER TABLE {c.table} DROP CONSTRAINT IF EXISTS "{c.name}"'))
    state.done = {sql for sql in state.done if "FOREIGN KEY" not in sql and "VALIDATE" not in sql}
