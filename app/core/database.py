"""The one engine and session factory; the engine's events time every statement for the
per-context accounting (`app.core.statements`) and the slow-query log (`app.core.query_monitor`).

Requests and tasks commit at their boundary (`session_scope`); services only `flush()`.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import Any

import asyncpg
from sqlalchemy import Executable, Result, event
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.engine import Connection, ExecutionContext
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry, QueuePool

from app.core import instruments
from app.core.config import Settings, get_settings
from app.core.embedded_pg import resolve_database_url
from app.core.query_monitor import slow_queries

# Statement accounting lives in app.core.statements; these names stay importable from here.
from app.core.statements import StatementStats as StatementStats
from app.core.statements import count_statements as count_statements
from app.core.statements import record_statement

logger = logging.getLogger("app.database")


def _before_cursor_execute(
    conn: Connection,
    cursor: Any,
    statement: str,
    parameters: Any,
    context: ExecutionContext,
    executemany: bool,
) -> None:
    conn.info.setdefault("query_start", []).append(time.perf_counter())


def _after_cursor_execute(
    conn: Connection,
    cursor: Any,
    statement: str,
    parameters: Any,
    context: ExecutionContext,
    executemany: bool,
) -> None:
    seconds = time.perf_counter() - conn.info["query_start"].pop()
    record_statement(statement, seconds)
    slow_queries.observe(statement, parameters, seconds, executemany=executemany, plan_engine=_current_engine)


def _forget_failed_statement(context: Any) -> None:
    connection = context.connection
    if connection is not None and connection.info.get("query_start"):
        connection.info["query_start"].pop()


def _broken_is_disconnect(context: Any) -> None:
    """A connection that asyncpg reports broken is a disconnect for SQLAlchemy too: the connection
    is invalidated, not pooled again, and the error says so (`connection_invalidated`, which the API
    answers 503 for). SQLAlchemy's own test asks only whether the socket is closed, and a connection
    whose server sent its last message before closing is not yet ("another operation is in
    progress")."""
    if not context.is_disconnect and connection_broken(context.original_exception):
        context.is_disconnect = True


class MeteredPool(AsyncAdaptedQueuePool):
    """The default pool of an async engine, publishing its state to the pool gauges after every
    checkout and return. SQLAlchemy has no event before a checkout, so "waiting" is counted here, around
    the pool's own `_do_get` (the method a Pool implementation provides): callers inside it wait for a
    free connection, or for a new one to connect (overflow)."""

    # SQLAlchemy names a pool's logger after its class: keep the name (and the WARN level) of the pool
    # this one extends, instead of a logger under `app` that would print every dispose at INFO.
    _sqla_logger_namespace = "sqlalchemy.pool.impl.AsyncAdaptedQueuePool"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.waiting = 0  # one pool serves one event loop (asyncpg), so no lock
        with _pools_lock:
            _live_pools.add(self)
        refresh_pool_gauges()

    def _do_get(self) -> ConnectionPoolEntry:
        self.waiting += 1
        refresh_pool_gauges()
        try:
            return super()._do_get()
        finally:
            self.waiting -= 1
            refresh_pool_gauges()

    def _do_return_conn(self, record: ConnectionPoolEntry) -> None:
        try:
            super()._do_return_conn(record)
        finally:
            refresh_pool_gauges()

    def recreate(self) -> QueuePool:
        # Engine.dispose() replaces the pool (also with close=False, in a forked child whose old pool
        # still counts its parent's connections): the old one stops counting.
        with _pools_lock:
            _live_pools.discard(self)
        return super().recreate()


# Every pool of this process: the API's, and one per thread that runs tasks (app.core.task_runtime).
_live_pools: weakref.WeakSet[MeteredPool] = weakref.WeakSet()
_pools_lock = threading.Lock()


def refresh_pool_gauges() -> None:
    """Set the pool gauges to the sum over this process's live pools (several threads may call it; a
    reading is at worst one checkout behind, and the next one corrects it)."""
    with _pools_lock:
        pools = list(_live_pools)
    instruments.DB_POOL_SIZE.set(sum(pool.size() for pool in pools))
    instruments.DB_POOL_CHECKED_OUT.set(sum(pool.checkedout() for pool in pools))
    instruments.DB_POOL_OVERFLOW.set(sum(max(0, pool.overflow()) for pool in pools))
    instruments.DB_POOL_WAITING.set(sum(pool.waiting for pool in pools))


def build_engine(
    settings: Settings | None = None, url: str | None = None, pool_timeout_s: float | None = None
) -> AsyncEngine:
    """The engine; `pool_timeout_s` (default DB_POOL_TIMEOUT_S, the requests' wait) bounds the wait
    for a pooled connection."""
    settings = settings or get_settings()
    database_url = url or resolve_database_url(settings.database_url, settings.data_dir)
    engine = create_async_engine(
        database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_s if pool_timeout_s is None else pool_timeout_s,
        pool_recycle=settings.db_pool_recycle_s,
        pool_pre_ping=False,
        poolclass=MeteredPool,
        echo=settings.db_echo,
        connect_args={
            "timeout": settings.db_connect_timeout_s,
            "server_settings": {
                "statement_timeout": str(settings.db_statement_timeout_ms),
                # A safety net: no code path should leave a transaction idle (the uploads hold no
                # session while a body streams), but if one does the server ends it.
                "idle_in_transaction_session_timeout": str(settings.db_idle_in_transaction_timeout_ms),
                "application_name": settings.app_name,
                # current_date and month grouping follow the office's calendar; asyncpg still
                # returns aware datetimes, so Python code is unaffected.
                "timezone": settings.timezone,
                **({"synchronous_commit": "off"} if settings.db_async_commit else {}),
            },
        },
    )
    event.listen(engine.sync_engine, "before_cursor_execute", _before_cursor_execute)
    event.listen(engine.sync_engine, "after_cursor_execute", _after_cursor_execute)
    event.listen(engine.sync_engine, "handle_error", _forget_failed_statement)
    event.listen(engine.sync_engine, "handle_error", _broken_is_disconnect)
    event.listen(engine.sync_engine, "do_connect", _connect)
    return engine


class DatabaseUnreachable(ConnectionError):
    """The database cannot be reached, or the connection to it broke in the middle of a request.
    Raised for what SQLAlchemy does not wrap: a connect's OS error that is not a ConnectionError
    (the server's Unix socket gone while PostgreSQL restarts, no route, an unknown host name), and
    a broken connection met by asyncpg called directly (`fetch_prepared_on`,
    `transaction_connection`). As a ConnectionError it is what the API answers 503 with Retry-After
    for (app/core/errors.py), not a 500."""


# asyncpg's errors that leave a connection unusable: closed, its protocol stuck mid-message (the
# server sent a FATAL error, e.g. at a restart, and closed the socket: "another operation is in
# progress"), SQLSTATE 08 (connection exception) or 57P01-57P03 (the server is shutting down or
# starting); not a statement timeout (57014), after which the connection is fine.
_BROKEN = (
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    OSError,
)


# Subclasses of those that leave the connection fine: a value the client could not bind (DataError,
# a ValueError), a cached plan that PostgreSQL invalidated.
_NOT_BROKEN = (ValueError, asyncpg.OutdatedSchemaCacheError)


def connection_broken(exc: BaseException) -> bool:
    """Whether `exc`, raised by asyncpg called directly (or by SQLAlchemy's adapter, which raises its
    own type with asyncpg's error as the cause), leaves its connection unusable."""
    return any(
        isinstance(error, _BROKEN) and not isinstance(error, _NOT_BROKEN) for error in (exc, exc.__cause__)
    )


def _connect(dialect: Any, record: Any, cargs: Any, cparams: Any) -> Any:
    try:
        return dialect.connect(*cargs, **cparams)
    except OSError as exc:
        if isinstance(exc, ConnectionError | TimeoutError):
            raise
        raise DatabaseUnreachable(f"cannot connect to the database: {exc!r}") from exc


class Database:
    """Holds the engine and the session factory; built lazily so that imports stay side-effect free."""

    def __init__(self, url: str | None = None, pool_timeout_s: float | None = None) -> None:
        self._url = url
        self._pool_timeout_s = pool_timeout_s
        self._engine: AsyncEngine | None = None
        self._sessionmaker: async_sessionmaker[AsyncSession] | None = None

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            self._engine = build_engine(url=self._url, pool_timeout_s=self._pool_timeout_s)
            self._sessionmaker = async_sessionmaker(self._engine, expire_on_commit=False, autoflush=False)
        return self._engine

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        self.engine  # noqa: B018 - builds the engine and the factory on first use
        assert self._sessionmaker is not None
        return self._sessionmaker

    def forget(self) -> None:
        """In a forked child: drop the parent's pool without closing its connections (they are the
        parent's sockets); the next use builds a new engine."""
        if self._engine is not None:
            self._engine.sync_engine.dispose(close=False)
        self._engine = None
        self._sessionmaker = None

    async def dispose(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
        self._engine = None
        self._sessionmaker = None


db = Database()
# Code that runs its own event loop (a task in a worker thread) gets its own engine: asyncpg
# connections belong to the loop that opened them.
_task_database: ContextVar[Database | None] = ContextVar("task_database", default=None)


def current_database() -> Database:
    return _task_database.get() or db


def _current_engine() -> AsyncEngine:
    """Where the slow-query log runs its EXPLAIN: the engine of this loop (a task thread has its
    own, since asyncpg connections belong to the loop that opened them)."""
    return current_database().engine


def new_database() -> Database:
    """Another engine on the database this process uses (for code running its own event loop)."""
    # The URL the process already resolved (the embedded server is started once per process). A
    # task may wait longer for a connection than a request, whose client is waiting.
    url = db.engine.url.render_as_string(hide_password=False)
    return Database(url, pool_timeout_s=get_settings().db_task_pool_timeout_s)


@contextmanager
def using_database(database: Database) -> Iterator[Database]:
    """`session_scope()` inside the block uses `database`."""
    token = _task_database.set(database)
    try:
        yield database
    finally:
        _task_database.reset(token)


@asynccontextmanager
async def own_database() -> AsyncIterator[Database]:
    """A database (engine + session factory) for the current event loop only, disposed at the end;
    `session_scope()` inside the block uses it."""
    database = new_database()
    try:
        with using_database(database):
            yield database
    finally:
        await database.dispose()


_ASYNCPG = PGDialect_asyncpg()  # type: ignore[no-untyped-call]


class Prepared:
    """A select compiled once, where it is defined, into asyncpg's SQL and parameter order.

    `fetch_prepared` runs it on the session's connection (in its transaction) straight through
    asyncpg, which keeps it prepared per connection: none of SQLAlchemy's per-execution work (the
    compiled-cache lookup, result adaptation, greenlet switches), a third of the CPU of a detail or
    a public tracking request (docs/performance.md, "The hot paths"). Only for statements built
    once (module constants, or cached per role and area); rows come back as asyncpg gives them, so
    the columns must need no SQLAlchemy result processing (enums read as text, no JSON)."""

    __slots__ = ("defaults", "names", "sql")

    def __init__(self, statement: Executable) -> None:
        # Literal IN lists (`app.core.sql.in_literal`) are written into the text now, so that the
        # text is final; a bound expanding IN could not be (its length varies per execution).
        compiled = statement.compile(  # type: ignore[attr-defined]
            dialect=_ASYNCPG, compile_kwargs={"render_postcompile": True}
        )
        if "POSTCOMPILE" in compiled.string:
            raise ValueError("an expanding IN cannot be prepared once: use fetch_rows")
        self.sql: str = compiled.string
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ())
        self.defaults: dict[str, Any] = dict(compiled.params)


async def fetch_prepared(
    session: AsyncSession, prepared: Prepared, **parameters: Any
) -> Sequence[Sequence[Any]]:
    """The rows of `prepared` with `parameters`, counted and timed like every other statement. On a
    session that has run nothing through SQLAlchemy yet it runs in autocommit: for reads (writes
    take `transaction_connection`)."""
    connection = await session.connection()
    fairy = await connection.get_raw_connection()
    try:
        return await fetch_prepared_on(fairy.driver_connection, prepared, **parameters)
    except DatabaseUnreachable as exc:
        # Outside a transaction nothing else would tell the pool: the dead connection would go back.
        await connection.invalidate(exc)
        raise


async def fetch_rows(session: AsyncSession, query: Executable, **parameters: Any) -> Sequence[Sequence[Any]]:
    """The rows of a column select, run on the session's connection (in its transaction) as plain
    SQL: through the session itself, a select of mapped columns goes through the ORM's result
    machinery, a third of the cost of reading a page of 100 rows that need none of it."""
    connection = await session.connection()
    result: Result[Any] = await connection.execute(query, parameters)
    return result.all()


_AFTER_COMMIT = "after_commit"


def after_commit(session: AsyncSession, callback: Callable[[], Awaitable[None]]) -> None:
    """Run `callback` once the unit of work commits (cache invalidation, enqueueing a task);
    a rollback drops it."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


async def _run_after_commit(session: AsyncSession) -> None:
    for callback in session.info.pop(_AFTER_COMMIT, []):
        try:
            await callback()
        except Exception:
            # The data is committed: a failed side effect is logged, it cannot undo the request.
            logger.exception("after_commit.failed callback=%r", callback)


@asynccontextmanager
async def session_scope() -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any error, then run the commit hooks."""
    async with current_database().sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            session.info.pop(_AFTER_COMMIT, None)
            await session.rollback()
            raise
        await _run_after_commit(session)


async def get_session() -> AsyncIterator[AsyncSession]:
    """FastAPI dependency: the request's unit of work."""
    async with session_scope() as session:
        yield session


async def transaction_connection(session: AsyncSession) -> Any:
    """The asyncpg connection of the session's unit of work, its transaction begun, for
    `fetch_prepared_on` (several statements, one lookup: getting it through the session costs
    ~30 µs each time). SQLAlchemy's asyncpg adapter sends BEGIN lazily, with its first statement;
    asyncpg called directly would otherwise run in autocommit, outside the unit of work (its row
    locks released at once, its rows kept on a rollback). Valid until the session commits or rolls
    back."""
    connection = await session.connection()
    fairy = await connection.get_raw_connection()
    adapted: Any = fairy.dbapi_connection
    if adapted._transaction is None:
        # What the adapter does before its own first statement (isolation, read-only, deferrable).
        async with adapted._execute_mutex:
            if adapted._transaction is None:
                try:
                    await adapted._start_transaction()
                except Exception as exc:
                    # The adapter's own error type, unknown to the error handlers; and with no
                    # transaction begun, the rollback would not find the connection dead either.
                    if not connection_broken(exc):
                        raise
                    await connection.invalidate(exc)
                    raise DatabaseUnreachable(f"the database connection broke: {exc!r}") from exc
    return fairy.driver_connection


async def fetch_prepared_on(
    connection: Any, prepared: Prepared, **parameters: Any
) -> Sequence[Sequence[Any]]:
    """The rows of `prepared` on `connection` (from `transaction_connection`), counted and timed
    like every other statement: `fetch_prepared` in the unit of work's transaction, for a write or
    a read that must see the unit's own writes."""
    values = [parameters[n] if n in parameters else prepared.defaults[n] for n in prepared.names]
    started = time.perf_counter()
    try:
        rows: Sequence[Sequence[Any]] = await connection.fetch(prepared.sql, *values)
    except Exception as exc:
        if not connection_broken(exc):
            raise
        # Closed now, so that SQLAlchemy's rollback finds it closed and the pool drops it: a
        # connection whose server went away can still look open (asyncpg waiting for the rest of
        # the server's last message) and would fail the next request that got it.
        connection.terminate()
        raise DatabaseUnreachable(f"the database connection broke: {exc!r}") from exc
    seconds = time.perf_counter() - started
    record_statement(prepared.sql, seconds)
    slow_queries.observe(prepared.sql, values, seconds, executemany=False, plan_engine=_current_engine)
    return rows


def after_commit_batch(
    session: AsyncSession, key: str, item: Any, run: Callable[[list[Any]], Awaitable[None]]
) -> None:
    """Add `item` to this unit of work's batch `key`; the batch's first item registers one
    after-commit callback, `run(items)` with all of them (one broker round for every task of a
    request instead of one each). A rollback drops the batch with the other callbacks."""
    callbacks: list[Callable[[], Awaitable[None]]] = session.info.setdefault(_AFTER_COMMIT, [])
    batch: tuple[list[Any], Callable[[], Awaitable[None]]] | None = session.info.get(key)
    # A batch whose callback already ran (or was dropped by a rollback) is not this unit's.
    if batch is None or not any(callback is batch[1] for callback in callbacks):
        items: list[Any] = []

        async def run_batch() -> None:
            await run(items)

        batch = session.info[key] = (items, run_batch)
        callbacks.append(run_batch)
    batch[0].append(item)
