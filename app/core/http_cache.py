"""HTTP caching of public JSON bodies: `Cache-Control`, a strong `ETag`, and 304 on `If-None-Match`.

A `PublicBody` is a body with its ETag and both answers' headers built once, so that serving it
again (a near copy of the cache, `CacheService.get_or_compute_near`) hashes and encodes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from fastapi import Request, Response

RawHeaders = tuple[tuple[bytes, bytes], ...]


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    # If-None-Match uses the weak comparison (RFC 9110 §13.1.2): a W/ prefix does not matter.
    if not if_none_match:
        return False
    if if_none_match == etag:
        return True  # what a client sends back: the ETag it was given
    candidates = [candidate.strip().removeprefix("W/") for candidate in if_none_match.split(",")]
    return "*" in candidates or etag in candidates


@dataclass(frozen=True, slots=True)
class PublicBody:
    """A JSON body for any client and shared cache, with its ETag and the raw headers of the 200 and
    of the 304."""

    body: bytes
    etag: str
    ok_headers: RawHeaders
    not_modified_headers: RawHeaders

    @classmethod
    def of(cls, body: bytes, *, max_age: int) -> PublicBody:
        etag = etag_of(body)
        common = (
            (b"etag", etag.encode("latin-1")),
            (b"cache-control", f"public, max-age={max_age}".encode()),
        )
        ok = (*common, (b"content-length", str(len(body)).encode()), (b"content-type", b"application/json"))
        return cls(body, etag, ok, common)


class _Prepared(Response):
    """A Response from headers already encoded (Starlette's own would encode them on every call)."""

    def __init__(self, status_code: int, body: bytes, raw_headers: RawHeaders) -> None:
        self.status_code = status_code
        self.background = None
        self.body = body
        # A list of its own: middleware and FastAPI may extend a response's headers in place.
        self.raw_headers = list(raw_headers)


def _if_none_match(request: Request) -> str | None:
    # The raw ASGI headers (lower-case names): no Headers object built for one lookup.
    for name, value in request.scope["headers"]:
        if name == b"if-none-match":
            return str(value.decode("latin-1"))
    return None


def public_response(request: Request, public: PublicBody) -> Response:
    """`public` for any client and shared cache; 304 when the client holds it."""
    if _matches(_if_none_match(request), public.etag):
        return _Prepared(304, b"", public.not_modified_headers)
    return _Prepared(200, public.body, public.ok_headers)
