"""The document workflow end to end through the API: states, routing, history, locking."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import World, registrar


async def accion(
    client: httpx.AsyncClient, headers: dict[str, str], doc: dict[str, Any], nombre: str, **body: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/documentos/{doc['id']}/{nombre}", json={"version": doc["version"], **body}, headers=headers
    )


async def test_full_lifecycle(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    doc = await registrar(client, tokens["mesa"], world)
    assert doc["estado"] == "registrado"
    assert doc["numero_expediente"].count("-") == 1
    assert doc["fecha_limite"] is not None
    assert doc["area_actual"]["codigo"] == "MP"

    r = await accion(
        client,
        tokens["mesa"],
        doc,
        "derivar",
        destinos=[
            {"area_id": world.areas["OAJ"], "indicacion_id": world.indicacion_id, "proveido": "Atender"},
            {"area_id": world.areas["OGA"], "es_copia": True},
        ],
    )
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["estado"] == "derivado"
    assert doc["area_actual"]["codigo"] == "OAJ"
    assert {(d["area_destino"]["codigo"], d["es_copia"]) for d in doc["derivaciones"]} == {
        ("OAJ", False),
        ("OGA", True),
    }

    for nombre, estado in [
        ("recibir", "recibido"),
        ("procesar", "en_proceso"),
        ("atender", "atendido"),
        ("archivar", "archivado"),
    ]:
        r = await accion(client, tokens["oaj"], doc, nombre)
        assert r.status_code == 200, r.text
        doc = r.json()
        assert doc["estado"] == estado

    r = await client.get(f"/api/v1/documentos/{doc['id']}/historial", headers=tokens["auditor"])
    assert r.status_code == 200
    eventos = [e["evento"] for e in r.json()]
    assert eventos == ["registrado", "derivado", "recibido", "en_proceso", "atendido", "archivado"]


async def test_illegal_transition_names_current_state(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    doc = await registrar(client, tokens["mesa"], world)
    r = await accion(client, tokens["mesa"], doc, "archivar")
    assert r.status_code == 409
    assert r.json()["detail"]["estado_actual"] == "registrado"
    assert "registrado" in r.json()["detail"]["message"]


async def test_stale_version_is_conflict(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    doc = await registrar(client, tokens["mesa"], world)
    r = await client.patch(
        f"/api/v1/documentos/{doc['id']}",
        json={"version": doc["version"], "folios": 9},
        headers=tokens["mesa"],
    )
    assert r.status_code == 200, r.text
    assert r.json()["version"] == doc["version"] + 1
    r = await client.patch(
        f"/api/v1/documentos/{doc['id']}",
        json={"version": doc["version"], "folios": 10},
        headers=tokens["mesa"],
    )
    assert r.status_code == 409
    assert r.json()["detail"]["version_actual"] == doc["version"] + 1
