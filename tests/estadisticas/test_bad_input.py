"""Bad query parameters of GET /estadisticas (a date range) get a 422 that names the parameter, and
extreme but valid dates never a 500 (helpers in tests/bad_input.py).
"""

from __future__ import annotations

import httpx
import pytest

from tests.bad_input import EXTREME_DATES, assert_extreme_dates_do_not_crash, rejected
from tests.helpers import Json, Tokens


@pytest.mark.parametrize("path", ["/api/v1/estadisticas"])
@pytest.mark.parametrize("params", EXTREME_DATES)
async def test_extreme_but_valid_dates_do_not_crash(
    api: httpx.AsyncClient, tokens: Tokens, path: str, params: Json
) -> None:
    await assert_extreme_dates_do_not_crash(api, tokens, path, params)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param(
            {"fecha_desde": "2026-02-01", "fecha_hasta": "2026-01-01"}, "fecha_desde", id="desde-after"
        ),
        pytest.param({"fecha_desde": "2026-13-01"}, "fecha_desde", id="bad-date"),
        pytest.param({"fecha_hasta": "mañana"}, "fecha_hasta", id="text-date"),
    ],
)
async def test_estadisticas_rejects_bad_query(
    api: httpx.AsyncClient, tokens: Tokens, params: Json, field: str
) -> None:
    await rejected(
        api, "GET", "/api/v1/estadisticas", status=422, field=field, params=params, headers=tokens["auditor"]
    )
