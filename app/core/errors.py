"""Errors that know their HTTP status; one handler turns them into JSON responses."""

from __future__ import annotations

from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.core.logging import get_logger

log = get_logger("app.errors")


class AppError(Exception):
    status_code = 400
    code = "error"

    def __init__(
        self, message: str, *, field: str | None = None, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.headers = headers
        self.extra = extra

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return {"detail": body}


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class PayloadTooLarge(AppError):
    """A request body (an uploaded file) over the configured size limit."""

    status_code = 413
    code = "too_large"


class RequestTimeout(AppError):
    """The client stopped sending its body (or sent it too slowly)."""

    status_code = 408
    code = "request_timeout"


class TooManyRequests(AppError):
    """A throttle's limit was reached; `retry_after_s` says when the next attempt is allowed."""

    status_code = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after_s: int, field: str | None = None) -> None:
        super().__init__(message, field=field, headers={"Retry-After": str(max(1, retry_after_s))})


class ServiceUnavailable(AppError):
    """A dependency cannot serve now; the client may retry after `retry_after_s`."""

    status_code = 503
    code = "unavailable"

    def __init__(self, message: str, *, retry_after_s: int, code: str | None = None) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after_s))})
        if code:
            self.code = code


class InvalidInput(AppError):
    """A semantically invalid value that schema validation cannot see (e.g. an unknown area id)."""

    status_code = 422
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, location: str = "body") -> None:
        super().__init__(message, field=field)
        self.location = location

    def to_dict(self) -> dict[str, Any]:
        # Same shape as FastAPI's validation errors, so clients parse one format for every 422.
        loc = [self.location, self.field] if self.field else [self.location]
        return {"detail": [{"loc": loc, "msg": self.message, "type": self.code}]}


def unique_violation(exc: IntegrityError) -> str | None:
    """The constraint name when `exc` is a unique violation (SQLSTATE 23505), else None."""
    if getattr(exc.orig, "sqlstate", None) != "23505":
        return None
    cause = getattr(exc.orig, "__cause__", None)
    return str(getattr(cause, "constraint_name", "") or "")


# SQLSTATE classes of a database that is there but cannot serve this request now: connection
# exception, insufficient resources (too many connections, disk full), operator intervention
# (statement timeout, shutdown, starting up), transaction rollback (serialization, deadlock).
_TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "53", "57", "40"})
# Seconds a client should wait: a full pool empties in a moment; a database that went away needs longer.
RETRY_AFTER_BUSY_S = 2
RETRY_AFTER_DOWN_S = 5


def _unavailable(code: str, message: str, retry_after_s: int) -> JSONResponse:
    return JSONResponse(
        {"detail": {"code": code, "message": message}},
        status_code=503,
        headers={"Retry-After": str(retry_after_s)},
    )


def transient_database_error(exc: BaseException) -> bool:
    """True for an error that says the database cannot serve now, not that the request is wrong."""
    if isinstance(exc, PoolTimeout | ConnectionError | TimeoutError | asyncpg.InterfaceError):
        return True
    if isinstance(exc, asyncpg.PostgresError):  # straight from asyncpg (database.fetch_prepared)
        return str(exc.sqlstate or "")[:2] in _TRANSIENT_SQLSTATE_CLASSES
    if isinstance(exc, DBAPIError):
        sqlstate = str(getattr(exc.orig, "sqlstate", "") or "")
        return exc.connection_invalidated or sqlstate[:2] in _TRANSIENT_SQLSTATE_CLASSES
    return False


def error_responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for routes that raise these errors."""
    return {error.status_code: {"description": error.code} for error in errors}


async def _handle_app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    headers = dict(exc.headers or {})
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=headers or None)


def _printable(value: Any) -> Any:
    """Validation errors echo the input; raw bytes (a non-UTF-8 body) must not break the response."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return {key: _printable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(item) for item in value]
    return value


# Validation errors echo their input; these fields are written by the client and never read back.
_SENSIBLES = frozenset({"password", "secreto", "smtp_password"})


def _sin_secretos(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: "***" if key in _SENSIBLES else _sin_secretos(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_sin_secretos(item) for item in value]
    return value


def _ocultar(error: dict[str, Any]) -> dict[str, Any]:
    loc = error.get("loc") or ()
    if "input" in error:
        error["input"] = "***" if any(part in _SENSIBLES for part in loc) else _sin_secretos(error["input"])
    return error


async def _handle_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_ocultar(_printable(error)) for error in exc.errors()]
    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


async def _handle_pool_timeout(request: Request, exc: Exception) -> JSONResponse:
    """Every database connection of this process stayed busy for DB_POOL_TIMEOUT_S: too many
    requests at once. Nothing was written; the client may send the same request again."""
    log.warning("db.pool_timeout", path=request.url.path)
    return _unavailable(
        "busy",
        "El servicio está atendiendo muchas solicitudes; intente de nuevo en unos segundos.",
        RETRY_AFTER_BUSY_S,
    )


async def _handle_database_error(request: Request, exc: Exception) -> JSONResponse:
    """The database is unreachable, restarting or refused this transaction (timeout, deadlock):
    its transaction was rolled back, so nothing was half-written. Any other database error is a
    defect and stays a 500 (logged with its traceback by the server)."""
    if not transient_database_error(exc):
        raise exc
    log.warning("db.unavailable", path=request.url.path, error=type(exc).__name__, detail=str(exc)[:200])
    return _unavailable(
        "unavailable",
        "El servicio no puede atender la solicitud en este momento; intente de nuevo en unos segundos.",
        RETRY_AFTER_DOWN_S,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _handle_app_error)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
    app.add_exception_handler(PoolTimeout, _handle_pool_timeout)
    for error in (DBAPIError, asyncpg.PostgresError, asyncpg.InterfaceError, ConnectionError, TimeoutError):
        app.add_exception_handler(error, _handle_database_error)
