"""The document list runs one prepared statement per shape (`DocumentoService._lista_preparada`),
with the values of each request bound by name (`parametros_de_filtros`, `parametros_de_pagina`).

For random filter sets, a statement prepared from one request and run with another request's
values (same shape, other values) must return exactly what that other request's own statement,
built and run through SQLAlchemy, returns: a value the shape baked into the text, or a name the
two functions disagree on, would show as a difference."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.database import Prepared, fetch_prepared, fetch_rows
from app.core.pagination import encode_cursor, pagina_query, parametros_de_pagina
from app.documentos.acceso import orden_de_lista
from app.documentos.filtros import FiltrosDocumento, forma_de_filtros, parametros_de_filtros
from app.documentos.models import Canal, Documento, EstadoDocumento, Prioridad
from app.documentos.service import DocumentoService
from app.usuarios.models import Rol
from app.usuarios.principal import Principal
from tests.conftest import World, derivar, registrar
from tests.helpers import Tokens

PAGE = 7


def _consulta(usuario: Principal, f: FiltrosDocumento, pagina: dict[str, Any], ascendente: bool) -> Any:
    return pagina_query(
        DocumentoService.consulta_lista(usuario, f), orden_de_lista(usuario), ascending=ascendente, **pagina
    )


@pytest.fixture(scope="module")
async def documentos(client: httpx.AsyncClient, tokens: Tokens, world: World) -> None:
    """Enough documents of varied fields for most filter pairs to find rows, some routed to OAJ."""
    asuntos = ["Solicitud de licencia", "Informe técnico", "Acceso a la información pública", "Queja"]
    for i in range(24):
        doc = await registrar(
            client,
            tokens["mesa"],
            world,
            asunto=f"{asuntos[i % 4]} {i}",
            numero_documento=f"OFICIO N° {i:03d}-2026",
            prioridad=["normal", "alta"][i % 2],
        )
        if i % 3 == 0:
            routed = await derivar(client, tokens["mesa"], doc, [{"area_id": world.areas["OAJ"]}])
            assert routed.status_code == 200, routed.text


async def _valores_reales(session: AsyncSession) -> dict[str, list[Any]]:
    filas = (
        await session.execute(
            select(
                Documento.area_actual_id,
                Documento.tipo_documento_id,
                Documento.remitente_id,
                Documento.registrado_por_id,
                Documento.fecha_recepcion,
                Documento.numero_documento,
                Documento.id,
            )
            .order_by(func.random())
            .limit(40)
        )
    ).all()
    return {
        "area_id": [f[0] for f in filas],
        "tipo_documento_id": [f[1] for f in filas],
        "remitente_id": [f[2] for f in filas],
        "registrado_por_id": [f[3] for f in filas],
        "fecha": [f[4] for f in filas],
        "numero_documento": [f[5][:4] for f in filas if f[5] and len(f[5]) >= 4],
        "cursor": [encode_cursor(f[4], f[6]) for f in filas],
    }


def _filtros(rng: random.Random, reales: dict[str, list[Any]], forma: set[str]) -> FiltrosDocumento:
    """Filters with the fields of `forma` set to random real values."""
    campos: dict[str, Any] = {}
    for nombre in ("area_id", "tipo_documento_id", "remitente_id", "registrado_por_id"):
        if nombre in forma:
            campos[nombre] = rng.choice(reales[nombre])
    if "fechas" in forma:
        dia = rng.choice(reales["fecha"]).date()
        campos["fecha_desde"] = dia - timedelta(days=rng.randint(0, 40))
        campos["fecha_hasta"] = dia + timedelta(days=rng.randint(0, 3))
    if "numero_documento" in forma and reales["numero_documento"]:
        campos["numero_documento"] = rng.choice(reales["numero_documento"])
    if "q" in forma:
        campos["q"] = rng.choice(["solicitud", "informe", "licencia", "acceso información"])
    if "canal" in forma:
        campos["canal"] = rng.choice(list(Canal))
    # The shape-fixed parts (enum lists, vencidos) are the same for both requests of a pair.
    if "estado" in forma:
        campos["estado"] = [EstadoDocumento.REGISTRADO, EstadoDocumento.DERIVADO]
    if "prioridad" in forma:
        campos["prioridad"] = [Prioridad.NORMAL]
    if "vencidos" in forma:
        campos["vencidos"] = False
    return FiltrosDocumento(**campos)


async def test_a_shape_prepared_once_answers_every_request_of_that_shape(
    session: AsyncSession, world: World, documentos: None
) -> None:
    rng = random.Random(20261206)
    reales = await _valores_reales(session)
    opciones = [
        "area_id", "tipo_documento_id", "remitente_id", "registrado_por_id", "fechas",
        "numero_documento", "q", "canal", "estado", "prioridad", "vencidos",
    ]  # fmt: skip
    lectores = [
        Principal(id=1, rol=Rol.ADMIN, area_id=None),
        Principal(id=2, rol=Rol.ESPECIALISTA, area_id=world.areas["OAJ"]),
    ]
    comparadas = 0
    for _ in range(60):
        forma = set(rng.sample(opciones, rng.randint(0, 3)))
        usuario = rng.choice(lectores)
        primero, segundo = _filtros(rng, reales, forma), _filtros(rng, reales, forma)
        assert forma_de_filtros(primero) == forma_de_filtros(segundo)
        cursor = rng.choice([None, rng.choice(reales["cursor"])])
        page = None if cursor else rng.choice([None, 2])
        ascendente = rng.random() < 0.3
        pagina = {"page_size": PAGE, "cursor": cursor, "page": page}
        preparada = Prepared(_consulta(usuario, primero, pagina, ascendente))
        valores = parametros_de_filtros(segundo) | parametros_de_pagina(
            page_size=PAGE, cursor=cursor, page=page
        )
        assert set(valores) <= set(preparada.names), (forma, set(valores) - set(preparada.names))
        esperadas = [
            tuple(f) for f in await fetch_rows(session, _consulta(usuario, segundo, pagina, ascendente))
        ]
        obtenidas = [tuple(f) for f in await fetch_prepared(session, preparada, **valores)]
        assert obtenidas == esperadas, (forma, segundo, cursor, page, ascendente)
        comparadas += bool(esperadas)
    assert comparadas >= 20  # most pairs found rows: the comparison was not of empty pages
