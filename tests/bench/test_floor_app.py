"""The benchmark's floor (`bench/floor_app.py`) answers the service's JSON on the suite's data: the
runner checks it again on its own data at the start of every run, this keeps a change of the API's
JSON from surfacing only there."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bench import floor_app
from bench.verify import VOLATILE, first_difference
from tests.conftest import World, documento_payload
from tests.helpers import Tokens


@pytest.fixture(scope="module")
async def floor() -> AsyncIterator[httpx.AsyncClient]:
    """The floor in-process on the suite's database (its JWT_SECRET is the suite's)."""
    os.environ["FLOOR_DSN"] = os.environ["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://")
    async with floor_app.app.router.lifespan_context(floor_app.app):
        transport = httpx.ASGITransport(app=floor_app.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://floor") as http:
            yield http


async def same(client: httpx.AsyncClient, floor: httpx.AsyncClient, url: str, headers: dict[str, str]) -> Any:
    service, ours = await client.get(url, headers=headers), await floor.get(url, headers=headers)
    assert ours.status_code == service.status_code, (url, ours.text, service.text)
    difference = first_difference(service.json(), ours.json())
    assert difference is None, (url, difference)
    return service.json()


async def test_reads_answer_the_services_json(
    client: httpx.AsyncClient,
    floor: httpx.AsyncClient,
    tokens: Tokens,
    world: World,
    ruteados: dict[str, Any],
) -> None:
    admin, especialista = tokens["admin"], tokens["oaj"]
    page = await same(client, floor, "/api/v1/documentos?page_size=100", admin)
    assert page["items"]
    await same(client, floor, "/api/v1/documentos?page_size=2", admin)  # next_cursor
    await same(client, floor, f"/api/v1/documentos?area_id={world.areas['OAJ']}&estado=derivado", admin)
    await same(client, floor, "/api/v1/documentos?page_size=100", especialista)
    await same(client, floor, "/api/v1/documentos?q=contrataciones%20informaci%C3%B3n", admin)
    for doc in ruteados["docs"]:
        detail = await same(client, floor, f"/api/v1/documentos/{doc['id']}", admin)
        assert detail["derivaciones"]
        await same(client, floor, f"/api/v1/documentos/{doc['id']}", especialista)
        numero, codigo = detail["numero_expediente"], detail["codigo_verificacion"]
        await same(client, floor, f"/api/v1/seguimiento?numero={numero}&codigo={codigo.lower()}", {})
    await same(client, floor, "/api/v1/seguimiento?numero=2026-999999&codigo=ABCDEFGH", {})
    await same(client, floor, "/api/v1/documentos/999999999", admin)
    await same(client, floor, "/api/v1/estadisticas?fecha_desde=1901-02-03", admin)
    await same(client, floor, "/api/v1/estadisticas?fecha_desde=1901-02-04", especialista)
    await same(client, floor, "/api/v1/catalogos/areas", {})
    await same(client, floor, "/livez", {})
    await same(client, floor, "/no-such-route", {})


async def test_registration_answers_the_services_json(
    client: httpx.AsyncClient, floor: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    body = documento_payload(world)
    answers = []
    for http, key in ((client, "bench-floor-test-service"), (floor, "bench-floor-test-floor")):
        headers = {**tokens["mesa"], "Idempotency-Key": key}
        first = await http.post("/api/v1/documentos", json=body, headers=headers)
        assert first.status_code == 201, first.text
        replay = await http.post("/api/v1/documentos", json=body, headers=headers)
        assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"], replay.text
        answers.append({k: v for k, v in first.json().items() if k not in VOLATILE})
    assert first_difference(answers[0], answers[1]) is None
