"""Outbound connections to addresses an operator did not mean: the server-side request forgery check.

A URL that a user registers (a webhook receiver) must not make this service talk to itself, to the
office's private network or to a cloud's metadata endpoint. `allowed_addresses` resolves the
host once and checks every address it gets; the caller then connects to one of those very
addresses (pinned), so a name that answers differently a moment later (DNS rebinding) changes
nothing. An allow-list (`AllowList`) admits on-premises receivers: host names, `*.suffix`
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

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Not global, whatever `is_global` says on this Python version.
_NOT_GLOBAL: tuple[Network, ...] = (
    ipaddress.ip_network("0.0.0.0/8"),
    ipaddress.ip_network("100.64.0.0/10"),  # carrier-grade NAT (shared address space)
    ipaddress.ip_network("192.0.0.0/24"),  # IETF protocol assignments
    ipaddress.ip_network("198.18.0.0/15"),  # benchmarking
    ipaddress.ip_network("fec0::/10"),  # deprecated site-local
    ipaddress.ip_network("64:ff9b:1::/48"),  # local-use IPv4/IPv6 translation
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_HOST = re.compile(r"^(\*\.)?[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$")


class DestinationRefused(Exception):
    """The host is, or resolves to, an address outside the public internet and the allow-list."""

    def __init__(self, host: str, address: Address, reason: str) -> None:
        is_literal = host.strip("[]") == str(address)
        super().__init__(
            f"{address} is {reason}" if is_literal else f"{host} resolves to {address} ({reason})"
        )
        self.host = host
        self.address = address
        self.reason = reason


class ResolutionFailed(Exception):
    """The host name did not resolve (no such name, or no answer in time)."""


def non_public_reason(address: Address) -> str | None:
    """Why `address` is not a public internet address (a short English word), or None if it is."""
    if isinstance(address, ipaddress.IPv6Address):
        carried = _carried_ipv4(address)
        if carried is not None and (reason := non_public_reason(carried)) is not None:
            return reason
        if carried is not None and (address.ipv4_mapped is not None or address in _NAT64):
            return None  # judged by its IPv4 address alone (Python calls both whole ranges reserved)
    for reason, applies in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("site-local", isinstance(address, ipaddress.IPv6Address) and address.is_site_local),
        (
            "special-purpose",
            any(address in network for network in _NOT_GLOBAL if network.version == address.version),
        ),
        ("not global", not address.is_global),
    ):
        if applies:
            return reason
    return None


def _carried_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for, when it is one of the forms that carry one."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def _never_allowed(address: Address) -> bool:
    """Addresses no allow-list admits: nothing listens on them as a receiver."""
    forms: list[Address] = [address]
    if isinstance(address, ipaddress.IPv6Address) and (carried := _carried_ipv4(address)):
        forms.append(carried)
    return any(form.is_unspecified or form.is_multicast for form in forms)


@dataclass(frozen=True)
class AllowList:
    """Receivers that may be private: exact host names, `*.suffix` patterns and networks."""

    hosts: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        """Parse the allow-list's entries (ValueError names the first invalid one)."""
        hosts: set[str] = set()
        suffixes: list[str] = []
        networks: list[Network] = []
        for raw in entries:
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            if not _HOST.match(entry) or len(entry) > 253:
                raise ValueError(f"not a host name, *.suffix or CIDR network: {raw!r}")
            if entry.startswith("*."):
                suffixes.append(entry[1:])
            else:
                hosts.add(entry)
        return cls(frozenset(hosts), tuple(suffixes), tuple(networks))

    def admits_host(self, host: str) -> bool:
        name = host.lower().rstrip(".")
        return name in self.hosts or any(name.endswith(suffix) for suffix in self.suffixes)

    def admits_address(self, address: Address) -> bool:
        forms = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            forms.append(address.ipv4_mapped)
        return any(
            form in network for form in forms for network in self.networks if network.version == form.version
        )


@lru_cache(maxsize=16)
def allow_list_from(value: str) -> AllowList:
    """The allow-list of a setting's value (entries separated by commas or blanks), parsed once."""
    return AllowList.parse(re.split(r"[,\s]+", value))


def literal(host: str) -> Address | None:
    """The address when `host` is an IP literal (brackets allowed), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


async def resolve(host: str, port: int, timeout_s: float) -> list[Address]:
    """Every address of `host` (one system lookup), in the resolve's order, without repeats."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout_s):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except TimeoutError as exc:
        raise ResolutionFailed(f"{host} did not resolve within {timeout_s} s") from exc
    except (socket.gaierror, UnicodeError) as exc:
        raise ResolutionFailed(f"{host} did not resolve: {exc}") from exc
    addresses: list[Address] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise ResolutionFailed(f"{host} has no address")
    return addresses


async def allowed_addresses(
    host: str, port: int, allow_list: AllowList, timeout_s: float = 5.0
) -> list[Address]:
    """The addresses to connect to for `host`: resolved once, every one of them checked.

    Raises DestinationRefused when any address is neither public nor admitted by `allow_list` (an
    allow-listed host name admits whatever it resolves to), ResolutionFailed when the name does
    not resolve. The caller must connect to one of the returned addresses, never to `host` again.
    """
    ip = literal(host)
    addresses = [ip] if ip is not None else await resolve(host, port, timeout_s)
    host_admitted = ip is None and allow_list.admits_host(host)
    for address in addresses:
        if _never_allowed(address):
            raise DestinationRefused(host, address, non_public_reason(address) or "unspecified")
        if host_admitted or allow_list.admits_address(address):
            continue
        if (reason := non_public_reason(address)) is not None:
            raise DestinationRefused(host, address, reason)
    return addresses
