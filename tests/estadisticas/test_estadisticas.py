"""Statistics (GET /estadisticas): totals by state, area and month that follow the registrations, and
a date range.
"""

from __future__ import annotations

import httpx

from app.core.office_time import office_today
from tests.conftest import World, registrar


async def test_statistics_reflect_registrations(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    before = (await client.get("/api/v1/estadisticas", headers=tokens["auditor"])).json()
    await registrar(client, tokens["mesa"], world)
    after = (await client.get("/api/v1/estadisticas", headers=tokens["auditor"])).json()
    assert after["total"] == before["total"] + 1
    por_estado = {c["clave"]: c["total"] for c in after["por_estado"]}
    assert (
        por_estado["registrado"]
        == {c["clave"]: c["total"] for c in before["por_estado"]}.get("registrado", 0) + 1
    )
    assert sum(c["total"] for c in after["por_area"]) == after["total"]
    assert sum(c["total"] for c in after["por_mes"]) == after["total"]
    # The office's day, not the machine's (UTC): between 00:00 and 05:00 UTC they differ.
    today = office_today().isoformat()
    bounded = await client.get(
        "/api/v1/estadisticas", params={"fecha_desde": today, "fecha_hasta": today}, headers=tokens["auditor"]
    )
    assert bounded.status_code == 200 and bounded.json()["total"] >= 1
    reversed_range = await client.get(
        "/api/v1/estadisticas",
        params={"fecha_desde": "2026-02-01", "fecha_hasta": "2026-01-01"},
        headers=tokens["auditor"],
    )
    assert reversed_range.status_code == 422
