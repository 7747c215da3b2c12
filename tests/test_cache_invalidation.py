"""Every write invalidates exactly the cached reads it makes stale, before its response is sent.

Each test warms the cached views that a write affects (the second GET of each is a cache hit),
performs the write through the API, and proves that the next read is fresh: it changed the way the
write implies, and it equals the truth read with the cache bypassed. Views the write does not affect
stay cache hits, and a write that fails invalidates nothing. The tests pass against the real
redis-server and, with TEST_REDIS=down, against the in-process LRU that serves while Redis is away.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from app.cache_policy import CATALOGOS, DOCUMENTOS, ESTADISTICAS, REMITENTES, TODOS
from app.core.cache import get_cache
from tests.conftest import World, documento_payload, nuevo_dni, registrar
from tests.helpers import Headers, Json, Tokens, catalog_payload, unique

# What each kind of write makes stale (app/services/mesa_partes/caching.py).
POR_DOCUMENTO = {ESTADISTICAS, DOCUMENTOS}
POR_REGISTRO = {ESTADISTICAS, DOCUMENTOS, REMITENTES}
POR_CATALOGO_MOSTRADO = {CATALOGOS, ESTADISTICAS, DOCUMENTOS}


# ---- cached views ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vista:
    """One cached read: GET `path` with `params`, as the holder of `headers`."""

    namespace: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    headers: Headers = field(default_factory=dict, repr=False)

    async def get(self, client: httpx.AsyncClient) -> httpx.Response:
        response = await client.get(self.path, params=self.params, headers=self.headers)
        assert response.status_code == 200, f"{self}: {response.text}"
        return response


def estadisticas(headers: Headers) -> Vista:
    return Vista(ESTADISTICAS, "/api/v1/estadisticas", headers=headers)


def busqueda(palabra: str, headers: Headers) -> Vista:
    return Vista(DOCUMENTOS, "/api/v1/documentos", {"q": palabra, "page_size": "100"}, headers)


def remitentes(headers: Headers, **params: str) -> Vista:
    return Vista(REMITENTES, "/api/v1/remitentes", params, headers)


def catalogo(ruta: str) -> Vista:
    return Vista(CATALOGOS, f"/api/v1/catalogos/{ruta}")  # public: no token


def _contador(namespace: str, nombre: str) -> int:
    stats = get_cache().stats.get(namespace)
    return getattr(stats, nombre) if stats is not None else 0


async def calentar(client: httpx.AsyncClient, vista: Vista) -> httpx.Response:
    """GET twice; the second read must be a cache hit with the same body. Returns the second."""
    primera = await vista.get(client)
    hits = _contador(vista.namespace, "hits")
    segunda = await vista.get(client)
    assert _contador(vista.namespace, "hits") == hits + 1, f"the second read of {vista} was not a hit"
    assert segunda.json() == primera.json()
    return segunda


async def verdad(client: httpx.AsyncClient, vista: Vista) -> Any:
    """The body computed from the database with the cache bypassed."""
    cache = get_cache()
    antes = cache.enabled
    cache.enabled = False
    try:
        return (await vista.get(client)).json()
    finally:
        cache.enabled = antes


def canonico(body: Any) -> Any:
    """`body` with its lists in a fixed order, to compare two computations of a view. The API does not
    fix the order of equal rows: `por_estado` has no ORDER BY, `por_area` and `por_tipo` order ties
    of their counts arbitrarily, catalogs sort by name only (and test catalogs repeat names)."""
    if isinstance(body, dict):
        return {key: canonico(value) for key, value in body.items()}
    if isinstance(body, list):
        return sorted(
            (canonico(value) for value in body), key=lambda value: json.dumps(value, sort_keys=True)
        )
    return body


async def fresca(client: httpx.AsyncClient, vista: Vista) -> Any:
    """The read after a write: it must equal the truth (else the cache served a stale value)."""
    body = (await vista.get(client)).json()
    assert canonico(body) == canonico(await verdad(client, vista)), f"{vista} is stale after the write"
    return body


async def sigue_en_cache(client: httpx.AsyncClient, vista: Vista, calentada: httpx.Response) -> None:
    """A view the write did not make stale is still served from the cache, unchanged."""
    hits = _contador(vista.namespace, "hits")
    body = (await vista.get(client)).json()
    assert _contador(vista.namespace, "hits") == hits + 1, f"{vista} was invalidated needlessly"
    assert body == calentada.json()


def invalidaciones() -> dict[str, int]:
    return {ns: _contador(ns, "invalidations") for ns in TODOS}


def bumps_desde(antes: dict[str, int]) -> dict[str, int]:
    """How many times each namespace was invalidated since `antes` (see `invalidaciones`)."""
    return {ns: n - antes[ns] for ns, n in invalidaciones().items()}


def solo(namespaces: set[str]) -> dict[str, int]:
    """One invalidation of each of `namespaces` and none of the others."""
    return {ns: int(ns in namespaces) for ns in TODOS}


async def escribir(write: Awaitable[httpx.Response], status: int, invalida: set[str]) -> httpx.Response:
    """Perform a write; by the time its response arrives, exactly the namespaces `invalida` have been
    invalidated (once each) and no other."""
    antes = invalidaciones()
    response = await write
    assert response.status_code == status, response.text
    assert bumps_desde(antes) == solo(invalida)
    return response


# ---- reading the bodies --------------------------------------------------------------------------


def conteos(stats: Json, por: str = "por_estado") -> Counter[str]:
    """One breakdown of the statistics as counts per key (rows with the same name added up)."""
    resultado = Counter[str]()
    for conteo in stats[por]:
        resultado[conteo["clave"]] += conteo["total"]
    return resultado


def delta(antes: Json, despues: Json, por: str = "por_estado") -> dict[str, int]:
    """How the counts of one breakdown moved (zero moves left out)."""
    cambio = conteos(despues, por)
    cambio.subtract(conteos(antes, por))
    return {clave: n for clave, n in cambio.items() if n}


def items(pagina: Json) -> dict[int, Json]:
    return {item["id"]: item for item in pagina["items"]}


def visible_para(doc: Json, area: str) -> bool:
    """`filtro_visibilidad` of an especialista of `area`: the document is there or was routed there."""
    return doc["area_actual"]["codigo"] == area or any(
        d["area_destino"]["codigo"] == area for d in doc["derivaciones"]
    )


# ---- documents -------------------------------------------------------------------------------------


def asunto(palabra: str) -> str:
    return f"Solicitud {palabra} de prueba de la caché"


async def accion(
    client: httpx.AsyncClient, headers: Headers, doc: Json, nombre: str, **body: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/documentos/{doc['id']}/{nombre}", json={"version": doc["version"], **body}, headers=headers
    )


def cuerpo(nombre: str, world: World) -> Json:
    """The extra fields an action's body needs."""
    if nombre == "derivar":
        return {
            "destinos": [
                {"area_id": world.areas["OAJ"], "indicacion_id": world.indicacion_id, "proveido": "Atender"}
            ]
        }
    if nombre in ("observar", "anular"):
        return {"motivo": f"Motivo para {nombre}"}
    return {"comentario": f"Comentario al {nombre}"}


# The workflow from registrado: (action, who acts, state reached).
CAMINO = [
    ("derivar", "mesa", "derivado"),
    ("recibir", "oaj", "recibido"),
    ("procesar", "oaj", "en_proceso"),
    ("atender", "oaj", "atendido"),
]


async def documento_en(
    client: httpx.AsyncClient, tokens: Tokens, world: World, palabra: str, estado: str
) -> Json:
    """A new document (its asunto carries `palabra`) walked along CAMINO up to `estado`."""
    doc = await registrar(client, tokens["mesa"], world, asunto=asunto(palabra))
    for nombre, actor, llega in CAMINO:
        if doc["estado"] == estado:
            break
        response = await accion(client, tokens[actor], doc, nombre, **cuerpo(nombre, world))
        assert response.status_code == 200, response.text
        doc = response.json()
        assert doc["estado"] == llega
    assert doc["estado"] == estado
    return doc


@dataclass(frozen=True)
class Caso:
    accion: str
    actor: str
    antes: str
    despues: str


CASOS = [
    Caso("derivar", "mesa", "registrado", "derivado"),
    Caso("recibir", "oaj", "derivado", "recibido"),
    Caso("procesar", "oaj", "recibido", "en_proceso"),
    Caso("atender", "oaj", "en_proceso", "atendido"),
    Caso("archivar", "oaj", "atendido", "archivado"),
    Caso("observar", "mesa", "registrado", "observado"),
    Caso("anular", "mesa", "registrado", "anulado"),
]


@pytest.mark.parametrize("caso", CASOS, ids=lambda caso: caso.accion)
async def test_accion_refresca_estadisticas_y_busqueda(
    client: httpx.AsyncClient, tokens: Tokens, world: World, caso: Caso
) -> None:
    palabra = unique("cache")
    doc = await documento_en(client, tokens, world, palabra, caso.antes)
    # Two visibility scopes: everything (mesa) and the OAJ especialista's area.
    alcances = {"mesa": tokens["mesa"], "oaj": tokens["oaj"]}
    visible_antes = {"mesa": True, "oaj": visible_para(doc, "OAJ")}
    vistas = {quien: (estadisticas(h), busqueda(palabra, h)) for quien, h in alcances.items()}
    calentadas = {quien: [await calentar(client, v) for v in par] for quien, par in vistas.items()}
    for quien, (_, pagina) in calentadas.items():
        esperado = {doc["id"]: caso.antes} if visible_antes[quien] else {}
        assert {i: item["estado"] for i, item in items(pagina.json()).items()} == esperado
    ajenas = [
        catalogo("areas"),
        remitentes(tokens["mesa"], numero=doc["remitente"]["numero_documento_identidad"]),
    ]
    ajenas_calentadas = [await calentar(client, v) for v in ajenas]

    response = await escribir(
        accion(client, tokens[caso.actor], doc, caso.accion, **cuerpo(caso.accion, world)), 200, POR_DOCUMENTO
    )
    nuevo = response.json()
    assert nuevo["estado"] == caso.despues
    visible_despues = {"mesa": True, "oaj": visible_para(nuevo, "OAJ")}

    for quien, (vista_stats, vista_busqueda) in vistas.items():
        esperado = Counter[str]()
        if visible_antes[quien]:
            esperado[caso.antes] -= 1
        if visible_despues[quien]:
            esperado[caso.despues] += 1
        stats = await fresca(client, vista_stats)
        assert delta(calentadas[quien][0].json(), stats) == {k: n for k, n in esperado.items() if n}, quien
        pagina = items(await fresca(client, vista_busqueda))
        assert set(pagina) == ({doc["id"]} if visible_despues[quien] else set()), quien
        if visible_despues[quien]:
            assert pagina[doc["id"]]["estado"] == caso.despues
            assert pagina[doc["id"]]["version"] == nuevo["version"]
            assert pagina[doc["id"]]["area_actual"] == nuevo["area_actual"]
    # Catalogs and senders did not change: their cached reads are still served.
    for vista, calentada in zip(ajenas, ajenas_calentadas, strict=True):
        await sigue_en_cache(client, vista, calentada)


@pytest.fixture(scope="module")
async def tipo_nuevo(client: httpx.AsyncClient, tokens: Tokens, world: World) -> Json:
    """A document type of this module, with a name no other test uses."""
    body = {**catalog_payload("tipos-documento", world), "nombre": unique("Tipo de caché ")}
    response = await client.post("/api/v1/catalogos/tipos-documento", json=body, headers=tokens["admin"])
    assert response.status_code == 201, response.text
    result: Json = response.json()
    return result


async def test_actualizacion_refresca_estadisticas_y_busqueda(
    client: httpx.AsyncClient, tokens: Tokens, world: World, tipo_nuevo: Json
) -> None:
    palabra, otra = unique("cache"), unique("corregido")
    doc = await registrar(client, tokens["mesa"], world, asunto=asunto(palabra))
    vista_stats = estadisticas(tokens["mesa"])
    vista_busqueda, vista_otra = busqueda(palabra, tokens["mesa"]), busqueda(otra, tokens["mesa"])
    stats_antes = (await calentar(client, vista_stats)).json()
    assert items((await calentar(client, vista_busqueda)).json())[doc["id"]]["asunto"] == asunto(palabra)
    assert (await calentar(client, vista_otra)).json()["items"] == []
    vista_remitente = remitentes(tokens["mesa"], numero=doc["remitente"]["numero_documento_identidad"])
    remitente_calentado = await calentar(client, vista_remitente)

    nuevo_asunto = f"{asunto(palabra)} {otra}"
    response = await escribir(
        client.patch(
            f"/api/v1/documentos/{doc['id']}",
            json={"version": doc["version"], "asunto": nuevo_asunto, "tipo_documento_id": tipo_nuevo["id"]},
            headers=tokens["mesa"],
        ),
        200,
        POR_DOCUMENTO,
    )
    assert response.json()["version"] == doc["version"] + 1

    stats = await fresca(client, vista_stats)
    assert delta(stats_antes, stats, "por_tipo") == {
        doc["tipo_documento"]["nombre"]: -1,
        tipo_nuevo["nombre"]: 1,
    }
    assert delta(stats_antes, stats) == {}
    for vista in (vista_busqueda, vista_otra):
        item = items(await fresca(client, vista))[doc["id"]]
        assert item["asunto"] == nuevo_asunto
        assert item["tipo_documento"]["id"] == tipo_nuevo["id"]
        assert item["version"] == doc["version"] + 1
    await sigue_en_cache(client, vista_remitente, remitente_calentado)


# ---- registration and the sender upsert ---------------------------------------------------------------


def remitente(dni: str, apellido: str, **contacto: str) -> Json:
    return {
        "tipo_persona": "natural",
        "tipo_documento_identidad": "DNI",
        "numero_documento_identidad": dni,
        "nombre": f"Rosa {apellido} Flores",
        **contacto,
    }


async def test_registro_refresca_estadisticas_busqueda_y_remitentes(
    client: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    palabra, dni, apellido = unique("cache"), nuevo_dni(), unique("Cachero")
    mesa = tokens["mesa"]
    vista_stats, vista_busqueda = estadisticas(mesa), busqueda(palabra, mesa)
    vista_oaj = estadisticas(tokens["oaj"])
    por_nombre, por_numero = remitentes(mesa, q=apellido.lower()), remitentes(tokens["auditor"], numero=dni)
    stats_antes = (await calentar(client, vista_stats)).json()
    oaj_antes = (await calentar(client, vista_oaj)).json()
    # Nothing matches yet.
    assert (await calentar(client, vista_busqueda)).json()["items"] == []
    for vista in (por_nombre, por_numero):
        assert (await calentar(client, vista)).json() == []
    areas = catalogo("areas")
    areas_calentadas = await calentar(client, areas)

    response = await escribir(
        client.post(
            "/api/v1/documentos",
            json=documento_payload(world, asunto=asunto(palabra), remitente=remitente(dni, apellido)),
            headers=mesa,
        ),
        201,
        POR_REGISTRO,
    )
    doc = response.json()

    stats = await fresca(client, vista_stats)
    assert delta(stats_antes, stats) == {"registrado": 1}
    assert stats["total"] == stats_antes["total"] + 1
    assert canonico(await fresca(client, vista_oaj)) == canonico(
        oaj_antes
    )  # not visible to OAJ: recomputed, the same
    assert set(items(await fresca(client, vista_busqueda))) == {doc["id"]}
    for vista in (por_nombre, por_numero):
        assert [r["id"] for r in await fresca(client, vista)] == [doc["remitente"]["id"]]
    await sigue_en_cache(client, areas, areas_calentadas)


async def test_remitente_conocido_con_nuevos_datos_refresca_su_busqueda(
    client: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    palabra, dni, apellido = unique("cache"), nuevo_dni(), unique("Cachero")
    mesa = tokens["mesa"]
    datos = remitente(dni, apellido, email="rosa.antes@example.pe")
    primero = await registrar(client, mesa, world, asunto=asunto(palabra), remitente=datos)
    por_nombre, por_numero = remitentes(mesa, q=apellido.lower()), remitentes(mesa, numero=dni)
    for vista in (por_nombre, por_numero):
        [calentado] = (await calentar(client, vista)).json()
        assert (calentado["email"], calentado["telefono"]) == ("rosa.antes@example.pe", None)
    vista_busqueda = busqueda(palabra, mesa)
    assert set(items((await calentar(client, vista_busqueda)).json())) == {primero["id"]}

    nuevos = {**datos, "email": "rosa.despues@example.pe", "telefono": "+51 987 654 321"}
    response = await escribir(
        client.post(
            "/api/v1/documentos",
            json=documento_payload(world, asunto=asunto(palabra), remitente=nuevos),
            headers=mesa,
        ),
        201,
        POR_REGISTRO,
    )
    segundo = response.json()
    assert segundo["remitente"]["id"] == primero["remitente"]["id"]  # the same sender, updated

    for vista in (por_nombre, por_numero):
        [fresco] = await fresca(client, vista)
        assert fresco["id"] == primero["remitente"]["id"]
        assert (fresco["email"], fresco["telefono"]) == ("rosa.despues@example.pe", "+51 987 654 321")
        assert fresco["nombre"] == datos["nombre"]  # a known identity keeps its name
    assert set(items(await fresca(client, vista_busqueda))) == {primero["id"], segundo["id"]}


# ---- catalogs ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogo:
    """A catalog whose entries' names appear in statistics and search pages, and where."""

    ruta: str
    por: str  # the statistics breakdown keyed by it
    campo: str  # the field the breakdown shows
    en_item: str  # the search item's reference to it


CATALOGOS_MOSTRADOS = [
    Catalogo("areas", "por_area", "sigla", "area_actual"),
    Catalogo("tipos-documento", "por_tipo", "nombre", "tipo_documento"),
]


async def _etag_sigue_valiendo(client: httpx.AsyncClient, vista: Vista, etag: str) -> bool:
    response = await client.get(vista.path, headers={"If-None-Match": etag})
    assert response.status_code in (200, 304), response.text
    return response.status_code == 304


@pytest.mark.parametrize("cat", CATALOGOS_MOSTRADOS, ids=lambda cat: cat.ruta)
async def test_alta_de_catalogo_refresca_su_lista(
    client: httpx.AsyncClient, tokens: Tokens, world: World, cat: Catalogo
) -> None:
    lista = catalogo(cat.ruta)
    calentada = await calentar(client, lista)
    assert await _etag_sigue_valiendo(client, lista, calentada.headers["ETag"])
    sin_coincidencias = remitentes(tokens["mesa"], numero=nuevo_dni())
    remitentes_calentados = await calentar(client, sin_coincidencias)
    body = catalog_payload(cat.ruta, world)
    assert body["codigo"] not in {c["codigo"] for c in calentada.json()}

    response = await escribir(
        client.post(f"/api/v1/catalogos/{cat.ruta}", json=body, headers=tokens["admin"]),
        201,
        POR_CATALOGO_MOSTRADO,
    )

    fresca_lista = await fresca(client, lista)
    assert response.json() in fresca_lista
    assert len(fresca_lista) == len(calentada.json()) + 1
    # A client holding the old list must not be told it is still current.
    assert not await _etag_sigue_valiendo(client, lista, calentada.headers["ETag"])
    await sigue_en_cache(client, sin_coincidencias, remitentes_calentados)


async def _documento_que_muestra(
    client: httpx.AsyncClient, tokens: Tokens, world: World, cat: Catalogo, entrada: Json, palabra: str
) -> Json:
    """A document whose list item and statistics show `entrada` (routed to the area / of the type)."""
    if cat.ruta == "tipos-documento":
        return await registrar(
            client, tokens["mesa"], world, asunto=asunto(palabra), tipo_documento_id=entrada["id"]
        )
    doc = await registrar(client, tokens["mesa"], world, asunto=asunto(palabra))
    response = await accion(client, tokens["mesa"], doc, "derivar", destinos=[{"area_id": entrada["id"]}])
    assert response.status_code == 200, response.text
    result: Json = response.json()
    return result


@pytest.mark.parametrize("cat", CATALOGOS_MOSTRADOS, ids=lambda cat: cat.ruta)
async def test_cambio_de_catalogo_refresca_lista_estadisticas_y_busqueda(
    client: httpx.AsyncClient, tokens: Tokens, world: World, cat: Catalogo
) -> None:
    palabra = unique("cache")
    alta = {**catalog_payload(cat.ruta, world), cat.campo: unique("Antes")}
    response = await client.post(f"/api/v1/catalogos/{cat.ruta}", json=alta, headers=tokens["admin"])
    assert response.status_code == 201, response.text
    entrada = response.json()
    doc = await _documento_que_muestra(client, tokens, world, cat, entrada, palabra)
    lista = catalogo(cat.ruta)
    vista_stats, vista_busqueda = estadisticas(tokens["mesa"]), busqueda(palabra, tokens["mesa"])
    lista_antes = await calentar(client, lista)
    stats_antes = (await calentar(client, vista_stats)).json()
    assert conteos(stats_antes, cat.por)[alta[cat.campo]] == 1
    pagina_antes = items((await calentar(client, vista_busqueda)).json())
    assert pagina_antes[doc["id"]][cat.en_item][cat.campo] == alta[cat.campo]

    nuevo = unique("Despues")
    response = await escribir(
        client.patch(
            f"/api/v1/catalogos/{cat.ruta}/{entrada['id']}", json={cat.campo: nuevo}, headers=tokens["admin"]
        ),
        200,
        POR_CATALOGO_MOSTRADO,
    )
    assert response.json()[cat.campo] == nuevo

    assert {c["id"]: c[cat.campo] for c in await fresca(client, lista)}[entrada["id"]] == nuevo
    assert not await _etag_sigue_valiendo(client, lista, lista_antes.headers["ETag"])
    stats = await fresca(client, vista_stats)
    assert delta(stats_antes, stats, cat.por) == {alta[cat.campo]: -1, nuevo: 1}
    assert items(await fresca(client, vista_busqueda))[doc["id"]][cat.en_item][cat.campo] == nuevo


# ---- failed writes invalidate nothing -----------------------------------------------------------------

Fallida = Callable[[httpx.AsyncClient, Tokens, World, Json], Awaitable[httpx.Response]]


async def _transicion_ilegal(
    client: httpx.AsyncClient, tokens: Tokens, world: World, doc: Json
) -> httpx.Response:
    return await accion(client, tokens["mesa"], doc, "archivar")


async def _version_vieja(
    client: httpx.AsyncClient, tokens: Tokens, world: World, doc: Json
) -> httpx.Response:
    return await client.patch(
        f"/api/v1/documentos/{doc['id']}",
        json={"version": doc["version"] - 1, "asunto": "Asunto que no se guarda"},
        headers=tokens["mesa"],
    )


async def _derivar_version_vieja(
    client: httpx.AsyncClient, tokens: Tokens, world: World, doc: Json
) -> httpx.Response:
    return await accion(
        client, tokens["mesa"], {**doc, "version": doc["version"] - 1}, "derivar", **cuerpo("derivar", world)
    )


async def _anular_sin_rol(
    client: httpx.AsyncClient, tokens: Tokens, world: World, doc: Json
) -> httpx.Response:
    return await accion(client, tokens["oaj"], doc, "anular", motivo="No le corresponde")


async def _codigo_repetido(
    client: httpx.AsyncClient, tokens: Tokens, world: World, doc: Json
) -> httpx.Response:
    body = {"codigo": "MP", "nombre": "Otra Mesa de Partes", "sigla": "MP2"}
    return await client.post("/api/v1/catalogos/areas", json=body, headers=tokens["admin"])


async def _registro_rechazado(
    client: httpx.AsyncClient, tokens: Tokens, world: World, doc: Json
) -> httpx.Response:
    """A known sender with new contact data, but an unknown country: nothing is written."""
    dni = doc["remitente"]["numero_documento_identidad"]
    datos = remitente(dni, "Rechazada", email="nuevo@example.pe", pais_codigo="ZZ")
    return await client.post(
        "/api/v1/documentos", json=documento_payload(world, remitente=datos), headers=tokens["mesa"]
    )


@pytest.mark.parametrize(
    ("escritura", "status"),
    [
        (_transicion_ilegal, 409),
        (_version_vieja, 409),
        (_derivar_version_vieja, 409),
        (_anular_sin_rol, 403),
        (_codigo_repetido, 409),
        (_registro_rechazado, 422),
    ],
    ids=lambda value: value.__name__.strip("_") if callable(value) else str(value),
)
async def test_escritura_fallida_no_invalida(
    client: httpx.AsyncClient, tokens: Tokens, world: World, escritura: Fallida, status: int
) -> None:
    palabra = unique("cache")
    doc = await registrar(client, tokens["mesa"], world, asunto=asunto(palabra))
    response = await client.patch(
        f"/api/v1/documentos/{doc['id']}",
        json={"version": doc["version"], "folios": 7},
        headers=tokens["mesa"],
    )
    assert response.status_code == 200, response.text
    doc = response.json()
    vistas = [
        estadisticas(tokens["mesa"]),
        estadisticas(tokens["oaj"]),
        busqueda(palabra, tokens["mesa"]),
        remitentes(tokens["mesa"], numero=doc["remitente"]["numero_documento_identidad"]),
        catalogo("areas"),
    ]
    calentadas = [await calentar(client, vista) for vista in vistas]

    await escribir(escritura(client, tokens, world, doc), status, set())

    for vista, calentada in zip(vistas, calentadas, strict=True):
        await sigue_en_cache(client, vista, calentada)
        assert canonico(calentada.json()) == canonico(await verdad(client, vista))  # nothing changed


async def test_registro_gemelo_rechazado_no_invalida(
    client: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    """Two registrations with one Idempotency-Key at once: the second upserts the sender (which asks
    for an invalidation), then hits the key's unique index and rolls back (409). Only the first one,
    which committed, invalidates. (Should the second start after the first commits, it is a replay
    that writes nothing: the count is the same.)"""
    headers = {**tokens["mesa"], "Idempotency-Key": unique("gemelo-")}
    body = documento_payload(world, asunto=asunto(unique("cache")))
    antes = invalidaciones()

    primera, segunda = await asyncio.gather(
        client.post("/api/v1/documentos", json=body, headers=headers),
        client.post("/api/v1/documentos", json=body, headers=headers),
    )

    assert sorted([primera.status_code, segunda.status_code]) in ([200, 201], [201, 409])
    assert bumps_desde(antes) == solo(POR_REGISTRO)


# ---- visibility scopes ------------------------------------------------------------------------------


async def test_estadisticas_de_especialista_tras_derivar_a_su_area(
    client: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    doc = await registrar(client, tokens["mesa"], world, asunto=asunto(unique("cache")))
    vistas = {quien: estadisticas(tokens[quien]) for quien in ("oaj", "oga", "auditor")}
    antes = {quien: (await calentar(client, vista)).json() for quien, vista in vistas.items()}

    await escribir(
        accion(client, tokens["mesa"], doc, "derivar", **cuerpo("derivar", world)), 200, POR_DOCUMENTO
    )

    despues = {quien: await fresca(client, vista) for quien, vista in vistas.items()}
    # The OAJ especialista now sees the document; OGA sees nothing new; everyone else sees it move.
    assert despues["oaj"]["total"] == antes["oaj"]["total"] + 1
    assert delta(antes["oaj"], despues["oaj"]) == {"derivado": 1}
    assert delta(antes["oaj"], despues["oaj"], "por_area") == {"OAJ": 1}
    assert canonico(despues["oga"]) == canonico(antes["oga"])
    assert despues["auditor"]["total"] == antes["auditor"]["total"]
    assert delta(antes["auditor"], despues["auditor"]) == {"registrado": -1, "derivado": 1}
    assert delta(antes["auditor"], despues["auditor"], "por_area") == {"MP": -1, "OAJ": 1}
