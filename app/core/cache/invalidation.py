"""Invalidation tied to a unit of work: the namespaces a write makes stale are bumped after its
transaction commits (before its response is sent), and forgotten if it rolls back."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.cache.service import get_cache
from app.core.database import after_commit


def invalidate_after_commit(session: AsyncSession, *namespaces: str) -> None:
    """Invalidate `namespaces` once the session's transaction commits (dropped on rollback)."""
    pending: set[str] | None = session.info.get("cache.invalidate")
    if pending is None:
        pending = session.info["cache.invalidate"] = set()
        to_invalidate = pending

        async def run() -> None:
            await get_cache().invalidate(*sorted(to_invalidate))

        after_commit(session, run)
    pending.update(namespaces)
