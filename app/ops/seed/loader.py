"""The bulk loader: `seed_documentos` streams generated rows into PostgreSQL with COPY.

Rows go in as binary COPY data made by `copy_binary`. For a large load on an engine it:

- drops the indexes and foreign keys of the loaded tables, keys that no foreign key needs
  included, and disables the triggers that keep derived tables (statistics, visibilidad), all
  recorded from the catalog (`schema`): per-row index upkeep, locking foreign-key look-ups and
  per-batch trigger work cost several times what one build, one anti-join or one refill costs
  afterwards;
- generates the rows in worker processes, one per slice of days, and streams them on one
  connection per table, each table in one transaction (`pipeline`); into empty tables with COPY
  FREEZE;
- rebuilds the indexes and keys and refills the derived tables with their revisions' own SQL on
  two connections at once (`rebuild`), and checks that every index, constraint and trigger is
  back as it was.

The busqueda trigger stays on: it computes the tsvector inside the COPY backend, and it remains
the one definition of that vector.

Given an `AsyncConnection`, or for a small load, everything runs in one transaction with every
index and constraint in place.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.ops.seed import rows as layout
from app.ops.seed.connections import NO_LIMITS, make_durable, raw_connection
from app.ops.seed.context import LOADED_TABLES, read_context
from app.ops.seed.copy_binary import check_types
from app.ops.seed.generator import RowGenerator
from app.ops.seed.pipeline import (
    BATCH_TABLES,
    SliceInputs,
    batch_sizes,
    copy_data,
    gc_paused,
    load_slices,
    truncate_if_empty,
)
from app.ops.seed.plan import FIRST_RECEPTION_DAY, correlativos_after, plan_days, split_days
from app.ops.seed.rebuild import restore_schema
from app.ops.seed.remitentes import Remitentes, generate_remitentes
from app.ops.seed.report import PhaseTimer, ProgressFn, ProgressMeter, SeedReport
from app.ops.seed.rows import Row
from app.ops.seed.schema import (
    SchemaState,
    count_secondary_indexes,
    drop_restored_foreign_keys,
    pause_autovacuum,
    resume_autovacuum,
    strip_schema,
)

# Below this many documents the drop-and-rebuild of indexes costs more than it saves.
REBUILD_INDEXES_THRESHOLD = 50_000

_COLUMNS = (("remitentes", layout.REMITENTES), *BATCH_TABLES)


async def _check_column_types(conn: AsyncConnection) -> None:
    """The columns the encoders write must have the types they encode (binary COPY trusts us)."""
    result = await conn.execute(
        text(
            "SELECT attrelid::regclass::text, attname, format_type(atttypid, NULL) FROM pg_attribute"
            " WHERE attrelid = ANY(CAST(:tables AS regclass[])) AND attnum > 0 AND NOT attisdropped"
        ),
        {"tables": [table for table, _ in _COLUMNS]},
    )
    types: dict[str, dict[str, str]] = {}
    for table, column, type_ in result:
        types.setdefault(table, {})[column] = type_
    for table, columns in _COLUMNS:
        check_types(table, columns, types.get(table, {}))


async def _copy(conn: AsyncConnection, table: str, records: list[Row], rows: dict[str, int]) -> None:
    """COPY `records` into `table` on `conn`, inside its current transaction."""
    columns = dict(_COLUMNS)[table]
    raw = await raw_connection(conn)
    await raw.copy_to_table(
        table, source=copy_data(table, columns, records), columns=layout.names(columns), format="binary"
    )
    rows[table] = rows.get(table, 0) + len(records)


async def _copy_remitentes(
    conn: AsyncConnection, records: list[Row], freeze: bool, rows: dict[str, int]
) -> None:
    """COPY the new senders and commit them (other connections read them); into an empty table,
    truncated first, with COPY FREEZE."""
    await conn.execute(text("SELECT 1"))  # opens the transaction the raw COPY joins
    raw = await raw_connection(conn)
    if freeze:
        await truncate_if_empty(raw, "remitentes")
    await raw.copy_to_table(
        "remitentes",
        source=copy_data("remitentes", layout.REMITENTES, records),
        columns=layout.names(layout.REMITENTES),
        format="binary",
        freeze=freeze,
    )
    await conn.commit()
    rows["remitentes"] = rows.get("remitentes", 0) + len(records)


async def _copy_serial(
    conn: AsyncConnection, gen: RowGenerator, chunk: int, rows: dict[str, int], progress: ProgressFn
) -> None:
    """Every table on one connection, documentos before their children, in one transaction."""
    meter = ProgressMeter(gen.slice.documentos, progress)
    for size in batch_sizes(meter.total, chunk):
        batch = gen.batch(size)
        for (table, _), records in zip(BATCH_TABLES, batch, strict=True):
            if records:
                await _copy(conn, table, records, rows)
        meter.update(meter.done + size)
    gen.check_id_range()


async def _is_empty(conn: AsyncConnection, tables: Sequence[str]) -> bool:
    for table in tables:
        if await conn.scalar(text(f"SELECT EXISTS (SELECT 1 FROM {table})")):
            return False
    return True


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
    """Remove what a failed load committed, so that the keys can be restored."""
    await drop_restored_foreign_keys(conn, state)
    # The derived tables are refilled from what remains (their triggers may still be off).
    state.done -= {sql for fill in state.fills for sql in fill.sqls}
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
    generates the rows in `processes` worker processes (default: one per core, at most 4) and
    streams them with one COPY per table, each table in one transaction (COPY FREEZE into tables
    that were empty), rebuilds everything and ANALYZEs; should it fail, it deletes what it
    committed and restores the schema before raising. Otherwise it loads in one transaction with
    every index in place: the caller's when given a connection (the caller commits), its own when
    given an engine.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    report = SeedReport()
    timer = PhaseTimer(report, progress)
    started = time.perf_counter()
    until = until or datetime.now(UTC)

    async with contextlib.AsyncExitStack() as stack:
        stack.enter_context(gc_paused())
        if isinstance(target, AsyncEngine):
            conn = await stack.enter_async_context(target.connect())
        else:
            conn = target

        async with timer.phase("read catalogs"):
            await _check_column_types(conn)
            ctx = await read_context(conn)
        if rebuild_indexes is None:
            # A rebuild costs time in proportion to the whole table (~90 s per million documents
            # here), loading with the indexes in place ~4x more per row: past ~1/5 of what is
            # there, rebuilding wins.
            existing = ctx.max_ids["documentos"]
            rebuild_indexes = n >= max(REBUILD_INDEXES_THRESHOLD, existing // 5)
        # Per-table transactions commit on their own, so they need the foreign keys out of the
        # way: they run exactly when the indexes and keys are dropped and rebuilt.
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
                await _copy(conn, "remitentes", rows, report.rows)
                return remitentes

        if not isinstance(target, AsyncEngine) or not parallel:
            # One transaction, every index and key in place: the caller's, or ours committed here.
            remitentes = await load_remitentes()
            gen = RowGenerator(ctx, remitentes, slices[0], seed, until)
            async with timer.phase("documentos (COPY)"):
                await _copy_serial(conn, gen, chunk, report.rows, progress)
            report.overdue = gen.overdue
            await _finish(conn, [t for t in LOADED_TABLES if report.rows.get(t)], correlativos)
            if isinstance(target, AsyncEngine):
                await conn.commit()
        else:
            # Empty tables are truncated and loaded frozen: nothing references them during the load.
            freeze = await _is_empty(conn, LOADED_TABLES)
            await conn.commit()
            raw = await raw_connection(conn)
            await raw.execute(NO_LIMITS)
            state = SchemaState()
            try:
                async with timer.phase("drop indexes and keys"):
                    await strip_schema(conn, state, referencing=freeze)
                    derived = [table for fill in state.fills for table in fill.writes]
                    await pause_autovacuum(conn, state, [*LOADED_TABLES, *derived])
                async with timer.phase("remitentes (generated)"):
                    rows, remitentes = generate_remitentes(ctx, max(50, n // 5), seed, FIRST_RECEPTION_DAY)
                # Only this process reads the existing senders: the workers need not receive them.
                inputs = SliceInputs(
                    dataclasses.replace(ctx, existing_remitentes=set()), remitentes, seed, until, chunk
                )
                # The senders go in while the workers start; the documentos wait for them.
                remitentes_loaded = asyncio.create_task(_copy_remitentes(conn, rows, freeze, report.rows))
                try:
                    async with timer.phase(f"documentos (COPY, {len(slices)} processes)"):
                        report.overdue = await load_slices(
                            target, inputs, slices, freeze, report.rows, progress, remitentes_loaded
                        )
                finally:
                    remitentes_loaded.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await remitentes_loaded
                await restore_schema(target, conn, state, timer)
            except BaseException:
                # Take out what was committed so that the keys validate, then restore the schema.
                await conn.rollback()
                try:
                    await _undo_load(conn, state, first_ids)
                    await restore_schema(target, conn, state, timer)
                    await resume_autovacuum(conn, state)
                    await make_durable(raw)
                except Exception:
                    progress("[seed] ERROR: could not restore the schema; still to run:")
                    for sql in state.pending():
                        progress(f"  {sql};")
                raise
            async with timer.phase("sequences, analyze"):
                await _finish(conn, LOADED_TABLES, correlativos)
                await conn.commit()
                if not state.analyzed:
                    await raw.execute("ANALYZE " + ", ".join(LOADED_TABLES))
                await resume_autovacuum(conn, state)
            async with timer.phase("flush to disk (checkpoint)"):
                await make_durable(raw)
            await raw.execute("RESET statement_timeout; RESET maintenance_work_mem")
        report.secondary_indexes = await count_secondary_indexes(conn)

    report.total_s = time.perf_counter() - started
    return report
