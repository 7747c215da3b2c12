"""The public tracking page: what a citizen reaches from the receipt's QR code, its printed link and
the emails (`service.url_seguimiento`). Server-rendered HTML in Spanish, outside /api/v1 and the
OpenAPI document.

GET /seguimiento without a query is the form (not counted by the throttle); with `numero` and
`codigo` (the form is a GET form, so the URL is the one the QR code holds) it is the result, or the
form again: 404 for an unknown number or a wrong code (one page for both), 422 for a malformed
one. Lookups are limited per client address by the JSON endpoint's own throttle
(`router.limitar_por_ip`: same scope and key, so both count together); a 429 and a database outage
(503) are HTML pages too, with Retry-After.

Every page carries its own Content-Security-Policy (`app.core.security_headers` keeps it): the CSS
and the logo come from this service (`/seguimiento/estilos.css`, `/seguimiento/logo`, versioned by
their hash and cached for a year), there is no script at all, and the form submits only here.
Pages are `no-store`: a result's URL and body carry the verification code.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from jinja2 import Environment, FileSystemLoader
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.core.database import session_scope
from app.core.errors import (
    RETRY_AFTER_BUSY_S,
    RETRY_AFTER_DOWN_S,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
    transient_database_error,
)
from app.core.logging import get_logger
from app.core.routing import PrefixRouter
from app.institucion.identidad import Institucion, institucion
from app.seguimiento.consulta import consultar
from app.seguimiento.router import limitar_por_ip
from app.seguimiento.vista import contexto_resultado

log = get_logger("app.seguimiento.pagina")

router = PrefixRouter(prefix="/seguimiento", include_in_schema=False)

_AQUI = Path(__file__).parent
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
_PAGINA_HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
}
_RECURSO_CACHE = "public, max-age=31536000, immutable"

_NUMERO = re.compile(r"[0-9]{4}-[0-9]{6,10}")
_CODIGO = re.compile(r"[A-Za-z0-9]{4,12}")
ERROR_NUMERO = "Escriba el número de expediente como figura en su cargo, por ejemplo 2026-000123."
ERROR_CODIGO = "Escriba el código de verificación de su cargo: de 4 a 12 letras o números, sin espacios."


@lru_cache(maxsize=1)
def _plantillas() -> Environment:
    return Environment(
        loader=FileSystemLoader(_AQUI / "plantillas"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


@lru_cache(maxsize=1)
def _css() -> tuple[bytes, str]:
    contenido = (_AQUI / "estaticos" / "seguimiento.css").read_bytes()
    return contenido, hashlib.sha256(contenido).hexdigest()[:12]


@lru_cache(maxsize=4)
def _logo_de(identidad: Institucion) -> tuple[bytes, str, str]:
    contenido = identidad.logo_bytes
    return contenido, identidad.logo_tipo, hashlib.sha256(contenido).hexdigest()[:12]


def _logo() -> tuple[bytes, str, str]:
    """The logo's bytes, type and version, read once per identity (new settings, new read)."""
    return _logo_de(institucion())


def _render(
    request: Request, plantilla: str, status: int, headers: dict[str, str] | None = None, **contexto: Any
) -> Response:
    html = (
        _plantillas()
        .get_template(plantilla)
        .render(
            inst=institucion(),
            raiz=request.scope.get("root_path", ""),
            version_css=_css()[1],
            version_logo=_logo()[2],
            **contexto,
        )
    )
    cabeceras = {**_PAGINA_HEADERS, **(headers or {})}
    return Response(html, status_code=status, media_type="text/html; charset=utf-8", headers=cabeceras)


def _formulario(
    request: Request, status: int, numero: str = "", codigo: str = "", errores: dict[str, str] | None = None
) -> Response:
    return _render(request, "formulario.html", status, numero=numero, codigo=codigo, errores=errores or {})


def _espera(segundos: int) -> str:
    if segundos < 60:
        return f"{segundos} segundo{'s' if segundos != 1 else ''}"
    minutos = -(-segundos // 60)
    return f"{minutos} minuto{'s' if minutos != 1 else ''}"


def _aviso(request: Request, status: int, titulo: str, parrafos: list[str], retry_after: str) -> Response:
    return _render(
        request, "aviso.html", status, {"Retry-After": retry_after}, titulo=titulo, parrafos=parrafos
    )


def _demasiadas(request: Request, exc: TooManyRequests) -> Response:
    retry_after = (exc.headers or {}).get("Retry-After", "60")
    parrafos = [
        "Se hicieron demasiadas consultas de seguimiento desde su conexión en poco tiempo.",
        f"Vuelva a intentarlo en {_espera(int(retry_after))}.",
    ]
    return _aviso(request, 429, "Demasiadas consultas", parrafos, retry_after)


def _no_disponible(request: Request, retry_after: str) -> Response:
    parrafos = [
        "En este momento no podemos consultar los expedientes.",
        f"Vuelva a intentarlo en {_espera(int(retry_after))}. Sus datos no se han perdido.",
    ]
    return _aviso(request, 503, "Servicio no disponible por el momento", parrafos, retry_after)


def _eco(valor: str) -> str:
    """What the person typed, shown back in the form: printable characters, at most 40."""
    return "".join(c for c in valor if c.isprintable())[:40]


def _errores(numero: str, codigo: str) -> dict[str, str]:
    errores = {}
    if not _NUMERO.fullmatch(numero):
        errores["numero"] = ERROR_NUMERO
    if not _CODIGO.fullmatch(codigo):
        errores["codigo"] = ERROR_CODIGO
    return errores


@router.api_route("", methods=["GET", "HEAD"])
async def pagina(request: Request, numero: str | None = None, codigo: str | None = None) -> Response:
    if numero is None and codigo is None:
        return _formulario(request, 200)
    numero, codigo = (numero or "").strip(), (codigo or "").strip()
    try:
        await limitar_por_ip(request)
        if errores := _errores(numero, codigo):
            return _formulario(request, 422, _eco(numero), _eco(codigo), errores)
        async with session_scope() as session:
            expediente = await consultar(session, numero, codigo)
    except TooManyRequests as exc:
        return _demasiadas(request, exc)
    except NotFound:
        return _render(request, "no_encontrado.html", 404, numero=numero, codigo="", errores={})
    except ServiceUnavailable as exc:
        return _no_disponible(request, (exc.headers or {}).get("Retry-After", str(RETRY_AFTER_DOWN_S)))
    except Exception as exc:
        if not transient_database_error(exc):
            raise
        log.warning("seguimiento.pagina.unavailable", error=type(exc).__name__, detail=str(exc)[:200])
        busy = isinstance(exc, PoolTimeout)
        return _no_disponible(request, str(RETRY_AFTER_BUSY_S if busy else RETRY_AFTER_DOWN_S))
    return _render(request, "resultado.html", 200, **contexto_resultado(expediente))


@router.api_route("/estilos.css", methods=["GET", "HEAD"])
async def estilos() -> Response:
    contenido, _ = _css()
    return Response(
        contenido, media_type="text/css; charset=utf-8", headers={"Cache-Control": _RECURSO_CACHE}
    )


@router.api_route("/logo", methods=["GET", "HEAD"])
async def logo() -> Response:
    contenido, tipo, _ = _logo()
    return Response(contenido, media_type=tipo, headers={"Cache-Control": _RECURSO_CACHE})
