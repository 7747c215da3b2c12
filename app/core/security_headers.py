"""Security headers on every response, and CORS for the configured origins only.

Every answer (JSON, errors, the 404 of an unknown path, `/livez`, `/metrics`, downloads, the docs
pages, the 500 of an unhandled exception and the 413 of the body limit) carries:

- `X-Content-Type-Options: nosniff`: a browser never runs a body as something it was not labelled.
- `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`: no page may frame an answer (old and new
  browsers).
- `Referrer-Policy: no-referrer`: the API links to nothing, and no page should tell another site
  the office's internal host and path (the docs pages load nothing from elsewhere: app/core/docs.py).
- `Content-Security-Policy`: `default-src 'none'; frame-ancestors 'none'` on API answers (JSON runs
  nothing and loads nothing); downloads (an answer with `Content-Disposition`) add the inline styles
  and images the browsers' own PDF viewers use, still with no script; the docs pages get
  `DOCS_CSP`: what Swagger UI and ReDoc load, and their own inline bootstrap script pinned by its
  SHA-256 (computed from the page as served: FastAPI renders it from the app's settings only, so
  the hash allows that script and nothing injected later into the DOM).
- `Strict-Transport-Security: max-age=N` when `HSTS_SECONDS` is above 0 (behind TLS only).

The headers are prebuilt raw lists appended to `http.response.start` by a raw ASGI middleware, the
outermost layer (`SecureFastAPI`), so that it also sees the answers Starlette's own outer layers
send. A header the response already set is kept and not repeated (a route may choose its own; a
policy of its own gets `frame-ancestors 'none'` added when it has none).

CORS (`CORS_ORIGENES`, empty by default: no CORS header at all) is Starlette's `CORSMiddleware`,
just inside it: a preflight answer gets the security headers too, and a 500 the CORS headers.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import Settings, get_settings
from app.core.docs import DOCS_PAGES

RawHeaders = list[tuple[bytes, bytes]]

API_CSP = "default-src 'none'; frame-ancestors 'none'"
# Downloads: browsers render a PDF (the receipt is served inline) in a viewer page that takes the
# PDF's policy and needs inline styles and data:/blob: images; no script, no connection.
FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data: blob:; frame-ancestors 'none'"
# The docs pages (app/core/docs.py): Swagger UI 5 and ReDoc 2 with their assets served by this
# origin (the fastapi-offline package's files under /docs/static/), so nothing but 'self': scripts
# from this origin plus the pages' own inline scripts by hash (`{scripts}`); inline styles (both set
# style attributes, ReDoc injects <style> elements); images from this origin, data: (Swagger UI's
# icons, in its CSS) and blob: (Swagger UI shows an image answer from a blob: URL); the OpenAPI
# document and "Try it out" requests to this origin; ReDoc's search worker from a blob: URL. No
# outside host: no CDN, no web fonts, no remote favicon. Tests parse the served pages and check
# every source against this policy.
DOCS_CSP = (
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; "
    "script-src 'self'{scripts}; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; "
    "connect-src 'self'; "
    "worker-src blob:"
)

# CORS: what a browser client of the API sends and reads.
CORS_METHODS = ("GET", "POST", "PATCH")
CORS_REQUEST_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "If-None-Match", "X-Request-ID")
CORS_EXPOSE_HEADERS = (
    "ETag",
    "Retry-After",
    "Location",
    "X-Request-ID",
    "Content-Disposition",
    "WWW-Authenticate",
    "Server-Timing",
    "X-Query-Count",
)
CORS_MAX_AGE_S = 600

_CONTENT_DISPOSITION = b"content-disposition"
_CSP = b"content-security-policy"
_NO_FRAMING = b"; frame-ancestors 'none'"
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)


def common_headers(settings: Settings) -> RawHeaders:
    headers: RawHeaders = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
    ]
    if settings.hsts_seconds > 0:
        headers.append((b"strict-transport-security", f"max-age={settings.hsts_seconds}".encode()))
    return headers


def inline_script_hashes(html: bytes) -> list[str]:
    """`'sha256-…'` of each inline `<script>` of `html` (the CSP hash of its exact text)."""
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
        for body in _INLINE_SCRIPT.findall(html)
    ]


def docs_csp(html: bytes) -> str:
    return DOCS_CSP.format(scripts="".join(f" {h}" for h in dict.fromkeys(inline_script_hashes(html))))


class SecurityHeadersMiddleware:
    """Appends the prebuilt security headers to every HTTP response (see the module docstring)."""

    def __init__(self, app: ASGIApp, settings: Settings, docs_paths: Iterable[str | None] = ()) -> None:
        self.app = app
        common = common_headers(settings)
        self.api_headers: RawHeaders = [*common, (_CSP, API_CSP.encode())]
        self.file_headers: RawHeaders = [*common, (_CSP, FILE_CSP.encode())]
        self.common_headers = common
        self.names = frozenset(name for name, _ in self.api_headers)
        self.watched = self.names | {_CONTENT_DISPOSITION}
        self.docs_paths = frozenset(path for path in docs_paths if path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        root = scope.get("root_path")
        if root and path.startswith(root):
            path = path[len(root) :]
        if path in self.docs_paths:
            await self.app(scope, receive, self._docs_sender(send))
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers") or ()
                for name, _ in headers:
                    if name in self.watched:
                        message["headers"] = self._merged(headers)
                        break
                else:
                    # A new list: a response may send the same prebuilt list every time.
                    message["headers"] = [*headers, *self.api_headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _merged(self, headers: Iterable[tuple[bytes, bytes]], chosen: RawHeaders | None = None) -> RawHeaders:
        """`headers` with the security headers they lack (a download's set when they have a
        Content-Disposition), and `frame-ancestors 'none'` added to a policy of their own."""
        headers = list(headers)
        present = {name for name, _ in headers}
        if chosen is None:
            chosen = self.file_headers if _CONTENT_DISPOSITION in present else self.api_headers
        merged = [
            (name, value + _NO_FRAMING) if name == _CSP and b"frame-ancestors" not in value else (name, value)
            for name, value in headers
        ]
        return [*merged, *(header for header in chosen if header[0] not in present)]

    def _docs_sender(self, send: Send) -> Send:
        """Holds a docs page's response start until its body is complete, to hash its inline scripts."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def send_docs(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            docs_headers = [*self.common_headers, (_CSP, docs_csp(body).encode())]
            start["headers"] = self._merged(start.get("headers") or (), docs_headers)
            await send(start)
            start = None
            await send({"type": "http.response.body", "body": body, "more_body": False})

        return send_docs


def cors(app: ASGIApp, settings: Settings) -> ASGIApp:
    """Starlette's CORS for `CORS_ORIGENES` (no credentials: the API's tokens travel in
    `Authorization`, never in cookies); `app` unchanged when none is configured."""
    if not settings.cors_origenes:
        return app
    return CORSMiddleware(
        app,
        allow_origins=settings.cors_origenes,
        allow_methods=CORS_METHODS,
        allow_headers=CORS_REQUEST_HEADERS,
        expose_headers=CORS_EXPOSE_HEADERS,
        allow_credentials=False,
        max_age=CORS_MAX_AGE_S,
    )


class SecureFastAPI(FastAPI):
    """FastAPI with the security headers and CORS as its outermost layers: Starlette's own outer
    layers (ServerErrorMiddleware's 500, the body limit's 413) answer outside `add_middleware`'s."""

    def build_middleware_stack(self) -> ASGIApp:
        settings = get_settings()
        # FastAPI's own pages when enabled, and ours (app/core/docs.py: create_app disables FastAPI's).
        docs = (self.docs_url, self.redoc_url, self.swagger_ui_oauth2_redirect_url, *DOCS_PAGES)
        return SecurityHeadersMiddleware(cors(super().build_middleware_stack(), settings), settings, docs)
