"""Errors that know their HTTP status, and the handlers that answer every error as RFC 9457 problem
details (`app.core.problems`): the application's own errors, request validation, Starlette's 404/405,
bodies that cannot be read, transient database failures (503 with Retry-After) and defects (500)."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.core.logging import get_logger
from app.core.problems import ProblemResponse, field_errors, problem_body, problem_response, validation_detail

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

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        return problem_body(
            self.status_code, self.code, self.message, instance=instance, field=self.field, extra=self.extra
        )


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

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        # The same `errors` list as a schema validation error, so clients read every 422 alike.
        field = self.field or self.location
        errors = [{"field": field, "location": self.location, "code": self.code, "message": self.message}]
        return problem_body(422, self.code, self.message, instance=instance, field=field, errors=errors)


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


def _unavailable(request: Request, code: str, message: str, retry_after_s: int) -> Response:
    return problem_response(
        503, code, message, instance=request.url.path, headers={"Retry-After": str(retry_after_s)}
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
    """OpenAPI `responses=` for routes that raise these errors (their body: `app.core.problems`)."""
    return {error.status_code: {"description": error.code} for error in errors}


async def _handle_app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    headers = dict(exc.headers or {})
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    body = exc.problem(request.url.path)
    return ProblemResponse(body, status_code=exc.status_code, headers=headers or None)


async def _handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(exc.errors())
    return problem_response(
        422, "validation_error", validation_detail(errors), instance=request.url.path,
        field=errors[0]["field"] if errors else None, errors=errors,
    )  # fmt: skip


_HTTP_MESSAGES = {
    404: ("not_found", "No existe el recurso solicitado."),
    405: ("method_not_allowed", "El método {method} no está permitido en esta ruta."),
}


def _allowed_methods(request: Request, fallback: str) -> str:
    """Every method the API serves on this path (Starlette names only the first route's)."""
    methods = set(fallback.replace(" ", "").split(",")) if fallback else set()
    for pattern, route_methods in _path_methods(request.app):
        if pattern.fullmatch(request.url.path):
            methods |= route_methods
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(method for method in methods if method))


def _path_methods(app: Any) -> list[tuple[re.Pattern[str], set[str]]]:
    cached: list[tuple[re.Pattern[str], set[str]]] | None = getattr(app.state, "path_methods", None)
    if cached is None:
        cached = [
            (re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path))), {m.upper() for m in operations})
            for path, operations in app.openapi().get("paths", {}).items()
        ]
        app.state.path_methods = cached
    return cached


async def _handle_http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (unknown path, method not allowed) and a body FastAPI could not parse."""
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        message = "El cuerpo de la solicitud no está codificado en UTF-8."
        errors = [{"field": "body", "location": "body", "code": "invalid_encoding", "message": message}]
        return problem_response(
            422, "invalid_encoding", message, instance=request.url.path, field="body", errors=errors
        )
    if exc.status_code == 400:
        message = "No se pudo leer el cuerpo de la solicitud."
        errors = [{"field": "body", "location": "body", "code": "malformed_body", "message": message}]
        return problem_response(
            422, "malformed_body", message, instance=request.url.path, field="body", errors=errors
        )
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request, headers.get("Allow", ""))
    code, message = _HTTP_MESSAGES.get(exc.status_code, ("http_error", str(exc.detail)))
    return problem_response(
        exc.status_code, code, message.format(method=request.method), instance=request.url.path,
        headers=headers or None,
    )  # fmt: skip


async def _handle_unexpected(request: Request, exc: Exception) -> Response:
    """A defect: 500, showing nothing of it. Starlette's outermost layer calls this and re-raises, so
    the server logs the traceback; a defect that reached a handler of its own (a database error that
    is not transient) is logged here with it."""
    log.error("request.unhandled", path=request.url.path, error=type(exc).__name__)
    return problem_response(
        500, "internal_error", "Ocurrió un error inesperado; el equipo técnico fue notificado.",
        instance=request.url.path,
    )  # fmt: skip


async def _handle_pool_timeout(request: Request, exc: Exception) -> Response:
    """Every database connection of this process stayed busy for DB_POOL_TIMEOUT_S: too many
    requests at once. Nothing was written; the client may send the same request again."""
    log.warning("db.pool_timeout", path=request.url.path)
    return _unavailable(
        request,
        "busy",
        "El servicio está atendiendo muchas solicitudes; intente de nuevo en unos segundos.",
        RETRY_AFTER_BUSY_S,
    )


async def _handle_database_error(request: Request, exc: Exception) -> Response:
    """The database is unreachable, restarting or refused this transaction (timeout, deadlock):
    its transaction was rolled back, so nothing was half-written. Any other database error is a
    defect and stays a 500 (logged with its traceback by the server)."""
    if not transient_database_error(exc):
        log.error("db.error", path=request.url.path, error=type(exc).__name__, exc_info=exc)
        return await _handle_unexpected(request, exc)
    log.warning("db.unavailable", path=request.url.path, error=type(exc).__name__, detail=str(exc)[:200])
    return _unavailable(
        request,
        "unavailable",
        "El servicio no puede atender la solicitud en este momento; intente de nuevo en unos segundos.",
        RETRY_AFTER_DOWN_S,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _handle_app_error)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, _handle_http_error)
    app.add_exception_handler(Exception, _handle_unexpected)
    app.add_exception_handler(PoolTimeout, _handle_pool_timeout)
    for error in (DBAPIError, asyncpg.PostgresError, asyncpg.InterfaceError, ConnectionError, TimeoutError):
        app.add_exception_handler(error, _handle_database_error)
