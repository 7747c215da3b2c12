"""What the requester reads in a failed report's `error`: a run interrupted (cancelled, or its worker
stopped) says so and asks for the report again; a time limit and an internal error each have theirs."""

from __future__ import annotations

import asyncio

from app.core.task_runtime import SOFT_LIMIT_MESSAGE
from app.reportes.generacion import (
    ERROR_INTERNO,
    ERROR_INTERRUMPIDO,
    ERROR_TIEMPO_AGOTADO,
    _mensaje,
)


def con_contexto(exc: BaseException, contexto: BaseException) -> BaseException:
    exc.__context__ = contexto
    return exc


def test_an_interrupted_run_says_so_in_spanish() -> None:
    assert ERROR_INTERRUMPIDO == "La generación del reporte fue interrumpida; solicítelo nuevamente."
    for exc in (
        asyncio.CancelledError(),  # the worker's loop stopped (asyncio.run on Ctrl+C, shutdown)
        asyncio.CancelledError("apagado del worker"),
        KeyboardInterrupt(),
        SystemExit(1),
        # The clean-up failed after a cancellation with a message: still an interruption.
        con_contexto(RuntimeError("connection closed"), asyncio.CancelledError("apagado")),
    ):
        assert _mensaje(exc) == ERROR_INTERRUMPIDO, exc


def test_the_time_limit_and_internal_errors_keep_their_messages() -> None:
    assert _mensaje(asyncio.CancelledError(SOFT_LIMIT_MESSAGE)) == ERROR_TIEMPO_AGOTADO
    assert _mensaje(ValueError("x")) == ERROR_INTERNO.format(causa="ValueError")
    # asyncio.wait_for's TimeoutError carries a bare cancellation: an error, not an interruption.
    espera = con_contexto(TimeoutError(), asyncio.CancelledError())
    assert _mensaje(espera) == ERROR_INTERNO.format(causa="TimeoutError")
    assert "interrump" not in _mensaje(espera)
