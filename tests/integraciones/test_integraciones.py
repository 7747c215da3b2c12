"""Integrations: the admin CRUD (the secret never leaves the server), sending a document, and the
delivery task against a real HTTP endpoint in this process that checks every signature — through
the real worker when Redis is up, in-process when it is not (both passes of scripts/test.sh)."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.core.database import db
from app.core.task_queue import get_task_queue
from app.integraciones.models import EstadoEnvio, Integracion, IntegracionEnvio
from app.integraciones.service import REINTENTAR_ENVIOS, SINCRONIZAR_INTEGRACION
from tests.celery_worker import Worker
from tests.conftest import World, registrar
from tests.helpers import UNKNOWN_ID, Tokens, assert_max_queries, unique
from tests.integraciones.apoyo import (
    ESPERA_S,
    Receptor,
    enviar,
    envio_en_bd,
    envio_nuevo,
    envios_de,
    esperar_envio,
    nueva_integracion,
    resultado_de_tarea,
)

# Every test that runs a delivery needs the run's worker (None in the broker-down pass: in-process).
pytestmark = pytest.mark.usefixtures("celery_worker")


# ---- delivery ---------------------------------------------------------------------------------------


async def test_an_endpoint_failing_twice_gets_one_delivery_after_three_signed_attempts(
    client: httpx.AsyncClient, tokens: Tokens, world: World, receptores: Callable[..., Receptor]
) -> None:
    receptor = receptores([500, 500, 200])
    integracion = await nueva_integracion(client, tokens, receptor)
    documento = await registrar(client, tokens["mesa"], world)

    response = await enviar(client, tokens["mesa"], documento["id"], integracion["id"])
    assert response.status_code == 202, response.text
    envio = response.json()
    assert envio["estado"] == "pendiente" and envio["intentos"] == 0 and len(envio["task_id"]) == 32
    assert envio["integracion"] == {k: integracion[k] for k in ("id", "codigo", "nombre")}
    # The same request again while the first attempts run: the same row, no second task.
    again = await enviar(client, tokens["mesa"], documento["id"], integracion["id"])
    assert again.status_code == 202 and again.json()["id"] == envio["id"] and again.json()["task_id"] is None

    final = await esperar_envio(client, tokens, documento["id"], envio["id"])
    assert final["estado"] == "entregado", final
    assert final["intentos"] == 3 and final["codigo_respuesta"] == 200 and final["ultimo_error"] is None
    assert final["entregado_at"] is not None and final["proximo_intento"] is None
    detalle = final["intentos_detalle"]
    assert [i["codigo_respuesta"] for i in detalle] == [500, 500, 200]
    assert [i["intento"] for i in detalle] == [1, 2, 3] and {i["entrega"] for i in detalle} == {1}
    assert (
        detalle[0]["error"] == "El receptor respondió con el estado HTTP 500." and detalle[2]["error"] is None
    )

    # The receiver saw three correctly signed requests of one delivery and accepted it once.
    assert len(receptor.peticiones) == 3 and all(p.firma_ok for p in receptor.peticiones)
    keys = {p.headers["Idempotency-Key"] for p in receptor.peticiones}
    assert keys == {f"mp-envio-{envio['id']}-1"} and list(receptor.aceptadas) == list(keys)
    # Backoff between attempts (at least its 1 s floor), not an immediate retry loop.
    instantes = [p.at for p in receptor.peticiones]
    assert all(b - a >= 0.95 for a, b in itertools.pairwise(instantes)), instantes

    body = receptor.peticiones[-1].json()
    assert (
        receptor.peticiones[-1].body
        == json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )
    assert body["evento"] == "documento.enviado" and body["envio_id"] == envio["id"] and body["entrega"] == 1
    doc = body["documento"]
    assert doc["numero_expediente"] == documento["numero_expediente"] and doc["folios"] == documento["folios"]
    assert doc["remitente"]["nombre"] == documento["remitente"]["nombre"]
    assert (
        doc["remitente"]["numero_documento_identidad"] == documento["remitente"]["numero_documento_identidad"]
    )
    assert doc["area"]["codigo"] == "MP" and doc["estado"] == "registrado"
    assert "codigo_verificacion" not in receptor.peticiones[-1].body.decode()
    assert documento["codigo_verificacion"] not in receptor.peticiones[-1].body.decode()

    historial = await client.get(f"/api/v1/documentos/{documento['id']}/historial", headers=tokens["admin"])
    eventos = [e for e in historial.json() if e["evento"] == "enviado_integracion"]
    assert len(eventos) == 1 and eventos[0]["detalle"]["integracion"] == integracion["codigo"]


async def test_retries_stop_at_the_integrations_maximum(
    client: httpx.AsyncClient, tokens: Tokens, world: World, receptores: Callable[..., Receptor]
) -> None:
    receptor = receptores([503])
    integracion, documento, envio = await envio_nuevo(client, tokens, world, receptor, max_reintentos=1)

    final = await esperar_envio(client, tokens, documento["id"], envio["id"])
    assert final["estado"] == "fallido" and final["intentos"] == 2 and final["proximo_intento"] is None
    assert (
        final["codigo_respuesta"] == 503
        and final["ultimo_error"] == "El receptor respondió con el estado HTTP 503."
    )
    assert len(final["intentos_detalle"]) == 2 and len(receptor.peticiones) == 2 and not receptor.aceptadas

    # Asking again for a delivery that gave up starts a new round: fresh budget, same delivery
    # (the receiver may have processed one of the failed requests), history kept.
    again = await enviar(client, tokens["admin"], documento["id"], integracion["id"])
    assert again.status_code == 202 and again.json()["task_id"] is not None
    assert again.json()["estado"] == "pendiente" and again.json()["intentos"] == 0
    final = await esperar_envio(client, tokens, documento["id"], envio["id"])
    assert final["estado"] == "fallido" and final["intentos"] == 2 and len(final["intentos_detalle"]) == 4
    assert {p.headers["Idempotency-Key"] for p in receptor.peticiones} == {f"mp-envio-{envio['id']}-1"}
    assert len(receptor.peticiones) == 4


async def test_a_duplicate_message_right_after_a_failure_is_early_and_dropped(
    client: httpx.AsyncClient, tokens: Tokens, world: World, receptores: Callable[..., Receptor]
) -> None:
    """Two copies of one message (a redelivery, the sweep beside a queued retry) must not fork two
    retry chains: the shortest backoff is longer than the clock allowance."""
    from app.integraciones.service import sincronizar

    receptor = receptores([503, 503, 503])
    _, documento, envio = await envio_nuevo(client, tokens, world, receptor, max_reintentos=1)
    primero = await esperar_envio(
        client, tokens, documento["id"], envio["id"], hasta=lambda e: e["intentos"] >= 1
    )
    if primero["proximo_intento"] is not None:  # the retry is still ahead: a copy now is early
        assert (await sincronizar(envio["id"]))["resultado"] == "temprano"
    final = await esperar_envio(client, tokens, documento["id"], envio["id"])
    assert final["intentos"] == 2 and len(receptor.peticiones) == 2, receptor.peticiones


async def test_a_slow_endpoint_is_a_timeout_recorded_as_the_attempts_error(
    client: httpx.AsyncClient, tokens: Tokens, world: World, receptores: Callable[..., Receptor]
) -> None:
    receptor = receptores([200], demoras=[3.0])
    _, documento, envio = await envio_nuevo(client, tokens, world, receptor, timeout_s=1, max_reintentos=0)

    final = await esperar_envio(client, tokens, documento["id"], envio["id"])
    assert final["estado"] == "fallido" and final["intentos"] == 1 and final["codigo_respuesta"] is None
    (intento,) = final["intentos_detalle"]
    assert "Tiempo de espera agotado" in intento["error"] and intento["codigo_respuesta"] is None
    assert 900 <= intento["ms"] < 2900, intento
    assert len(receptor.peticiones) == 1


async def test_a_delivered_envio_is_delivered_once_unless_resent(
    client: httpx.AsyncClient, tokens: Tokens, world: World, receptores: Callable[..., Receptor]
) -> None:
    receptor = receptores([200])
    integracion, documento, envio = await envio_nuevo(client, tokens, world, receptor)
    await esperar_envio(client, tokens, documento["id"], envio["id"])
    assert len(receptor.peticiones) == 1

    # The task delivered again (a redelivered message): nothing is posted.
    task_id = get_task_queue().enqueue(SINCRONIZAR_INTEGRACION, {"envio_id": envio["id"]})
    result = await resultado_de_tarea(task_id)
    assert result in (None, {"envio_id": envio["id"], "resultado": "ya_entregado"})
    assert len(receptor.peticiones) == 1 and (await envio_en_bd(envio["id"])).intentos == 1

    response = await enviar(client, tokens["admin"], documento["id"], integracion["id"])
    assert response.status_code == 409 and response.json()["field"] == "reenviar"

    resent = await enviar(client, tokens["admin"], documento["id"], integracion["id"], reenviar=True)
    assert resent.status_code == 202 and resent.json()["id"] == envio["id"], resent.text
    assert resent.json()["estado"] == "pendiente" and resent.json()["entregado_at"] is None
    final = await esperar_envio(client, tokens, documento["id"], envio["id"])
    assert final["estado"] == "entregado" and final["intentos"] == 1
    assert [i["entrega"] for i in final["intentos_detalle"]] == [1, 2]
    assert sorted(receptor.aceptadas) == [f"mp-envio-{envio['id']}-1", f"mp-envio-{envio['id']}-2"]
    assert await envios_de(documento["id"]) == 1


async def test_the_sweep_delivers_a_due_envio_whose_retry_was_lost(
    client: httpx.AsyncClient, tokens: Tokens, world: World, receptores: Callable[..., Receptor]
) -> None:
    receptor = receptores([200])
    integracion = await nueva_integracion(client, tokens, receptor, max_reintentos=3)
    vencido = await registrar(client, tokens["admin"], world)
    futuro = await registrar(client, tokens["admin"], world)
    ahora = datetime.now(UTC)
    fallo = {
        "intento": 1,
        "entrega": 1,
        "at": ahora.isoformat(),
        "codigo_respuesta": 502,
        "error": "El receptor respondió con el estado HTTP 502.",
        "ms": 3,
    }
    async with db.sessionmaker() as session, session.begin():
        # Failed once, retry due a minute ago, and no message in any queue: what a lost retry leaves.
        perdido = IntegracionEnvio(
            integracion_id=integracion["id"],
            documento_id=vencido["id"],
            estado=EstadoEnvio.FALLIDO,
            intentos=1,
            codigo_respuesta=502,
            proximo_intento=ahora - timedelta(minutes=1),
            intentos_detalle=[fallo],
        )
        en_espera = IntegracionEnvio(
            integracion_id=integracion["id"],
            documento_id=futuro["id"],
            estado=EstadoEnvio.FALLIDO,
            intentos=1,
            proximo_intento=ahora + timedelta(hours=1),
            intentos_detalle=[fallo],
        )
        session.add_all([perdido, en_espera])
    # An early message for the one not yet due: it does nothing.
    early = await resultado_de_tarea(
        get_task_queue().enqueue(SINCRONIZAR_INTEGRACION, {"envio_id": en_espera.id})
    )
    assert early in (None, {"envio_id": en_espera.id, "resultado": "temprano"})

    count = await resultado_de_tarea(get_task_queue().enqueue(REINTENTAR_ENVIOS, {}))
    assert count is None or count >= 1
    final = await esperar_envio(client, tokens, vencido["id"], perdido.id)
    assert final["estado"] == "entregado" and final["intentos"] == 2
    assert [i["codigo_respuesta"] for i in final["intentos_detalle"]] == [502, 200]
    assert [p.headers["Idempotency-Key"] for p in receptor.peticiones] == [f"mp-envio-{perdido.id}-1"]
    assert [p.json()["documento"]["id"] for p in receptor.peticiones] == [vencido["id"]]
    untouched = await envio_en_bd(en_espera.id)
    assert untouched.intentos == 1 and untouched.estado is EstadoEnvio.FALLIDO


@pytest.mark.needs_redis
async def test_a_worker_killed_mid_request_leaves_the_envio_due_and_the_receiver_gets_one_delivery(
    client: httpx.AsyncClient,
    tokens: Tokens,
    world: World,
    receptores: Callable[..., Receptor],
    celery_worker: Worker | None,
) -> None:
    if celery_worker is None:
        pytest.skip("needs the real worker")
    receptor = receptores([200], demoras=[10.0, 0.0])  # the first answer comes too late for the worker
    _, documento, envio = await envio_nuevo(client, tokens, world, receptor, timeout_s=15)
    deadline = time.monotonic() + ESPERA_S
    while not receptor.peticiones:
        assert time.monotonic() < deadline, "the worker never posted"
        await asyncio.sleep(0.05)
    celery_worker.kill()  # mid-request: the attempt's transaction never commits
    try:
        row = await envio_en_bd(envio["id"])
        assert (row.estado, row.intentos, row.intentos_detalle) == (EstadoEnvio.PENDIENTE, 0, [])
    finally:
        celery_worker.start()

    # The row is still due: the sweep (or the broker's redelivery, later) attempts it again.
    await resultado_de_tarea(get_task_queue().enqueue(REINTENTAR_ENVIOS, {}))
    final = await esperar_envio(client, tokens, documento["id"], envio["id"])
    assert final["estado"] == "entregado" and final["intentos"] == 1 and len(final["intentos_detalle"]) == 1
    # Two requests reached the receiver under one Idempotency-Key: it accepted the delivery once.
    assert len(receptor.peticiones) == 2 and list(receptor.aceptadas) == [f"mp-envio-{envio['id']}-1"]
    assert {p.headers["Idempotency-Key"] for p in receptor.peticiones} == set(receptor.aceptadas)


# ---- sending: who, what, and the delivery status -------------------------------------------------


async def test_send_checks_role_document_and_integration(
    client: httpx.AsyncClient, tokens: Tokens, world: World, receptores: Callable[..., Receptor]
) -> None:
    receptor = receptores([200])
    integracion = await nueva_integracion(client, tokens, receptor)
    inactiva = await nueva_integracion(client, tokens, receptor, activo=False)
    documento = await registrar(client, tokens["mesa"], world)
    doc_id = documento["id"]

    for role in ("oaj", "auditor"):
        response = await enviar(client, tokens[role], doc_id, integracion["id"])
        assert response.status_code == 403, (role, response.text)
    assert (await enviar(client, tokens["admin"], UNKNOWN_ID, integracion["id"])).status_code == 404
    for integracion_id in (inactiva["id"], UNKNOWN_ID):
        response = await enviar(client, tokens["mesa"], doc_id, integracion_id)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "integracion_id"
    bad = await client.post(
        f"/api/v1/documentos/{doc_id}/envios", json={"unexpected": 1}, headers=tokens["admin"]
    )
    assert bad.status_code == 422
    assert await envios_de(doc_id) == 0 and not receptor.peticiones

    # The delivery status: whoever sees the document (an area that never had it does not).
    assert (await client.get(f"/api/v1/documentos/{doc_id}/envios", headers=tokens["oga"])).status_code == 404
    assert (
        await client.get(f"/api/v1/documentos/{UNKNOWN_ID}/envios", headers=tokens["admin"])
    ).status_code == 404
    auditor = await client.get(f"/api/v1/documentos/{doc_id}/envios", headers=tokens["auditor"])
    assert auditor.status_code == 200 and auditor.json() == []


async def test_delivery_status_costs_the_same_statements_whatever_the_number_of_envios(
    client: httpx.AsyncClient, tokens: Tokens, world: World, receptores: Callable[..., Receptor]
) -> None:
    receptor = receptores([200])
    documento = await registrar(client, tokens["admin"], world)
    url = f"/api/v1/documentos/{documento['id']}/envios"
    counts = []
    await client.get("/api/v1/auth/me", headers=tokens["auditor"])  # the account, cached from here on
    for n in (1, 3):
        while await envios_de(documento["id"]) < n:
            integracion = await nueva_integracion(client, tokens, receptor)
            envio = (await enviar(client, tokens["admin"], documento["id"], integracion["id"])).json()
            await esperar_envio(client, tokens, documento["id"], envio["id"])
        with assert_max_queries(2) as stats:  # the document's visibility, the envios
            response = await client.get(url, headers=tokens["auditor"])
        assert response.status_code == 200 and len(response.json()) == n
        assert all(len(e["intentos_detalle"]) == 1 for e in response.json())
        counts.append(stats.count)
    assert counts[0] == counts[1], counts
    assert receptor.secreto not in response.text


# ---- the admin CRUD -------------------------------------------------------------------------------


async def test_integration_crud_keeps_the_secret_write_only(
    client: httpx.AsyncClient, tokens: Tokens, receptores: Callable[..., Receptor]
) -> None:
    receptor = receptores()
    nuevo_secreto = f"rotado-{uuid.uuid4().hex}"
    responses: list[httpx.Response] = []

    async def call(method: str, url: str, role: str = "admin", **kwargs: Any) -> httpx.Response:
        response = await client.request(method, f"/api/v1/integraciones{url}", headers=tokens[role], **kwargs)
        responses.append(response)
        return response

    body = {
        "codigo": unique("PIDE-"),
        "nombre": "PIDE",
        "tipo": "pide",
        "url": receptor.url,
        "secreto": receptor.secreto,
    }
    created = await call("POST", "", json=body)
    assert created.status_code == 201, created.text
    integracion = created.json()
    assert integracion["secreto_configurado"] is True and "secreto" not in integracion
    assert integracion["timeout_s"] == 10 and integracion["max_reintentos"] == 5 and integracion["activo"]

    duplicate = await call("POST", "", json={**body, "nombre": "Otra"})
    assert duplicate.status_code == 409 and duplicate.json()["field"] == "codigo"
    assert body["codigo"] in duplicate.json()["detail"]
    for field, value in [
        ("url", "ftp://127.0.0.1/x"),
        ("url", "no es una url"),
        ("timeout_s", 0),
        ("timeout_s", 121),
        ("max_reintentos", -1),
        ("max_reintentos", 21),
        ("secreto", "corto"),
        ("tipo", "soap"),
    ]:
        response = await call("POST", "", json={**body, "codigo": unique("X-"), field: value})
        assert response.status_code == 422, (field, value, response.text)
        assert response.json()["errors"][0]["field"].split(".")[-1] == field, response.text
    assert (await call("POST", "", json={**body, "codigo": unique("X-"), "unexpected": 1})).status_code == 422
    for role in ("mesa", "oaj", "auditor"):
        assert (await call("POST", "", role, json={**body, "codigo": unique("X-")})).status_code == 403

    # Reads: admin, auditor and the desk clerk; not an area specialist.
    for role in ("admin", "auditor", "mesa"):
        listed = await call("GET", "", role)
        assert listed.status_code == 200 and integracion["id"] in [i["id"] for i in listed.json()]
    assert (await call("GET", "", "oaj")).status_code == 403
    assert (await call("GET", f"/{integracion['id']}", "auditor")).json() == integracion
    assert (await call("GET", f"/{integracion['id']}", "oaj")).status_code == 403
    assert (await call("GET", f"/{UNKNOWN_ID}")).status_code == 404
    with assert_max_queries(2):  # the user, the list
        await call("GET", "")

    # PATCH: rotate the secret, rename; the rest stays; bad input writes nothing.
    patched = await call(
        "PATCH", f"/{integracion['id']}", json={"secreto": nuevo_secreto, "nombre": "PIDE PCM"}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json() == {**integracion, "nombre": "PIDE PCM"}
    async with db.sessionmaker() as session:
        row = await session.get(Integracion, integracion["id"])
        assert row is not None and row.secreto == nuevo_secreto and row.nombre == "PIDE PCM"
    otra = await call("POST", "", json={**body, "codigo": unique("OTRA-")})
    taken = await call("PATCH", f"/{integracion['id']}", json={"codigo": otra.json()["codigo"]})
    assert taken.status_code == 409 and taken.json()["field"] == "codigo"
    for bad in (
        {"secreto_configurado": False},
        {"unexpected": 1},
        {"timeout_s": None},
        {"url": "file:///etc/passwd"},
    ):
        assert (await call("PATCH", f"/{integracion['id']}", json=bad)).status_code == 422, bad
    assert (await call("PATCH", f"/{integracion['id']}", "mesa", json={"nombre": "x"})).status_code == 403
    assert (await call("PATCH", f"/{UNKNOWN_ID}", json={"nombre": "x"})).status_code == 404
    async with db.sessionmaker() as session:
        row = await session.get(Integracion, integracion["id"])
        assert row is not None and row.codigo == body["codigo"] and row.timeout_s == 10

    for response in responses:
        assert receptor.secreto not in response.text and nuevo_secreto not in response.text


async def test_rejected_bodies_never_echo_a_secret_and_urls_carry_no_credentials(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    secreto = "s3creto-que-nunca-vuelve-" + unique("")
    missing = await api.post(
        "/api/v1/integraciones", json={"nombre": "x", "secreto": secreto}, headers=tokens["admin"]
    )
    assert missing.status_code == 422 and secreto not in missing.text
    too_short = await api.post(
        "/api/v1/integraciones", json={"nombre": "x", "secreto": "corto"}, headers=tokens["admin"]
    )
    assert too_short.status_code == 422 and "corto" not in too_short.text
    login = await api.post("/api/v1/auth/login", json={"password": secreto}, headers={})
    assert login.status_code == 422 and secreto not in login.text
    con_usuario = await api.post(
        "/api/v1/integraciones",
        json={
            "codigo": unique("URL-"),
            "nombre": "x",
            "url": "https://user:pa55w0rd@example.invalid/hook",
            "secreto": secreto,
        },
        headers=tokens["admin"],
    )
    assert con_usuario.status_code == 422  # refused, so never stored nor shown to other readers
    assert [e["field"].split(".")[-1] for e in con_usuario.json()["errors"]] == ["url"]
