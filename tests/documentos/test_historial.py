"""The audit trail (GET /historial): filtered by user, event and area, paged, in a fixed number of
statements, and for auditors and admins only. The routed documents (`ruteados`) are a fixture of
tests/conftest.py.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import World, counted


async def test_audit_trail(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World, ruteados: dict[str, Any]
) -> None:
    response, stats = await counted(
        client.get(
            "/api/v1/historial",
            params={"usuario_id": world.users["oaj"], "evento": "recibido"},
            headers=tokens["auditor"],
        )
    )
    assert response.status_code == 200
    assert stats.count == 2
    items = response.json()["items"]
    assert ruteados["docs"][1]["id"] in {e["documento_id"] for e in items}
    assert all(e["evento"] == "recibido" and e["usuario"]["id"] == world.users["oaj"] for e in items)
    by_area = await client.get(
        "/api/v1/historial", params={"area_id": world.areas["MP"], "page_size": 5}, headers=tokens["admin"]
    )
    assert by_area.status_code == 200 and len(by_area.json()["items"]) == 5
    assert by_area.json()["has_more"]
    assert (await client.get("/api/v1/historial", headers=tokens["oaj"])).status_code == 403
