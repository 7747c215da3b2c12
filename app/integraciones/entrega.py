"""The network side of a delivery: where a receiver's URL may point, and the POST itself.

A receiver's URL is checked against the SSRF rule (app/core/network.py) when an admin registers or
changes it, and again at every attempt: the host is resolved once, every address checked, and the
request goes to one of those addresses (pinned: no second lookup between the check and the
connection), with the URL's own name in the `Host` header and as the TLS server name, so the
certificate is still verified against it. Redirects are not followed (a 3xx is a failed attempt),
and proxies from the environment are not used (they would resolve the name themselves).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx

from app.core.config import get_settings
from app.core.errors import InvalidInput
from app.core.network import (
    Address,
    DestinationRefused,
    ResolutionFailed,
    allow_list_from,
    allowed_addresses,
    literal,
)

ERROR_MAX = 500
EXTRACTO_MAX = 200  # characters of the receiver's answer kept for the admins
LECTURA_MAX = 4096  # bytes of the answer read at most: a receiver cannot make the worker buffer more
RESOLUCION_S = 5.0  # a name that does not resolve within this long is refused at creation
AJUSTE = "INTEGRACIONES_HOSTS_PERMITIDOS"

MOTIVOS = {
    "unspecified": "no especificada",
    "loopback": "de bucle local (loopback)",
    "link-local": "de enlace local",
    "multicast": "de multidifusión",
    "private": "privada",
    "reserved": "reservada",
    "site-local": "de sitio local",
    "special-purpose": "de uso especial",
    "not global": "no pública",
}


@dataclass(frozen=True)
class Respuesta:
    """The outcome of one attempt: a status (any), or an error without one."""

    codigo: int | None
    error: str | None
    ms: int
    extracto: str | None = None  # the start of the receiver's answer; shown to admins only
    rechazado: bool = False  # the destination is not allowed: final, never retried


@dataclass(frozen=True)
class Destino:
    url: httpx.URL
    host: str
    puerto: int


def destino(url: str) -> Destino:
    parsed = httpx.URL(url)
    puerto = parsed.port or (443 if parsed.scheme == "https" else 80)
    return Destino(parsed, parsed.raw_host.decode("ascii"), puerto)


async def direcciones(url: str, timeout_s: float) -> list[Address]:
    """The checked addresses of the URL's host under the current allow-list (DestinationRefused,
    ResolutionFailed otherwise). The allow-list is read on every call: a change applies to the
    next attempt."""
    d = destino(url)
    lista = allow_list_from(get_settings().integraciones_hosts_permitidos)
    return await allowed_addresses(d.host, d.puerto, lista, timeout_s)


async def verificar_url(url: str) -> None:
    """422 on `url` unless its host resolves to public addresses only (or is allow-listed)."""
    try:
        await direcciones(url, RESOLUCION_S)
    except DestinationRefused as exc:
        motivo = MOTIVOS.get(exc.reason, "no pública")
        raise InvalidInput(
            f"La URL no está permitida: {exc.host} corresponde a {exc.address}, una dirección {motivo}. "
            f"Un receptor de la red de la entidad debe figurar en {AJUSTE}.",
            field="url",
        ) from exc
    except ResolutionFailed as exc:
        raise InvalidInput(
            f"No se pudo resolver el servidor de la URL ({destino(url).host}); revise el nombre.",
            field="url",
        ) from exc


async def post(url: str, body: bytes, headers: dict[str, str], timeout_s: int) -> Respuesta:
    """One POST of `body` to `url`, pinned to a checked address; every outcome is a Respuesta."""
    started = time.perf_counter()
    codigo: int | None = None
    extracto: str | None = None
    error: str | None = None
    rechazado = False
    try:
        # httpx's timeout bounds each phase; the outer one the whole attempt (lookup, slow trickle).
        async with asyncio.timeout(timeout_s):
            codigo, extracto = await _post_fijado(url, body, headers, timeout_s)
        if not 200 <= codigo < 300:
            error = f"El receptor respondió con el estado HTTP {codigo}."
    except DestinationRefused as exc:
        motivo = MOTIVOS.get(exc.reason, "no pública")
        error = (
            f"Destino rechazado: {exc.host} corresponde a {exc.address}, una dirección {motivo} "
            f"que no figura en {AJUSTE}."
        )
        rechazado = True
    except ResolutionFailed:
        error = f"No se pudo resolver el nombre del servidor {destino(url).host}."
    except httpx.ConnectTimeout:
        error = f"Tiempo de espera agotado al conectar con el receptor ({timeout_s} s)."
    except (TimeoutError, httpx.TimeoutException):
        error = f"Tiempo de espera agotado: el receptor no respondió en {timeout_s} s."
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        error = falla_de_conexion(exc)
    ms = round((time.perf_counter() - started) * 1000)
    return Respuesta(codigo, error[:ERROR_MAX] if error else None, ms, extracto, rechazado)


def falla_de_conexion(exc: BaseException) -> str:
    """Why an attempt failed without an answer, in Spanish for the admins who read `ultimo_error`;
    the exception's name stays as the technical clue (its own text is English)."""
    texto = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in texto or "certificate verify failed" in texto:
        return "El certificado TLS del receptor no es válido (CERTIFICATE_VERIFY_FAILED)."
    if isinstance(exc, httpx.ConnectError | ConnectionError):
        if "refused" in texto.lower():
            return "No se pudo conectar con el receptor: rechazó la conexión."
        return f"No se pudo conectar con el receptor ({type(exc).__name__})."
    if isinstance(exc, httpx.RemoteProtocolError):
        return "El receptor cerró la conexión sin una respuesta HTTP válida."
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return "La URL del receptor no es válida."
    return f"Falló la comunicación con el receptor ({type(exc).__name__})."


async def _post_fijado(
    url: str, body: bytes, headers: dict[str, str], timeout_s: int
) -> tuple[int, str | None]:
    d = destino(url)
    fijas = await direcciones(url, timeout_s)
    # The name the receiver's certificate must carry; an IP literal has none to send (RFC 6066).
    extensions = {"sni_hostname": d.host} if d.url.scheme == "https" and literal(d.host) is None else {}
    cabeceras = {**headers, "Host": d.url.netloc.decode("ascii")}
    fallo: httpx.ConnectError | None = None
    async with httpx.AsyncClient(timeout=timeout_s, follow_redirects=False, trust_env=False) as client:
        for direccion in fijas:  # in the resolver's order, as a client trying each address would
            request = client.build_request(
                "POST",
                d.url.copy_with(host=str(direccion)),
                content=body,
                headers=cabeceras,
                extensions=extensions,
            )
            try:
                response = await client.send(request, stream=True)
            except httpx.ConnectError as exc:
                fallo = exc
                continue
            try:
                exito = 200 <= response.status_code < 300
                return response.status_code, None if exito else await _extracto(response)
            finally:
                await response.aclose()
    raise fallo or httpx.ConnectError(f"no address to connect to for {d.host}")


async def _extracto(response: httpx.Response) -> str | None:
    leido = bytearray()
    async for chunk in response.aiter_bytes():
        leido += chunk
        if len(leido) >= LECTURA_MAX:
            break
    texto = bytes(leido[:LECTURA_MAX]).decode("utf-8", errors="replace")
    return texto[:EXTRACTO_MAX].strip() or None
