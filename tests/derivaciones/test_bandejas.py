"""Routing trays (GET /derivaciones): inbox and outbox of an area, copies, what an especialista sees,
and overdue routings. The routed documents (`ruteados`) are a fixture of tests/conftest.py.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import World
from tests.helpers import assert_max_queries


async def test_inbox_and_outbox(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World, ruteados: dict[str, Any]
) -> None:
    with assert_max_queries(2):  # user + one page with document and areas joined
        inbox = await client.get(
            "/api/v1/derivaciones",
            params={"area_destino_id": world.areas["OAJ"], "estado": "pendiente", "page_size": 100},
            headers=tokens["oaj"],
        )
    assert inbox.status_code == 200, inbox.text
    pending = {d["documento"]["id"] for d in inbox.json()["items"]}
    assert {ruteados["docs"][0]["id"], ruteados["docs"][2]["id"]} <= pending
    assert ruteados["docs"][1]["id"] not in pending  # received: no longer pending
    outbox = await client.get(
        "/api/v1/derivaciones",
        params={"area_origen_id": world.areas["MP"], "page_size": 100},
        headers=tokens["mesa"],
    )
    assert ruteados["ids"] <= {d["documento"]["id"] for d in outbox.json()["items"]}
    copies = await client.get(
        "/api/v1/derivaciones",
        params={"area_destino_id": world.areas["OGA"], "es_copia": True},
        headers=tokens["oga"],
    )
    assert ruteados["docs"][0]["id"] in {d["documento"]["id"] for d in copies.json()["items"]}


async def test_especialista_sees_only_its_area_routings(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World, ruteados: dict[str, Any]
) -> None:
    response = await client.get("/api/v1/derivaciones", params={"page_size": 100}, headers=tokens["oga"])
    areas = {(d["area_origen"]["codigo"], d["area_destino"]["codigo"]) for d in response.json()["items"]}
    assert all("OGA" in pair for pair in areas)


async def test_overdue_routings(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World, ruteados: dict[str, Any]
) -> None:
    # plazo_dias 0 ends today: not overdue yet.
    response = await client.get(
        "/api/v1/derivaciones", params={"vencidas": True, "page_size": 100}, headers=tokens["admin"]
    )
    assert response.status_code == 200
    assert not ruteados["ids"] & {d["documento"]["id"] for d in response.json()["items"]}
    assert (
        await client.get("/api/v1/derivaciones", params={"vencidas": False}, headers=tokens["admin"])
    ).status_code == 422
