"""Query monitoring: the request context, per-request statement accounting (middleware), and the
slow-query log.

Every statement is timed by the engine events in `app.core.database`, which hand it to the log
here with the engine to EXPLAIN it on (the database module imports this one, never the other way
round); one slower than `SLOW_QUERY_MS` is logged (`db.slow_query`, with its fingerprint, duration,
endpoint and request id) and aggregated by fingerprint in a bounded table; for the first
occurrence of a fingerprint and a sample of the later ones, its plan (EXPLAIN without ANALYZE, same
parameters) is captured in the background on another connection.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import itertools
import logging
import os
import random
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core import instruments
from app.core.config import get_settings
from app.core.logging import get_logger, log_context
from app.core.statements import count_statements

logger = logging.getLogger("app.db")
request_log = get_logger("app.http")


# ---- request context -------------------------------------------------------------------------------


@dataclass
class RequestContext:
    request_id: str
    method: str
    scope: Scope

    @property
    def route(self) -> str | None:
        """`/api/v1/documentos/{documento_id}` once routing matched (None before, or when no route
        matched), so that one endpoint is one label. The matched route's template is relative to
        its router: the request path supplies the prefix, the template the rest."""
        route = self.scope.get("route")
        template: str | None = getattr(route, "path", None)
        if not template:
            return None
        known = _route_labels.get(id(route))
        label = known[1] if known is not None and known[0] is route else None
        if label is None:
            path = str(self.scope.get("path", "?"))
            segments, tail = path.split("/"), template.split("/")
            if len(tail) <= len(segments):
                label = "/".join(segments[: len(segments) - len(tail) + 1]).rstrip("/") + template
            else:
                label = str(template)
            # A route object belongs to one router, mounted under one prefix: one label for good.
            if len(_route_labels) < 4096:
                _route_labels[id(route)] = (route, label)
        return label

    @property
    def endpoint(self) -> str:
        """`GET /api/v1/documentos/{documento_id}`; the raw path when no route matched."""
        return f"{self.method} {self.route or self.scope.get('path', '?')}"


current_request: ContextVar[RequestContext | None] = ContextVar("current_request", default=None)
# Routes are unhashable (they compare by value): by id, with the route kept to rule out a reused id.
_route_labels: dict[int, tuple[Any, str]] = {}
_capturing: ContextVar[bool] = ContextVar("capturing_plan", default=False)


# ---- fingerprints ------------------------------------------------------------------------------------

_STRING = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"(?<![\w$.])-?\d+(?:\.\d+)?\b")
_PARAM = re.compile(r"(?:\$\d+|%\(\w+\)s|\?)(?:::\w+(?:\[\])?)?")
_IN_LIST = re.compile(r"\bIN\s*\(\s*\?(?:\s*,\s*\?)*\s*\)", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def normalize_statement(statement: str) -> str:
    """The statement with literals and parameters as `?`, IN lists folded, spacing collapsed."""
    text = _STRING.sub("?", statement)
    text = _PARAM.sub("?", text)
    text = _NUMBER.sub("?", text)
    text = _IN_LIST.sub("IN (?, ...)", text)
    return _SPACE.sub(" ", text).strip()


def fingerprint(statement: str) -> str:
    return hashlib.blake2b(normalize_statement(statement).encode(), digest_size=8).hexdigest()


# ---- slow-query log ------------------------------------------------------------------------------------


@dataclass
class SlowStatement:
    fingerprint: str
    statement: str  # normalized
    count: int = 0
    total_ms: float = 0.0
    max_ms: float = 0.0
    last_ms: float = 0.0
    last_seen: float = 0.0
    last_endpoint: str | None = None
    last_request_id: str | None = None
    plan: Any = None
    plan_attempted_at: float | None = None

    @property
    def mean_ms(self) -> float:
        return self.total_ms / self.count if self.count else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "statement": self.statement,
            "count": self.count,
            "total_ms": round(self.total_ms, 2),
            "mean_ms": round(self.mean_ms, 2),
            "max_ms": round(self.max_ms, 2),
            "last_ms": round(self.last_ms, 2),
            "last_seen": self.last_seen,
            "last_endpoint": self.last_endpoint,
            "last_request_id": self.last_request_id,
            "plan": self.plan,
        }


_EXPLAINABLE = ("SELECT", "WITH", "INSERT", "UPDATE", "DELETE")


@dataclass
class SlowQueryLog:
    """Slow statements aggregated by fingerprint; the least recently seen go when it is full."""

    entries: OrderedDict[str, SlowStatement] = field(default_factory=OrderedDict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def observe(
        self,
        statement: str,
        parameters: Any,
        seconds: float,
        *,
        executemany: bool = False,
        plan_engine: Callable[[], AsyncEngine] | None = None,
    ) -> None:
        """Record a statement that took `seconds`; `plan_engine` gives the engine to EXPLAIN it on
        (without one, no plan is captured)."""
        if _capturing.get():
            return  # the plan capture's own EXPLAIN
        settings = get_settings()
        duration_ms = seconds * 1000
        if duration_ms < settings.slow_query_ms:
            return
        normalized = normalize_statement(statement)
        key = hashlib.blake2b(normalized.encode(), digest_size=8).hexdigest()
        entry = self.entries.get(key)
        if entry is None:
            entry = self.entries[key] = SlowStatement(key, normalized)
            while len(self.entries) > settings.slow_query_max_fingerprints:
                self.entries.popitem(last=False)
        self.entries.move_to_end(key)
        context = current_request.get()
        entry.count += 1
        entry.total_ms += duration_ms
        entry.max_ms = max(entry.max_ms, duration_ms)
        entry.last_ms = duration_ms
        entry.last_seen = time.time()
        entry.last_endpoint = context.endpoint if context else None
        entry.last_request_id = context.request_id if context else None
        logger.warning(
            "db.slow_query fingerprint=%s duration_ms=%.1f endpoint=%r request_id=%s statement=%r",
            key,
            duration_ms,
            entry.last_endpoint,
            entry.last_request_id,
            normalized[:300],
        )
        wanted = entry.plan_attempted_at is None or random.random() < settings.slow_query_plan_sample
        explainable = statement.lstrip()[:6].upper().startswith(_EXPLAINABLE)
        # One capture at a time, and at most one attempt per fingerprint unless sampled again: a
        # slow database must not be asked for plans faster than it answers queries.
        if plan_engine is not None and wanted and explainable and not executemany and not self._tasks:
            self._capture_plan(entry, statement, parameters, plan_engine)

    def _capture_plan(
        self, entry: SlowStatement, statement: str, parameters: Any, plan_engine: Callable[[], AsyncEngine]
    ) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # a synchronous caller (the bulk loader's helpers): no plan
        # The engine of this loop (a task thread has its own: asyncpg connections belong to the loop
        # that opened them), taken here, since the capture runs in an empty context so that its
        # EXPLAIN is not counted in the request's statements.
        engine = plan_engine()
        if not _pool_has_room(engine.pool):
            # Every connection busy: the capture would wait for one with the requests (a slow
            # statement is often a sign of overload), or take it from them. A later occurrence may.
            return
        entry.plan_attempted_at = time.time()  # attempted: a failure is not retried on every run
        task = loop.create_task(
            _explain_in_background(engine, entry, statement, parameters), context=contextvars.Context()
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def report(self) -> list[dict[str, Any]]:
        return [entry.as_dict() for entry in sorted(self.entries.values(), key=lambda e: -e.total_ms)]

    def clear(self) -> None:
        self.entries.clear()


def _pool_has_room(pool: Any) -> bool:
    """Whether `pool` can hand out a connection now, idle or new, without waiting."""
    try:
        size, checked_out, overflow = pool.size(), pool.checkedout(), pool._max_overflow
    except AttributeError:
        return True  # a pool without those counts (NullPool, StaticPool) does not queue
    return bool(overflow < 0 or checked_out < size + overflow)


async def _explain_in_background(
    engine: AsyncEngine, entry: SlowStatement, statement: str, parameters: Any
) -> None:
    """EXPLAIN (no ANALYZE: nothing runs twice) of the slow statement with its own parameters."""
    _capturing.set(True)
    try:
        async with engine.connect() as conn:
            # A prepared statement's parameters come as asyncpg's positional list; as a list,
            # exec_driver_sql would take them for an executemany.
            values = tuple(parameters) if isinstance(parameters, list) else parameters
            result = await conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", values)
            entry.plan = result.scalar_one()
    except Exception as exc:
        logger.info("db.slow_query.plan_failed fingerprint=%s error=%r", entry.fingerprint, exc)


slow_queries = SlowQueryLog()


# ---- per-request accounting ------------------------------------------------------------------------------


class QueryMonitoringMiddleware:
    """Per request: the request id (bound to every log line of the request), the statements run and
    their time. Adds `Server-Timing` always and `X-Query-Count` when `QUERY_COUNT_HEADER` is on; warns
    above `QUERY_COUNT_WARN` statements; records the request's latency and statement count for
    Prometheus and logs `request.finished`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = get_settings()
        request_id = _request_id_of(scope) or _new_request_id()
        context = RequestContext(request_id, scope.get("method", "?"), scope)
        token = current_request.set(context)
        started = time.perf_counter()
        status: int | None = None
        with count_statements() as stats, log_context(request_id=request_id):

            async def send_with_timing(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    total_ms = (time.perf_counter() - started) * 1000
                    # The statement count only when asked for: on public endpoints it would tell
                    # apart requests that answer the same (an existing number with a wrong code).
                    count = f';desc="{stats.count} queries"' if settings.query_count_header else ""
                    timing = f"db;dur={stats.seconds * 1000:.1f}{count}, app;dur={total_ms:.1f}"
                    extra = [(b"x-request-id", request_id.encode()), (b"server-timing", timing.encode())]
                    if settings.query_count_header:
                        extra.append((b"x-query-count", str(stats.count).encode()))
                    message["headers"] = [*message.get("headers", []), *extra]
                    if stats.count > settings.query_count_warn:
                        logger.warning(
                            "db.many_queries endpoint=%r request_id=%s statements=%d db_ms=%.1f",
                            context.endpoint,
                            request_id,
                            stats.count,
                            stats.seconds * 1000,
                        )
                await send(message)

            try:
                await self.app(scope, receive, send_with_timing)
            except asyncio.CancelledError:
                status = status or 499  # the client went away before the response (nginx's code)
                raise
            except Exception:
                logger.exception("request.failed endpoint=%r request_id=%s", context.endpoint, request_id)
                raise
            finally:
                current_request.reset(token)
                # No response started: the server answers 500 for the failed app.
                elapsed = time.perf_counter() - started
                _finished(context, status or 500, elapsed, stats.count, stats.seconds)


# Probes and scrapes arrive every few seconds: their lines would drown the requests' at INFO.
_QUIET_ROUTES = frozenset({"/livez", "/readyz", "/health", "/metrics"})


def _finished(
    context: RequestContext, status: int, seconds: float, statements: int, db_seconds: float
) -> None:
    # A path no route matched is one label, not one per path a scanner tries.
    endpoint = context.route or "<unmatched>"
    instruments.HTTP_REQUEST_DURATION.labels(context.method, endpoint, str(status)).observe(seconds)
    instruments.HTTP_REQUEST_STATEMENTS.labels(context.method, endpoint).observe(statements)
    request_log.log(
        logging.DEBUG if endpoint in _QUIET_ROUTES else logging.INFO,
        "request.finished",
        method=context.method,
        endpoint=endpoint,
        path=context.scope.get("path"),
        status=status,
        duration_ms=round(seconds * 1000, 1),
        statements=statements,
        db_ms=round(db_seconds * 1000, 1),
    )


_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}")


def _request_id_of(scope: Scope) -> str | None:
    """A caller's X-Request-ID, kept only when it cannot forge log lines or headers."""
    for name, value in scope.get("headers") or ():
        if name == b"x-request-id":
            return value.decode() if _REQUEST_ID.fullmatch(value) else None
    return None


class _RequestIds:
    """32 hex digits like a uuid4's, unique without asking the OS for randomness per request: 80
    random bits per process (drawn again in a forked child) and a 48-bit counter. uuid4 was a
    tenth of the middleware's CPU."""

    def __init__(self) -> None:
        self.reseed()

    def reseed(self) -> None:
        self.prefix = os.urandom(10).hex()
        self.counter = itertools.count(1)

    def __call__(self) -> str:
        return f"{self.prefix}{next(self.counter) & 0xFFFFFFFFFFFF:012x}"


_new_request_id = _RequestIds()
os.register_at_fork(after_in_child=_new_request_id.reseed)
