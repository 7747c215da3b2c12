"""Connection plumbing shared by the loader and the schema rebuild."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, TypeAlias, cast

import asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

if TYPE_CHECKING:
    RawConnection: TypeAlias = asyncpg.Connection[asyncpg.Record]

# The app's 30 s statement timeout would cut index builds and big updates short.
NO_LIMITS = "SET statement_timeout = 0; SET maintenance_work_mem = '1GB'"
# The COPY and rebuild sessions commit without waiting for their WAL to reach the disk (an index
# build's commit would wait for the flush of the whole index): `make_durable` flushes everything
# at the end of the load, before it reports success. Their rows are not visible to anyone but
# the load until then anyway, and a crash before it leaves a load to be repeated.
LOAD_SESSION = NO_LIMITS + "; SET synchronous_commit = off"


async def make_durable(raw: RawConnection) -> None:
    """Flush every WAL record written so far (the load's asynchronous commits included) to disk.

    A commit with a transaction id, under the cluster's own synchronous_commit (this session's is
    not changed), waits until the WAL up to its commit record is flushed, and the WAL is one
    sequence: what any session committed before it is durable when it returns. Then a CHECKPOINT
    (for roles allowed to) writes the pages, so that a crash does not replay the load's WAL.
    """
    async with raw.transaction():
        await raw.execute("SELECT pg_current_xact_id()")
    with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
        await raw.execute("CHECKPOINT")


async def skip_wal_zero_fill(raw: RawConnection) -> None:
    """Let this session create new WAL segments without writing them full of zeros first.

    A load writes ~9 GB of WAL; on a cluster that has not yet grown its WAL to max_wal_size, every
    segment is new, and zero-filling them doubled the writes and kept the COPY backends waiting
    on them. Only how a segment's file is allocated changes (sparse, then written): WAL is written
    and fsynced at commit as before. A session setting for superusers (or roles granted it); for
    others it stays on.
    """
    with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
        await raw.execute("SET wal_init_zero = off")


async def raw_connection(conn: AsyncConnection) -> RawConnection:
    fairy = await conn.get_raw_connection()
    return cast("RawConnection", fairy.driver_connection)


@contextlib.asynccontextmanager
async def private_connection(engine: AsyncEngine, settings: str) -> AsyncIterator[RawConnection]:
    """A connection with session `settings`, closed afterwards rather than returned to the pool,
    where its settings (and any codec set on it) would leak into the app's sessions."""
    async with engine.connect() as conn:
        try:
            raw = await raw_connection(conn)
            await raw.execute(settings)
            await skip_wal_zero_fill(raw)
            yield raw
        finally:
            await conn.invalidate()


@contextlib.asynccontextmanager
async def task_group() -> AsyncIterator[asyncio.TaskGroup]:
    """A TaskGroup that raises its only error as itself rather than wrapped in an ExceptionGroup."""
    try:
        async with asyncio.TaskGroup() as group:
            yield group
    except BaseExceptionGroup as errors:
        first: BaseException = errors
        while isinstance(first, BaseExceptionGroup) and len(first.exceptions) == 1:
            first = first.exceptions[0]
        raise first from None
