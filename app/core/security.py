"""Password hashing (argon2) and access tokens (JWT)."""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.core.config import get_settings

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """Blocking (tens of ms of CPU, 64 MiB): never call it on the event loop; see `hash_password_async`."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Blocking, like `hash_password`; the event loop uses `verify_password_async`."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _password_executor() -> ThreadPoolExecutor:
    """A pool of its own (PASSWORD_HASH_THREADS), not the event loop's default one: a login storm
    queues here instead of taking every default thread (DNS lookups, file I/O, `to_thread`) and
    every core. argon2-cffi releases the GIL while it hashes, so the loop keeps serving meanwhile."""
    global _executor
    with _executor_lock:
        if _executor is None:
            threads = get_settings().password_hash_threads or max(1, len(os.sched_getaffinity(0)) // 2)
            _executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="password-hash")
        return _executor


async def hash_password_async(password: str) -> str:
    """`hash_password` in the password threads: the event loop keeps serving other requests."""
    return await asyncio.get_running_loop().run_in_executor(_password_executor(), hash_password, password)


async def verify_password_async(password_hash: str, password: str) -> bool:
    """`verify_password` in the password threads: the event loop keeps serving other requests."""
    return await asyncio.get_running_loop().run_in_executor(
        _password_executor(), verify_password, password_hash, password
    )


def stored_secret(filename: str, length: int = 48) -> str:
    """A random secret generated on first use and kept under DATA_DIR (mode 0600), so that no
    published default ever protects anything."""
    path = get_settings().data_dir / filename
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first
        else:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(length))
    return path.read_text().strip()


@lru_cache
def _jwt_secret() -> str:
    """The configured secret, else one generated on first use and kept under DATA_DIR."""
    settings = get_settings()
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    return stored_secret(".jwt_secret")


def create_access_token(subject: int, stamp: str) -> tuple[str, int]:
    """A signed token for user `subject`, bound to `stamp` (the caller's credential stamp: the
    token stops being accepted when it changes); returns the token and its lifetime in seconds."""
    settings = get_settings()
    lifetime = timedelta(minutes=settings.jwt_expire_minutes)
    now = datetime.now(UTC)
    claims: dict[str, Any] = {"sub": str(subject), "sv": stamp, "iat": now, "exp": now + lifetime}
    token = jwt.encode(claims, _jwt_secret(), algorithm=settings.jwt_algorithm)
    return token, int(lifetime.total_seconds())


def decode_access_token(token: str) -> tuple[int, str] | None:
    """The user id and credential stamp of a valid token, or None when it is invalid or expired."""
    verified = _verify(token)
    if verified is None or verified[2] <= time.time():
        return None
    return verified[0], verified[1]


@lru_cache(maxsize=4096)
def _verify(token: str) -> tuple[int, str, float] | None:
    """Signature and claims of `token`, checked once per distinct token: a client sends the same
    token on every request, and verifying it cost about as much as the rest of a cached request.
    The expiry is re-checked on every use (`decode_access_token`); a token that fails once fails
    for good, so caching None is safe."""
    settings = get_settings()
    try:
        claims = jwt.decode(
            token,
            _jwt_secret(),
            algorithms=[settings.jwt_algorithm],
            options={"require": ["exp", "sub", "sv"]},
        )
        user_id, stamp, expires = int(claims["sub"]), claims["sv"], float(claims["exp"])
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        return None
    if not isinstance(stamp, str) or not 1 <= user_id < 2**63:
        return None
    return user_id, stamp, expires
