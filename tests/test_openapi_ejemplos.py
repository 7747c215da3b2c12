"""The examples of the API document (what Swagger UI puts in the request box): every JSON request
body has at least one, each passes the body's own validation, the registration examples register a
document, and the catalog ids they use are those of the demo data set."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from app.catalogos.models import Area, Indicacion, Procedimiento, TipoDocumento
from app.core.models import Base
from app.main import app
from app.ops.seed import seed_catalogos
from app.remitentes.identidad import ruc_is_valid
from tests.conftest import World
from tests.helpers import Tokens, run_module, scratch_database

# The catalog ids the examples use, and what each is in the demo data set (app/ops/seed/
# catalog_data.py loaded into an empty database by `python -m app.ops.cli demo`).
DEMO: dict[tuple[type[Base], int], str] = {
    (TipoDocumento, 3): "CAR",
    (TipoDocumento, 16): "SAIP",
    (Procedimiento, 1): "TUPA-001",
    (Procedimiento, 9): "TUPA-009",
    (Area, 2): "GM",
    (Area, 6): "MP",
    (Area, 9): "OAJ",
    (Area, 18): "OAC",
    (Area, 23): "SGLC",
    (Indicacion, 1): "01",
    (Indicacion, 3): "03",
}
CATALOG_KEYS: dict[str, type[Base]] = {
    "tipo_documento_id": TipoDocumento,
    "procedimiento_id": Procedimiento,
    "area_id": Area,
    "parent_id": Area,
    "area_destino_id": Area,
    "area_origen_id": Area,
    "indicacion_id": Indicacion,
}


def json_bodies() -> list[tuple[str, APIRoute, list[Any]]]:
    """(operation, route, examples) of every operation with a JSON request body: the media type's
    named examples and the body schema's own `examples`."""
    document = app.openapi()
    routes = {
        context.original_route.operation_id: context.original_route
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
    }
    bodies = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            media = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if media is None:
                continue
            examples = [example["value"] for example in media.get("examples", {}).values()]
            schema = media["schema"]
            if "$ref" in schema:
                schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
            examples += schema.get("examples", [])
            bodies.append((f"{method.upper()} {path}", routes[operation["operationId"]], examples))
    return bodies


def all_examples() -> Iterator[Any]:
    for _, _, examples in json_bodies():
        yield from examples


def catalog_ids(value: Any) -> Iterator[tuple[type[Base], int]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in CATALOG_KEYS and isinstance(item, int):
                yield CATALOG_KEYS[key], item
            else:
                yield from catalog_ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from catalog_ids(item)


def test_every_json_body_has_examples_that_pass_its_validation() -> None:
    bodies = json_bodies()
    assert len(bodies) >= 25, [label for label, _, _ in bodies]
    validated = 0
    for label, route, examples in bodies:
        assert examples, f"{label}: no example"
        assert route.body_field is not None, label
        adapter: TypeAdapter[Any] = TypeAdapter(route.body_field.field_info.annotation)
        for example in examples:
            try:
                adapter.validate_json(json.dumps(example))
            except ValidationError as exc:
                pytest.fail(f"{label}: the example {example} does not validate:\n{exc}")
            validated += 1
    assert validated >= len(bodies)
    # POST /reportes has one example per type of report.
    (reportes,) = [examples for label, _, examples in bodies if label == "POST /api/v1/reportes"]
    tipos = {example["tipo"] for example in reportes}
    assert tipos == {"documentos", "derivaciones", "vencidos", "estadisticas"}


def test_the_identity_numbers_of_the_examples_are_valid() -> None:
    """A DNI has 8 digits, a RUC 11 with its modulo-11 check digit (the schema checks them too)."""
    remitentes = [example["remitente"] for example in all_examples() if "remitente" in example]
    assert {r["tipo_documento_identidad"] for r in remitentes} == {"DNI", "RUC"}
    for remitente in remitentes:
        numero = remitente["numero_documento_identidad"]
        if remitente["tipo_documento_identidad"] == "DNI":
            assert len(numero) == 8 and numero.isdigit(), numero
        else:
            assert ruc_is_valid(numero), numero


async def test_the_registration_examples_register_a_document(
    client: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    """Each example of POST /documentos, sent by mesa de partes, registers a document (201). The test
    world's catalog ids are not the demo's (tests/conftest.py builds its own catalogs), so the
    example's tipo de documento and procedimiento are replaced by the world's; the demo's are checked
    by `test_the_catalog_ids_of_the_examples_are_the_demo_s`."""
    (examples,) = [examples for label, _, examples in json_bodies() if label == "POST /api/v1/documentos"]
    assert len(examples) >= 2
    for example in examples:
        body = {**example, "tipo_documento_id": world.tipo_id, "procedimiento_id": world.procedimiento_id}
        response = await client.post("/api/v1/documentos", json=body, headers=tokens["mesa"])
        assert response.status_code == 201, response.text
        documento = response.json()
        assert documento["estado"] == "registrado" and documento["asunto"] == example["asunto"]
        assert documento["folios"] == example["folios"]
        assert documento["tipo_documento"]["id"] == world.tipo_id
        remitente = documento["remitente"]
        for field in ("tipo_documento_identidad", "numero_documento_identidad", "nombre", "email"):
            assert remitente[field] == example["remitente"][field], (field, remitente)


@pytest.mark.once
async def test_the_catalog_ids_of_the_examples_are_the_demo_s() -> None:
    """The ids in the examples name, in a database migrated and loaded with the demo's catalogs, the
    rows the examples mean (tipo de documento 16 is SAIP, área 18 is OAC...)."""
    used = {pair for example in all_examples() for pair in catalog_ids(example)}
    assert used == set(DEMO), f"example ids without a meaning in DEMO: {used - set(DEMO)}"
    async with scratch_database() as url:
        code, output = await run_module("app.ops.cli", "migrate", env={"DATABASE_URL": url})
        assert code == 0, output
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                await seed_catalogos(conn)
                await conn.commit()
                for (model, id_), codigo in DEMO.items():
                    found = await conn.scalar(select(model.codigo).where(model.id == id_))  # type: ignore[attr-defined]
                    assert found == codigo, (model.__tablename__, id_, found, codigo)
        finally:
            await engine.dispose()
