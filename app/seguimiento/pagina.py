"""The public tracking page: what a citizen reaches from the receipt's QR code, its printed link and
the emails (`service.url_seguimiento`). Server-rendered HTML in Spanish, outside /api/v1 and the
OpenAPI document; its routes only (templates, assets and headers: `recursos`; words: `vista`).

GET /seguimiento without a query is the form (not counted by the throttle); with `numero` and
`codigo` (the form is a GET form, so the URL is the one the QR code holds) it is the result, or the
form again: 404 for an unknown number or a wrong code (one page for both), 422 for a malformed
one. Lookups are limited per client address by the JSON endpoint's own throttle
(`router.limitar_por_ip`: same scope and key, so both count together); a 429 and a database outage
(503) are HTML pages too, with Retry-After.
"""

from __future__ import annotations

from fastapi import Request, Response
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
from app.seguimiento.consulta import consultar
from app.seguimiento.recursos import RECURSO_CACHE, css, logo, render
from app.seguimiento.router import limitar_por_ip
from app.seguimiento.vista import contexto_no_encontrado, contexto_resultado, eco, errores, espera

log = get_logger("app.seguimiento.pagina")

router = PrefixRouter(prefix="/seguimiento", include_in_schema=False)


def _aviso(request: Request, status: int, titulo: str, parrafos: list[str], retry_after: str) -> Response:
    return render(
        request, "aviso.html", status, {"Retry-After": retry_after}, titulo=titulo, parrafos=parrafos
    )


def _demasiadas(request: Request, exc: TooManyRequests) -> Response:
    retry_after = (exc.headers or {}).get("Retry-After", "60")
    parrafos = [
        "Se hicieron demasiadas consultas de seguimiento desde su conexión en poco tiempo.",
        f"Vuelva a intentarlo en {espera(int(retry_after))}.",
    ]
    return _aviso(request, 429, "Demasiadas consultas", parrafos, retry_after)


def _no_disponible(request: Request, retry_after: str) -> Response:
    parrafos = [
        "En este momento no podemos consultar los expedientes.",
        f"Vuelva a intentarlo en {espera(int(retry_after))}.",
    ]
    return _aviso(request, 503, "Servicio no disponible por el momento", parrafos, retry_after)


@router.api_route("", methods=["GET", "HEAD"])
async def pagina(request: Request, numero: str | None = None, codigo: str | None = None) -> Response:
    if numero is None and codigo is None:
        return render(request, "formulario.html", 200, numero="", codigo="", errores={})
    numero, codigo = (numero or "").strip(), (codigo or "").strip()
    try:
        await limitar_por_ip(request)
        if mensajes := errores(numero, codigo):
            return render(
                request, "formulario.html", 422, numero=eco(numero), codigo=eco(codigo), errores=mensajes
            )
        async with session_scope() as session:
            expediente = await consultar(session, numero, codigo)
    except TooManyRequests as exc:
        return _demasiadas(request, exc)
    except NotFound:
        return render(request, "no_encontrado.html", 404, **contexto_no_encontrado(numero))
    except ServiceUnavailable as exc:
        return _no_disponible(request, (exc.headers or {}).get("Retry-After", str(RETRY_AFTER_DOWN_S)))
    except Exception as exc:
        if not transient_database_error(exc):
            raise
        log.warning("seguimiento.pagina.unavailable", error=type(exc).__name__, detail=str(exc)[:200])
        busy = isinstance(exc, PoolTimeout)
        return _no_disponible(request, str(RETRY_AFTER_BUSY_S if busy else RETRY_AFTER_DOWN_S))
    return render(request, "resultado.html", 200, **contexto_resultado(expediente))


@router.api_route("/estilos.css", methods=["GET", "HEAD"])
async def estilos() -> Response:
    contenido, _ = css()
    return Response(contenido, media_type="text/css; charset=utf-8", headers={"Cache-Control": RECURSO_CACHE})


@router.api_route("/logo", methods=["GET", "HEAD"])
async def logotipo() -> Response:
    contenido, tipo, _ = logo()
    return Response(contenido, media_type=tipo, headers={"Cache-Control": RECURSO_CACHE})
