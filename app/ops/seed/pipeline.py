"""The parallel part of a large load: worker processes generate and encode the rows of their slice
of days; this process streams them into one COPY per table.

One interpreter cannot generate rows as fast as PostgreSQL stores them, so each slice is made by a
process of its own (slices split by date need no exchange: each knows its ids and expediente
numbers from the day plan). The workers hold no connection: they send binary COPY data through a
pipe, and this process forwards it on one connection per table, each in one transaction. A table
that the load found empty is truncated in that transaction first, which lets COPY write its rows
frozen (COPY FREEZE): no hint bits to set, and no full-page images of them in the WAL, when the index
builds read the table afterwards, and nothing left for autovacuum to freeze.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import fcntl
import gc
import multiprocessing
import pickle
import threading
import traceback
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias, cast

from sqlalchemy.ext.asyncio import AsyncEngine

from app.ops.seed import rows as layout
from app.ops.seed.connections import LOAD_SESSION, private_connection, task_group
from app.ops.seed.context import SeedContext
from app.ops.seed.copy_binary import HEADER, TRAILER, Encoder, compile_encoder
from app.ops.seed.generator import RowGenerator
from app.ops.seed.plan import Slice
from app.ops.seed.remitentes import Remitentes
from app.ops.seed.report import ProgressFn, ProgressMeter
from app.ops.seed.rows import Row

if TYPE_CHECKING:
    from multiprocessing.sharedctypes import Synchronized

    from app.ops.seed.connections import RawConnection

# The tables of `RowGenerator.batch`, in the order it returns their rows.
BATCH_TABLES = (
    ("documentos", layout.DOCUMENTOS),
    ("derivaciones", layout.DERIVACIONES),
    ("anexos", layout.ANEXOS),
    ("historial", layout.HISTORIAL),
)
Layout: TypeAlias = Sequence[tuple[str, str]]
Chunks: TypeAlias = asyncio.Queue[memoryview | None]
_RESULT, _ERROR = 0xFF, 0xFE  # message tags besides a table's index in BATCH_TABLES
_QUEUED_CHUNKS = 4  # per table: what PostgreSQL has not taken yet, at most


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cycle collector: the rows hold no cycles, and with millions of live tuples its
    periodic full scans cost ~40% of generation time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def batch_sizes(total: int, chunk: int) -> Iterator[int]:
    done = 0
    while done < total:
        size = min(chunk, total - done)
        yield size
        done += size


_encoders: dict[str, Encoder] = {}


def encoder(table: str, columns: Sequence[tuple[str, str]]) -> Encoder:
    """The table's binary COPY encoder, compiled once per process."""
    if table not in _encoders:
        _encoders[table] = compile_encoder([kind for _, kind in columns])
    return _encoders[table]


async def copy_data(
    table: str, columns: Sequence[tuple[str, str]], records: list[Row]
) -> AsyncIterator[bytes]:
    """A whole binary COPY stream of `records`, as `copy_to_table` takes it."""
    yield encoder(table, columns)(records, HEADER) + TRAILER


async def truncate_if_empty(raw: RawConnection, table: str) -> None:
    """Truncate `table` in the current transaction (COPY FREEZE needs it), checking under lock that
    it is still empty: rows written since the load looked must not be lost."""
    await raw.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    if await raw.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table})"):
        raise RuntimeError(f"{table} received rows after the load started; nothing was loaded")
    await raw.execute(f"TRUNCATE {table}")


# -- worker processes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SliceInputs:
    """What every slice's generator needs besides its slice: the same in every process."""

    ctx: SeedContext
    remitentes: Remitentes
    seed: int
    until: datetime
    chunk: int


@dataclass
class SliceResult:
    rows: dict[str, int]
    overdue: int


def _add(counter: Synchronized[int], count: int) -> None:
    with counter.get_lock():
        counter.value += count


def _worker(inputs: SliceInputs, slice_: Slice, counter: Synchronized[int], pipe: Connection) -> None:
    """Entry point of a worker process: generate and encode one slice, send it down `pipe`."""
    try:
        with gc_paused():
            gen = RowGenerator(inputs.ctx, inputs.remitentes, slice_, inputs.seed, inputs.until)
            encoders = [
                (encoder(table, columns), bytes([tag])) for tag, (table, columns) in enumerate(BATCH_TABLES)
            ]
            rows = dict.fromkeys((table for table, _ in BATCH_TABLES), 0)
            for size in batch_sizes(slice_.documentos, inputs.chunk):
                for (table, _), (encode, tag), records in zip(
                    BATCH_TABLES, encoders, gen.batch(size), strict=True
                ):
                    if records:
                        pipe.send_bytes(encode(records, tag))
                        rows[table] += len(records)
                _add(counter, size)
            gen.check_id_range()
            pipe.send_bytes(bytes([_RESULT]) + pickle.dumps(SliceResult(rows, gen.overdue)))
    except BaseException:
        pipe.send_bytes(bytes([_ERROR]) + traceback.format_exc().encode())
    finally:
        pipe.close()


def _widen(pipe: Connection) -> None:
    """Give the pipe the largest buffer allowed (Linux: 1 MiB for anyone, 16x the default): a
    batch is megabytes, and with 64 KiB the worker and this process would wake each other up
    every 64 KiB of it."""
    with contextlib.suppress(OSError, AttributeError, ValueError):
        limit = int(Path("/proc/sys/fs/pipe-max-size").read_text())
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, limit)


def _receive(
    pipe: Connection,
    number: int,
    loop: asyncio.AbstractEventLoop,
    queues: list[Chunks],
    stop: threading.Event,
) -> SliceResult:
    """Hand a worker's messages to the tables' queues (waiting for room) until its result comes,
    or until `stop` is set."""
    while not stop.is_set():
        try:
            message = pipe.recv_bytes()
        except EOFError:
            raise RuntimeError(f"the process of slice {number} died without reporting") from None
        tag = message[0]
        if tag == _RESULT:
            result: SliceResult = pickle.loads(message[1:])  # our own child's
            return result
        if tag == _ERROR:
            raise RuntimeError(f"slice {number} failed:\n{message[1:].decode()}")
        handed = asyncio.run_coroutine_threadsafe(queues[tag].put(memoryview(message)[1:]), loop)
        while not stop.is_set():
            with contextlib.suppress(concurrent.futures.TimeoutError):
                handed.result(timeout=0.5)
                break
        else:
            handed.cancel()
    raise RuntimeError(f"slice {number}: the load stopped")


async def _stream(chunks: Chunks, producers: int) -> AsyncIterator[bytes | memoryview]:
    """A table's COPY data: the header, chunks as they come until every producer is done, the trailer."""
    yield HEADER
    while producers:
        chunk = await chunks.get()
        if chunk is None:
            producers -= 1
        else:
            yield chunk
    yield TRAILER


async def load_slices(
    engine: AsyncEngine,
    inputs: SliceInputs,
    slices: list[Slice],
    freeze: bool,
    rows: dict[str, int],
    progress: ProgressFn,
    remitentes_loaded: Awaitable[object],
) -> int:
    """Load every slice, one worker process each; returns how many documents are overdue.

    With `freeze`, each table is truncated (it is empty) and loaded with COPY FREEZE. The tables
    commit together at the end; on failure nothing of them is committed unless a commit failed.
    Documentos go in once `remitentes_loaded` is done: their busqueda trigger reads the senders.
    """
    mp_context = multiprocessing.get_context("spawn")  # forking a process with a running loop is unsafe
    counters = [mp_context.Value("q", 0) for _ in slices]
    pipes = [mp_context.Pipe(duplex=False) for _ in slices]
    for parent_end, _ in pipes:
        _widen(parent_end)
    processes = [
        mp_context.Process(
            target=_worker, args=(inputs, s, counters[s.number], pipes[s.number][1]), daemon=True
        )
        for s in slices
    ]
    queues: list[Chunks] = [asyncio.Queue(maxsize=_QUEUED_CHUNKS) for _ in BATCH_TABLES]
    meter = ProgressMeter(sum(s.documentos for s in slices), progress)
    loop = asyncio.get_running_loop()
    results: list[SliceResult] = []
    stop = threading.Event()  # tells the receiving threads to give up when the load fails

    async def receive(number: int) -> None:
        results.append(await asyncio.to_thread(_receive, pipes[number][0], number, loop, queues, stop))
        for chunks in queues:
            await chunks.put(None)

    async def report_progress() -> None:
        while True:
            await asyncio.sleep(1)
            meter.update(sum(c.value for c in counters))

    async def copy(raw: RawConnection, table: str, columns: Layout, chunks: Chunks) -> None:
        if table == "documentos":
            await remitentes_loaded
        await raw.copy_to_table(
            table,
            # memoryviews: asyncpg copies any buffer into its message
            source=cast("AsyncIterable[bytes]", _stream(chunks, len(slices))),
            columns=layout.names(columns),
            format="binary",
            freeze=freeze,
        )

    try:
        for process, (_, child_end) in zip(processes, pipes, strict=True):
            process.start()  # the workers start generating while the connections open
            child_end.close()  # the worker holds it now: its exit ends our reads
        async with contextlib.AsyncExitStack() as stack:
            raws = [
                await stack.enter_async_context(private_connection(engine, LOAD_SESSION))
                for _ in BATCH_TABLES
            ]
            for raw, (table, _) in zip(raws, BATCH_TABLES, strict=True):
                await raw.execute("BEGIN")
                if freeze:
                    await truncate_if_empty(raw, table)
            reporter = asyncio.create_task(report_progress())
            try:
                async with task_group() as group:
                    for raw, (table, columns), chunks in zip(raws, BATCH_TABLES, queues, strict=True):
                        group.create_task(copy(raw, table, columns, chunks))
                    for s in slices:
                        group.create_task(receive(s.number))
            finally:
                reporter.cancel()
            for raw in raws:
                await raw.execute("COMMIT")
    finally:
        stop.set()
        for process in processes:
            if process.is_alive():
                process.terminate()
            await asyncio.to_thread(process.join)
        for parent_end, _ in pipes:
            parent_end.close()
    meter.update(meter.total)
    for result in results:
        for table, count in result.rows.items():
            rows[table] = rows.get(table, 0) + count
    return sum(result.overdue for result in results)
