"""Outbound connections to addresses an operator did not mean: the server-side request forgery check.

A URL that a user registers (a webhook receiver) must not make this service talk to itself, to the
office's private network or to a cloud's metadata endpoint. `direcciones_permitidas` resolves the
host once and checks every address it gets; the caller then connects to one of those very
addresses (pinned), so a name that answers differently a moment later (DNS rebinding) changes
nothing. An allow-list (`Permitidos`) admits on-premises receivers: host names, `*.suffix`
patterns, and CIDR networks.

`ipaddress.is_global` is the base, with its caveats covered (Python 3.11): multicast counts as
global there, and so do 192.0.0.0/24 and fec0::/10; IPv6 forms that carry an IPv4 address
(IPv4-mapped, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by that IPv4 address too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

Direccion = ipaddress.IPv4Address | ipaddress.IPv6Address
Red = ipaddress.IPv4Network | ipaddress.IPv6Network

# Not global, whatever `is_global` says on this Python version.
_NO_GLOBALES: tuple[Red, ...] = (
    ipaddress.ip_network("0.0.0.0/8"),
    ipaddress.ip_network("100.64.0.0/10"),  # carrier-grade NAT (shared address space)
    ipaddress.ip_network("192.0.0.0/24"),  # IETF protocol assignments
    ipaddress.ip_network("198.18.0.0/15"),  # benchmarking
    ipaddress.ip_network("fec0::/10"),  # deprecated site-local
    ipaddress.ip_network("64:ff9b:1::/48"),  # local-use IPv4/IPv6 translation
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_HOST = re.compile(r"^(\*\.)?[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$")


class DestinoNoPermitido(Exception):
    """The host is, or resolves to, an address outside the public internet and the allow-list."""

    def __init__(self, host: str, direccion: Direccion, motivo: str) -> None:
        literal_ = host.strip("[]") == str(direccion)
        super().__init__(
            f"{direccion} is {motivo}" if literal_ else f"{host} resolves to {direccion} ({motivo})"
        )
        self.host = host
        self.direccion = direccion
        self.motivo = motivo


class ResolucionFallida(Exception):
    """The host name did not resolve (no such name, or no answer in time)."""


def motivo_no_publica(direccion: Direccion) -> str | None:
    """Why `direccion` is not a public internet address (a short English word), or None if it is."""
    if isinstance(direccion, ipaddress.IPv6Address):
        incluida = _ipv4_incluida(direccion)
        if incluida is not None and (motivo := motivo_no_publica(incluida)) is not None:
            return motivo
        if incluida is not None and (direccion.ipv4_mapped is not None or direccion in _NAT64):
            return None  # judged by its IPv4 address alone (Python calls both whole ranges reserved)
    for motivo, si in (
        ("unspecified", direccion.is_unspecified),
        ("loopback", direccion.is_loopback),
        ("link-local", direccion.is_link_local),
        ("multicast", direccion.is_multicast),
        ("reserved", direccion.is_reserved),
        ("private", direccion.is_private),
        ("site-local", isinstance(direccion, ipaddress.IPv6Address) and direccion.is_site_local),
        (
            "special-purpose",
            any(direccion in red for red in _NO_GLOBALES if red.version == direccion.version),
        ),
        ("not global", not direccion.is_global),
    ):
        if si:
            return motivo
    return None


def _ipv4_incluida(direccion: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for, when it is one of the forms that carry one."""
    if direccion.ipv4_mapped is not None:
        return direccion.ipv4_mapped
    if direccion in _NAT64:
        return ipaddress.IPv4Address(int(direccion) & 0xFFFFFFFF)
    return direccion.sixtofour


def _nunca(direccion: Direccion) -> bool:
    """Addresses no allow-list admits: nothing listens on them as a receiver."""
    formas: list[Direccion] = [direccion]
    if isinstance(direccion, ipaddress.IPv6Address) and (incluida := _ipv4_incluida(direccion)):
        formas.append(incluida)
    return any(forma.is_unspecified or forma.is_multicast for forma in formas)


@dataclass(frozen=True)
class Permitidos:
    """Receivers that may be private: exact host names, `*.suffix` patterns and networks."""

    hosts: frozenset[str] = frozenset()
    sufijos: tuple[str, ...] = ()
    redes: tuple[Red, ...] = ()

    @classmethod
    def desde(cls, entradas: Iterable[str]) -> Permitidos:
        """Parse the allow-list's entries (ValueError names the first invalid one)."""
        hosts: set[str] = set()
        sufijos: list[str] = []
        redes: list[Red] = []
        for cruda in entradas:
            entrada = cruda.strip().lower().rstrip(".")
            if not entrada:
                continue
            try:
                redes.append(ipaddress.ip_network(entrada.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            if not _HOST.match(entrada) or len(entrada) > 253:
                raise ValueError(f"not a host name, *.suffix or CIDR network: {cruda!r}")
            if entrada.startswith("*."):
                sufijos.append(entrada[1:])
            else:
                hosts.add(entrada)
        return cls(frozenset(hosts), tuple(sufijos), tuple(redes))

    def admite_host(self, host: str) -> bool:
        nombre = host.lower().rstrip(".")
        return nombre in self.hosts or any(nombre.endswith(sufijo) for sufijo in self.sufijos)

    def admite_direccion(self, direccion: Direccion) -> bool:
        formas = [direccion]
        if isinstance(direccion, ipaddress.IPv6Address) and direccion.ipv4_mapped is not None:
            formas.append(direccion.ipv4_mapped)
        return any(forma in red for forma in formas for red in self.redes if red.version == forma.version)


@lru_cache(maxsize=16)
def permitidos_de(valor: str) -> Permitidos:
    """The allow-list of a setting's value (entries separated by commas or blanks), parsed once."""
    return Permitidos.desde(re.split(r"[,\s]+", valor))


def literal(host: str) -> Direccion | None:
    """The address when `host` is an IP literal (brackets allowed), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


async def resolver(host: str, puerto: int, timeout_s: float) -> list[Direccion]:
    """Every address of `host` (one system lookup), in the resolver's order, without repeats."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout_s):
            infos = await loop.getaddrinfo(host, puerto, type=socket.SOCK_STREAM)
    except TimeoutError as exc:
        raise ResolucionFallida(f"{host} did not resolve within {timeout_s} s") from exc
    except (socket.gaierror, UnicodeError) as exc:
        raise ResolucionFallida(f"{host} did not resolve: {exc}") from exc
    direcciones: list[Direccion] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        direccion = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if direccion not in direcciones:
            direcciones.append(direccion)
    if not direcciones:
        raise ResolucionFallida(f"{host} has no address")
    return direcciones


async def direcciones_permitidas(
    host: str, puerto: int, lista: Permitidos, timeout_s: float = 5.0
) -> list[Direccion]:
    """The addresses to connect to for `host`: resolved once, every one of them checked.

    Raises DestinoNoPermitido when any address is neither public nor admitted by `lista` (an
    allow-listed host name admits whatever it resolves to), ResolucionFallida when the name does
    not resolve. The caller must connect to one of the returned addresses, never to `host` again.
    """
    ip = literal(host)
    direcciones = [ip] if ip is not None else await resolver(host, puerto, timeout_s)
    host_admitido = ip is None and lista.admite_host(host)
    for direccion in direcciones:
        if _nunca(direccion):
            raise DestinoNoPermitido(host, direccion, motivo_no_publica(direccion) or "unspecified")
        if host_admitido or lista.admite_direccion(direccion):
            continue
        if (motivo := motivo_no_publica(direccion)) is not None:
            raise DestinoNoPermitido(host, direccion, motivo)
    return direcciones
