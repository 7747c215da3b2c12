"""Routers that decline a request outside their path prefix at once.

FastAPI (0.165) keeps included routers nested and, for every request, tries the routes of each one
in turn, through per-route context bookkeeping: with ~130 routes an unmatched path cost ~0.6 ms of
CPU before its 404, and a route near the end of the list paid most of that too (profiled in
docs/performance.md). A `PrefixRouter` knows the full path prefix it is served under and answers
"no match" for any path outside it without looking at its routes; inside it, FastAPI's own matching
runs unchanged (same routes, same order, same OpenAPI document).

FastAPI also checks, on every match of an included router (twice per request and level: once to
match, once to handle), whether any route below it changed, by walking its whole subtree (~0.1
ms of CPU for a route under /api/v1 in the profile). A `PrefixRouter` answers that from a memo,
recomputed whenever any `PrefixRouter` changes its routes (every router below one is one:
`include()` takes no other).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from starlette.routing import Match
from starlette.types import Scope

# Bumped whenever any PrefixRouter's routes change: every memoized routes version is then recomputed.
_changes = 0
# FastAPI's description of an operation's success answer, unless the route gives one, and ours: the
# API document is text for people, in Spanish.
FASTAPI_RESPONSE_DESCRIPTION = "Successful Response"
RESPONSE_DESCRIPTIONS = {201: "Creado", 202: "Aceptado: se completa en segundo plano"}
RESPONSE_DESCRIPTION = "Respuesta correcta"


class PrefixRouter(APIRouter):
    """An APIRouter whose every route lives under `prefix`. Include it with `include()`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.served_under = self.prefix  # the full prefix once included (see `include`)

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if kwargs.get("response_description", FASTAPI_RESPONSE_DESCRIPTION) == FASTAPI_RESPONSE_DESCRIPTION:
            status_code = kwargs.get("status_code")
            description = RESPONSE_DESCRIPTIONS.get(status_code or 200, RESPONSE_DESCRIPTION)
            kwargs["response_description"] = description
        super().add_api_route(path, endpoint, **kwargs)

    def _mark_routes_changed(self) -> None:
        global _changes
        _changes += 1
        super()._mark_routes_changed()

    def _get_routes_version(self, seen: set[int] | None = None) -> int:
        if seen is not None:  # a parent's walk: it keeps its own account of what it has seen
            return super()._get_routes_version(seen)
        memo: tuple[int, int] | None = self.__dict__.get("_routes_version_memo")
        if memo is not None and memo[0] == _changes:
            return memo[1]
        changes = _changes
        version = super()._get_routes_version()
        self.__dict__["_routes_version_memo"] = (changes, version)
        return version

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path: str = scope["path"]
        root_path: str = scope.get("root_path", "")
        if root_path and path.startswith(root_path):
            path = path[len(root_path) :]
        if not path.startswith(self.served_under):
            return Match.NONE, {}
        return super().matches(scope)


def root_path(scope: Scope) -> str:
    """The ASGI root_path the app is served under, without a trailing "/": prefix a path with it
    (a root_path of "/" would otherwise make "//seguimiento", a link to another host)."""
    root: str = scope.get("root_path", "")
    return root.rstrip("/")


def include(parent: APIRouter, child: PrefixRouter) -> None:
    """`parent.include_router(child)`, telling `child` the full prefix it is now served under."""
    parent_prefix = parent.served_under if isinstance(parent, PrefixRouter) else parent.prefix
    child.served_under = parent_prefix + child.prefix
    parent.include_router(child)
