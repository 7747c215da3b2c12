"""Bad query parameters of the public GET /seguimiento (numero de expediente and its code): a 422
that names the parameter, 404 for an unknown number, never a 500 (helpers in tests/bad_input.py).
"""

from __future__ import annotations

import httpx
import pytest

from tests.bad_input import rejected
from tests.helpers import Json


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        pytest.param({"codigo": "ABCD2345"}, 422, "numero", id="numero-missing"),
        pytest.param({"numero": "2026-000001"}, 422, "codigo", id="codigo-missing"),
        pytest.param({"numero": "abc", "codigo": "ABCD2345"}, 422, "numero", id="numero-text"),
        pytest.param({"numero": "2026-1", "codigo": "ABCD2345"}, 422, "numero", id="numero-short"),
        pytest.param({"numero": "2026-00000000001", "codigo": "ABCD2345"}, 422, "numero", id="numero-long"),
        pytest.param({"numero": "2026-000001\x00", "codigo": "ABCD2345"}, 422, "numero", id="numero-nul"),
        pytest.param({"numero": "9" * 5_000, "codigo": "ABCD2345"}, 422, "numero", id="numero-5k"),
        pytest.param({"numero": "2026-000001", "codigo": "ABC"}, 422, "codigo", id="codigo-short"),
        pytest.param({"numero": "2026-000001", "codigo": "C" * 13}, 422, "codigo", id="codigo-long"),
        pytest.param({"numero": "2026-000001", "codigo": "AB-CD"}, 422, "codigo", id="codigo-symbols"),
        pytest.param({"numero": "2026-000001", "codigo": "ABCD\x00"}, 422, "codigo", id="codigo-nul"),
        pytest.param({"numero": "1999-999999", "codigo": "ABCD2345"}, 404, None, id="unknown-number"),
    ],
)
async def test_seguimiento_rejects_bad_query(
    api: httpx.AsyncClient, params: Json, status: int, field: str | None
) -> None:
    await rejected(api, "GET", "/api/v1/seguimiento", status=status, field=field, params=params)
