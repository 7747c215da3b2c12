"""The document list (GET /documentos): filters by canal, prioridad, procedimiento and a fragment of
the reference number (LIKE wildcards taken literally), vencidos=false keeping the documents without
a deadline, and deep page numbers refused in favour of the cursor.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import World, registrar


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


async def test_deep_page_numbers_point_to_the_cursor(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]]
) -> None:
    response = await client.get(
        "/api/v1/documentos", params={"page": 200, "page_size": 100}, headers=tokens["admin"]
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (error["location"], error["field"]) == ("query", "page")
