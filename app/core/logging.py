"""One log pipeline for every process: the API, the Celery worker and beat, the CLI.

`configure_logging()` runs once at each entry point (`app.main`, Celery's `setup_logging` signal in
`app.core.task_signals`, `app.ops.cli`). structlog's processors then render every line — structlog's
own loggers and the stdlib `logging.getLogger(...)` calls alike (through `ProcessorFormatter`) — as
one JSON object per line (`LOG_FORMAT=json`: `timestamp`, `level`, `logger`, `event`, and the bound
context) or as a console line (`LOG_FORMAT=console`, the default).

Context: values bound with `log_context(...)` / `bind(...)` are contextvars, so they appear on every
line of the current request or task, whatever logger writes it: the request id (the request
middleware), the user id (the current-user dependency), and in a task the request id of the request
that enqueued it, the task id and the task name (`app.core.task_signals`).

Secrets never reach the output: the last processor before rendering masks the values of keys that
name a secret (password, token, authorization, …) and, in any text, credentials in URLs
(`redis://:***@host`), bearer tokens, JWTs and `password=…` pairs.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any, Literal, TextIO

import structlog
from structlog.types import EventDict, Processor, WrappedLogger

from app.core.config import Settings, get_settings

LogFormat = Literal["json", "console"]
MASK = "***"

# ---- secrets ------------------------------------------------------------------------------------------

# A key whose value is a secret, wherever it appears (a structlog key, a stdlib `extra`, a nested dict).
_SECRET_KEY = re.compile(
    r"passw(?:or)?d|passphrase|(?:^|[_-])pass$|secret|token|authorization|jwt|api[_-]?key|cookie"
    r"|credential|private[_-]?key",
    re.IGNORECASE,
)
# In free text (a stdlib message, an exception): the password of a URL (`redis://:pw@`, `user:pw@`;
# greedy up to the last `@` before the path, so a password holding an `@` is masked whole)…
_URL_CREDENTIALS = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@]*):[^\s/]*@", re.IGNORECASE)
# …an Authorization scheme's credentials (a word with a digit or a symbol, so that the prose of
# "missing bearer token" stays readable), a JWT anywhere…
_AUTH_SCHEME = re.compile(r"\b(bearer|basic)\s+(?=\S*[0-9+/=._~-])[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
# …and `password=x`, `'smtp_password': 'a b'`, `"token": "x"`, `Authorization: x` pairs (a quoted
# value is masked up to its closing quote).
_SECRET_PAIR = re.compile(
    r"""(\b\w*(?:passw(?:or)?d|secret|token|authorization|jwt|api_?key|cookie)\w*['"]?\s*[:=]\s*)"""
    r"""(?:'[^']*'|"[^"]*"|[^\s'",;&})\]]+)""",
    re.IGNORECASE,
)


def redact_text(text: str) -> str:
    """`text` with the credentials it may carry masked (URLs, bearer tokens, JWTs, `key=value`)."""
    text = _URL_CREDENTIALS.sub(rf"\1:{MASK}@", text)
    text = _AUTH_SCHEME.sub(rf"\1 {MASK}", text)
    text = _JWT.sub(MASK, text)
    return _SECRET_PAIR.sub(rf"\1{MASK}", text)


def _is_secret(key: Any, value: Any) -> bool:
    return value is not None and isinstance(key, str) and _SECRET_KEY.search(key) is not None


def redact(value: Any) -> Any:
    """`value` with every secret masked: values of secret-named keys at any depth, credentials in text."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {key: MASK if _is_secret(key, item) else redact(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(item) for item in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    # Anything else is rendered by its repr/str (an exception, a URL object): mask that text.
    return redact_text(str(value))


def redact_secrets(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """The processor: runs after the traceback is formatted and before the renderer, so that nothing
    rendered escapes it."""
    return redact(event_dict)  # type: ignore[no-any-return]


_FIRST = ("timestamp", "level", "logger", "event")


def _fields_in_order(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """timestamp, level, logger and event first, the context and the rest after: a line reads from the
    left in a terminal or a log viewer."""
    first = {key: event_dict.pop(key) for key in _FIRST if key in event_dict}
    return {**first, **event_dict}


# ---- context ------------------------------------------------------------------------------------------

# The whole bound context as one immutable-by-convention dict in one context variable: binding is one
# `set`, a block restores what it found with one `reset`, and a line merges one dict. (structlog's
# own contextvars keep a variable per key, and reading or restoring them walks every variable of
# the context: ~5 µs per request, as much as the rest of a /livez answer's middleware.)
_bound: ContextVar[Mapping[str, Any]] = ContextVar("log_context", default=MappingProxyType({}))


def merge_context(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """The processor: the bound context under the line's own keys (a key given at the call wins)."""
    bound = _bound.get()
    return {**bound, **event_dict} if bound else event_dict


def bind(**values: Any) -> None:
    """Add `values` to every later line of the current context (a request, a task)."""
    _bound.set({**_bound.get(), **values})


def current_context() -> dict[str, Any]:
    """What is bound in the current context (e.g. the request id a task inherits)."""
    return dict(_bound.get())


def replace_context(**values: Any) -> dict[str, Any]:
    """Make `values` the whole context (a task's: nothing of what its thread had bound before) and
    return the previous one, for `restore_context`."""
    before = dict(_bound.get())
    _bound.set(values)
    return before


def restore_context(before: Mapping[str, Any]) -> None:
    """Put back a context saved by `replace_context` (or `current_context`), dropping whatever was
    bound since."""
    _bound.set(dict(before))


class log_context:
    """Bind `values` for the block, then leave the context as the block found it, including whatever
    was bound inside (the user id of a request): a request served in the caller's own task (an ASGI
    test client) must not leave its context to the caller. A class rather than a generator: every
    request enters one, and a generator-based context manager costs several times more."""

    __slots__ = ("_token", "_values")

    def __init__(self, **values: Any) -> None:
        self._values = values

    def __enter__(self) -> None:
        self._token = _bound.set({**_bound.get(), **self._values})

    def __exit__(self, *exc_info: object) -> None:
        _bound.reset(self._token)


# ---- the pipeline -----------------------------------------------------------------------------------------

# Applied to every line: structlog's own before it reaches the stdlib handler, a stdlib record in the
# formatter (`foreign_pre_chain`). The context is merged at the log call (handlers run synchronously
# in the caller's thread and context).
_SHARED: list[Processor] = [
    merge_context,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.stdlib.ExtraAdder(),
    structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
]


def formatter(log_format: LogFormat, *, colors: bool = False) -> structlog.stdlib.ProcessorFormatter:
    """The stdlib formatter that renders every record, structlog's and foreign, as `log_format`."""
    renderer: Processor
    if log_format == "json":
        renderer = structlog.processors.JSONRenderer()
    else:
        # Plain tracebacks: the exception text is formatted (and redacted) before the renderer.
        renderer = structlog.dev.ConsoleRenderer(
            colors=colors, exception_formatter=structlog.dev.plain_traceback
        )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            redact_secrets,
            _fields_in_order,
            renderer,
        ],
    )


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to `sys.stderr` as it is at each line (a test runner swaps it per test), unless given
    a fixed stream (the Celery worker passes the real stderr)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self._fixed = stream

    @property
    def stream(self) -> TextIO:
        return self._fixed or sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass  # StreamHandler.__init__ assigns it; the property decides


_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "exception": logging.ERROR,
    "critical": logging.CRITICAL,
    "fatal": logging.CRITICAL,
}


class _BoundLogger(structlog.stdlib.BoundLogger):
    """structlog's stdlib logger, asking the stdlib logger's level first: a line below it (every
    `request.finished` at `LOG_LEVEL=WARNING`) costs one cached level check instead of a copied
    event dict and an exception raised by `filter_by_level` (~5 µs), which still decides alike."""

    def log(self, level: int, event: str | None = None, *args: Any, **kw: Any) -> Any:
        # Before structlog's `log` passes the arguments on twice more.
        if not self._logger.isEnabledFor(level):
            return None
        return super().log(level, event, *args, **kw)

    def _proxy_to_logger(
        self, method_name: str, event: str | None = None, *event_args: str, **event_kw: Any
    ) -> Any:
        level = _LEVELS.get(method_name)
        if level is not None and not self._logger.isEnabledFor(level):
            return None
        return super()._proxy_to_logger(method_name, event, *event_args, **event_kw)


_HANDLER_NAME = "mesa_partes"
# Loggers that install handlers of their own and would print their lines a second time, or bypass the
# pipeline (uvicorn configures these before it imports the app).
_OWN_HANDLERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def configure_logging(
    settings: Settings | None = None, *, level: int | str | None = None, stream: TextIO | None = None
) -> None:
    """Send every log line of this process through the pipeline, as `LOG_FORMAT` at `LOG_LEVEL` (or
    `level`). Idempotent: a second call replaces the first one's handler and leaves the handlers
    others added to the root logger (a test runner's capture) in place."""
    settings = settings or get_settings()
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=_BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = _StderrHandler(stream)
    handler.set_name(_HANDLER_NAME)
    target = stream or sys.stderr
    colors = target is not None and hasattr(target, "isatty") and target.isatty()
    handler.setFormatter(formatter(settings.log_format, colors=colors))
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == _HANDLER_NAME:
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level if level is not None else settings.log_level.upper())
    for name in _OWN_HANDLERS:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True


def get_logger(name: str) -> Any:
    """A structlog logger named `name` (the `logger` field): `log.info("cache.degraded", reason=...)`."""
    return structlog.stdlib.get_logger(name)
