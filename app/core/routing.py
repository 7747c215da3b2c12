"""Routers that decline a request outside their path prefix at once.

FastAPI (0.165) keeps included routers nested and, for every request, tries the routes of each one
in turn, through per-route context bookkeeping: with ~130 routes an unmatched path cost ~0.6 ms of
CPU before its 404, and a route near the end of the list paid most of that too (profiled in
docs/performance.md). A `PrefixRouter` knows the full path prefix it is served under and answers
"no match" for any path outside it without looking at its routes; inside it, FastAPI's own matching
runs unchanged (same routes, same order, same OpenAPI document).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.routing import Match
from starlette.types import Scope


class PrefixRouter(APIRouter):
    """An APIRouter whose every route lives under `prefix`. Include it with `include()`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.served_under = self.prefix  # the full prefix once included (see `include`)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path: str = scope["path"]
        root_path: str = scope.get("root_path", "")
        if root_path and path.startswith(root_path):
            path = path[len(root_path) :]
        if not path.startswith(self.served_under):
            return Match.NONE, {}
        return super().matches(scope)


def include(parent: APIRouter, child: PrefixRouter) -> None:
    """`parent.include_router(child)`, telling `child` the full prefix it is now served under."""
    parent_prefix = parent.served_under if isinstance(parent, PrefixRouter) else parent.prefix
    child.served_under = parent_prefix + child.prefix
    parent.include_router(child)
