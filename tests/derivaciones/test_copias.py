"""Copies of a routing: only the copy's area acknowledges one (POST /derivaciones/{id}/recibir), they
close with the document, and no copy goes to the area the document is already in.
"""

from __future__ import annotations

import httpx

from tests.conftest import World, derivar, registrar


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
    # The state in words; the code in estado_actual.
    assert again.json()["detail"] == "No se puede recibir una derivación en estado «Recibida»."
    assert again.json()["estado_actual"] == "recibida"
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
