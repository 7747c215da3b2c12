"""Running the service's async code from a Celery task (or a worker thread)."""

from __future__ import annotations

import asyncio
import contextvars
import signal
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from celery.exceptions import SoftTimeLimitExceeded

from app.core.database import Database, new_database, using_database
from app.core.task_queue import cancellation_reason

T = TypeVar("T")

# billiard's pool signals a soft time limit with SIGUSR1 and raises SoftTimeLimitExceeded from the
# handler, wherever the main thread happens to be: inside the event loop's select() it would escape
# the coroutine and leave it suspended on the thread's loop, to resume in the next task. While a
# task runs, the signal cancels its asyncio task instead, so its clean-up runs (a report records
# its error and leaves no file, a transaction rolls back); the cancellation is then raised to
# Celery as the SoftTimeLimitExceeded it was.
SOFT_LIMIT_SIGNAL = signal.SIGUSR1
SOFT_LIMIT_MESSAGE = "SoftTimeLimitExceeded: the task ran past its time limit"


class _ThreadRuntime:
    """An event loop and an engine kept by one thread between tasks: a pool child or a local task
    thread opens its connections once, not once per task."""

    def __init__(self) -> None:
        self.runner = asyncio.Runner()
        self.database: Database | None = None


_thread = threading.local()


async def interruptible(work: Callable[[], Awaitable[T]]) -> T:
    """Await `work`, cancelled by the soft time limit's signal (main thread of a pool child; an
    in-process run on a pool thread has no time limit and no signal)."""
    task = asyncio.current_task()
    if threading.current_thread() is not threading.main_thread() or task is None:
        return await work()
    loop = asyncio.get_running_loop()
    previous = signal.getsignal(SOFT_LIMIT_SIGNAL)
    loop.add_signal_handler(SOFT_LIMIT_SIGNAL, task.cancel, SOFT_LIMIT_MESSAGE)
    try:
        return await work()
    finally:
        loop.remove_signal_handler(SOFT_LIMIT_SIGNAL)
        signal.signal(SOFT_LIMIT_SIGNAL, previous if previous is not None else signal.SIG_DFL)


def run_async(work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` on this thread's own loop with this thread's own engine (asyncpg connections and
    the cache's Redis connections belong to the loop that opened them)."""
    runtime: _ThreadRuntime | None = getattr(_thread, "runtime", None)
    if runtime is None:
        runtime = _thread.runtime = _ThreadRuntime()

    async def main() -> T:
        if runtime.database is None:
            runtime.database = new_database()
        with using_database(runtime.database):
            return await interruptible(work)

    try:
        # In a copy of the thread's context as it is now (the task's log context, bound by
        # app.core.task_signals): the runner would otherwise run every task in the context it copied
        # at its first run, that is with the first task's request id.
        return runtime.runner.run(main(), context=contextvars.copy_context())
    except BaseException as exc:
        if cancellation_reason(exc) == SOFT_LIMIT_MESSAGE:
            raise SoftTimeLimitExceeded(SOFT_LIMIT_MESSAGE) from exc
        raise
