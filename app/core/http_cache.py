"""HTTP caching of public JSON bodies: `Cache-Control`, a strong `ETag`, and 304 on `If-None-Match`."""

from __future__ import annotations

import hashlib

from fastapi import Request, Response


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    # If-None-Match uses the weak comparison (RFC 9110 §13.1.2): a W/ prefix does not matter.
    if not if_none_match:
        return False
    candidates = [candidate.strip().removeprefix("W/") for candidate in if_none_match.split(",")]
    return "*" in candidates or etag in candidates


def public_json(request: Request, body: bytes, *, max_age: int) -> Response:
    """`body` (already JSON) for any client and shared cache; 304 when the client holds it."""
    etag = etag_of(body)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
