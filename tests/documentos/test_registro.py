"""Registration (POST /documentos) under an Idempotency-Key: the same key with a different body is
refused (the replay of the same body is tested in test_queries.py).
"""

from __future__ import annotations

import httpx

from tests.conftest import World, documento_payload, nuevo_dni


async def test_idempotency_key_with_a_different_body_is_refused(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    headers = {**tokens["mesa"], "Idempotency-Key": f"otro-{nuevo_dni()}"}
    payload = documento_payload(world)
    assert (await client.post("/api/v1/documentos", json=payload, headers=headers)).status_code == 201
    different = await client.post("/api/v1/documentos", json={**payload, "folios": 99}, headers=headers)
    assert different.status_code == 422
    error = different.json()["errors"][0]
    assert (error["location"], error["field"]) == ("header", "idempotency-key")
