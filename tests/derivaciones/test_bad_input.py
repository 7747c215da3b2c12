"""Bad input to POST /documentos/{id}/derivar (the routing's destinos: one main area, copies,
indicaciones, plazos, inactive or unknown areas): a 422 that names the field, never a 500, and nothing
written (helpers in tests/bad_input.py).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.catalogos.models import Area
from app.core.database import db
from tests.bad_input import HUGE, rejected_on_doc
from tests.conftest import World
from tests.helpers import Json, Tokens, unique


def _destinos(world: World, case: str) -> Any:
    oaj, oga = world.areas["OAJ"], world.areas["OGA"]
    return {
        "empty": [],
        "only-copies": [{"area_id": oaj, "es_copia": True}, {"area_id": oga, "es_copia": True}],
        "two-main": [{"area_id": oaj}, {"area_id": oga}],
        "same-area-twice": [{"area_id": oaj}, {"area_id": oaj, "es_copia": True}],
        "too-many": [{"area_id": oaj}, *({"area_id": 10_000 + i, "es_copia": True} for i in range(20))],
        "unknown-area": [{"area_id": 999_999}],
        "unknown-copy-area": [{"area_id": oaj}, {"area_id": 999_999, "es_copia": True}],
        "area-2**70": [{"area_id": HUGE}],
        "area-0": [{"area_id": 0}],
        "area-missing": [{"es_copia": False}],
        "current-area": [{"area_id": world.areas["MP"]}],
        "unknown-indicacion": [{"area_id": oaj, "indicacion_id": 999_999}],
        "indicacion-2**70": [{"area_id": oaj, "indicacion_id": HUGE}],
        "plazo-negative": [{"area_id": oaj, "plazo_dias": -1}],
        "plazo-too-long": [{"area_id": oaj, "plazo_dias": 366}],
        "plazo-2**70": [{"area_id": oaj, "plazo_dias": HUGE}],
        "proveido-too-long": [{"area_id": oaj, "proveido": "p" * 4001}],
        "proveido-nul-byte": [{"area_id": oaj, "proveido": "Atender \x00 con urgencia"}],
        "prioridad-unknown": [{"area_id": oaj, "prioridad": "ya"}],
        "destino-extra-field": [{"area_id": oaj, "campo_desconocido": 1}],
    }[case]


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("empty", "destinos"),
        ("only-copies", "destinos"),
        ("two-main", "destinos"),
        ("same-area-twice", "destinos"),
        ("too-many", "destinos"),
        ("unknown-area", "area_id"),
        ("unknown-copy-area", "area_id"),
        ("area-2**70", "area_id"),
        ("area-0", "area_id"),
        ("area-missing", "area_id"),
        ("current-area", "area_id"),
        ("unknown-indicacion", "indicacion_id"),
        ("indicacion-2**70", "indicacion_id"),
        ("plazo-negative", "plazo_dias"),
        ("plazo-too-long", "plazo_dias"),
        ("plazo-2**70", "plazo_dias"),
        ("proveido-too-long", "proveido"),
        ("proveido-nul-byte", "proveido"),
        ("prioridad-unknown", "prioridad"),
        ("destino-extra-field", "campo_desconocido"),
    ],
)
async def test_derivar_rejects_bad_destinos(
    api: httpx.AsyncClient, tokens: Tokens, world: World, new_doc: Json, case: str, field: str
) -> None:
    body = {"destinos": _destinos(world, case)}
    await rejected_on_doc(api, new_doc, "derivar", tokens["mesa"], body, status=422, field=field)


async def test_derivar_to_inactive_area_is_rejected(
    api: httpx.AsyncClient, tokens: Tokens, new_doc: Json
) -> None:
    async with db.sessionmaker() as session, session.begin():
        area = Area(codigo=unique("IN"), nombre="Área inactiva", sigla="AI", activo=False)
        session.add(area)
        await session.flush()
        inactive = area.id
    body = {"destinos": [{"area_id": inactive}]}
    await rejected_on_doc(api, new_doc, "derivar", tokens["mesa"], body, status=422, field="area_id")
