"""Admin performance endpoints: cache statistics and invalidation."""

from __future__ import annotations

import typing
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import AdminUser
from app.core.cache import get_cache
from app.core.errors import Forbidden, InvalidInput, Unauthorized, error_responses
from app.services.mesa_partes import caching

router = APIRouter(prefix="/admin", tags=["operations"])
Namespace = Literal["catalogos", "estadisticas", "documentos", "remitentes"]
assert set(typing.get_args(Namespace)) == set(caching.TODOS)


class CacheInvalidation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    namespaces: Annotated[list[Namespace], Field(max_length=len(caching.TODOS))] = Field(
        default_factory=list, description="Empty: every namespace."
    )


class CacheInvalidated(BaseModel):
    namespaces: list[str]
    keys_deleted: int


@router.get("/cache", responses=error_responses(Unauthorized, Forbidden))
async def cache_report(usuario: AdminUser) -> dict[str, Any]:
    """Backend in use, breaker state, and hits / misses / errors / fallbacks per namespace."""
    return get_cache().report()


@router.post(
    "/cache/invalidate",
    response_model=CacheInvalidated,
    responses=error_responses(Unauthorized, Forbidden, InvalidInput),
)
async def invalidate_cache(data: CacheInvalidation, usuario: AdminUser) -> CacheInvalidated:
    """Make the namespaces stale at once and free their keys (SCAN + UNLINK, never KEYS)."""
    namespaces: list[str] = sorted(set(data.namespaces)) or list(caching.TODOS)
    cache = get_cache()
    await cache.invalidate(*namespaces)
    deleted = 0
    for namespace in namespaces:
        deleted += await cache.delete_pattern(f"{namespace}:*")
    return CacheInvalidated(namespaces=namespaces, keys_deleted=deleted)
