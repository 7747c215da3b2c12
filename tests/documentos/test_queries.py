"""Statement counts per endpoint, keyset pagination, and expediente numbers under a race."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.core.database import db
from tests.conftest import World, counted, documento_payload, nuevo_dni, nuevo_ruc, registrar
from tests.helpers import assert_max_queries

LOTE = 200


@pytest.fixture(scope="module")
async def lote(client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World) -> dict[str, Any]:
    """200 registrations fired at once for one sender; some routed several times."""
    remitente = {
        "tipo_persona": "juridica",
        "tipo_documento_identidad": "RUC",
        "numero_documento_identidad": nuevo_ruc(),
        "nombre": "Superintendencia Nacional de Aduanas",
    }
    payload = documento_payload(
        world, remitente=remitente, asunto="Consulta sobre resolución de fiscalización"
    )
    responses = await asyncio.gather(
        *(client.post("/api/v1/documentos", json=payload, headers=tokens["mesa"]) for _ in range(LOTE))
    )
    assert [r.status_code for r in responses] == [201] * LOTE, {r.status_code: r.text for r in responses}
    docs = [r.json() for r in responses]
    # Route a few documents back and forth so they carry several derivaciones.
    for doc in docs[:5]:
        for area in ["OAJ", "OGA", "OAJ", "OGA"]:
            headers = tokens["admin"]
            r = await client.post(
                f"/api/v1/documentos/{doc['id']}/derivar",
                headers=headers,
                json={
                    "version": doc["version"],
                    "destinos": [
                        {"area_id": world.areas[area]},
                        {"area_id": world.areas["LOG"], "es_copia": True},
                    ]
                    if area == "OAJ"
                    else [{"area_id": world.areas[area]}],
                },
            )
            assert r.status_code == 200, r.text
            doc = r.json()
            r = await client.post(
                f"/api/v1/documentos/{doc['id']}/recibir", headers=headers, json={"version": doc["version"]}
            )
            assert r.status_code == 200, r.text
            doc = r.json()
    return {"docs": docs, "remitente_id": docs[0]["remitente"]["id"]}


async def test_expediente_numbers_unique_under_race(lote: dict[str, Any]) -> None:
    numeros = [doc["numero_expediente"] for doc in lote["docs"]]
    assert len(set(numeros)) == LOTE
    year = numeros[0][:4]
    assert all(n.startswith(f"{year}-") and len(n) == 11 for n in numeros)
    # One sender row for the 200 registrations: the upsert matched the same RUC every time.
    assert len({doc["remitente"]["id"] for doc in lote["docs"]}) == 1


async def _warm_accounts(client: httpx.AsyncClient, tokens: dict[str, dict[str, str]]) -> None:
    """The account behind each token is cached after its first request: measure the steady state."""
    for headers in tokens.values():
        assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200


async def test_list_page_of_100_runs_one_statement(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], lote: dict[str, Any]
) -> None:
    await _warm_accounts(client, tokens)
    for role in ("admin", "oaj", "auditor"):
        with assert_max_queries(1) as stats:
            response = await client.get(
                "/api/v1/documentos",
                params={"remitente_id": lote["remitente_id"], "page_size": 100},
                headers=tokens[role],
            )
        assert response.status_code == 200, response.text
        assert stats.count == 1
    # The same count for a page of 5 and a page of 100: no per-row statement.
    _, small = await counted(
        client.get("/api/v1/documentos", params={"page_size": 5}, headers=tokens["admin"])
    )
    _, large = await counted(
        client.get("/api/v1/documentos", params={"page_size": 100}, headers=tokens["admin"])
    )
    assert small.count == large.count == 1


async def test_detail_runs_3_statements(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], lote: dict[str, Any]
) -> None:
    await _warm_accounts(client, tokens)
    routed = lote["docs"][0]
    async with db.engine.begin() as connection:
        for i in range(3):
            await connection.execute(
                text(
                    "INSERT INTO anexos (documento_id, nombre_archivo, tamano_bytes, ruta)"
                    " VALUES (:d, :n, 10, :r)"
                ),
                {"d": routed["id"], "n": f"anexo{i}.pdf", "r": f"anexos/{i}.pdf"},
            )
    plain = lote["docs"][-1]
    for doc in (routed, plain):
        with assert_max_queries(3) as stats:
            response = await client.get(f"/api/v1/documentos/{doc['id']}", headers=tokens["admin"])
        assert response.status_code == 200
        assert stats.count == 3
    body = response.json()
    assert body["derivaciones"] == [] and body["anexos"] == []
    response = await client.get(f"/api/v1/documentos/{routed['id']}", headers=tokens["oga"])
    assert response.status_code == 200
    detail = response.json()
    assert len(detail["derivaciones"]) == 6 and len(detail["anexos"]) == 3


async def test_keyset_pagination_walks_every_document_once(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], lote: dict[str, Any]
) -> None:
    seen: list[int] = []
    params: dict[str, Any] = {"remitente_id": lote["remitente_id"], "page_size": 37}
    while True:
        response = await client.get("/api/v1/documentos", params=params, headers=tokens["auditor"])
        assert response.status_code == 200
        page = response.json()
        seen.extend(item["id"] for item in page["items"])
        if not page["has_more"]:
            break
        params["cursor"] = page["next_cursor"]
    assert sorted(seen) == sorted(doc["id"] for doc in lote["docs"])
    assert len(seen) == len(set(seen))
    ascending = await client.get(
        "/api/v1/documentos",
        params={"remitente_id": lote["remitente_id"], "page_size": 100, "sort": "fecha_recepcion"},
        headers=tokens["auditor"],
    )
    ids = [item["id"] for item in ascending.json()["items"]]
    assert ids == sorted(ids)


async def test_text_search_finds_accent_insensitive(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], lote: dict[str, Any]
) -> None:
    response = await client.get(
        "/api/v1/documentos",
        params={"remitente_id": lote["remitente_id"], "q": "resolucion fiscalizacion", "page_size": 100},
        headers=tokens["admin"],
    )
    assert response.status_code == 200
    assert len(response.json()["items"]) == 100
    response = await client.get(
        "/api/v1/documentos", params={"q": "aduanas", "page_size": 10}, headers=tokens["admin"]
    )
    assert len(response.json()["items"]) == 10  # the sender's name is searchable too
    response = await client.get(
        "/api/v1/documentos",
        params={"remitente_id": lote["remitente_id"], "q": "zzzinexistente"},
        headers=tokens["admin"],
    )
    assert response.json()["items"] == []


async def test_idempotency_key_replays_the_first_result(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    payload = documento_payload(world)
    headers = {**tokens["mesa"], "Idempotency-Key": f"key-{nuevo_dni()}-abc"}
    first, second = await asyncio.gather(
        client.post("/api/v1/documentos", json=payload, headers=headers),
        client.post("/api/v1/documentos", json=payload, headers=headers),
    )
    codes = sorted([first.status_code, second.status_code])
    assert codes in ([200, 201], [201, 409]), (first.text, second.text)
    third = await client.post("/api/v1/documentos", json=payload, headers=headers)
    assert third.status_code == 200
    assert third.headers["Idempotent-Replayed"] == "true"
    assert third.json()["id"] == (first if first.status_code == 201 else second).json()["id"]


async def test_other_read_endpoints_have_fixed_budgets(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], lote: dict[str, Any]
) -> None:
    routed = lote["docs"][0]
    full = (await client.get(f"/api/v1/documentos/{routed['id']}", headers=tokens["admin"])).json()
    budgets = [
        # (request, statements), the account behind the token cached by the request above.
        (client.get(f"/api/v1/documentos/{routed['id']}/historial", headers=tokens["admin"]), 2),
        (
            client.get(
                "/api/v1/seguimiento",
                params={"numero": full["numero_expediente"], "codigo": full["codigo_verificacion"]},
            ),
            1,
        ),
        # Public and cached: one statement on a miss, none on a hit.
        (client.get("/api/v1/catalogos/areas"), 1),
        (client.get("/api/v1/catalogos/areas"), 0),
        (client.get("/api/v1/auth/me", headers=tokens["admin"]), 1),
    ]
    for request, budget in budgets:
        response, stats = await counted(request)
        assert response.status_code == 200, response.text
        assert stats.count == budget, (response.url, stats.statements)


async def test_search_covers_numbers_and_follows_sender_renames(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    dni = nuevo_dni()
    sender = {
        "tipo_persona": "natural",
        "tipo_documento_identidad": "DNI",
        "numero_documento_identidad": dni,
        "nombre": "Teodoro Ccahuana Puma",
    }
    payload = documento_payload(world, remitente=sender, numero_documento="MEMORIAL N° 77-2026")
    first = await client.post("/api/v1/documentos", json=payload, headers=tokens["mesa"])
    assert first.status_code == 201
    remitente_id = first.json()["remitente"]["id"]

    async def found(q: str) -> bool:
        response = await client.get(
            "/api/v1/documentos", params={"q": q, "remitente_id": remitente_id}, headers=tokens["admin"]
        )
        assert response.status_code == 200
        return len(response.json()["items"]) == 1

    assert await found("memorial")
    assert await found(dni)
    assert await found("Ccahuana")
    # A new registration with a differently typed name does not rename a known identity...
    renamed = documento_payload(world, remitente={**sender, "nombre": "Teodoro Ccahuana Mamani"})
    second = await client.post("/api/v1/documentos", json=renamed, headers=tokens["mesa"])
    assert second.json()["remitente"]["id"] == remitente_id
    assert second.json()["remitente"]["nombre"] == "Teodoro Ccahuana Puma"
    # ...but a real correction of the sender's name reaches the search vector of every document.
    async with db.engine.begin() as connection:
        await connection.execute(
            text("UPDATE remitentes SET nombre = 'Teodoro Ccahuana Mamani' WHERE id = :id"),
            {"id": remitente_id},
        )
    response = await client.get(
        "/api/v1/documentos", params={"q": "Mamani", "remitente_id": remitente_id}, headers=tokens["admin"]
    )
    assert len(response.json()["items"]) == 2


async def test_a_loop_in_another_thread_uses_its_own_database(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    """What a task run in-process (broker down) relies on: its own engine for its own loop, while
    the server's loop keeps serving with the shared one."""
    from sqlalchemy import select

    from app.core.database import current_database, own_database, session_scope
    from app.documentos.models import Documento

    documento = await registrar(client, tokens["mesa"], world)

    def in_a_thread() -> str:
        async def work() -> str:
            async with own_database() as database:
                assert current_database() is database and database is not db
                async with session_scope() as session:
                    asunto = await session.scalar(
                        select(Documento.asunto).where(Documento.id == documento["id"])
                    )
            assert current_database() is db
            return str(asunto)

        return asyncio.run(work())

    results = await asyncio.gather(
        *(asyncio.to_thread(in_a_thread) for _ in range(3)),
        client.get(f"/api/v1/documentos/{documento['id']}", headers=tokens["mesa"]),
    )
    assert results[:3] == [documento["asunto"]] * 3
    assert results[3].status_code == 200
