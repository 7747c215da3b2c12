"""Running checks one after the other, each within its own time limit.

A check is a coroutine that returns what it found (the detail of a ✅), raises `CheckFailed` with
the reason of a ❌, or raises `Skipped` when there is nothing to check here (a ✅ that says so). A
check that needs something another check provides (a reachable database, a broker) names it in
`needs`: when that is missing it fails at once, naming what it missed, instead of waiting for its
own time limit against a dead service.

A hung service must never hang the run. Coroutines are cancelled at their limit, and a check that
does not even end when cancelled is left behind; blocking calls (Celery's control API, starting the
embedded PostgreSQL) run through `in_thread`, on daemon threads that the interpreter does not wait
for at exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

# How long a cancelled check may take to end before it is left behind.
CANCEL_GRACE_S = 2.0


class CheckFailed(Exception):
    """The check's ❌, with the reason a person reads."""


class Skipped(Exception):
    """Nothing to check here (not configured, no data yet): a ✅ that says why."""


@dataclass
class Context:
    """What the checks of one run share: options and what earlier checks made available."""

    available: set[str] = field(default_factory=set)
    timeout_scale: float = 1.0
    options: dict[str, Any] = field(default_factory=dict)
    limit_s: float = 0.0  # the running check's own time limit, to bound the waits inside it


CheckFn = Callable[[Context], Awaitable[str]]


@dataclass(frozen=True)
class Check:
    name: str  # a stable English id: scripts and tests match on it
    run: CheckFn
    timeout_s: float
    needs: tuple[str, ...] = ()
    provides: str | None = None  # made available to later checks when this one passes

    def limit_s(self, context: Context) -> float:
        return self.timeout_s * context.timeout_scale


@dataclass
class Result:
    name: str
    ok: bool
    detail: str
    seconds: float = 0.0
    skipped: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


def _format_limit(seconds: float) -> str:
    return f"{seconds:g}" if seconds >= 1 else f"{seconds:.2g}"


async def run_check(check: Check, context: Context) -> Result:
    missing = [need for need in check.needs if need not in context.available]
    if missing:
        return Result(check.name, False, f"not run: {', '.join(missing)} not available (see above)")
    limit = context.limit_s = check.limit_s(context)
    started = time.monotonic()
    task = asyncio.ensure_future(check.run(context))
    done, _ = await asyncio.wait({task}, timeout=limit)
    seconds = time.monotonic() - started
    if not done:
        task.cancel()
        # Give it a moment to end (closing a connection); a check stuck even then is left behind.
        await asyncio.wait({task}, timeout=CANCEL_GRACE_S)
        return Result(check.name, False, f"timeout after {_format_limit(limit)} s", seconds)
    try:
        detail = task.result()
    except Skipped as exc:
        result = Result(check.name, True, f"skipped: {exc}", seconds, skipped=True)
    except CheckFailed as exc:
        result = Result(check.name, False, str(exc), seconds)
    except Exception as exc:
        result = Result(check.name, False, describe_error(exc), seconds)
    else:
        result = Result(check.name, True, detail, seconds)
    if result.ok and check.provides and not result.skipped:
        context.available.add(check.provides)
    return result


async def run_checks(checks: Sequence[Check], context: Context) -> list[Result]:
    """Each check in order, within its limit (they share services, so never two at once)."""
    return [await run_check(check, context) for check in checks]


def describe_error(exc: BaseException) -> str:
    """One line: the exception's type and the first line of its message."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


async def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` on a daemon thread of its own. Unlike `asyncio.to_thread`, a call that never
    returns is abandoned when the awaiting check times out: the executor's threads would be
    joined at exit, and one hung call would hang the script."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def deliver(setter: Callable[[Any], None], outcome: Any) -> None:
        def settle() -> None:
            if not future.done():  # cancelled meanwhile: nobody wants the answer
                setter(outcome)

        # A closed loop: the run ended without this answer.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle)

    def target() -> None:
        try:
            value = fn(*args)
        except BaseException as exc:
            deliver(future.set_exception, exc)
        else:
            deliver(future.set_result, value)

    threading.Thread(target=target, name=f"verify-{getattr(fn, '__name__', 'call')}", daemon=True).start()
    return await future
