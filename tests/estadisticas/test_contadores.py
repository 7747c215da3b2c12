"""The statistics counters (revision 0005) against a full recount.

Random workflows run through the API (register, route with copies, receive, process, attend,
archive, observe, annul, change the tipo), some of them at once, then "psql fixes" behind the
service's back (backdated receptions, past deadlines, a routing added and one removed, a document
deleted). After that, for every scope (everything, each area, an especialista without an area) and
date range, the statistics read from the counters equal the old full scan of `documentos`
(`EstadisticaService.recontar`), and every counter row equals what `estadisticas_recontar()` rebuilds
from scratch. The bulk loader keeps them too, on both of its paths.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from app.catalogos.models import TipoDocumento
from app.core.config import get_settings
from app.core.database import db
from app.documentos.models import EstadoDocumento
from app.documentos.workflow import TRANSICIONES
from app.estadisticas.schemas import Estadisticas
from app.estadisticas.service import EstadisticaService
from app.ops.seed import ensure_staff, seed_catalogos, seed_documentos
from app.usuarios.models import Rol
from app.usuarios.principal import ADMINISTRADOR, AUDITOR, Principal, especialista_de
from tests.conftest import World, registrar
from tests.helpers import Tokens, rolled_back, run_module, scratch_database, unique

E = EstadoDocumento
# The endpoint of each transition, and its body beyond the version.
ACCION = {
    E.DERIVADO: "derivar",
    E.RECIBIDO: "recibir",
    E.EN_PROCESO: "procesar",
    E.ATENDIDO: "atender",
    E.ARCHIVADO: "archivar",
    E.OBSERVADO: "observar",
    E.ANULADO: "anular",
}
# Each table, its key and counts, and the same key in estadisticas_deltas.
TABLAS = {
    "estadisticas_estados": ("estado", "documentos, atendidos, segundos_atencion", "estado"),
    "estadisticas_areas": ("area_id", "documentos", "area_id"),
    "estadisticas_tipos": ("tipo_documento_id", "documentos", "tipo_id"),
    "estadisticas_plazos": ("fecha_limite", "documentos", "fecha_limite"),
}


async def contadores(conn: AsyncConnection) -> dict[str, set[tuple[Any, ...]]]:
    """Every key's count: its row plus the deltas not folded yet, when not zero (a key may stay
    behind with zeros)."""
    resultado = {}
    for tabla, (clave, cuentas, en_deltas) in TABLAS.items():
        sumas = ", ".join(f"sum({c})" for c in cuentas.split(", "))
        no_nulas = " OR ".join(f"sum({c}) <> 0" for c in cuentas.split(", "))
        filas = await conn.execute(
            text(
                f"SELECT alcance, dia, {clave}, {sumas} FROM ("
                f" SELECT alcance, dia, {clave}, {cuentas} FROM {tabla} UNION ALL"
                f" SELECT alcance, dia, {en_deltas}, {cuentas} FROM estadisticas_deltas"
                f" WHERE {en_deltas} IS NOT NULL) AS t GROUP BY 1, 2, 3 HAVING {no_nulas}"
            )
        )
        resultado[tabla] = {tuple(fila) for fila in filas}
    return resultado


async def assert_contadores_exactos(conn: AsyncConnection) -> None:
    """The counters equal a rebuild from scratch, before and after folding the deltas (in a
    savepoint, rolled back)."""
    antes = await contadores(conn)
    async with conn.begin_nested() as savepoint:
        await conn.execute(text("SELECT estadisticas_consolidar()"))
        assert (await conn.execute(text("SELECT count(*) FROM estadisticas_deltas"))).scalar_one() == 0
        consolidados = await contadores(conn)
        await conn.execute(text("SELECT estadisticas_recontar()"))
        despues = await contadores(conn)
        await savepoint.rollback()
    for tabla in TABLAS:
        for nombre, cuentas in (("deltas", antes[tabla]), ("folded", consolidados[tabla])):
            assert cuentas == despues[tabla], (
                tabla,
                nombre,
                sorted(cuentas - despues[tabla])[:10],
                sorted(despues[tabla] - cuentas)[:10],
            )
    assert sum(len(filas) for filas in antes.values()) > 0  # not vacuous


def rangos() -> list[tuple[date | None, date | None]]:
    hoy = datetime.now(ZoneInfo(get_settings().timezone)).date()
    return [
        (None, None),
        (hoy, hoy),
        (hoy - timedelta(days=200), None),
        (None, hoy - timedelta(days=100)),
        (hoy - timedelta(days=300), hoy - timedelta(days=30)),
        (date(1900, 1, 1), date(2999, 12, 31)),  # the bounds of `Fecha`
    ]


async def assert_estadisticas_iguales(world: World) -> Estadisticas:
    alcances: list[Principal] = [
        ADMINISTRADOR,
        AUDITOR,
        Principal(id=0, rol=Rol.ESPECIALISTA, area_id=None),
        *(especialista_de(area_id) for area_id in world.areas.values()),
    ]
    async with db.sessionmaker() as session:
        servicio = EstadisticaService(session)
        for usuario in alcances:
            for desde, hasta in rangos():
                contado = await servicio.contar(usuario, desde, hasta)
                recontado = await servicio.recontar(usuario, desde, hasta)
                assert contado == recontado, (usuario, desde, hasta)
        return await servicio.contar(ADMINISTRADOR, None, None)


class Recorrido:
    """Random workflows through the API, as the admin (who may act in any area)."""

    def __init__(
        self, client: httpx.AsyncClient, tokens: Tokens, world: World, tipos: list[int], semilla: int
    ):
        self.client, self.tokens, self.world, self.tipos = client, tokens, world, tipos
        self.rng = random.Random(semilla)

    async def registrar(self) -> dict[str, Any]:
        return await registrar(
            self.client,
            self.tokens[self.rng.choice(["mesa", "admin"])],
            self.world,
            tipo_documento_id=self.rng.choice(self.tipos),
            procedimiento_id=self.rng.choice([self.world.procedimiento_id, None]),
        )

    async def paso(self, doc: dict[str, Any]) -> dict[str, Any]:
        estado = E(doc["estado"])
        opciones: list[E | None] = [*sorted(TRANSICIONES[estado])]  # not a set's per-process order
        if estado not in (E.ARCHIVADO, E.ANULADO):
            opciones.append(None)  # an update of the tipo
        if not opciones:
            return doc
        # Annulment is one choice in four times as many: most documents should live a while.
        nuevo = self.rng.choices(opciones, weights=[1 if o is E.ANULADO else 4 for o in opciones])[0]
        return await self.accion(doc, nuevo)

    async def accion(self, doc: dict[str, Any], nuevo: E | None) -> dict[str, Any]:
        """The transition to `nuevo`, or an update of the tipo (None)."""
        headers = self.tokens["admin"]
        url = f"/api/v1/documentos/{doc['id']}"
        if nuevo is None:
            body = {"version": doc["version"], "tipo_documento_id": self.rng.choice(self.tipos)}
            response = await self.client.patch(url, json=body, headers=headers)
        else:
            body = {"version": doc["version"]}
            if nuevo in (E.OBSERVADO, E.ANULADO):
                body["motivo"] = "Falta la firma del remitente"
            if nuevo is E.DERIVADO:
                otras = [a for a in self.world.areas.values() if a != doc["area_actual"]["id"]]
                self.rng.shuffle(otras)
                copias = otras[1 : 1 + self.rng.randint(0, 2)]
                body["destinos"] = [
                    {"area_id": otras[0], "plazo_dias": self.rng.choice([None, 0, 3])},
                    *({"area_id": a, "es_copia": True} for a in copias),
                ]
            response = await self.client.post(f"{url}/{ACCION[nuevo]}", json=body, headers=headers)
        assert response.status_code == 200, response.text
        resultado: dict[str, Any] = response.json()
        return resultado

    async def cadena(self, pasos: int) -> int:
        doc = await self.registrar()
        for _ in range(pasos):
            doc = await self.paso(doc)
        return int(doc["id"])

    async def atendido(self) -> int:
        """One document surely attended and archived (the mean attention time has something to average)."""
        doc = await self.registrar()
        for estado in (E.DERIVADO, E.RECIBIDO, E.ATENDIDO, E.ARCHIVADO):
            doc = await self.accion(doc, estado)
        return int(doc["id"])


async def test_counters_match_a_full_recount_after_random_workflows(
    client: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    async with db.sessionmaker() as session, session.begin():
        nuevos = [TipoDocumento(codigo=unique("ZE"), nombre=nombre) for nombre in ("Oficio", "Carta")]
        session.add_all(nuevos)
        await session.flush()
        tipos = [world.tipo_id, *(t.id for t in nuevos)]

    # Two documents surely attended, random chains one after the other, then eight at once (their
    # counter rows are shared).
    ids = [await Recorrido(client, tokens, world, tipos, 50 + semilla).atendido() for semilla in range(2)]
    ids += [
        await Recorrido(client, tokens, world, tipos, semilla).cadena(semilla % 7) for semilla in range(12)
    ]
    ids += await asyncio.gather(
        *(Recorrido(client, tokens, world, tipos, 100 + semilla).cadena(semilla % 6) for semilla in range(8))
    )
    await assert_estadisticas_iguales(world)

    # Fixes behind the service's back: every writer goes through the triggers.
    rng = random.Random(7)
    ahora = datetime.now(UTC)
    async with db.engine.begin() as conn:
        for documento_id in ids[::2]:
            recibido = ahora - timedelta(days=rng.randint(1, 420), hours=rng.randint(0, 23))
            await conn.execute(
                text(
                    "UPDATE documentos SET fecha_recepcion = :r,"
                    " fecha_limite = CASE WHEN fecha_limite IS NOT NULL OR :d"
                    " THEN CAST(:r AS timestamptz)::date + 5 END,"
                    " fecha_atencion = CASE WHEN fecha_atencion IS NOT NULL"
                    " THEN CAST(:r AS timestamptz) + interval '3 days' END"
                    " WHERE id = :id"
                ),
                {"r": recibido, "d": rng.random() < 0.5, "id": documento_id},
            )
        await conn.execute(
            text(
                "INSERT INTO derivaciones (documento_id, area_origen_id, area_destino_id, enviado_por_id,"
                " prioridad, estado, es_copia, fecha_envio)"
                " SELECT id, area_actual_id, :log, :admin, 'normal', 'pendiente', true, now()"
                " FROM documentos WHERE id = ANY(:ids) AND area_actual_id <> :log"
            ),
            {"log": world.areas["LOG"], "admin": world.users["admin"], "ids": ids[1:6]},
        )
        await conn.execute(
            text(
                "DELETE FROM derivaciones WHERE id IN (SELECT min(id) FROM derivaciones"
                " WHERE documento_id = ANY(:ids) GROUP BY documento_id)"
            ),
            {"ids": ids[3:9]},
        )
        await conn.execute(text("DELETE FROM documentos WHERE id = ANY(:ids)"), {"ids": ids[-3:]})
    todo = await assert_estadisticas_iguales(world)
    assert todo.vencidos > 0 and todo.tiempo_medio_atencion_dias is not None and len(todo.por_mes) > 3
    async with rolled_back() as conn:
        await assert_contadores_exactos(conn)


async def test_counters_follow_the_serial_bulk_load(world: World) -> None:
    """A small load (one transaction, triggers on, COPY batches counted by statement)."""
    async with rolled_back() as conn:
        await seed_catalogos(conn)
        await seed_documentos(
            conn, 1_500, seed=11, until=datetime(2026, 11, 20, tzinfo=UTC), progress=lambda _: None
        )
        await assert_contadores_exactos(conn)


async def test_counters_follow_the_parallel_bulk_load() -> None:
    """A large load disables the counters' triggers and loads without them; the loader then
    recounts (`estadisticas_recontar()`, revision 0005's backfill) beside its index builds."""
    async with scratch_database() as url:
        code, output = await run_module("alembic", "upgrade", "head", env={"DATABASE_URL": url}, limit_s=180)
        assert code == 0, output
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.begin() as conn:
                await seed_catalogos(conn)
                await ensure_staff(conn, "clave-de-prueba-123")
            report = await seed_documentos(
                engine,
                3_000,
                seed=5,
                until=datetime(2026, 11, 20, tzinfo=UTC),
                progress=lambda _: None,
                rebuild_indexes=True,
                processes=2,
            )
            assert report.indexes_rebuilt
            async with engine.begin() as conn:
                assert (await conn.execute(text("SELECT count(*) FROM documentos"))).scalar_one() == 3_000
                await assert_contadores_exactos(conn)
                total = (
                    await conn.execute(
                        text("SELECT sum(documentos) FROM estadisticas_estados WHERE alcance = 0")
                    )
                ).scalar_one()
                assert total == 3_000
        finally:
            await engine.dispose()


async def test_counters_use_the_office_calendar() -> None:
    async with db.engine.connect() as conn:
        zona = (await conn.execute(text("SELECT estadisticas_zona()"))).scalar_one()
    assert zona == get_settings().timezone
