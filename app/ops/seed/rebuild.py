"""Putting back what `schema.strip_schema` took out, as many statements at once as locks allow.

Every statement of the rebuild is a job with the locks it takes: primary and unique keys, the index
builds of revision 0002 (Alembic renders the revision's own DDL), the validation of the foreign
keys, re-added NOT VALID beforehand (one job per table: validations of one table wait for each
other), an ANALYZE per loaded table, and the revisions after 0002 run by Alembic, which fill the
tables derived from the loaded rows: that job waits for every job on a table its SQL names, and
runs beside the others (the builds of historial, say). Two connections take the jobs in order of
priority, each the first whose locks conflict with no running job and whose dependencies are done.

Index builds are CPU-bound sorts; two builds on two connections keep both cores busy, where one
build with parallel workers leaves them idle between sort runs and in its serial merge.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.ops.seed.connections import NO_LIMITS, private_connection, raw_connection, skip_wal_zero_fill
from app.ops.seed.context import LOADED_TABLES
from app.ops.seed.report import PhaseTimer
from app.ops.seed.schema import (
    REVISION_INDEXES,
    Constraint,
    SchemaState,
    alembic_run,
    revision_statements,
    revisions_up_to,
    schema_signature,
)

if TYPE_CHECKING:
    from app.ops.seed.connections import RawConnection

Run: TypeAlias = Callable[["RawConnection"], Coroutine[Any, Any, None]]
_SETTINGS = NO_LIMITS + "; SET max_parallel_maintenance_workers = 0; SET work_mem = '256MB'"
# Locks on a table, weakest first: AccessShare/RowShare, Share (CREATE INDEX: builds of one table
# run side by side), ShareUpdateExclusive (VALIDATE CONSTRAINT, ANALYZE: one at a time per table,
# not beside a build), and AccessExclusive or ShareRowExclusive (ADD PRIMARY KEY, a migration).
READ, SHARE, VALIDATE, EXCLUSIVE = "read", "share", "validate", "exclusive"
_COMPATIBLE = {
    frozenset((READ,)),
    frozenset((READ, SHARE)),
    frozenset((READ, VALIDATE)),
    frozenset((SHARE,)),
}


@dataclass(eq=False)
class Job:
    """Something to run on one connection, the locks it takes ({table: mode}, "" for a table not
    known: it conflicts with everything) and the jobs that must be done before it starts."""

    name: str
    run: Run
    locks: dict[str, str]
    cost: float
    after: list[Job] = field(default_factory=list)
    needed: bool = False  # another job waits for this one: it goes first

    def conflicts(self, other: Job) -> bool:
        if "" in self.locks or "" in other.locks:
            return True
        return any(
            frozenset((mode, other.locks[table])) not in _COMPATIBLE
            for table, mode in self.locks.items()
            if table in other.locks
        )

    def priority(self) -> tuple[bool, int, float]:
        # What others wait for first; then the jobs that keep others off their table; then the
        # builds largest first (small ones at the end keep both connections busy to the end).
        rank = {EXCLUSIVE: 0, VALIDATE: 1}.get(max(self.locks.values(), key=_strength), 2)
        return (not self.needed, rank, -self.cost)


def _strength(mode: str) -> int:
    return (READ, SHARE, VALIDATE, EXCLUSIVE).index(mode)


async def run_jobs(engine: AsyncEngine, jobs: list[Job], connections: int = 2) -> None:
    """Run the jobs on `connections` connections: the next one is always the first by priority
    that can start, so no connection waits on a lock and none idles while some job could run."""
    for job in jobs:
        for before in job.after:
            before.needed = True
    pending = sorted(jobs, key=Job.priority)
    done: set[Job] = set()
    async with contextlib.AsyncExitStack() as stack:
        idle = [
            await stack.enter_async_context(private_connection(engine, _SETTINGS)) for _ in range(connections)
        ]
        running: dict[asyncio.Task[None], tuple[Job, RawConnection]] = {}
        try:
            while pending or running:
                for job in list(pending):
                    startable = all(before in done for before in job.after) and not any(
                        job.conflicts(other) for other, _ in running.values()
                    )
                    if idle and startable:
                        pending.remove(job)
                        raw = idle.pop()
                        running[asyncio.create_task(job.run(raw))] = (job, raw)
                if not running:
                    raise RuntimeError(f"rebuild jobs that can never start: {[j.name for j in pending]}")
                finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in finished:
                    job, raw = running.pop(task)
                    task.result()
                    done.add(job)
                    idle.append(raw)
        finally:
            for task in running:
                task.cancel()  # asyncpg asks the server to cancel the statement
            await asyncio.gather(*running, return_exceptions=True)


def _statements(sqls: list[str], done: set[str]) -> Run:
    async def run(raw: RawConnection) -> None:
        for sql in sqls:
            if sql not in done:
                await raw.execute(sql)
                done.add(sql)

    return run


def _table_of(sql: str) -> str:
    found = re.search(r"\bON (\w+)|^ALTER TABLE (\w+)", sql)
    return next((g for g in found.groups() if g), "") if found else ""


def _referenced_table(definition: str) -> str:
    found = re.search(r"\bREFERENCES (?:\w+\.)?(\w+)", definition)
    return found.group(1) if found else ""


async def restore_schema(
    engine: AsyncEngine, conn: AsyncConnection, state: SchemaState, timer: PhaseTimer
) -> None:
    """Put back what `strip_schema` removed, ANALYZE the loaded tables and migrate back up
    (`run_jobs`), then compare every index and constraint definition with the ones before."""
    if not state.indexes_dropped and not state.dropped_constraints:
        return
    async with timer.phase("indexes and constraints"):
        add_not_valid = [c.add_sql() + " NOT VALID" for c in state.dropped_constraints if c.kind != "p"]
        for sql in add_not_valid:
            if sql not in state.done:
                await conn.execute(text(sql))
        await conn.commit()
        state.done.update(add_not_valid)
        jobs = await _jobs(engine, conn, state)
        await conn.commit()
        await run_jobs(engine, jobs)
        state.dropped_constraints = []
        state.indexes_dropped = False
        state.analyzed = True
    timer.report.schema_restored = await schema_signature(conn) == state.signature
    if not timer.report.schema_restored:
        timer.progress("[seed] WARNING: indexes or constraints differ from those before the load")


async def _jobs(engine: AsyncEngine, conn: AsyncConnection, state: SchemaState) -> list[Job]:
    sizes = await conn.execute(
        text("SELECT relname, pg_relation_size(oid) FROM pg_class WHERE relkind = 'r'")
    )
    table_size: dict[str, int] = {name: size for name, size in sizes}
    done = state.done

    def job(sqls: list[str], locks: dict[str, str]) -> Job:
        # A GIN build costs a few btrees.
        weight = sum(3 if " gin " in sql.lower() else 1 for sql in sqls)
        cost = sum(table_size.get(table, 0) for table in locks) * weight
        return Job(sqls[0], _statements(sqls, done), locks, cost)

    jobs = [job([c.add_sql()], {c.table: EXCLUSIVE}) for c in state.dropped_constraints if c.kind == "p"]
    revisions = revisions_up_to(state.revision) if state.indexes_dropped and state.revision else []
    indexes = revision_statements(REVISION_INDEXES) if revisions[:1] == [REVISION_INDEXES] else []
    for sql in indexes:
        is_index = sql.upper().startswith(("CREATE INDEX", "CREATE UNIQUE INDEX"))
        jobs.append(job([sql], {_table_of(sql): SHARE if is_index else EXCLUSIVE}))
    by_table: dict[str, list[Constraint]] = {}
    for c in state.dropped_constraints:
        if c.kind != "p":
            by_table.setdefault(c.table, []).append(c)
    for table, constraints in by_table.items():
        validations = [f'ALTER TABLE {table} VALIDATE CONSTRAINT "{c.name}"' for c in constraints]
        reads = {_referenced_table(c.definition): READ for c in constraints}
        jobs.append(job(validations, {**reads, table: VALIDATE}))
    analyze = {table: job([f"ANALYZE {table}"], {table: VALIDATE}) for table in LOADED_TABLES}
    jobs += analyze.values()
    if state.indexes_dropped and state.revision is not None:
        jobs.append(await _migrate_job(engine, conn, state, indexes, revisions, jobs, analyze))
    return jobs


async def _migrate_job(
    engine: AsyncEngine,
    conn: AsyncConnection,
    state: SchemaState,
    indexes: list[str],
    revisions: list[str],
    jobs: list[Job],
    analyze: dict[str, Job],
) -> Job:
    """Stamp revision 0002 and upgrade to the revision the database was at, once every job on a
    table that the later revisions' SQL names is done (and, for a loaded table, its ANALYZE: their
    back-fills plan by the statistics). Unrenderable revisions name every table."""
    names = (await conn.execute(text("SELECT relname FROM pg_class WHERE relkind IN ('r', 'p')"))).scalars()
    tables = set(names.all())
    try:
        later = " ".join(sql for revision in revisions[1:] for sql in revision_statements(revision))
        touched = {table for table in tables if re.search(rf"\b{table}\b", later)}
    except Exception:
        touched = {""}
    target = state.revision

    async def migrate(_: RawConnection) -> None:
        if "alembic upgrade" in state.done:  # a retry after a later failure
            return
        async with engine.connect() as migration:
            raw = await raw_connection(migration)
            await raw.execute(_SETTINGS)
            await skip_wal_zero_fill(raw)
            if indexes:
                await migration.run_sync(alembic_run, "stamp", REVISION_INDEXES)
            if target is not None:
                await migration.run_sync(alembic_run, "upgrade", target)
            await migration.commit()
            state.done.add("alembic upgrade")
            await migration.invalidate()  # its session settings must not go back to the pool

    after = [j for j in jobs if "" in touched or "" in j.locks or touched & set(j.locks)]
    after += [analyze[table] for table in touched if table in analyze and analyze[table] not in after]
    return Job("alembic upgrade", migrate, dict.fromkeys(touched, EXCLUSIVE), 0.0, after)
