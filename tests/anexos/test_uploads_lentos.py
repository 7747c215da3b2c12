"""Uploads whose body stops arriving hold no database connection, and end with 408.

Against a real uvicorn with a pool of 3 connections and BODY_READ_TIMEOUT_S=6: 50 uploads send their
headers and part of their body, then nothing. Meanwhile normal traffic (authenticated reads, a few
registrations, a few complete uploads) must all succeed; the stalled uploads must end with 408 (or a
closed connection) after the timeout, leaving no temporary file and no row; and PostgreSQL must never
show one of the server's connections idle in a transaction. Before this, each stalled upload kept its
connection "idle in transaction" (the document was read in the request's session before the body),
so the fourth one ran the pool dry and every other request waited DB_POOL_TIMEOUT_S for a 503.

Also: every connection of the engine carries the server-side `idle_in_transaction_session_timeout`,
and PostgreSQL ends a transaction left idle past it.

The figures print with `pytest -s`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.core.config import get_settings
from app.core.database import build_engine, db
from tests.anexos.archivos import pdf_bytes, url
from tests.conftest import World, documento_payload, registrar
from tests.helpers import Tokens
from tests.live_server import live_api

logging.getLogger("httpx").setLevel(logging.WARNING)

APP_NAME = "mesa-partes-lentos"  # the live server's connections, told apart in pg_stat_activity
TIMEOUT_S = 6
DETENIDAS = 50
_ENV = {
    "DB_POOL_SIZE": "3",
    "DB_MAX_OVERFLOW": "0",
    "BODY_READ_TIMEOUT_S": str(TIMEOUT_S),
    "APP_NAME": APP_NAME,
}
_HTTP_TIMEOUT = httpx.Timeout(120.0)


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("uploads_lentos") / "uvicorn.log"
    with live_api(log, _ENV) as base:
        yield base
    output = log.read_text(errors="replace")
    assert "Exception in ASGI application" not in output, output[-6000:]


def temporales(documento_id: int) -> list[Path]:
    directorio = get_settings().storage_dir / "anexos" / str(documento_id)
    return list(directorio.glob(".*.part")) if directorio.exists() else []


async def subida_detenida(base: str, headers: dict[str, str], documento_id: int) -> str:
    """Send the headers and the first 2 KiB of a 200 KiB upload, then nothing: what the server
    answers ("408", another status), "closed" when it closes the connection without a response, or
    "no answer" after 120 s."""
    partes = urlsplit(base)
    boundary = f"lento{uuid.uuid4().hex}"
    cabecera_parte = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="archivo"; filename="lento.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    archivo = b"%PDF-1.4\n%" + b"x" * (200 * 1024)
    cuerpo = cabecera_parte + archivo + f"\r\n--{boundary}--\r\n".encode()
    peticion = (
        f"POST {url(documento_id)} HTTP/1.1\r\n"
        f"Host: {partes.netloc}\r\n"
        f"Authorization: {headers['Authorization']}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(cuerpo)}\r\n\r\n"
    ).encode()
    reader, writer = await asyncio.open_connection(partes.hostname, partes.port)
    try:
        writer.write(peticion + cuerpo[: len(cabecera_parte) + 2048])
        await writer.drain()
        respuesta = b""
        async with asyncio.timeout(120):
            while chunk := await reader.read(65536):
                respuesta += chunk
    except TimeoutError:
        return "no answer"
    except OSError:  # reset by the server
        return "closed"
    finally:
        writer.close()
    if not respuesta:
        return "closed"
    return respuesta.split(b"\r\n", 1)[0].split(b" ")[1].decode()


async def idle_en_transaccion() -> int:
    """The live server's connections idle inside a transaction for 2 s or more, now. (A request
    between two statements of its transaction is idle in it for a moment; a connection held while a
    body streams stays so for the whole stall.)"""
    async with db.engine.connect() as conn:
        return int(
            await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE application_name = :app AND state LIKE 'idle in transaction%'"
                    " AND now() - state_change >= interval '2 seconds'"
                ),
                {"app": APP_NAME},
            )
            or 0
        )


@pytest.mark.fault
async def test_stalled_uploads_hold_no_connection_and_end_with_408(
    live_url: str, client: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    mesa = tokens["mesa"]
    detenido = await registrar(client, mesa, world)  # the stalled uploads' document
    normal = await registrar(client, mesa, world)  # the normal traffic's

    resultados: Counter[str] = Counter()
    fallos: list[str] = []
    idle_max = 0
    temporales_max = 0
    terminado = asyncio.Event()

    async def trafico(http: httpx.AsyncClient, n: int) -> None:
        i = 0
        while not terminado.is_set() or i < 5:
            i += 1
            try:
                if i % 10 == 3 and n == 0:
                    payload = documento_payload(world)
                    response = await http.post("/api/v1/documentos", json=payload, headers=mesa)
                    esperado = 201
                elif i % 15 == 7 and n == 1:
                    archivo = {"archivo": ("normal.pdf", pdf_bytes(1), "application/pdf")}
                    response = await http.post(url(normal["id"]), files=archivo, headers=mesa)
                    esperado = 202
                elif i % 2:
                    response = await http.get(f"/api/v1/documentos/{normal['id']}", headers=mesa)
                    esperado = 200
                else:
                    response = await http.get(url(normal["id"]), headers=tokens["auditor"])
                    esperado = 200
            except httpx.HTTPError as exc:
                resultados["error"] += 1
                fallos.append(repr(exc))
                continue
            resultados[str(response.status_code)] += 1
            if response.status_code != esperado:
                peticion = f"{response.request.method} {response.url.path}"
                fallos.append(f"{peticion}: {response.status_code} {response.text[:200]}")

    async def vigilar() -> None:
        nonlocal idle_max, temporales_max
        while not terminado.is_set():
            idle_max = max(idle_max, await idle_en_transaccion())
            temporales_max = max(temporales_max, len(temporales(detenido["id"])))
            await asyncio.sleep(0.25)

    limits = httpx.Limits(max_connections=20)
    async with httpx.AsyncClient(base_url=live_url, timeout=_HTTP_TIMEOUT, limits=limits) as http:
        assert (await http.get(f"/api/v1/documentos/{normal['id']}", headers=mesa)).status_code == 200
        empezado = time.monotonic()
        tareas = [asyncio.create_task(trafico(http, n)) for n in range(4)]
        vigia = asyncio.create_task(vigilar())
        respuestas = await asyncio.gather(
            *(subida_detenida(live_url, mesa, detenido["id"]) for _ in range(DETENIDAS))
        )
        duracion = time.monotonic() - empezado
        terminado.set()
        await asyncio.gather(*tareas, vigia)

    estados = Counter(respuestas)
    print(
        f"\nstalled uploads: {DETENIDAS} -> {dict(estados)} in {duracion:.1f} s (timeout {TIMEOUT_S} s); "
        f"normal traffic: {sum(resultados.values())} requests -> {dict(resultados)}, failed={len(fallos)}; "
        f"max idle-in-transaction connections={idle_max}; max temporary files={temporales_max}"
    )
    assert not fallos, fallos[:5]
    assert set(estados) <= {"408", "closed"}, estados
    assert estados["408"] >= 1, estados
    assert duracion >= TIMEOUT_S  # they ended by the timeout, not earlier
    assert idle_max == 0 and await idle_en_transaccion() == 0
    # The partial bodies reached the disk, and every one was removed; no row was written.
    assert temporales_max >= 1
    assert temporales(detenido["id"]) == []
    listado = await client.get(url(detenido["id"]), headers=mesa)
    assert listado.status_code == 200 and listado.json() == []


@pytest.mark.fault
async def test_a_stalled_json_body_also_gets_408(live_url: str, tokens: Tokens) -> None:
    """Any body the app reads: FastAPI's own JSON parsing of a stalled body answers 408, not 400."""
    partes = urlsplit(live_url)
    reader, writer = await asyncio.open_connection(partes.hostname, partes.port)
    try:
        writer.write(
            (
                "POST /api/v1/documentos HTTP/1.1\r\n"
                f"Host: {partes.netloc}\r\nAuthorization: {tokens['mesa']['Authorization']}\r\n"
                "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n"
                '{"asunto": "a medias'
            ).encode()
        )
        await writer.drain()
        async with asyncio.timeout(120):
            respuesta = await reader.read()
    finally:
        writer.close()
    linea, _, resto = respuesta.partition(b"\r\n")
    assert linea.split(b" ")[1] == b"408", respuesta[:500]
    assert b"connection: close" in resto.lower()
    assert b"request_timeout" in resto  # the machine code, rendered by the app's error handler


# ---- the server-side safety net --------------------------------------------------------------------


async def test_every_engine_connection_carries_idle_in_transaction_timeout() -> None:
    async with db.engine.connect() as conn:
        valor = await conn.scalar(
            text("SELECT setting FROM pg_settings WHERE name = 'idle_in_transaction_session_timeout'")
        )
        mostrado = await conn.scalar(text("SHOW idle_in_transaction_session_timeout"))
    assert valor == str(get_settings().db_idle_in_transaction_timeout_ms), (valor, mostrado)
    assert get_settings().db_idle_in_transaction_timeout_ms > 0


async def test_postgresql_ends_a_transaction_left_idle_past_the_timeout() -> None:
    ajustes = get_settings().model_copy(update={"db_idle_in_transaction_timeout_ms": 1000})
    engine = build_engine(ajustes, url=db.engine.url.render_as_string(hide_password=False))
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(text("SHOW idle_in_transaction_session_timeout")) == "1s"
            await conn.execute(text("SELECT 1"))  # begins the transaction
            await asyncio.sleep(4)
            error: Any = None
            try:
                await conn.execute(text("SELECT 1"))
            except DBAPIError as exc:
                error = exc
            assert error is not None, "the idle transaction was not ended by the server"
            await conn.invalidate()
    finally:
        await engine.dispose()
