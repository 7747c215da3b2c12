"""`@cached`: an async function's result kept in the cache, keyed by a digest of its arguments."""

from __future__ import annotations

import functools
import hashlib
import inspect
import typing
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

import orjson

from app.core.cache.service import get_cache
from app.core.cache.tiers import Tier

P = ParamSpec("P")
V = TypeVar("V")


def cached(
    key_prefix: str, ttl: float | Tier = 300
) -> Callable[[Callable[P, Awaitable[V]]], Callable[P, Awaitable[V]]]:
    """Cache an async function's result under `key_prefix` + a digest of its arguments.

    Arguments named `self`, `cls`, `session` or `db` are not part of the key. The return annotation
    decides how the value is stored (pydantic types through a TypeAdapter, `bytes` as they are)."""

    def decorate(fn: Callable[P, Awaitable[V]]) -> Callable[P, Awaitable[V]]:
        signature = inspect.signature(fn)
        return_type = typing.get_type_hints(fn).get("return")
        keyed = [name for name in signature.parameters if name not in {"self", "cls", "session", "db"}]

        @functools.wraps(fn)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> V:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            key = f"{key_prefix}:{argument_digest([bound.arguments[name] for name in keyed])}"
            return await get_cache().get_or_compute(
                key, lambda: fn(*args, **kwargs), ttl=ttl, type_=return_type
            )

        return wrapper

    return decorate


def argument_digest(values: Any) -> str:
    """A stable digest of plain values (dates, enums, dataclasses and pydantic models included)."""
    encoded = orjson.dumps(
        values, default=_plain, option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS
    )
    return hashlib.blake2b(encoded, digest_size=12).hexdigest()


def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "__dataclass_fields__"):
        return {name: getattr(value, name) for name in value.__dataclass_fields__}
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot build a cache key from {type(value).__name__}")
