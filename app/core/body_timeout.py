"""A request body that stops arriving is answered 408 after BODY_READ_TIMEOUT_S.

uvicorn bounds the wait for a request's headers and between requests, never the wait for the body's
next bytes: a client that sends its headers and part of its body, then nothing, keeps a request
(and whatever it holds) open for as long as it likes. This middleware bounds every wait the
application makes for the next part of a body, whichever code reads it (an upload streamed by
`app.core.uploads`, or a JSON body parsed by FastAPI): it is the one place all of them go through,
which no single reader is.

On a stall the wait raises `RequestTimeout`. Code reading the body unwinds through its own cleanup
(the upload reader removes its temporary file) and the application's error handler answers 408.
FastAPI turns any error while it parses a body itself into a 400: once the body has stalled, any
answer but a 408 is replaced by one rendered by the application's handler for `RequestTimeout`, so
every stalled body gets the same answer. The 408 closes the connection (`Connection: close`): the
rest of the body may still arrive on it.

It applies only while the body is incomplete: once the last part has arrived, waits on `receive`
are for the client's disconnect (a streaming response) and stay unbounded.
"""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import get_settings
from app.core.errors import RequestTimeout
from app.core.logging import get_logger
from app.core.problems import problem_response

log = get_logger("app.body_timeout")
_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})

UPLOAD_STALLED_MESSAGE = "La carga del archivo se detuvo; envíelo de nuevo."
BODY_STALLED_MESSAGE = "El envío de la solicitud se detuvo; envíela de nuevo."


@dataclass
class _BodyState:
    complete: bool = False  # the body's last part arrived
    stalled: bool = False  # a wait for the body timed out
    started: bool = False  # a response started (on the client's side)
    dropped: bool = False  # the application's own answer is being dropped
    received: int = 0


def _error(scope: Scope) -> RequestTimeout:
    headers = dict(scope.get("headers") or [])
    multipart = headers.get(b"content-type", b"").lower().startswith(b"multipart/")
    return RequestTimeout(UPLOAD_STALLED_MESSAGE if multipart else BODY_STALLED_MESSAGE)


class BodyReadTimeoutMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Reads carry no body the application reads: they go straight through (the hot path).
        if scope["type"] != "http" or scope["method"] in _NO_BODY:
            await self.app(scope, receive, send)
            return
        limit = get_settings().body_read_timeout_s
        state = _BodyState()

        async def receive_bounded() -> Message:
            if state.complete:
                return await receive()
            try:
                async with asyncio.timeout(limit):
                    message = await receive()
            except TimeoutError:
                state.stalled = True
                log.warning(
                    "request.body_stalled", path=scope.get("path"), received_bytes=state.received,
                    timeout_s=limit,
                )  # fmt: skip
                raise _error(scope) from None
            if message["type"] == "http.request":
                state.received += len(message.get("body", b""))
                state.complete = not message.get("more_body", False)
            else:  # http.disconnect: there is no more body to wait for
                state.complete = True
            return message

        async def send_guarded(message: Message) -> None:
            if message["type"] == "http.response.start" and state.stalled and not state.started:
                if message["status"] != RequestTimeout.status_code:
                    state.dropped = True
                    return
                message["headers"] = [
                    *[(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"],
                    (b"connection", b"close"),
                ]
            if state.dropped:
                return
            if message["type"] == "http.response.start":
                state.started = True
            await send(message)

        try:
            await self.app(scope, receive_bounded, send_guarded)
        except Exception:
            if not state.stalled or state.started:
                raise
        if state.stalled and not state.started:
            state.dropped = False
            response = await _handled_response(scope, _error(scope))
            await response(scope, _disconnected, send_guarded)


async def _disconnected() -> Message:
    return {"type": "http.disconnect"}


async def _handled_response(scope: Scope, exc: RequestTimeout) -> Response:
    """The application's own answer to `exc` (its registered handler), so that the body's format is
    the one every other error has."""
    handlers: dict[Any, Any] = getattr(scope.get("app"), "exception_handlers", {}) or {}
    for cls in type(exc).__mro__:
        handler = handlers.get(cls)
        if handler is not None:
            response = handler(Request(scope, _disconnected), exc)
            if inspect.isawaitable(response):
                response = await response
            assert isinstance(response, Response)
            return response
    return problem_response(exc.status_code, exc.code, exc.message, instance=scope.get("path"))
