"""Admin performance endpoints: cache statistics and invalidation, slow queries, the index report,
and EXPLAIN of a named query (from an allow-list: never SQL text from the client)."""

from __future__ import annotations

import typing
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from app import cache_policy
from app.core.cache import get_cache
from app.core.dependencies import SessionDep
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized, error_responses
from app.core.query_monitor import slow_queries
from app.core.query_optimizer import QueryOptimizer
from app.core.routing import PrefixRouter
from app.ops.named_queries import NAMED_QUERIES, muestra
from app.usuarios.dependencies import AdminUser

router = PrefixRouter(prefix="/admin", tags=["operación"])
Namespace = Literal["catalogos", "estadisticas", "documentos", "remitentes", "usuarios"]
assert set(typing.get_args(Namespace)) == set(cache_policy.TODOS)


class CacheInvalidation(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"namespaces": ["catalogos"]}]})
    namespaces: Annotated[list[Namespace], Field(max_length=len(cache_policy.TODOS))] = Field(
        default_factory=list, description="Vacía: todos los espacios de nombres."
    )


class CacheInvalidated(BaseModel):
    namespaces: list[str]
    keys_deleted: int


@router.get(
    "/cache",
    responses=error_responses(Unauthorized, Forbidden),
    operation_id="consultar_cache",
    summary="Ver el estado de la caché",
    description="Solo administradores: el almacén en uso, el estado del cortacircuitos y los aciertos, "
    "fallos, errores y respaldos de cada espacio de nombres.",
)
async def cache_report(usuario: AdminUser) -> dict[str, Any]:
    """Backend in use, breaker state, and hits / misses / errors / fallbacks per namespace."""
    return get_cache().report()


@router.post(
    "/cache/invalidate",
    response_model=CacheInvalidated,
    responses=error_responses(Unauthorized, Forbidden, InvalidInput),
    operation_id="invalidar_cache",
    summary="Invalidar la caché",
    description="Solo administradores: da por vencidos los espacios de nombres indicados (todos, si la "
    "lista está vacía) y borra sus claves.",
)
async def invalidate_cache(data: CacheInvalidation, usuario: AdminUser) -> CacheInvalidated:
    """Make the namespaces stale at once and free their keys (SCAN + UNLINK, never KEYS)."""
    namespaces: list[str] = sorted(set(data.namespaces)) or list(cache_policy.TODOS)
    cache = get_cache()
    await cache.invalidate(*namespaces)
    deleted = 0
    for namespace in namespaces:
        deleted += await cache.delete_pattern(f"{namespace}:*")
    return CacheInvalidated(namespaces=namespaces, keys_deleted=deleted)


ADMIN_ERRORS = error_responses(Unauthorized, Forbidden)


@router.get(
    "/slow-queries",
    responses=ADMIN_ERRORS,
    operation_id="listar_consultas_lentas",
    summary="Ver las consultas lentas",
    description="Solo administradores: las sentencias de este proceso más lentas que SLOW_QUERY_MS, "
    "agrupadas, de mayor a menor tiempo total, con su plan.",
)
async def slow_query_report(usuario: AdminUser) -> list[dict[str, Any]]:
    """Statements slower than SLOW_QUERY_MS in this process, by fingerprint, most total time first:
    count, total / mean / max ms, last endpoint and request id, and a captured plan."""
    return slow_queries.report()


@router.get(
    "/indexes",
    responses=ADMIN_ERRORS,
    operation_id="informar_indices",
    summary="Ver el informe de índices",
    description="Solo administradores: el uso de cada índice, los índices sin uso o duplicados, las "
    "lecturas secuenciales frente a las lecturas por índice, los aciertos del búfer y las sentencias "
    "más costosas.",
)
async def index_report(session: SessionDep, usuario: AdminUser) -> dict[str, Any]:
    """Scans per index, unused indexes, left-prefix duplicates, sequential vs index scans per table,
    buffer cache hit ratio, top statements (pg_stat_statements) and the slowest fingerprints."""
    return await QueryOptimizer().index_report(session)


@router.get(
    "/explain",
    responses=ADMIN_ERRORS,
    operation_id="listar_consultas_nombradas",
    summary="Listar las consultas que se pueden explicar",
    description="Solo administradores: las sentencias que `/admin/explain/{name}` puede explicar y el "
    "índice que cada una debe usar.",
)
async def named_queries(usuario: AdminUser) -> list[dict[str, Any]]:
    """The statements that `/admin/explain/{name}` can explain, and the index each should use."""
    return [
        {"name": q.name, "description": q.description, "index": q.index, "analyzable": q.analyzable}
        for q in NAMED_QUERIES.values()
    ]


@router.get(
    "/explain/{name}",
    responses=error_responses(Unauthorized, Forbidden, NotFound, Conflict, InvalidInput),
    operation_id="explicar_consulta",
    summary="Explicar una consulta",
    description="Solo administradores: el plan de una sentencia de la lista (EXPLAIN, o EXPLAIN ANALYZE "
    "con `analyze=true` dentro de un savepoint que se revierte), con parámetros del documento más "
    "reciente.",
)
async def explain_named_query(
    name: Annotated[str, Path(max_length=60, pattern=r"^[a-z_.]+$")],
    session: SessionDep,
    usuario: AdminUser,
    analyze: bool = False,
) -> dict[str, Any]:
    """EXPLAIN (ANALYZE when asked, inside a rolled-back savepoint) of a named statement, with
    parameters taken from the newest document."""
    query = NAMED_QUERIES.get(name)
    if query is None:
        raise NotFound("No existe esa consulta con nombre; GET /api/v1/admin/explain las lista.")
    if analyze and not query.analyzable:
        raise InvalidInput(
            f"{name} es la inserción que arbitra un índice único: puede planificarse, pero no ejecutarse.",
            field="analyze",
            location="query",
        )
    try:
        sample = await muestra(session)
    except LookupError as exc:
        raise Conflict(str(exc)) from exc
    result = await QueryOptimizer().explain_query(
        session, await query.build(session, sample), analyze=analyze
    )
    return {
        "name": query.name,
        "description": query.description,
        "expected_index": query.index,
        "uses_expected_index": query.index in result.summary.indexes_used,
        **result.as_dict(),
    }
