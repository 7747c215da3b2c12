"""Bad input to the catalog writes (POST and PATCH of areas, tipos de documento, procedimientos,
indicaciones): a 4xx that names the field, never a 500, and nothing written (helpers in
tests/bad_input.py).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.bad_input import HUGE, LONG_NAME, rejected
from tests.conftest import World
from tests.helpers import Json, OwnCatalog, Tokens, catalog_payload

CATALOGO_CREAR_INVALIDO: list[Any] = [
    pytest.param("areas", {"codigo": "con espacio"}, 422, "codigo", id="areas-codigo-pattern"),
    pytest.param("areas", {"codigo": "c" * 21}, 422, "codigo", id="areas-codigo-too-long"),
    pytest.param("areas", {"codigo": ""}, 422, "codigo", id="areas-codigo-empty"),
    pytest.param("areas", {"nombre": LONG_NAME}, 422, "nombre", id="areas-nombre-100k"),
    pytest.param("areas", {"nombre": "   "}, 422, "nombre", id="areas-nombre-blank"),
    pytest.param("areas", {"sigla": "s" * 21}, 422, "sigla", id="areas-sigla-too-long"),
    pytest.param("areas", {"parent_id": 999_999}, 422, "parent_id", id="areas-parent-unknown"),
    pytest.param("areas", {"parent_id": HUGE}, 422, "parent_id", id="areas-parent-2**70"),
    pytest.param("areas", {"parent_id": 0}, 422, "parent_id", id="areas-parent-0"),
    pytest.param("areas", {"codigo": "MP"}, 409, "codigo", id="areas-codigo-duplicate"),
    pytest.param("tipos-documento", {"nombre": "n" * 150}, 422, "nombre", id="tipos-nombre-150"),
    pytest.param("tipos-documento", {"nombre": LONG_NAME}, 422, "nombre", id="tipos-nombre-100k"),
    pytest.param("tipos-documento", {"codigo": "SOL"}, 409, "codigo", id="tipos-codigo-duplicate"),
    pytest.param("procedimientos", {"area_id": 999_999}, 422, "area_id", id="proc-area-unknown"),
    pytest.param("procedimientos", {"area_id": HUGE}, 422, "area_id", id="proc-area-2**70"),
    pytest.param("procedimientos", {"plazo_dias": -1}, 422, "plazo_dias", id="proc-plazo-negative"),
    pytest.param("procedimientos", {"plazo_dias": 366}, 422, "plazo_dias", id="proc-plazo-too-long"),
    pytest.param("procedimientos", {"plazo_dias": HUGE}, 422, "plazo_dias", id="proc-plazo-2**70"),
    pytest.param("procedimientos", {"costo": -1}, 422, "costo", id="proc-costo-negative"),
    pytest.param("procedimientos", {"costo": "1.234"}, 422, "costo", id="proc-costo-3-decimals"),
    pytest.param("procedimientos", {"costo": 10**13}, 422, "costo", id="proc-costo-too-big"),
    pytest.param("procedimientos", {"moneda_codigo": "ZZZ"}, 422, "moneda_codigo", id="proc-moneda-unknown"),
    pytest.param("procedimientos", {"moneda_codigo": "pen"}, 422, "moneda_codigo", id="proc-moneda-format"),
    pytest.param("procedimientos", {"nombre": "n" * 301}, 422, "nombre", id="proc-nombre-too-long"),
    pytest.param("procedimientos", {"codigo": "TUPA-01"}, 409, "codigo", id="proc-codigo-duplicate"),
    pytest.param("indicaciones", {"nombre": "n" * 150}, 422, "nombre", id="indicaciones-nombre-150"),
    pytest.param("indicaciones", {"nombre": LONG_NAME}, 422, "nombre", id="indicaciones-nombre-100k"),
    pytest.param("indicaciones", {"codigo": "ACC"}, 409, "codigo", id="indicaciones-codigo-duplicate"),
]


@pytest.mark.parametrize(("path", "overrides", "status", "field"), CATALOGO_CREAR_INVALIDO)
async def test_catalog_create_rejects_bad_field(
    api: httpx.AsyncClient, tokens: Tokens, world: World, path: str, overrides: Json, status: int, field: str
) -> None:
    await rejected(
        api,
        "POST",
        f"/api/v1/catalogos/{path}",
        status=status,
        field=field,
        json={**catalog_payload(path, world), **overrides},
        headers=tokens["admin"],
    )


CATALOGO_ACTUALIZAR_INVALIDO: list[Any] = [
    pytest.param("areas", {"nombre": None}, "nombre", id="areas-nombre-null"),
    pytest.param("areas", {"sigla": None}, "sigla", id="areas-sigla-null"),
    pytest.param("areas", {"activo": None}, "activo", id="areas-activo-null"),
    pytest.param("areas", {"nombre": LONG_NAME}, "nombre", id="areas-nombre-100k"),
    pytest.param("areas", {"parent_id": "self"}, "parent_id", id="areas-parent-self"),
    pytest.param("areas", {"parent_id": 999_999}, "parent_id", id="areas-parent-unknown"),
    pytest.param("areas", {"parent_id": HUGE}, "parent_id", id="areas-parent-2**70"),
    pytest.param("areas", {"codigo": "NUEVO"}, "codigo", id="areas-codigo-not-editable"),
    pytest.param("tipos-documento", {"nombre": "n" * 150}, "nombre", id="tipos-nombre-150"),
    pytest.param("tipos-documento", {"nombre": None}, "nombre", id="tipos-nombre-null"),
    pytest.param("tipos-documento", {"activo": None}, "activo", id="tipos-activo-null"),
    pytest.param("procedimientos", {"area_id": None}, "area_id", id="proc-area-null"),
    pytest.param("procedimientos", {"area_id": 999_999}, "area_id", id="proc-area-unknown"),
    pytest.param("procedimientos", {"plazo_dias": None}, "plazo_dias", id="proc-plazo-null"),
    pytest.param("procedimientos", {"plazo_dias": -1}, "plazo_dias", id="proc-plazo-negative"),
    pytest.param("procedimientos", {"costo": None}, "costo", id="proc-costo-null"),
    pytest.param("procedimientos", {"moneda_codigo": "ZZZ"}, "moneda_codigo", id="proc-moneda-unknown"),
    pytest.param("procedimientos", {"moneda_codigo": None}, "moneda_codigo", id="proc-moneda-null"),
    pytest.param("indicaciones", {"nombre": "n" * 150}, "nombre", id="indicaciones-nombre-150"),
    pytest.param("indicaciones", {"nombre": None}, "nombre", id="indicaciones-nombre-null"),
]


@pytest.mark.parametrize(("path", "changes", "field"), CATALOGO_ACTUALIZAR_INVALIDO)
async def test_catalog_update_rejects_bad_field(
    api: httpx.AsyncClient, tokens: Tokens, own_catalog: OwnCatalog, path: str, changes: Json, field: str
) -> None:
    item_id = getattr(own_catalog, path.replace("-", "_"))
    changes = {key: item_id if value == "self" else value for key, value in changes.items()}
    await rejected(
        api,
        "PATCH",
        f"/api/v1/catalogos/{path}/{item_id}",
        status=422,
        field=field,
        json=changes,
        headers=tokens["admin"],
    )
