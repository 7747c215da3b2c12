"""Running the service's async code from a Celery task (or a worker thread)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from app.core.database import Database, new_database, using_database

T = TypeVar("T")


class _ThreadRuntime:
    """An event loop and an engine kept by one thread between tasks: a pool child or a local task
    thread opens its connections once, not once per task."""

    def __init__(self) -> None:
        self.runner = asyncio.Runner()
        self.database: Database | None = None


_thread = threading.local()


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
            return await work()

    return runtime.runner.run(main())
