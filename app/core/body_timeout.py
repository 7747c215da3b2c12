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
import logging
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import get_settings
from app.core.errors import RequestTimeout

logger = logging.getLogger("app.body_timeout")

MENSAJE_ARCHIVO = "La carga del archivo se detuvo; envíelo de nuevo."
MENSAJE = "El envío de la solicitud se detuvo; envíela de nuevo."


@dataclass
class _Estado:
    completo: bool = False  # the body's last part arrived
    detenido: bool = False  # a wait for the body timed out
    iniciada: bool = False  # a response started (on the client's side)
    descartada: bool = False  # the application's own answer is being dropped
    recibidos: int = 0


def _error(scope: Scope) -> RequestTimeout:
    headers = dict(scope.get("headers") or [])
    multipart = headers.get(b"content-type", b"").lower().startswith(b"multipart/")
    return RequestTimeout(MENSAJE_ARCHIVO if multipart else MENSAJE)


class BodyReadTimeoutMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limite = get_settings().body_read_timeout_s
        estado = _Estado()

        async def receive_bounded() -> Message:
            if estado.completo:
                return await receive()
            try:
                async with asyncio.timeout(limite):
                    message = await receive()
            except TimeoutError:
                estado.detenido = True
                logger.warning(
                    "request.body_stalled path=%s received_bytes=%d timeout_s=%g",
                    scope.get("path"),
                    estado.recibidos,
                    limite,
                )
                raise _error(scope) from None
            if message["type"] == "http.request":
                estado.recibidos += len(message.get("body", b""))
                estado.completo = not message.get("more_body", False)
            else:  # http.disconnect: there is no more body to wait for
                estado.completo = True
            return message

        async def send_guarded(message: Message) -> None:
            if message["type"] == "http.response.start" and estado.detenido and not estado.iniciada:
                if message["status"] != RequestTimeout.status_code:
                    estado.descartada = True
                    return
                message["headers"] = [
                    *[(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"],
                    (b"connection", b"close"),
                ]
            if estado.descartada:
                return
            if message["type"] == "http.response.start":
                estado.iniciada = True
            await send(message)

        try:
            await self.app(scope, receive_bounded, send_guarded)
        except Exception:
            if not estado.detenido or estado.iniciada:
                raise
        if estado.detenido and not estado.iniciada:
            estado.descartada = False
            response = await _respuesta(scope, _error(scope))
            await response(scope, _desconectado, send_guarded)


async def _desconectado() -> Message:
    return {"type": "http.disconnect"}


async def _respuesta(scope: Scope, exc: RequestTimeout) -> Response:
    """The application's own answer to `exc` (its registered handler), so that the body's format is
    the one every other error has."""
    handlers: dict[Any, Any] = getattr(scope.get("app"), "exception_handlers", {}) or {}
    for cls in type(exc).__mro__:
        handler = handlers.get(cls)
        if handler is not None:
            response = handler(Request(scope, _desconectado), exc)
            if inspect.isawaitable(response):
                response = await response
            assert isinstance(response, Response)
            return response
    return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status_code)
