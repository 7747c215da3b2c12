"""What the integration tests share: a receiving system (a real HTTP server in this process that
checks every signature) and the helpers that create integrations, send documents and wait for the
outcome of a delivery."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from sqlalchemy import func, select

from app.core.database import db
from app.core.task_queue import celery_app, get_task_queue
from app.integraciones.models import IntegracionEnvio
from tests.conftest import World, registrar
from tests.helpers import Json, Tokens, unique

ESPERA_S = 45.0  # generous: three attempts with the default 2 s backoff base take 1-6 s


# ---- a receiving system: verifies the signature, answers a scripted sequence of statuses ----------


@dataclass
class Peticion:
    path: str
    headers: dict[str, str]
    body: bytes
    firma_ok: bool
    status: int
    at: float

    def json(self) -> Json:
        value: Json = json.loads(self.body)
        return value


class Receptor:
    """An HTTP endpoint as an integration's receiver would write it: check the timestamp and the
    HMAC signature, drop a delivery whose Idempotency-Key it already accepted."""

    def __init__(
        self,
        secreto: str,
        respuestas: Sequence[int] = (200,),
        demoras: Sequence[float] = (0,),
        host: str = "127.0.0.1",
        ubicacion: str | None = None,
    ) -> None:
        self.secreto = secreto
        self.host = host
        self.ubicacion = ubicacion  # the Location of a 3xx answer
        # The n-th request gets the n-th status after the n-th delay; the last ones repeat.
        self.respuestas = list(respuestas)
        self.demoras = list(demoras)
        self.peticiones: list[Peticion] = []
        self.aceptadas: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, 0), _Handler)
        self.server.daemon_threads = True
        self.server.receptor = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.server.server_address[1]}/hooks/mesa-partes"

    def firma_valida(self, headers: dict[str, str], body: bytes) -> bool:
        timestamp = headers.get("X-MesaPartes-Timestamp", "")
        recibida = headers.get("X-MesaPartes-Signature", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            return False
        mac = hmac.new(self.secreto.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
        return hmac.compare_digest(f"sha256={mac.hexdigest()}", recibida)

    def atender(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, float]:
        with self._lock:
            n = len(self.peticiones)
            status, demora = (
                self.respuestas[min(n, len(self.respuestas) - 1)],
                self.demoras[min(n, len(self.demoras) - 1)],
            )
            firma_ok = self.firma_valida(headers, body)
            if not firma_ok:
                status = 401
            key = headers.get("Idempotency-Key", "")
            if 200 <= status < 300 and key not in self.aceptadas:
                self.aceptadas[key] = body
            self.peticiones.append(Peticion(path, headers, body, firma_ok, status, time.time()))
        return status, demora

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        receptor: Receptor = self.server.receptor  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, demora = receptor.atender(self.path, dict(self.headers.items()), body)
        time.sleep(demora)
        try:
            payload = b'{"ok": true}' if status < 300 else b'{"error": "scripted failure"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            if 300 <= status < 400 and receptor.ubicacion:
                self.send_header("Location", receptor.ubicacion)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout): what a slow receiver sees

    def log_message(self, format: str, *args: Any) -> None:
        pass


# ---- helpers ----------------------------------------------------------------------------------------


async def nueva_integracion(
    client: httpx.AsyncClient, tokens: Tokens, receptor: Receptor, **overrides: Any
) -> Json:
    body = {
        "codigo": unique("INT-"),
        "nombre": "Sistema de trámite de la entidad destino",
        "tipo": "webhook",
        "url": receptor.url,
        "secreto": receptor.secreto,
        "timeout_s": 5,
        "max_reintentos": 5,
        **overrides,
    }
    response = await client.post("/api/v1/integraciones", json=body, headers=tokens["admin"])
    assert response.status_code == 201, response.text
    assert receptor.secreto not in response.text
    result: Json = response.json()
    return result


async def enviar(
    client: httpx.AsyncClient, headers: dict[str, str], documento_id: int, integracion_id: int, **extra: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/documentos/{documento_id}/envios",
        json={"integracion_id": integracion_id, **extra},
        headers=headers,
    )


async def envio_nuevo(
    client: httpx.AsyncClient, tokens: Tokens, world: World, receptor: Receptor, **integracion: Any
) -> tuple[Json, Json, Json]:
    """A new integration to `receptor`, a new document, and the admin's request to send one to the other."""
    creada = await nueva_integracion(client, tokens, receptor, **integracion)
    documento = await registrar(client, tokens["admin"], world)
    response = await enviar(client, tokens["admin"], documento["id"], creada["id"])
    assert response.status_code == 202, response.text
    return creada, documento, response.json()


def terminado(envio: Json) -> bool:
    return envio["estado"] == "entregado" or (
        envio["estado"] == "fallido" and envio["proximo_intento"] is None
    )


async def esperar_envio(
    client: httpx.AsyncClient,
    tokens: Tokens,
    documento_id: int,
    envio_id: int,
    hasta: Callable[[Json], bool] = terminado,
) -> Json:
    deadline = time.monotonic() + ESPERA_S
    envio: Json = {}
    while time.monotonic() < deadline:
        response = await client.get(f"/api/v1/documentos/{documento_id}/envios", headers=tokens["admin"])
        assert response.status_code == 200, response.text
        envio = next(e for e in response.json() if e["id"] == envio_id)
        if hasta(envio):
            return envio
        await asyncio.sleep(0.1)
    raise AssertionError(f"envio {envio_id} did not get there in {ESPERA_S} s: {envio}")


async def resultado_de_tarea(task_id: str) -> Any:
    """The return value of a task enqueued from this process: from the result backend when a worker
    ran it, from the local future in-process (None when that run had already finished)."""
    queue = get_task_queue()
    future = queue.local_runs.get(task_id)
    if future is not None:
        result = await asyncio.wrap_future(future)
        assert result.successful(), result.traceback
        return result.result
    if queue.degraded:
        return None
    return await asyncio.to_thread(celery_app.AsyncResult(task_id).get, timeout=ESPERA_S)


async def envio_en_bd(envio_id: int) -> IntegracionEnvio:
    async with db.sessionmaker() as session:
        envio = await session.get(IntegracionEnvio, envio_id)
        assert envio is not None
        return envio


async def envios_de(documento_id: int) -> int:
    async with db.sessionmaker() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(IntegracionEnvio)
            .where(IntegracionEnvio.documento_id == documento_id)
        )
        return int(count or 0)
