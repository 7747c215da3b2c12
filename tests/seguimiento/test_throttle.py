"""Public tracking is limited per client address (SEGUIMIENTO_LIMIT_POR_IP): guessing verification
codes from one address stops at the limit, other addresses keep being served. Both passes (windows in
Redis, or in memory with Redis unreachable)."""

from __future__ import annotations

import httpx
import pytest

from app.core.config import get_settings
from app.main import app
from tests.helpers import Json, error_code

SEGUIMIENTO = "/api/v1/seguimiento"


def _desde(address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_guessing_codes_from_one_address_gets_429(
    monkeypatch: pytest.MonkeyPatch, new_doc: Json
) -> None:
    monkeypatch.setattr(get_settings(), "seguimiento_limit_por_ip", "3/minute")
    numero, codigo = new_doc["numero_expediente"], new_doc["codigo_verificacion"]
    async with _desde("10.9.0.1") as http:
        for guess in ("AAAA1111", "AAAA1112", "AAAA1113"):
            r = await http.get(SEGUIMIENTO, params={"numero": numero, "codigo": guess})
            assert r.status_code == 404, r.text
        # The right code from the same address is refused too: the address has used its lookups.
        r = await http.get(SEGUIMIENTO, params={"numero": numero, "codigo": codigo})
        assert r.status_code == 429, r.text
        assert error_code(r) == "too_many_requests"
        assert 1 <= int(r.headers["Retry-After"]) <= 60
    async with _desde("10.9.0.2") as http:
        r = await http.get(SEGUIMIENTO, params={"numero": numero, "codigo": codigo})
        assert r.status_code == 200, r.text
        assert r.json()["numero_expediente"] == numero
