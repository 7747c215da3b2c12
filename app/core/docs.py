"""The API documentation pages, served with no outside host: Swagger UI at `/docs`, ReDoc at
`/redoc` (and Swagger UI's OAuth2 redirect page), their scripts, styles and favicon from this
server under `/docs/static/`.

The assets are those of the `fastapi-offline` package (MIT; Swagger UI is Apache-2.0, ReDoc MIT),
read from its `static/` directory. FastAPI's own pages load them from jsDelivr, ReDoc's fonts from
Google Fonts and the favicon from fastapi.tiangolo.com: an office network without Internet access
got blank pages, and every reader told those hosts the office's address. The app is built with
`docs_url=None, redoc_url=None` and `install_docs` adds these pages instead (`DOCS_CSP`, in
app/core/security_headers.py, allows only this origin).

One byte string of ReDoc's bundle is replaced as it is read: the sidebar's "API docs by Redocly"
logo, an image from cdn.redoc.ly, becomes an empty data: URL (ReDoc hides the image when it fails to
load, as it does when the policy blocks the CDN; this way nothing is requested at all).

The asset URLs carry the first 12 hex digits of the file's SHA-256 (`?v=…`), so they are cached a
year as immutable and a new `fastapi-offline` is fetched at once. The assets are answered by a small
ASGI layer (`DocsAssets`) ahead of the router, not by routes: they are not API operations, and the
route table (the authorization matrix walks it) stays that of the API and its pages.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.routing import root_path

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
ASSETS_PREFIX = "/docs/static/"
# The pages whose policy is DOCS_CSP (app/core/security_headers.py).
DOCS_PAGES = (DOCS_URL, REDOC_URL, OAUTH2_REDIRECT_URL)

STATIC_DIR = Path(fastapi_offline.__file__).parent / "static"
MEDIA_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
CACHE_CONTROL = b"public, max-age=31536000, immutable"
# What the bundles would load from elsewhere, and what it becomes (each found exactly once).
PATCHES: dict[str, tuple[tuple[bytes, bytes], ...]] = {
    "redoc.standalone.js": ((b'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"', b'src:"data:,"'),),
}

# Swagger UI's settings (FastAPI's defaults plus these): no online validator badge (an image from
# validator.swagger.io that would be sent this document's URL).
SWAGGER_UI_PARAMETERS = {"validatorUrl": None}


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    media_type: str
    version: str  # the first 12 hex digits of the body's SHA-256

    @property
    def etag(self) -> bytes:
        return f'"{self.version}"'.encode()


@cache
def asset(name: str) -> Asset:
    """One of the four files, read once per process (2.8 MB in all), with its PATCHES applied."""
    body = (STATIC_DIR / name).read_bytes()
    for old, new in PATCHES.get(name, ()):
        if body.count(old) != 1:
            raise RuntimeError(f"fastapi-offline's {name} changed: {old!r} is not there once; review PATCHES")
        body = body.replace(old, new)
    return Asset(body, MEDIA_TYPES[name], hashlib.sha256(body).hexdigest()[:12])


def asset_url(root_path: str, name: str) -> str:
    return f"{root_path}{ASSETS_PREFIX}{name}?v={asset(name).version}"


def _root(request: Request) -> str:
    return root_path(request.scope)


def install_docs(app: FastAPI) -> None:
    """Add the docs pages to `app` (built with docs_url=None and redoc_url=None) and the layer that
    serves their assets. Call it last in create_app: the layer is then the outermost user middleware."""
    assert app.docs_url is None and app.redoc_url is None, "FastAPI's own pages load from CDNs"
    assert app.openapi_url is not None
    openapi_url = app.openapi_url

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = _root(request)
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title}: documentación de la API",
            swagger_js_url=asset_url(root, "swagger-ui-bundle.js"),
            swagger_css_url=asset_url(root, "swagger-ui.css"),
            swagger_favicon_url=asset_url(root, "favicon.png"),
            oauth2_redirect_url=root + OAUTH2_REDIRECT_URL,
            swagger_ui_parameters={**(app.swagger_ui_parameters or {}), **SWAGGER_UI_PARAMETERS},
        )

    async def oauth2_redirect(request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        root = _root(request)
        return get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title}: referencia de la API",
            redoc_js_url=asset_url(root, "redoc.standalone.js"),
            redoc_favicon_url=asset_url(root, "favicon.png"),
            with_google_fonts=False,
        )

    app.add_route(DOCS_URL, swagger_ui, include_in_schema=False)
    app.add_route(OAUTH2_REDIRECT_URL, oauth2_redirect, include_in_schema=False)
    app.add_route(REDOC_URL, redoc, include_in_schema=False)
    app.add_middleware(DocsAssets)


class DocsAssets:
    """Answers GET and HEAD of `/docs/static/<one of the four files>`; everything else goes on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        name = path[len(ASSETS_PREFIX) :] if path.startswith(ASSETS_PREFIX) else None
        if name not in MEDIA_TYPES:
            await self.app(scope, receive, send)
            return
        found = asset(name)
        headers = [
            (b"content-type", found.media_type.encode()),
            (b"cache-control", CACHE_CONTROL),
            (b"etag", found.etag),
        ]
        if_none_match = dict(scope["headers"]).get(b"if-none-match", b"")
        if found.etag in (tag.strip() for tag in if_none_match.split(b",")):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers.append((b"content-length", str(len(found.body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        body = found.body if scope["method"] == "GET" else b""
        await send({"type": "http.response.body", "body": body})
