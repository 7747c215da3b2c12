"""The health check (/health, with the database) and the API document (/openapi.json, /docs)."""

from __future__ import annotations

import httpx


async def test_health_and_openapi(client: httpx.AsyncClient) -> None:
    health = await client.get("/health")
    assert health.status_code == 200 and health.json()["checks"]["database"] == "ok"
    spec = (await client.get("/openapi.json")).json()
    assert "/api/v1/documentos/{documento_id}/derivar" in spec["paths"]
    assert (await client.get("/docs")).status_code == 200
