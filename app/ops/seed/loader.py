"""The bulk loader: `seed_documentos` streams generated rows into PostgreSQL with COPY.

Rows go in with asyncpg's `copy_records_to_table`. For a large load on an engine it:

- drops the secondary indexes by running Alembic down to revision 0001, and the foreign keys and
  unreferenced primary keys of the loaded tables (per-row index upkeep and locking foreign-key
  look-ups cost several times what one build or one anti-join costs afterwards);
- splits the reception days into one slice per core, each generated and COPY'd by a process of
  its own with one connection per table: one interpreter cannot feed PostgreSQL fast enough;
- rebuilds revision 0002 (its own DDL, rendered by Alembic) and the keys on two connections at
  once, checks that every index and constraint is back as it was, and stamps the revision.

The busqueda trigger stays on: it computes the tsvector inside the COPY backends, on CPU the
Python side leaves free, and it remains the one definition of that vector.

Given an `AsyncConnection`, or for a small load, everything runs in one transaction with every
index and constraint in place.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import gc
import multiprocessing
import multiprocessing.queues
import os
import queue
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeAlias

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from app.ops.seed.connections import NO_LIMITS, private_connection, raw_connection, task_group
from app.ops.seed.context import LOADED_TABLES, SeedContext, read_context
from app.ops.seed.generator import RowGenerator
from app.ops.seed.plan import FIRST_RECEPTION_DAY, Slice, correlativos_after, plan_days, split_days
from app.ops.seed.remitentes import Remitentes, generate_remitentes
from app.ops.seed.report import PhaseTimer, ProgressFn, ProgressMeter, SeedReport
from app.ops.seed.rows import (
    ANEXOS_COLUMNS,
    DERIVACIONES_COLUMNS,
    DOCUMENTOS_COLUMNS,
    HISTORIAL_COLUMNS,
    REMITENTES_COLUMNS,
    Row,
)
from app.ops.seed.schema import (
    SchemaState,
    count_secondary_indexes,
    drop_restored_foreign_keys,
    restore_schema,
    strip_schema,
)

if TYPE_CHECKING:
    from multiprocessing.sharedctypes import Synchronized

    from app.ops.seed.connections import RawConnection

# Below this many documents the drop-and-rebuild of indexes costs more than it saves.
REBUILD_INDEXES_THRESHOLD = 50_000

# The tables of `RowGenerator.batch`, in the order it returns their rows.
_BATCH_TABLES = (
    ("documentos", DOCUMENTOS_COLUMNS),
    ("derivaciones", DERIVACIONES_COLUMNS),
    ("anexos", ANEXOS_COLUMNS),
    ("historial", HISTORIAL_COLUMNS),
)
_PG_EPOCH = 946_684_800  # 2000-01-01 00:00 UTC, PostgreSQL's timestamp origin


def _pg_stamp(ts: int) -> tuple[int]:
    """A timestamp as the `tuple` codec format takes it: microseconds since 2000-01-01 UTC."""
    return ((ts - _PG_EPOCH) * 1_000_000,)


def _datetime_stamp(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


async def _encode_timestamps_as_tuples(raw: RawConnection) -> None:
    """Encode timestamptz from `_pg_stamp` tuples.

    asyncpg's datetime encoder does Python-level work per value (infinity checks, astimezone, a
    timedelta); a load writes ~28 timestamps per document, so this is a large share of the CPU.
    """
    await raw.set_type_codec("timestamptz", schema="pg_catalog", encoder=tuple, decoder=tuple, format="tuple")


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cycle collector: the rows hold no cycles, and with millions of live tuples its
    periodic full scans cost ~40% of generation time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def _copy(
    raw: RawConnection, table: str, columns: Sequence[str], records: list[Row], rows: dict[str, int]
) -> None:
    await raw.copy_records_to_table(table, records=records, columns=columns)
    rows[table] = rows.get(table, 0) + len(records)


def _batch_sizes(total: int, chunk: int) -> Iterator[int]:
    done = 0
    while done < total:
        size = min(chunk, total - done)
        yield size
        done += size


async def _copy_serial(
    conn: AsyncConnection, gen: RowGenerator, chunk: int, rows: dict[str, int], progress: ProgressFn
) -> None:
    """Every table on one connection, documentos before their children, in one transaction."""
    raw = await raw_connection(conn)
    meter = ProgressMeter(gen.slice.documentos, progress)
    for size in _batch_sizes(meter.total, chunk):
        batch = gen.batch(size)
        for (table, columns), records in zip(_BATCH_TABLES, batch, strict=True):
            if records:
                await _copy(raw, table, columns, records, rows)
        meter.update(meter.done + size)


async def _copy_streams(
    engine: AsyncEngine,
    gen: RowGenerator,
    chunk: int,
    rows: dict[str, int],
    on_batch: Callable[[int], None],
) -> None:
    """One COPY stream per table on its own connection, fed by a generator thread.

    PostgreSQL parses and stores while Python builds the next batch; bounded queues keep at most a
    few batches in memory. `on_batch` hears of every batch handed over.
    """
    queues: list[asyncio.Queue[list[Row] | None]] = [asyncio.Queue(maxsize=2) for _ in _BATCH_TABLES]

    async def consume(
        table: str, columns: tuple[str, ...], records_queue: asyncio.Queue[list[Row] | None]
    ) -> None:
        async with private_connection(engine, NO_LIMITS) as raw:
            await _encode_timestamps_as_tuples(raw)
            while (records := await records_queue.get()) is not None:
                if records:
                    await _copy(raw, table, columns, records, rows)

    async def produce() -> None:
        for size in _batch_sizes(gen.slice.documentos, chunk):
            batch = await asyncio.to_thread(gen.batch, size)
            for records_queue, records in zip(queues, batch, strict=True):
                await records_queue.put(records)
            on_batch(size)
        for records_queue in queues:
            await records_queue.put(None)

    async with task_group() as group:
        for (table, columns), records_queue in zip(_BATCH_TABLES, queues, strict=True):
            group.create_task(consume(table, columns, records_queue))
        group.create_task(produce())
    gen.check_id_range()


# -- slices in other processes --------------------------------------------------------------------


@dataclass(frozen=True)
class _SliceInputs:
    """What every slice's generator needs besides its slice: the same in every process."""

    ctx: SeedContext
    remitentes: Remitentes
    seed: int
    until: datetime
    chunk: int


@dataclass
class _SliceResult:
    rows: dict[str, int]
    overdue: int


_Outcome: TypeAlias = tuple[int, _SliceResult | None, str | None]  # slice number, result, traceback


def _add(counter: Synchronized[int], count: int) -> None:
    with counter.get_lock():
        counter.value += count


async def _load_slice(
    engine: AsyncEngine, inputs: _SliceInputs, slice_: Slice, rows: dict[str, int], counter: Synchronized[int]
) -> int:
    """Generate and COPY one slice, counting its documents on `counter`; returns how many are overdue."""
    gen = RowGenerator(inputs.ctx, inputs.remitentes, slice_, inputs.seed, inputs.until, _pg_stamp)
    await _copy_streams(engine, gen, inputs.chunk, rows, functools.partial(_add, counter))
    return gen.overdue


def _slice_process(
    url: str,
    inputs: _SliceInputs,
    slice_: Slice,
    counter: Synchronized[int],
    outcomes: multiprocessing.queues.Queue[_Outcome],
) -> None:
    """Entry point of a worker process: load one slice, report the outcome on `outcomes`."""
    try:
        result = asyncio.run(_slice_in_process(url, inputs, slice_, counter))
        outcomes.put((slice_.number, result, None))
    except BaseException:
        outcomes.put((slice_.number, None, traceback.format_exc()))


async def _slice_in_process(
    url: str, inputs: _SliceInputs, slice_: Slice, counter: Synchronized[int]
) -> _SliceResult:
    engine = create_async_engine(url, pool_size=len(_BATCH_TABLES), max_overflow=2)
    try:
        with _gc_paused():
            rows: dict[str, int] = {}
            overdue = await _load_slice(engine, inputs, slice_, rows, counter)
            return _SliceResult(rows, overdue)
    finally:
        await engine.dispose()


async def _load_slices(
    engine: AsyncEngine, inputs: _SliceInputs, slices: list[Slice], report: SeedReport, progress: ProgressFn
) -> int:
    """The first slice in this process, each other one in a process of its own; returns the overdue count.

    One interpreter cannot both generate rows and encode them faster than ~10,000 documents a
    second: it is the bottleneck while PostgreSQL idles. Slices split by date need no exchange of
    rows between processes (each knows its ids and expediente numbers from the day plan).
    """
    mp_context = multiprocessing.get_context("spawn")  # forking a process with a running loop is unsafe
    outcomes: multiprocessing.queues.Queue[_Outcome] = mp_context.Queue()
    counters = [mp_context.Value("q", 0) for _ in slices]
    url = engine.url.render_as_string(hide_password=False)
    processes = [
        mp_context.Process(
            target=_slice_process,
            args=(url, inputs, s, counters[s.number], outcomes),
            daemon=True,
        )
        for s in slices[1:]
    ]
    for process in processes:
        process.start()
    meter = ProgressMeter(sum(s.documentos for s in slices), progress)

    async def report_progress() -> None:
        while True:
            await asyncio.sleep(1)
            meter.update(sum(c.value for c in counters))

    reporter = asyncio.create_task(report_progress())
    try:
        overdue = await _load_slice(engine, inputs, slices[0], report.rows, counters[0])
        pending = {s.number for s in slices[1:]}
        while pending:
            try:
                number, result, error = await asyncio.to_thread(outcomes.get, True, 1.0)
            except queue.Empty:
                exited = [p for p in processes if p.exitcode is not None]
                if len(exited) > len(processes) - len(pending):
                    raise RuntimeError("a slice's process died without reporting") from None
                continue
            if error is not None or result is None:
                raise RuntimeError(f"slice {number} failed:\n{error}")
            pending.discard(number)
            overdue += result.overdue
            for table, count in result.rows.items():
                report.rows[table] = report.rows.get(table, 0) + count
        meter.update(meter.total)
        return overdue
    finally:
        reporter.cancel()
        for process in processes:
            if process.is_alive():
                process.terminate()
            await asyncio.to_thread(process.join)


async def _finish(conn: AsyncConnection, tables: Sequence[str], correlativos: dict[int, int]) -> None:
    """Identity sequences past the new ids; expediente counters past the new numbers."""
    for table in tables:
        await conn.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        )
    for anio, ultimo in sorted(correlativos.items()):
        await conn.execute(
            text(
                "INSERT INTO expediente_correlativos (anio, ultimo) VALUES (:anio, :ultimo)"
                " ON CONFLICT (anio) DO UPDATE"
                " SET ultimo = greatest(expediente_correlativos.ultimo, excluded.ultimo)"
            ),
            {"anio": anio, "ultimo": ultimo},
        )


async def _undo_load(conn: AsyncConnection, state: SchemaState, first_ids: dict[str, int]) -> None:
    """Remove a failed load's rows (committed batch by batch) so the keys can be restored."""
    await drop_restored_foreign_keys(conn, state)
    for table in reversed(LOADED_TABLES):
        await conn.execute(text(f"DELETE FROM {table} WHERE id >= :first_id"), {"first_id": first_ids[table]})
    await conn.commit()


async def seed_documentos(
    target: AsyncEngine | AsyncConnection,
    n: int,
    *,
    seed: int = 42,
    progress: ProgressFn = print,
    until: datetime | None = None,
    chunk: int = 10_000,
    rebuild_indexes: bool | None = None,
    processes: int | None = None,
) -> SeedReport:
    """Load `n` documents (plus ~n/5 new senders, their derivaciones, anexos and historial).

    Appends after the current maximum ids, so it can run again on the same database. Reception
    dates spread from 2024-01-01 to `until` (default: now); the same seed, `until` and number of
    processes give the same rows. Given an engine and `rebuild_indexes` (default: n >= 50,000
    and >= 1/5 of the documents already there) it drops the secondary indexes and the foreign keys,
    streams the rows with COPY from `processes` processes (default: one per core, at most 4), each
    with one connection per table, rebuilds everything and ANALYZEs; should it fail, it deletes its
    rows and restores the schema before raising. Otherwise it loads in one transaction with every
    index in place: the caller's when given a connection (the caller commits), its own when given
    an engine.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    report = SeedReport()
    timer = PhaseTimer(report, progress)
    started = time.perf_counter()
    until = until or datetime.now(UTC)

    async with contextlib.AsyncExitStack() as stack:
        stack.enter_context(_gc_paused())
        if isinstance(target, AsyncEngine):
            conn = await stack.enter_async_context(target.connect())
        else:
            conn = target
        raw = await raw_connection(conn)

        async with timer.phase("read catalogs"):
            await conn.execute(text("SELECT 1"))  # opens the transaction the raw COPYs will join
            ctx = await read_context(conn)
        if rebuild_indexes is None:
            # A rebuild costs time in proportion to the whole table (~90 s per million documents
            # here), loading with the indexes in place ~4x more per row: past ~1/5 of what is
            # there, rebuilding wins.
            existing = ctx.max_ids["documentos"]
            rebuild_indexes = n >= max(REBUILD_INDEXES_THRESHOLD, existing // 5)
        # Parallel COPY streams commit on their own, so they need the foreign keys out of the way:
        # they run exactly when the indexes and keys are dropped and rebuilt.
        parallel = isinstance(target, AsyncEngine) and rebuild_indexes
        report.indexes_rebuilt = parallel
        days = plan_days(n, FIRST_RECEPTION_DAY, until)
        parts = max(1, processes or min(os.cpu_count() or 1, 4)) if parallel else 1
        slices = split_days(days, parts, ctx.max_ids, ctx.correlativos)
        correlativos = correlativos_after(days, ctx.correlativos)
        first_ids = dict(slices[0].first_ids, remitentes=ctx.max_ids["remitentes"] + 1)

        async def load_remitentes() -> Remitentes:
            async with timer.phase("remitentes"):
                rows, remitentes = generate_remitentes(ctx, max(50, n // 5), seed, FIRST_RECEPTION_DAY)
                await _copy(raw, "remitentes", REMITENTES_COLUMNS, rows, report.rows)
                return remitentes

        if not isinstance(target, AsyncEngine) or not parallel:
            # One transaction, every index and key in place: the caller's, or ours committed here.
            remitentes = await load_remitentes()
            gen = RowGenerator(ctx, remitentes, slices[0], seed, until, _datetime_stamp)
            async with timer.phase("documentos (COPY)"):
                await _copy_serial(conn, gen, chunk, report.rows, progress)
            report.overdue = gen.overdue
            await _finish(conn, [t for t in LOADED_TABLES if report.rows.get(t)], correlativos)
            if isinstance(target, AsyncEngine):
                await conn.commit()
        else:
            await conn.commit()
            await raw.execute(NO_LIMITS)
            state = SchemaState()
            try:
                async with timer.phase("drop indexes and keys"):
                    await strip_schema(conn, state)
                remitentes = await load_remitentes()
                await conn.commit()  # the busqueda trigger on the COPY connections reads them
                # Only this process reads the existing senders: the others need not receive them.
                inputs = _SliceInputs(
                    dataclasses.replace(ctx, existing_remitentes=set()), remitentes, seed, until, chunk
                )
                async with timer.phase(f"documentos (COPY, {len(slices)} processes)"):
                    report.overdue = await _load_slices(target, inputs, slices, report, progress)
                await restore_schema(target, conn, state, timer)
            except BaseException:
                # Take the partial load out so that the keys validate, then restore the schema.
                await conn.rollback()
                try:
                    await _undo_load(conn, state, first_ids)
                    await restore_schema(target, conn, state, timer)
                except Exception:
                    progress("[seed] ERROR: could not restore the schema; still to run:")
                    for sql in state.pending():
                        progress(f"  {sql};")
                raise
            async with timer.phase("sequences, analyze"):
                await _finish(conn, LOADED_TABLES, correlativos)
                await conn.commit()
                await raw.execute("ANALYZE " + ", ".join(LOADED_TABLES))
            await raw.execute("RESET statement_timeout; RESET maintenance_work_mem")
        report.secondary_indexes = await count_secondary_indexes(conn)

    report.total_s = time.perf_counter() - started
    return report
