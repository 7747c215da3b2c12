"""The document workflow end to end through the API: states, routing, history, locking, concurrent
actions on one document (one wins), and who may annul."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.conftest import World, derivar, registrar


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
    assert r.json()["estado_actual"] == "registrado"
    assert r.json()["detail"] == "Un documento registrado no puede pasar a archivado."
    # The states in words in the sentence ("en proceso"), the code in estado_actual.
    r = await accion(client, tokens["mesa"], doc, "derivar", destinos=[{"area_id": world.areas["OAJ"]}])
    assert r.status_code == 200, r.text
    doc = r.json()
    for nombre in ("recibir", "procesar"):
        r = await accion(client, tokens["oaj"], doc, nombre)
        assert r.status_code == 200, r.text
        doc = r.json()
    r = await accion(client, tokens["oaj"], doc, "archivar")
    assert r.status_code == 409
    assert r.json()["estado_actual"] == "en_proceso"
    assert r.json()["detail"] == "Un documento en proceso no puede pasar a archivado."
    for nombre in ("atender", "archivar"):
        r = await accion(client, tokens["oaj"], doc, nombre)
        assert r.status_code == 200, r.text
        doc = r.json()
    r = await client.patch(
        f"/api/v1/documentos/{doc['id']}",
        json={"version": doc["version"], "folios": 3},
        headers=tokens["oaj"],
    )
    assert r.status_code == 409, r.text
    assert r.json()["estado_actual"] == "archivado"
    assert r.json()["detail"] == "Un documento archivado ya no puede modificarse."


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
    assert r.json()["version_actual"] == doc["version"] + 1


async def test_a_clerk_annuls_only_in_its_area(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    doc = await registrar(client, tokens["mesa"], world)
    doc = (await derivar(client, tokens["mesa"], doc, [{"area_id": world.areas["OAJ"]}])).json()
    refused = await client.post(
        f"/api/v1/documentos/{doc['id']}/anular",
        json={"version": doc["version"], "motivo": "Error"},
        headers=tokens["mesa"],
    )
    assert refused.status_code == 403
    done = await client.post(
        f"/api/v1/documentos/{doc['id']}/anular",
        json={"version": doc["version"], "motivo": "Duplicado"},
        headers=tokens["admin"],
    )
    assert done.status_code == 200
    assert {d["estado"] for d in done.json()["derivaciones"]} == {"anulada"}


async def test_concurrent_actions_on_one_document_one_wins(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    for _ in range(3):
        doc = await registrar(client, tokens["mesa"], world)
        first, second = await asyncio.gather(
            derivar(client, tokens["mesa"], doc, [{"area_id": world.areas["OAJ"]}]),
            derivar(client, tokens["mesa"], doc, [{"area_id": world.areas["OGA"]}]),
        )
        assert sorted([first.status_code, second.status_code]) == [200, 409]
        final = (await client.get(f"/api/v1/documentos/{doc['id']}", headers=tokens["admin"])).json()
        assert len(final["derivaciones"]) == 1
