"""What an especialista may see: the `visibilidad` table the triggers of revision 0006 keep equals
the rule (the area the document is in, or any area it was routed to) after any sequence of writes;
the list, the search, the detail and the history agree with it; and the especialista's list is read
from the table's key in page order (docs/indexes.md, "The especialista's list")."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.database import db
from app.core.pagination import encode_cursor, pagina_query
from app.core.query_optimizer import QueryOptimizer
from app.documentos.acceso import orden_de_lista
from app.documentos.filtros import FiltrosDocumento
from app.documentos.models import EstadoDocumento
from app.documentos.service import DocumentoService
from app.usuarios.principal import especialista_de
from tests.conftest import World, derivar, nuevo_dni, registrar
from tests.helpers import rolled_back, visibilidad_diferencias

Json = dict[str, Any]
Headers = dict[str, str]


async def diferencias(conn: AsyncConnection) -> int:
    return await visibilidad_diferencias(conn)


# ---- the table equals the rule ---------------------------------------------------------------------

PARENTS_SQL = """
SELECT (SELECT id FROM tipos_documento ORDER BY id LIMIT 1),
       (SELECT id FROM remitentes ORDER BY id LIMIT 1),
       (SELECT id FROM usuarios ORDER BY id LIMIT 1)
"""
REMITENTE_SQL = """
INSERT INTO remitentes (tipo_persona, tipo_documento_identidad, numero_documento_identidad, nombre)
VALUES ('natural', 'DNI', :dni, 'Remitente de prueba') RETURNING id
"""
INSERT_DOCUMENTOS_SQL = """
INSERT INTO documentos (numero_expediente, codigo_verificacion, tipo_documento_id, asunto, folios,
                        remitente_id, canal, prioridad, estado, area_actual_id, registrado_por_id,
                        fecha_recepcion)
SELECT '1998-' || lpad((CAST(:primero AS integer) + g)::text, 6, '0'), 'ABCD2345', :tipo,
       'Oficio de prueba ' || g, 1, :remitente, 'presencial', 'normal',
       (ARRAY['registrado', 'derivado', 'en_proceso', 'archivado'])[1 + g % 4],
       (CAST(:areas AS bigint[]))[1 + (g * 7919) % cardinality(CAST(:areas AS bigint[]))], :usuario,
       CAST(:desde AS timestamptz) + g * interval '37 minutes'
FROM generate_series(1, CAST(:n AS integer)) AS g
RETURNING id
"""
INSERT_DERIVACION_SQL = """
INSERT INTO derivaciones (documento_id, area_origen_id, area_destino_id, enviado_por_id, prioridad,
                          estado, es_copia, fecha_envio)
VALUES (:documento, :origen, :destino, :usuario, 'normal', 'pendiente', :copia, now())
RETURNING id
"""


async def _padres(conn: AsyncConnection) -> tuple[int, int, int]:
    """A tipo, a sender and a user of the shared database (a sender is added when it has none)."""
    tipo, remitente, usuario = (await conn.execute(text(PARENTS_SQL))).one()
    if remitente is None:
        remitente = (await conn.execute(text(REMITENTE_SQL), {"dni": nuevo_dni()})).scalar_one()
    return int(tipo), int(remitente), int(usuario)


async def _insertar_documentos(
    conn: AsyncConnection, areas: list[int], n: int, primero: int, desde: datetime
) -> list[int]:
    tipo, remitente, usuario = await _padres(conn)
    values = {
        "primero": primero,
        "tipo": tipo,
        "remitente": remitente,
        "usuario": usuario,
        "areas": areas,
        "n": n,
        "desde": desde,
    }
    return list((await conn.execute(text(INSERT_DOCUMENTOS_SQL), values)).scalars())


async def test_table_equals_the_rule_after_random_writes(world: World) -> None:
    """Every write the triggers handle, in random order: registrations, routings (main and copies),
    moves of the document, a changed reception time, and the writes the application never makes
    (a routing deleted or redirected, a document deleted)."""
    rng = random.Random(12)
    areas = list(world.areas.values())
    async with rolled_back() as conn:
        assert await diferencias(conn) == 0, "the shared database already differs from the rule"
        _, _, usuario = await _padres(conn)
        docs = await _insertar_documentos(conn, areas, 40, 900_000, datetime(1998, 3, 1, tzinfo=UTC))
        derivaciones: list[int] = []
        for _ in range(400):
            accion = rng.choice(["derivar", "derivar", "copia", "mover", "fecha", "borrar", "redirigir"])
            documento = rng.choice(docs)
            if accion in ("derivar", "copia"):
                destino = rng.choice(areas)
                derivacion = await conn.execute(
                    text(INSERT_DERIVACION_SQL),
                    {
                        "documento": documento,
                        "origen": rng.choice(areas),
                        "destino": destino,
                        "usuario": usuario,
                        "copia": accion == "copia",
                    },
                )
                derivaciones.append(derivacion.scalar_one())
                if accion == "derivar":
                    await conn.execute(
                        text("UPDATE documentos SET area_actual_id = :a WHERE id = :d"),
                        {"a": destino, "d": documento},
                    )
            elif accion == "mover":
                await conn.execute(
                    text("UPDATE documentos SET area_actual_id = :a WHERE id = :d"),
                    {"a": rng.choice(areas), "d": documento},
                )
            elif accion == "fecha":
                await conn.execute(
                    text(
                        "UPDATE documentos SET fecha_recepcion = fecha_recepcion + :delta,"
                        " area_actual_id = CASE WHEN :mover THEN :a ELSE area_actual_id END WHERE id = :d"
                    ),
                    {
                        "delta": timedelta(minutes=rng.randint(-90, 90)),
                        "mover": rng.random() < 0.5,
                        "a": rng.choice(areas),
                        "d": documento,
                    },
                )
            elif accion == "borrar" and derivaciones:
                derivacion_id = derivaciones.pop(rng.randrange(len(derivaciones)))
                await conn.execute(text("DELETE FROM derivaciones WHERE id = :id"), {"id": derivacion_id})
            elif accion == "redirigir" and derivaciones:
                await conn.execute(
                    text("UPDATE derivaciones SET area_destino_id = :a WHERE id = :id"),
                    {"a": rng.choice(areas), "id": rng.choice(derivaciones)},
                )
        assert await diferencias(conn) == 0
        for documento in docs[:5]:
            await conn.execute(text("DELETE FROM documentos WHERE id = :d"), {"d": documento})
        assert await diferencias(conn) == 0
        filas = await conn.execute(
            text("SELECT count(*) FROM visibilidad WHERE documento_id = ANY(:docs)"), {"docs": docs[:5]}
        )
        assert filas.scalar_one() == 0


@pytest.mark.parametrize("primero", ["la salida", "la derivación"])
async def test_concurrent_routing_and_move_keep_the_row(world: World, primero: str) -> None:
    """A document leaves area X (never routed there) while another transaction routes it to X: in
    either order the second waits for the first (the document's row lock), and X keeps seeing it."""
    x, y = world.areas["LOG"], world.areas["OAJ"]
    async with db.engine.connect() as setup:
        [documento] = await _insertar_documentos(
            setup, [x], 1, 800_000 if primero == "la salida" else 800_001, datetime(1998, 6, 1, tzinfo=UTC)
        )
        _, _, usuario = await _padres(setup)
        await setup.commit()
    mover = text("UPDATE documentos SET area_actual_id = :y WHERE id = :d")
    derivar_a_x = text(INSERT_DERIVACION_SQL)
    routing = {"documento": documento, "origen": y, "destino": x, "usuario": usuario, "copia": True}
    async with db.engine.connect() as uno, db.engine.connect() as otro:
        if primero == "la salida":
            await uno.execute(mover, {"y": y, "d": documento})
            segundo = asyncio.create_task(otro.execute(derivar_a_x, routing))
        else:
            await uno.execute(derivar_a_x, routing)
            segundo = asyncio.create_task(otro.execute(mover, {"y": y, "d": documento}))
        await asyncio.sleep(0.3)
        assert not segundo.done(), "the second write should wait for the document's row lock"
        await uno.commit()
        await segundo
        await otro.commit()
    async with db.engine.connect() as conn:
        areas = await conn.execute(
            text("SELECT area_id FROM visibilidad WHERE documento_id = :d"), {"d": documento}
        )
        assert set(areas.scalars()) == {x, y}
        assert await diferencias(conn) == 0
        # Nothing stays behind (a 1998 number with no counter would fail the seed's checks).
        await conn.execute(text("DELETE FROM documentos WHERE id = :d"), {"d": documento})
        await conn.commit()
        assert await diferencias(conn) == 0


# ---- the API agrees with the rule ------------------------------------------------------------------


async def _ids(client: httpx.AsyncClient, headers: Headers, params: Json) -> list[int]:
    """Every id of a list, page by page through the cursor (pages of 2: many cursors)."""
    ids: list[int] = []
    cursor: str | None = None
    while True:
        query = {**params, "page_size": 2, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/v1/documentos", params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids


async def test_list_search_detail_and_history_follow_the_rule(
    client: httpx.AsyncClient, tokens: dict[str, Headers], world: World
) -> None:
    remitente = {
        "tipo_persona": "natural",
        "tipo_documento_identidad": "DNI",
        "numero_documento_identidad": nuevo_dni(),
        "nombre": "Eulalia Mamani Condori",
    }
    mesa, admin, oga = tokens["mesa"], tokens["admin"], tokens["oga"]
    area = world.areas
    docs: list[Json] = []
    for destinos in (
        [],  # stays in MP
        [[{"area_id": area["OAJ"]}]],  # in OAJ
        [[{"area_id": area["OGA"]}], [{"area_id": area["LOG"]}]],  # passed through OGA, now in LOG
        [[{"area_id": area["OAJ"]}, {"area_id": area["OGA"], "es_copia": True}]],  # a copy to OGA
        [[{"area_id": area["LOG"]}], [{"area_id": area["OGA"]}]],  # now in OGA
    ):
        doc = await registrar(client, mesa, world, remitente=remitente, asunto="Pedido de eulalia")
        for numero, paso in enumerate(destinos):
            if numero:  # the area it was routed to receives it before routing it on
                response = await client.post(
                    f"/api/v1/documentos/{doc['id']}/recibir", json={"version": doc["version"]}, headers=admin
                )
                assert response.status_code == 200, response.text
                doc = response.json()
            response = await derivar(client, admin, doc, paso)
            assert response.status_code == 200, response.text
            doc = response.json()
        docs.append(doc)

    def rule(area_id: int) -> set[int]:
        return {
            d["id"]
            for d in docs
            if d["area_actual"]["id"] == area_id
            or any(r["area_destino"]["id"] == area_id for r in d["derivaciones"])
        }

    remitente_id = docs[0]["remitente"]["id"]
    expected = rule(area["OGA"])
    assert len(expected) == 3
    newest_first = [d["id"] for d in reversed(docs) if d["id"] in expected]
    assert await _ids(client, oga, {"remitente_id": remitente_id}) == newest_first
    assert await _ids(client, oga, {"remitente_id": remitente_id, "sort": "fecha_recepcion"}) == list(
        reversed(newest_first)
    )
    found = await client.get("/api/v1/documentos", params={"q": "eulalia"}, headers=oga)
    assert found.status_code == 200, found.text
    assert {item["id"] for item in found.json()["items"]} & {d["id"] for d in docs} == expected
    for doc in docs:
        for path in (f"/api/v1/documentos/{doc['id']}", f"/api/v1/documentos/{doc['id']}/historial"):
            response = await client.get(path, headers=oga)
            assert response.status_code == (200 if doc["id"] in expected else 404), (path, response.text)
    # Every especialista's list equals the rule; the admin sees them all.
    for key, codigo in (("oaj", "OAJ"), ("oga", "OGA")):
        listed = await _ids(client, tokens[key], {"remitente_id": remitente_id})
        assert set(listed) == rule(area[codigo]), key
    assert set(await _ids(client, admin, {"remitente_id": remitente_id})) == {d["id"] for d in docs}
    async with db.engine.connect() as conn:
        assert await diferencias(conn) == 0


# ---- the list's plan -------------------------------------------------------------------------------

DOCUMENTOS = 20_000


@pytest.fixture
async def volumen(world: World) -> Any:
    """20,000 documents (rolled back) over an area that holds half of them and a quiet one holding
    one in five hundred, each routed once more to a third area, analyzed like a real table."""
    async with rolled_back() as conn:
        base = list(world.areas.values())
        quiet = base[-1]
        busy = base[1]
        areas = [busy] * 250 + [a for a in base if a not in (busy, quiet)] * 60 + [quiet]
        docs = await _insertar_documentos(conn, areas, DOCUMENTOS, 0, datetime(1998, 1, 1, tzinfo=UTC))
        await conn.execute(
            text(
                "INSERT INTO derivaciones (documento_id, area_origen_id, area_destino_id, enviado_por_id,"
                " prioridad, estado, es_copia, fecha_envio)"
                " SELECT d.id, d.area_actual_id, :otra, d.registrado_por_id, 'normal', 'atendida', false,"
                " d.fecha_recepcion FROM documentos AS d"
                " WHERE d.id = ANY(:docs) AND d.area_actual_id <> :otra"
            ),
            {"docs": docs, "otra": base[0]},
        )
        await conn.execute(text("ANALYZE documentos, derivaciones, visibilidad"))
        yield conn, busy, quiet


@pytest.mark.parametrize("area", ["busy", "quiet"])
@pytest.mark.parametrize("caso", ["first page", "estado", "deep cursor"])
async def test_especialista_list_reads_one_page_of_the_visibility_key(
    volumen: tuple[AsyncConnection, int, int], area: str, caso: str
) -> None:
    conn, busy, quiet = volumen
    usuario = especialista_de(busy if area == "busy" else quiet)
    filtros = FiltrosDocumento(estado=[EstadoDocumento.ARCHIVADO] if caso == "estado" else None)
    cursor = None
    if caso == "deep cursor":
        fila = await conn.execute(
            text(
                "SELECT fecha_recepcion, documento_id FROM visibilidad WHERE area_id = :a"
                " ORDER BY fecha_recepcion DESC, documento_id DESC"
                " OFFSET (SELECT count(*) * 6 / 10 FROM visibilidad WHERE area_id = :a) LIMIT 1"
            ),
            {"a": usuario.area_id},
        )
        cursor = encode_cursor(*fila.one())
    lista = DocumentoService.consulta_lista(usuario, filtros)
    query = pagina_query(lista, orden_de_lista(usuario), page_size=20, cursor=cursor)
    result = await QueryOptimizer().explain_query(conn, query, analyze=True)

    # The area's page comes off the visibility key, each row's document by its id; derivaciones
    # are not read, and no table is read whole.
    assert "pk_visibilidad" in result.summary.indexes_used, result.text
    assert "derivaciones" not in result.text, result.text
    assert not {"documentos", "visibilidad"} & set(result.summary.seq_scans), result.text
    scans = [n for n in _nodes(result.plan[0]["Plan"]) if n.get("Index Name") == "pk_visibilidad"]
    assert len(scans) == 1, result.text
    if cursor is not None:
        assert "fecha_recepcion" in scans[0]["Index Cond"], result.text
    if area == "busy":
        # One page, not the area: read backward from the top (or the cursor) in page order, a
        # few rows per row of the page (one in four documents is archivado).
        assert not {"Sort", "Incremental Sort", "Hash Join"} & set(result.summary.node_types), result.text
        assert scans[0]["Scan Direction"] == "Backward", result.text
        assert scans[0]["Actual Rows"] <= (200 if caso == "estado" else 21), result.text
    else:
        # A quiet area (~55 rows) may be read whole and sorted; the busy one holds ~13,500.
        assert scans[0]["Actual Rows"] <= DOCUMENTOS // 20, result.text


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("Plans", []) for n in _nodes(child))]
