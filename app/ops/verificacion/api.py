"""The checks through a running API (`--api URL`): it is live and ready, a catalog answers 304 to
its ETag, and responses carry `Server-Timing`."""

from __future__ import annotations

from typing import Any

import httpx

from app.ops.verificacion.runner import Check, CheckFailed, Context

CATALOG = "/api/v1/catalogos/areas"
REQUEST_TIMEOUT_S = 10.0


def _client(context: Context) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=str(context.options["api"]).rstrip("/"), timeout=REQUEST_TIMEOUT_S)


async def check_livez(context: Context) -> str:
    async with _client(context) as http:
        response = await http.get("/livez")
    if response.status_code != 200:
        raise CheckFailed(f"GET /livez: {response.status_code}")
    return "GET /livez: 200"


def _failing(checks: dict[str, Any]) -> str:
    return "; ".join(
        f"{name}: {check.get('detail') or 'not ok'}"
        for name, check in checks.items()
        if isinstance(check, dict) and not check.get("ok")
    )


async def check_readyz(context: Context) -> str:
    async with _client(context) as http:
        response = await http.get("/readyz")
    try:
        body = response.json()
    except ValueError:
        raise CheckFailed(f"GET /readyz: {response.status_code}, not JSON: {response.text[:120]!r}") from None
    status = body.get("status") if isinstance(body, dict) else None
    checks = body.get("checks", {}) if isinstance(body, dict) else {}
    if response.status_code != 200 or status != "ok":
        failing = _failing(checks) if isinstance(checks, dict) else ""
        raise CheckFailed(
            f"GET /readyz: {response.status_code} {status}" + (f" ({failing})" if failing else "")
        )
    return f"GET /readyz: 200 ok ({', '.join(checks) if isinstance(checks, dict) else 'no checks'})"


async def check_catalog_304(context: Context) -> str:
    async with _client(context) as http:
        first = await http.get(CATALOG)
        etag = first.headers.get("etag")
        if first.status_code != 200 or not etag:
            raise CheckFailed(f"GET {CATALOG}: {first.status_code}, ETag {etag!r}")
        again = await http.get(CATALOG, headers={"If-None-Match": etag})
    if again.status_code != 304:
        raise CheckFailed(f"GET {CATALOG} with If-None-Match {etag}: {again.status_code}, expected 304")
    return f"GET {CATALOG} with If-None-Match: 304 (ETag {etag})"


async def check_server_timing(context: Context) -> str:
    async with _client(context) as http:
        response = await http.get(CATALOG)
    timing = response.headers.get("server-timing")
    if not timing or "dur=" not in timing:
        raise CheckFailed(f"GET {CATALOG}: no Server-Timing header ({response.status_code})")
    return f"GET {CATALOG}: Server-Timing: {timing}"


CHECKS = (
    Check("api_livez", check_livez, timeout_s=15),
    Check("api_readyz", check_readyz, timeout_s=15),
    Check("api_catalog_304", check_catalog_304, timeout_s=15),
    Check("api_server_timing", check_server_timing, timeout_s=15),
)
