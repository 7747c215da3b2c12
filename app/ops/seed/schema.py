"""Taking indexes, keys and derived-table triggers out before a large load and putting them back
exactly after it.

The schema stays at its Alembic revision throughout: what goes is recorded from the catalog and
restored from the database's own definitions (`pg_get_indexdef`, `pg_get_constraintdef`, which
round-trip indexes, keys and foreign keys exactly), so whatever a revision added or changed is put
back as it was, and the tables that later revisions derive from the loaded rows can be refilled
beside the index builds (`derived`, `rebuild`). Should a load die without restoring, the statements
that `SchemaState.pending` lists (printed on a failed restore) put the schema back.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.ops.seed.context import LOADED_TABLES
from app.ops.seed.derived import Fill, alembic_config, derived_fills

# The revision whose triggers stay on during a load (the busqueda vector is computed by COPY).
REVISION_BASE = "0001"


def revision_statements(revision: str) -> list[str]:
    """The DDL of a revision's upgrade(), rendered by Alembic itself (offline mode), one per item."""
    script = ScriptDirectory.from_config(alembic_config())
    module = script.get_revision(revision).module
    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name="postgresql", opts={"as_sql": True, "output_buffer": buffer}
    )
    with Operations.context(context):
        module.upgrade()
    return [sql.strip() for sql in buffer.getvalue().split(";\n") if sql.strip()]


_CREATE_INDEX = re.compile(r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF NOT EXISTS\s+)?\"?(\w+)", re.IGNORECASE)


def revision_indexes() -> dict[str, str]:
    """Each index name's CREATE INDEX in the newest revision that creates it, as Alembic renders it.

    Rebuilt from this text rather than from `pg_get_indexdef`, an index has exactly its definition
    again: the predicate of a partial index with an IN list does not round-trip (it comes back as a
    differently cast ANY(ARRAY)).
    """
    script = ScriptDirectory.from_config(alembic_config())
    created: dict[str, str] = {}
    for revision in reversed(list(script.walk_revisions())):  # oldest first: newer ones override
        for sql in revision_statements(revision.revision):
            found = _CREATE_INDEX.match(sql)
            if found:
                created[found.group(1)] = sql
    return created


def base_triggers() -> set[str]:
    """Names of the triggers revision 0001 creates: they stay on while loading."""
    sql = " ".join(revision_statements(REVISION_BASE))
    return set(re.findall(r"CREATE\s+TRIGGER\s+(\w+)", sql, flags=re.IGNORECASE))


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
    """Every index, constraint and trigger (with its enabled state) of the schema: equal before and
    after a rebuild."""
    rows = await conn.execute(
        text(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'"
            " UNION ALL SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)"
            " || CASE WHEN convalidated THEN '' ELSE ' NOT VALID' END"
            " FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
            " UNION ALL SELECT pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal"
        )
    )
    return sorted(rows.scalars())


class Constraint(NamedTuple):
    table: str
    name: str
    kind: str  # pg_constraint.contype: 'f' foreign key
    definition: str

    def add_sql(self) -> str:
        return f'ALTER TABLE {self.table} ADD CONSTRAINT "{self.name}" {self.definition}'


class Index(NamedTuple):
    """A dropped index; `attach` makes it the primary key or unique constraint it was ("" if none)."""

    table: str
    name: str
    create: str  # pg_get_indexdef
    attach: str
    constraint: bool  # the index belongs to a constraint: it goes with it

    def drop_sql(self) -> str:
        if self.constraint:
            return f'ALTER TABLE {self.table} DROP CONSTRAINT "{self.name}"'
        return f'DROP INDEX "{self.name}"'


@dataclass
class SchemaState:
    """What a load took out of the schema, and how far putting it back has got."""

    signature: list[str] = field(default_factory=list)
    dropped_constraints: list[Constraint] = field(default_factory=list)
    dropped_indexes: list[Index] = field(default_factory=list)
    disabled_triggers: list[tuple[str, str]] = field(default_factory=list)  # (table, trigger)
    fills: list[Fill] = field(default_factory=list)  # derived tables to refill from the loaded rows
    done: set[str] = field(
        default_factory=set
    )  # statements of `restore_schema` already run (a retry skips them)
    autovacuum_paused: list[str] = field(default_factory=list)  # tables to give autovacuum back
    analyzed: bool = False  # the rebuild ANALYZEd the loaded tables

    @property
    def stripped(self) -> bool:
        return bool(self.dropped_constraints or self.dropped_indexes or self.disabled_triggers)

    def pending(self) -> list[str]:
        """What is still to run to restore the schema, for an operator when a restore failed."""
        statements = [s for index in self.dropped_indexes for s in (index.create, index.attach) if s]
        statements += [constraint.add_sql() for constraint in self.dropped_constraints]
        statements += [sql for fill in self.fills for sql in fill.sqls]
        statements += [enable_trigger_sql(table, name) for table, name in self.disabled_triggers]
        statements += [_resume_sql(table) for table in self.autovacuum_paused]
        return [s for s in statements if s not in self.done]


def enable_trigger_sql(table: str, trigger: str) -> str:
    return f'ALTER TABLE {table} ENABLE TRIGGER "{trigger}"'


def _resume_sql(table: str) -> str:
    return f"ALTER TABLE {table} RESET (autovacuum_enabled)"


async def pause_autovacuum(conn: AsyncConnection, state: SchemaState, tables: list[str]) -> None:
    """Keep autovacuum off `tables` until `resume_autovacuum`.

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
        {"tables": tables},
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
    """Drop what slows COPY down and what the refills make redundant.

    - the triggers that later revisions added on the loaded tables to keep derived tables (the
      statistics, visibilidad) are disabled: their tables are refilled once from the loaded rows.
      Those of revision 0001 (the busqueda vector) stay on;
    - the indexes of the loaded tables and of the refilled ones, unique and primary keys included,
      except those a foreign key depends on;
    - foreign keys (a locking look-up per row). With `referencing`, the foreign keys of other
      tables that point at the loaded ones go too: TRUNCATE refuses to run while any does.

    CHECKs stay: their definitions do not round-trip (an IN list comes back as a differently cast
    ANY(ARRAY)), and they cost only ~1 µs per row.
    """
    state.signature = await schema_signature(conn)
    fills = await derived_fills(conn)
    tables = list(LOADED_TABLES) + [t for fill in fills if fill.rebuild_indexes for t in fill.writes]
    keep = base_triggers()
    triggers = await conn.execute(
        text(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY(:tables)"
            " AND NOT t.tgisinternal AND t.tgenabled <> 'D' ORDER BY 1, 2"
        ),
        {"tables": list(LOADED_TABLES)},
    )
    disabled = [(table, name) for table, name in triggers if name not in keep]
    indexes = await conn.execute(
        text(
            "SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid), k.contype::text,"
            " pg_get_constraintdef(k.oid)"
            " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid"
            " LEFT JOIN pg_constraint k ON k.conindid = x.indexrelid AND k.conrelid = x.indrelid"
            " AND k.contype IN ('p', 'u', 'x')"
            " WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY(:tables)"
            " AND NOT EXISTS"
            " (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = x.indexrelid)"
            " ORDER BY 1, 2"
        ),
        {"tables": tables},
    )
    rendered = revision_indexes()
    dropped_indexes = [_index(t, n, create, kind, d, rendered) for t, n, create, kind, d in indexes]
    rows = await conn.execute(
        text(
            "SELECT conrelid::regclass::text, conname, contype::text, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE (conrelid::regclass::text = ANY(:tables) AND contype = 'f')"
            " OR (:referencing AND contype = 'f' AND confrelid::regclass::text = ANY(:tables))"
            " ORDER BY 1, 2"
        ),
        {"tables": list(LOADED_TABLES), "referencing": referencing},
    )
    dropped_constraints = [Constraint(*row) for row in rows]
    for table, name in disabled:
        await conn.execute(text(f'ALTER TABLE {table} DISABLE TRIGGER "{name}"'))
    for constraint in dropped_constraints:
        await conn.execute(text(f'ALTER TABLE {constraint.table} DROP CONSTRAINT "{constraint.name}"'))
    for index in dropped_indexes:
        await conn.execute(text(index.drop_sql()))
    await conn.commit()
    # Recorded once committed: one transaction, so a failure before leaves nothing to restore.
    state.fills, state.disabled_triggers = fills, disabled
    state.dropped_indexes, state.dropped_constraints = dropped_indexes, dropped_constraints


def _index(
    table: str, name: str, create: str, kind: str | None, definition: str | None, rendered: dict[str, str]
) -> Index:
    """How to put an index back: built as a plain index (beside the other builds of its table),
    then, for a key, attached as the constraint (a catalog change) with USING INDEX. A plain index
    is built by its revision's own statement, when one creates it."""
    if kind in ("p", "u") and definition is not None:
        key = "PRIMARY KEY" if kind == "p" else "UNIQUE"
        deferrable = re.search(r"\b(?:NOT )?DEFERRABLE\b.*$", definition)
        suffix = f" {deferrable.group(0)}" if deferrable else ""
        attach = f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {key} USING INDEX "{name}"{suffix}'
        return Index(table, name, create, attach, True)
    if kind == "x" and definition is not None:  # exclusion constraints cannot be attached
        return Index(table, name, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}', "", True)
    return Index(table, name, rendered.get(name, create), "", False)


async def drop_restored_foreign_keys(conn: AsyncConnection, state: SchemaState) -> None:
    """Take out the foreign keys a failed restore already put back, before deleting a failed load.

    With them in place every deleted documento would be an ON DELETE CASCADE scan of unindexed tables.
    """
    for c in state.dropped_constraints:
        await conn.execute(text(f'ALTER TABLE {c.table} DROP CONSTRAINT IF EXISTS "{c.name}"'))
    state.done = {sql for sql in state.done if "FOREIGN KEY" not in sql and "VALIDATE" not in sql}
