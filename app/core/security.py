"""Password hashing (argon2) and access tokens (JWT)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.core.config import get_settings

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_access_token(subject: int, extra: dict[str, Any] | None = None) -> tuple[str, int]:
    """A signed token for user `subject`; returns the token and its lifetime in seconds."""
    settings = get_settings()
    lifetime = timedelta(minutes=settings.jwt_expire_minutes)
    now = datetime.now(UTC)
    claims: dict[str, Any] = {"sub": str(subject), "iat": now, "exp": now + lifetime, **(extra or {})}
    token = jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=settings.jwt_algorithm)
    return token, int(lifetime.total_seconds())


def decode_access_token(token: str) -> int | None:
    """The user id of a valid token, or None when it is invalid or expired."""
    settings = get_settings()
    try:
        claims = jwt.decode(
            token, settings.jwt_secret.get_secret_value(), algorithms=[settings.jwt_algorithm]
        )
        user_id = int(claims["sub"])
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        return None
    return user_id if 1 <= user_id < 2**63 else None
