"""Running the service's async code from a Celery task (or a worker thread)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from app.core.cache import get_cache
from app.core.database import own_database

T = TypeVar("T")


def run_async(work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` on a loop of its own, with an engine of its own, closing both at the end."""

    async def main() -> T:
        async with own_database():
            try:
                return await work()
            finally:
                await get_cache().close()

    return asyncio.run(main())
