"""What the tracking pages are made of, prepared once: the compiled templates, the stylesheet and
the logo with their versions (a SHA-256 prefix, for URLs cached for a year), the pages' headers,
and the rendering of a page with them."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from jinja2 import Environment, FileSystemLoader

from app.core.routing import root_path
from app.institucion.identidad import OFICINA, Institucion, institucion

_AQUI = Path(__file__).parent
# The pages' own policy (app.core.security_headers keeps it): the CSS and the logo come from this
# service, there is no script at all, and the form submits only here.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
# A result's URL and body carry the verification code: never stored.
PAGINA_HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
}
RECURSO_CACHE = "public, max-age=31536000, immutable"


@lru_cache(maxsize=1)
def _plantillas() -> Environment:
    return Environment(
        loader=FileSystemLoader(_AQUI / "plantillas"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


def _version(contenido: bytes) -> str:
    return hashlib.sha256(contenido).hexdigest()[:12]


@lru_cache(maxsize=1)
def css() -> tuple[bytes, str]:
    """The stylesheet and its version, read once."""
    contenido = (_AQUI / "estaticos" / "seguimiento.css").read_bytes()
    return contenido, _version(contenido)


@lru_cache(maxsize=4)
def _logo_de(identidad: Institucion) -> tuple[bytes, str, str]:
    return identidad.logo_bytes, identidad.logo_tipo, _version(identidad.logo_bytes)


def logo() -> tuple[bytes, str, str]:
    """The logo's bytes, type and version, read once per identity (new settings, new read)."""
    return _logo_de(institucion())


def render(
    request: Request, plantilla: str, status: int, headers: dict[str, str] | None = None, **contexto: Any
) -> Response:
    """`plantilla` as an HTML page with the pages' headers (plus `headers`)."""
    html = (
        _plantillas()
        .get_template(plantilla)
        .render(
            inst=institucion(),
            oficina=OFICINA,
            raiz=root_path(request.scope),
            version_css=css()[1],
            version_logo=logo()[2],
            **contexto,
        )
    )
    cabeceras = {**PAGINA_HEADERS, **(headers or {})}
    return Response(html, status_code=status, media_type="text/html; charset=utf-8", headers=cabeceras)
