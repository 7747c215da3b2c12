"""Putting back what `schema.strip_schema` took out, as many statements at once as locks allow.

Every statement of the rebuild is a job with the locks it takes: the index builds (by the statement
of the revision that created the index, else its `pg_get_indexdef`; a primary or unique key is
built as an index, beside the other builds of its table, then attached with USING INDEX), the
validation of the foreign keys, re-added NOT VALID beforehand (one job per table: validations of
one table wait for each other), an ANALYZE per loaded table, the refill of each derived table
(`derived`: after the ANALYZE of the tables it reads, beside their index builds; the derived
table's own indexes after it) and, last, the triggers of the derived tables switched back on.
Two connections take the jobs in order of priority, each the first whose locks conflict with no
running job and whose dependencies are done. The loader prints the per-job timeline.

Index builds are CPU-bound sorts; two builds on two connections keep both cores busy, where one
build with parallel workers leaves them idle between sort runs and in its serial merge.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.ops.seed.connections import LOAD_SESSION, private_connection
from app.ops.seed.context import LOADED_TABLES
from app.ops.seed.report import PhaseTimer
from app.ops.seed.schema import Constraint, SchemaState, enable_trigger_sql, schema_signature

if TYPE_CHECKING:
    from app.ops.seed.connections import RawConnection

Run: TypeAlias = Callable[["RawConnection"], Coroutine[Any, Any, None]]
_SETTINGS = LOAD_SESSION + "; SET max_parallel_maintenance_workers = 0; SET work_mem = '256MB'"
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


class Slot(NamedTuple):
    """When a job ran, and on which connection."""

    job: str
    connection: int
    start: float
    end: float


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


async def run_jobs(
    engine: AsyncEngine, jobs: list[Job], connections: int = 2, timeline: list[Slot] | None = None
) -> None:
    """Run the jobs on `connections` connections: the next one is always the first by priority
    that can start, so no connection waits on a lock and none idles while some job could run.
    Each job's connection, start and end (seconds from the start) go to `timeline`."""
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
        number = {id(raw): i for i, raw in enumerate(idle)}
        started = time.perf_counter()
        begun: dict[Job, float] = {}
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
                        begun[job] = time.perf_counter() - started
                if not running:
                    raise RuntimeError(f"rebuild jobs that can never start: {[j.name for j in pending]}")
                finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in finished:
                    job, raw = running.pop(task)
                    task.result()
                    done.add(job)
                    if timeline is not None:
                        end = time.perf_counter() - started
                        timeline.append(Slot(job.name, number[id(raw)], begun[job], end))
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


def _referenced_table(definition: str) -> str:
    found = re.search(r"\bREFERENCES (?:\w+\.)?(\w+)", definition)
    return found.group(1) if found else ""


async def restore_schema(
    engine: AsyncEngine, conn: AsyncConnection, state: SchemaState, timer: PhaseTimer
) -> None:
    """Put back what `strip_schema` removed, refill the derived tables and ANALYZE the loaded ones
    (`run_jobs`), then compare every index, constraint and trigger definition with the ones before."""
    if not state.stripped:
        return
    async with timer.phase("indexes and constraints"):
        add_not_valid = [c.add_sql() + " NOT VALID" for c in state.dropped_constraints]
        for sql in add_not_valid:
            if sql not in state.done:
                await conn.execute(text(sql))
        await conn.commit()
        state.done.update(add_not_valid)
        jobs = await _jobs(conn, state)
        await conn.commit()
        timeline: list[Slot] = []
        await run_jobs(engine, jobs, timeline=timeline)
        for slot in sorted(timeline, key=lambda s: s.start):
            if slot.end - slot.start >= 0.5:
                line = f"{slot.start:6.1f}-{slot.end:6.1f} #{slot.connection} {slot.job[:90]}"
                timer.progress(f"[seed]   {line}")
        state.dropped_constraints = []
        state.dropped_indexes = []
        state.disabled_triggers = []
        state.fills = []
        state.analyzed = True
    after = await schema_signature(conn)
    timer.report.schema_restored = after == state.signature
    if not timer.report.schema_restored:
        timer.progress("[seed] WARNING: indexes or constraints differ from those before the load")
        for line in sorted(set(state.signature) ^ set(after)):
            timer.progress(f"  {'-' if line in state.signature else '+'} {line}")


async def _jobs(conn: AsyncConnection, state: SchemaState) -> list[Job]:
    sizes = await conn.execute(
        text("SELECT relname, pg_relation_size(oid) FROM pg_class WHERE relkind = 'r'")
    )
    table_size: dict[str, int] = {name: size for name, size in sizes}
    done = state.done

    def job(
        sqls: list[str],
        locks: dict[str, str],
        weight: float = 1.0,
        after: list[Job] | None = None,
        name: str = "",
    ) -> Job:
        # A GIN build costs a few btrees.
        weight *= sum(3 if " gin " in sql.lower() else 1 for sql in sqls)
        cost = sum(table_size.get(table, 0) for table in locks) * weight
        return Job(name or sqls[0], _statements(sqls, done), locks, cost, after or [])

    jobs: list[Job] = []
    analyze = {table: job([f"ANALYZE {table}"], {table: VALIDATE}) for table in LOADED_TABLES}
    # A derived table is refilled once the tables it reads are analyzed (its query plans by their
    # statistics), beside the index builds of those tables (its locks are SHARE, as theirs).
    fills: dict[str, Job] = {}
    for fill in state.fills:
        locks = {**dict.fromkeys(fill.reads, SHARE), **dict.fromkeys(fill.writes, EXCLUSIVE)}
        reads = [analyze[t] for t in fill.reads if t in analyze]
        filled = job(list(fill.sqls), locks, after=reads, name=f"refill {fill.name}: {fill.sqls[-1]}")
        # Longest first: a refill reads its tables and writes about as much again.
        filled.cost = sum(table_size.get(t, 0) for t in fill.reads) * 2.0
        jobs.append(filled)
        for table in fill.writes:
            fills[table] = filled
            if fill.rebuild_indexes:
                analyze[table] = job([f"ANALYZE {table}"], {table: VALIDATE}, after=[filled])
    for index in state.dropped_indexes:
        before = [fills[index.table]] if index.table in fills else []
        built = job([index.create], {index.table: SHARE}, after=before)
        jobs.append(built)
        if index.attach:  # a catalog change once the index is there
            jobs.append(job([index.attach], {index.table: EXCLUSIVE}, after=[built]))
    by_table: dict[str, list[Constraint]] = {}
    for c in state.dropped_constraints:
        by_table.setdefault(c.table, []).append(c)
    for table, constraints in by_table.items():
        validations = [f'ALTER TABLE {table} VALIDATE CONSTRAINT "{c.name}"' for c in constraints]
        referenced = {_referenced_table(c.definition): READ for c in constraints}
        jobs.append(job(validations, {**referenced, table: VALIDATE}))
    jobs += analyze.values()
    # The triggers come back on once their tables are refilled.
    triggers = [enable_trigger_sql(table, name) for table, name in state.disabled_triggers]
    if triggers:
        locks = dict.fromkeys((table for table, _ in state.disabled_triggers), EXCLUSIVE)
        jobs.append(job(triggers, locks, after=list(set(fills.values()))))
    return jobs
