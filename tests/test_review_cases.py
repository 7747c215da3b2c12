"""Workflow edge cases: copies, closing routings, overdue filters, idempotency, area limits."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.conftest import World, documento_payload, nuevo_dni, registrar


async def derivar(
    client: httpx.AsyncClient, headers: dict[str, str], doc: dict[str, Any], destinos: list[dict[str, Any]]
) -> httpx.Response:
    return await client.post(
        f"/api/v1/documentos/{doc['id']}/derivar",
        json={"version": doc["version"], "destinos": destinos},
        headers=headers,
    )


async def test_copies_are_acknowledged_and_closed_with_the_document(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    doc = await registrar(client, tokens["mesa"], world, observacion="Trae sobre cerrado con CD")
    doc = (
        await derivar(
            client,
            tokens["mesa"],
            doc,
            [{"area_id": world.areas["OAJ"]}, {"area_id": world.areas["OGA"], "es_copia": True}],
        )
    ).json()
    copia = next(d for d in doc["derivaciones"] if d["es_copia"])
    principal = next(d for d in doc["derivaciones"] if not d["es_copia"])
    # Only the copy's area acknowledges it (another area does not even see it; the sending area
    # sees it but may not act); the main routing is received through the document.
    assert (
        await client.post(f"/api/v1/derivaciones/{copia['id']}/recibir", headers=tokens["oaj"])
    ).status_code == 404
    assert (
        await client.post(f"/api/v1/derivaciones/{copia['id']}/recibir", headers=tokens["mesa"])
    ).status_code == 403
    assert (
        await client.post(f"/api/v1/derivaciones/{principal['id']}/recibir", headers=tokens["oaj"])
    ).status_code == 409
    ack = await client.post(f"/api/v1/derivaciones/{copia['id']}/recibir", headers=tokens["oga"])
    assert ack.status_code == 200, ack.text
    assert ack.json()["estado"] == "recibida" and ack.json()["documento"]["estado"] == "derivado"
    again = await client.post(f"/api/v1/derivaciones/{copia['id']}/recibir", headers=tokens["oga"])
    assert again.status_code == 409
    doc = (
        await client.post(
            f"/api/v1/documentos/{doc['id']}/recibir", json={"version": doc["version"]}, headers=tokens["oaj"]
        )
    ).json()
    observado = await client.post(
        f"/api/v1/documentos/{doc['id']}/observar",
        json={"version": doc["version"], "motivo": "Falta firma"},
        headers=tokens["oaj"],
    )
    doc = observado.json()
    assert doc["observacion"] == "Trae sobre cerrado con CD"  # the reason lives in the history
    archivado = await client.post(
        f"/api/v1/documentos/{doc['id']}/archivar", json={"version": doc["version"]}, headers=tokens["oaj"]
    )
    assert archivado.status_code == 200, archivado.text
    assert {d["estado"] for d in archivado.json()["derivaciones"]} == {"atendida"}
    historial = (
        await client.get(f"/api/v1/documentos/{doc['id']}/historial", headers=tokens["admin"])
    ).json()
    assert [e["detalle"].get("motivo") for e in historial if e["evento"] == "observado"] == ["Falta firma"]
    assert any(e["detalle"].get("es_copia") for e in historial if e["evento"] == "recibido")


async def test_routing_a_copy_to_the_current_area_is_refused(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    doc = await registrar(client, tokens["mesa"], world)
    response = await derivar(
        client,
        tokens["mesa"],
        doc,
        [{"area_id": world.areas["OAJ"]}, {"area_id": world.areas["MP"], "es_copia": True}],
    )
    assert response.status_code == 422


async def test_vencidos_false_keeps_documents_without_deadline(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    doc = await registrar(client, tokens["mesa"], world, procedimiento_id=None)
    assert doc["fecha_limite"] is None
    response = await client.get(
        "/api/v1/documentos",
        params={"vencidos": False, "remitente_id": doc["remitente"]["id"]},
        headers=tokens["admin"],
    )
    assert [d["id"] for d in response.json()["items"]] == [doc["id"]]


async def test_idempotency_key_with_a_different_body_is_refused(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    headers = {**tokens["mesa"], "Idempotency-Key": f"otro-{nuevo_dni()}"}
    payload = documento_payload(world)
    assert (await client.post("/api/v1/documentos", json=payload, headers=headers)).status_code == 201
    different = await client.post("/api/v1/documentos", json={**payload, "folios": 99}, headers=headers)
    assert different.status_code == 422
    assert different.json()["detail"][0]["loc"] == ["header", "idempotency-key"]


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


async def test_sender_data_is_for_the_desk_and_auditors(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    doc = await registrar(client, tokens["mesa"], world)
    numero = doc["remitente"]["numero_documento_identidad"]
    assert (
        await client.get("/api/v1/remitentes", params={"numero": numero}, headers=tokens["oaj"])
    ).status_code == 403
    assert (
        await client.get(f"/api/v1/remitentes/{doc['remitente']['id']}", headers=tokens["oga"])
    ).status_code == 403
    assert (await client.get("/api/v1/remitentes", headers=tokens["mesa"])).status_code == 422
    found = await client.get("/api/v1/remitentes", params={"numero": numero}, headers=tokens["auditor"])
    assert [r["id"] for r in found.json()] == [doc["remitente"]["id"]]


async def test_identity_numbers_take_ascii_digits_only(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    for tipo, numero in [("DNI", "١٢٣٤٥٦٧٨"), ("DNI", "１２３４５６７８"), ("RUC", "20١٢٣٤٥٦٧٨6")]:
        payload = documento_payload(
            world,
            remitente={
                "tipo_persona": "juridica" if tipo == "RUC" else "natural",
                "tipo_documento_identidad": tipo,
                "numero_documento_identidad": numero,
                "nombre": "Prueba",
            },
        )
        response = await client.post("/api/v1/documentos", json=payload, headers=tokens["mesa"])
        assert response.status_code == 422, (numero, response.text)


async def test_deep_page_numbers_point_to_the_cursor(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]]
) -> None:
    response = await client.get(
        "/api/v1/documentos", params={"page": 200, "page_size": 100}, headers=tokens["admin"]
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "page"]
