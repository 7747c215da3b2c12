"""Routing trays, the audit trail, sender search and the extra list filters."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import World, counted, nuevo_dni, registrar
from tests.helpers import assert_max_queries


@pytest.fixture(scope="module")
async def ruteados(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> dict[str, Any]:
    """Three documents routed from MP to OAJ (one with a copy to OGA), one of them received."""
    marca = uuid.uuid4().hex[:8]
    docs = []
    for i in range(3):
        doc = await registrar(
            client,
            tokens["mesa"],
            world,
            canal="virtual",
            prioridad="urgente" if i == 0 else "normal",
            numero_documento=f"OFICIO N° {marca}-100%_{i}",
        )
        destinos: list[dict[str, Any]] = [{"area_id": world.areas["OAJ"], "plazo_dias": 0}]
        if i == 0:
            destinos.append({"area_id": world.areas["OGA"], "es_copia": True})
        r = await client.post(
            f"/api/v1/documentos/{doc['id']}/derivar",
            json={"version": doc["version"], "destinos": destinos},
            headers=tokens["mesa"],
        )
        assert r.status_code == 200, r.text
        docs.append(r.json())
    r = await client.post(
        f"/api/v1/documentos/{docs[1]['id']}/recibir",
        json={"version": docs[1]["version"]},
        headers=tokens["oaj"],
    )
    assert r.status_code == 200
    return {"docs": docs, "marca": marca, "ids": {d["id"] for d in docs}}


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


async def test_sender_search(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    dni = nuevo_dni()
    apellido = f"Huamanchumo{uuid.uuid4().hex[:5]}"
    await registrar(
        client,
        tokens["mesa"],
        world,
        remitente={
            "tipo_persona": "natural",
            "tipo_documento_identidad": "DNI",
            "numero_documento_identidad": dni,
            "nombre": f"Rosa {apellido} Flores",
        },
    )
    by_name = await client.get("/api/v1/remitentes", params={"q": apellido.lower()}, headers=tokens["mesa"])
    assert by_name.status_code == 200
    assert [r["numero_documento_identidad"] for r in by_name.json()] == [dni]
    by_number = await client.get("/api/v1/remitentes", params={"numero": dni}, headers=tokens["mesa"])
    assert [r["nombre"] for r in by_number.json()] == [f"Rosa {apellido} Flores"]
    one = await client.get(f"/api/v1/remitentes/{by_number.json()[0]['id']}", headers=tokens["auditor"])
    assert one.status_code == 200
    assert (await client.get("/api/v1/remitentes/999999999", headers=tokens["mesa"])).status_code == 404


async def test_list_filters_canal_prioridad_and_reference_fragment(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World, ruteados: dict[str, Any]
) -> None:
    marca = ruteados["marca"]

    async def ids(**params: Any) -> set[int]:
        response = await client.get(
            "/api/v1/documentos", params={"page_size": 100, **params}, headers=tokens["admin"]
        )
        assert response.status_code == 200, response.text
        return {d["id"] for d in response.json()["items"]}

    assert await ids(numero_documento=marca) == ruteados["ids"]
    # LIKE wildcards typed by the user are literal characters.
    assert await ids(numero_documento=f"{marca}-100%_1") == {ruteados["docs"][1]["id"]}
    assert await ids(numero_documento=f"{marca}-1000") == set()
    assert ruteados["ids"] <= await ids(canal="virtual", registrado_por_id=world.users["mesa"])
    urgent = await ids(prioridad=["alta", "urgente"], numero_documento=marca)
    assert urgent == {ruteados["docs"][0]["id"]}
    assert await ids(procedimiento_id=world.procedimiento_id, numero_documento=marca) == ruteados["ids"]
