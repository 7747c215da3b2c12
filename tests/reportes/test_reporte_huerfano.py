"""A report orphaned by a whole-worker crash (main process and pool children SIGKILLed at once)
recovers through its lease within two minutes, completes exactly once and leaves no partial file:
through a new worker's start-up sweep, or through beat's sweep. The broker's own redelivery is ruled
out: these workers' visibility timeout is an hour, so only the lease can bring the report back.

Also, without a worker: the attempts are bounded (then error, with its reason in Spanish), and a
run that lost its lease can neither complete the report nor overwrite it (the fencing token).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from sqlalchemy import text

import tests.conftest as suite
from app.core.config import get_settings
from app.core.database import db
from app.core.task_queue import celery_app
from app.reportes.generacion import directorio_reportes
from app.reportes.lease import completar, marcar_error, mensaje_agotado, tomar
from app.reportes.reanudacion import reanudar_atascados
from tests.celery_worker import Worker
from tests.conftest import World
from tests.helpers import OwnCatalog, Tokens, unique
from tests.reportes.test_reportes import archivos, borrar_documentos, crear_fila, fila, insertar_documentos

API = "/api/v1/reportes"
GRANDE = 50_000  # several seconds of work: time to see progress and kill the worker mid-file
LEASE_S = 5
RECUPERACION_S = 120.0  # the promise: a dead worker's report is complete again within two minutes
# These workers' settings: a short lease, and a broker that would hand a dead worker's message back
# only after an hour (the old way out, 15-40 minutes in production): the lease must do it.
ENTORNO = {"REPORT_LEASE_S": str(LEASE_S), "TASK_VISIBILITY_TIMEOUT_S": "3600"}


@pytest.fixture
def trabajadores(tmp_path: Path) -> Iterator[list[Worker]]:
    """Workers of the `reports` queue with ENTORNO, stopped at the end (the suite's own worker is
    stopped first: with its 20 s visibility timeout it would hand the dead worker's message back)."""
    if suite.redis_server is None:
        pytest.skip("needs the real worker")
    if suite.celery_worker_process is not None:
        suite.celery_worker_process.stop()
    celery_app.control.purge()
    creados: list[Worker] = []
    yield creados
    for worker in creados:
        worker.stop()


def nuevo(trabajadores: list[Worker], tmp_path: Path) -> Worker:
    worker = Worker(tmp_path / "reports-worker.log", queues="reports", concurrency=1, env=ENTORNO)
    trabajadores.append(worker)
    worker.start(timeout_s=120)
    return worker


@pytest.fixture
async def documentos_grandes(world: World, own_catalog: OwnCatalog) -> AsyncIterator[int]:
    """GRANDE documents under a tipo of their own (the report selects exactly them)."""
    async with db.engine.begin() as conn:
        tipo = await conn.scalar(
            text("INSERT INTO tipos_documento (codigo, nombre) VALUES (:c, 'Tipo huérfano') RETURNING id"),
            {"c": unique("ZH")},
        )
    await insertar_documentos(world, tipo, own_catalog.areas, GRANDE)
    yield tipo
    await borrar_documentos(tipo)


async def pedir_y_matar(
    client: httpx.AsyncClient, tokens: Tokens, tipo: int, worker: Worker, senal: int = signal.SIGKILL
) -> tuple[int, dict[str, Any], float]:
    """Request the report, wait until it is mid-file, SIGKILL (or SIGSTOP) the worker's whole
    process group: main process and pool child at once."""
    response = await client.post(
        API, json={"tipo": "documentos", "parametros": {"tipo_documento_id": tipo}}, headers=tokens["admin"]
    )
    assert response.status_code == 202, response.text
    reporte_id = int(response.json()["reporte_id"])
    deadline = time.monotonic() + 120
    while True:
        antes = await fila(reporte_id)
        if antes["estado"] == "procesando" and antes["filas"]:
            break
        assert antes["estado"] in ("pendiente", "procesando"), antes
        assert time.monotonic() < deadline, antes
        await asyncio.sleep(0.02)
    assert worker.process is not None
    os.killpg(worker.process.pid, senal)
    if senal == signal.SIGKILL:
        worker.process.wait(timeout=10)
    matado = time.monotonic()
    antes = await fila(reporte_id)
    assert antes["estado"] == "procesando" and 0 < antes["filas"] < GRANDE, antes
    assert antes["intentos"] == 1 and antes["lease_hasta"] is not None
    # Killed mid-run: its partial files are still there.
    assert [n for n in archivos(reporte_id) if n.endswith((".tmp", ".partial"))], archivos(reporte_id)
    return reporte_id, antes, matado


async def completado_una_vez(reporte_id: int, antes: dict[str, Any], matado: float, log: Path) -> float:
    """Wait for completado (at most RECUPERACION_S after the kill) and check that it happened once."""
    while (despues := await fila(reporte_id))["estado"] != "completado":
        assert despues["estado"] in ("pendiente", "procesando"), despues
        assert time.monotonic() - matado < RECUPERACION_S, f"still {despues['estado']}: {despues}"
        await asyncio.sleep(0.1)
    segundos = time.monotonic() - matado
    assert despues["filas"] == GRANDE and despues["intentos"] == 2, despues
    assert despues["iniciado_at"] > antes["iniciado_at"] and despues["lease_hasta"] is None
    assert despues["ruta_archivo"] == f"reportes/{reporte_id}.xlsx"
    # One file, no partial file or temporary directory of the dead run or of the new one.
    assert archivos(reporte_id) == [f"{reporte_id}.xlsx"]
    libro = openpyxl.load_workbook(directorio_reportes() / f"{reporte_id}.xlsx", read_only=True)
    filas_resumen = {r[0]: r[1] for r in libro["Resumen"].iter_rows(min_row=3, max_col=2, values_only=True)}
    libro.close()
    assert filas_resumen["Filas"] == GRANDE
    # Nothing completes it again later (a duplicate message finds it complete).
    await asyncio.sleep(LEASE_S * 2)
    assert await fila(reporte_id) == despues
    logs = await asyncio.to_thread(log.read_text, errors="replace")  # both workers'
    assert logs.count(f"reporte.completado id={reporte_id} ") == 1, logs[-3000:]
    return segundos


@pytest.mark.fault
async def test_a_report_orphaned_by_a_sigkilled_worker_completes_once_after_a_new_worker_starts(
    client: httpx.AsyncClient,
    tokens: Tokens,
    documentos_grandes: int,
    trabajadores: list[Worker],
    tmp_path: Path,
) -> None:
    primero = nuevo(trabajadores, tmp_path)
    reporte_id, antes, matado = await pedir_y_matar(client, tokens, documentos_grandes, primero)
    # A supervisor restarts the worker at once: the dead run's lease is still valid when it starts,
    # so its start-up sweep looks again once every such lease has expired.
    segundo = nuevo(trabajadores, tmp_path)
    segundos = await completado_una_vez(reporte_id, antes, matado, segundo.log_path)
    log = await asyncio.to_thread(segundo.log_path.read_text, errors="replace")
    assert "reporte.barrido_arranque" in log and "reporte.reanudados" in log
    print(f"\nrecovered and completed {segundos:.1f} s after the SIGKILL (start-up sweep, lease {LEASE_S} s)")


@pytest.mark.fault
async def test_the_sweep_requeues_a_report_whose_worker_died_and_removes_its_partial_files(
    client: httpx.AsyncClient,
    tokens: Tokens,
    documentos_grandes: int,
    trabajadores: list[Worker],
    tmp_path: Path,
) -> None:
    primero = nuevo(trabajadores, tmp_path)
    reporte_id, antes, matado = await pedir_y_matar(client, tokens, documentos_grandes, primero)
    assert reporte_id not in await reanudar_atascados()  # the lease is still valid: nothing to do yet
    while (await fila(reporte_id))["lease_hasta"] > await _ahora():
        assert time.monotonic() - matado < 60
        await asyncio.sleep(0.2)
    # Beat's task, run here (no worker consumes `default`): back to pendiente, queued, files gone.
    assert reporte_id in await reanudar_atascados()
    recogido = await fila(reporte_id)
    assert recogido["estado"] == "pendiente" and recogido["intentos"] == 1 and recogido["lease_hasta"] is None
    assert archivos(reporte_id) == []
    assert reporte_id not in await reanudar_atascados()  # queued once, not at every sweep
    segundo = nuevo(trabajadores, tmp_path)
    segundos = await completado_una_vez(reporte_id, antes, matado, segundo.log_path)
    print(f"\nrecovered and completed {segundos:.1f} s after the SIGKILL (beat's sweep, lease {LEASE_S} s)")


@pytest.mark.fault
async def test_a_frozen_run_whose_lease_expired_gives_up_and_the_report_completes_once(
    client: httpx.AsyncClient,
    tokens: Tokens,
    documentos_grandes: int,
    trabajadores: list[Worker],
    tmp_path: Path,
) -> None:
    """SIGSTOP instead of SIGKILL: the run is not dead, only frozen (its database session, and so its
    advisory lock, stay). Once its lease expired the sweep queues the report again; the new message
    waits for the lock, the frozen run resumes, finds its lease lost and gives up, and the new run
    completes the report: once, with no file of the old run."""
    primero = nuevo(trabajadores, tmp_path)
    reporte_id, antes, detenido = await pedir_y_matar(
        client, tokens, documentos_grandes, primero, signal.SIGSTOP
    )
    assert primero.process is not None
    try:
        while (await fila(reporte_id))["lease_hasta"] > await _ahora():
            assert time.monotonic() - detenido < 60
            await asyncio.sleep(0.2)
        assert reporte_id in await reanudar_atascados()
        assert archivos(reporte_id) == []
        nuevo(trabajadores, tmp_path)
    finally:
        os.killpg(primero.process.pid, signal.SIGCONT)
    segundos = await completado_una_vez(reporte_id, antes, detenido, primero.log_path)
    log = await asyncio.to_thread(primero.log_path.read_text, errors="replace")
    assert f"reporte.lease_perdido id={reporte_id}" in log or f"reporte.lease_caducado id={reporte_id}" in log
    print(f"\nrecovered and completed {segundos:.1f} s after the SIGSTOP (sweep, then lock wait)")


async def _ahora() -> Any:
    async with db.engine.connect() as conn:
        return await conn.scalar(text("SELECT now()"))


async def test_a_report_whose_runs_keep_dying_ends_in_error_after_its_attempts(world: World) -> None:
    maximo = get_settings().report_max_attempts
    reporte_id = await crear_fila(world.users["admin"], "vencidos", {})
    async with db.engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE reportes SET estado = 'procesando', intentos = :n,"
                " lease_hasta = now() - interval '1 second' WHERE id = :id"
            ),
            {"id": reporte_id, "n": maximo},
        )
    directorio = directorio_reportes()
    directorio.mkdir(parents=True, exist_ok=True)
    (directorio / f"{reporte_id}.xlsx.{maximo}-muerto.partial").write_bytes(b"PK")
    (directorio / f"{reporte_id}.{maximo}-muerto.tmp").mkdir()
    assert reporte_id not in await reanudar_atascados()
    row = await fila(reporte_id)
    assert row["estado"] == "error" and row["error"] == mensaje_agotado(maximo), row
    assert "Solicítelo nuevamente" in row["error"] and row["finalizado_at"] is not None
    assert archivos(reporte_id) == []
    # A message still on its way finds it failed, and leaves it so.
    assert await tomar(reporte_id, "tarde") is None
    assert (await fila(reporte_id))["estado"] == "error"


async def test_a_run_that_lost_its_lease_can_neither_complete_nor_overwrite_the_report(world: World) -> None:
    reporte_id = await crear_fila(world.users["admin"], "vencidos", {})
    viejo = await tomar(reporte_id, "viejo")
    # Its lease expired (the run stalled): another run took the report.
    nuevo_ = await tomar(reporte_id, "nuevo")
    assert viejo is not None and nuevo_ is not None and (viejo.intento, nuevo_.intento) == (1, 2)
    directorio = directorio_reportes()
    directorio.mkdir(parents=True, exist_ok=True)
    final = directorio / f"{reporte_id}.xlsx"
    parcial_viejo = directorio / f"{reporte_id}.xlsx.1-viejo.partial"
    parcial_viejo.write_bytes(b"viejo")
    assert not await completar(reporte_id, 1, 10, parcial_viejo, final)
    assert not await marcar_error(reporte_id, 1, "tarde")
    assert not final.exists() and (await fila(reporte_id))["estado"] == "procesando"
    parcial_nuevo = directorio / f"{reporte_id}.xlsx.2-nuevo.partial"
    parcial_nuevo.write_bytes(b"nuevo")
    assert await completar(reporte_id, 2, 20, parcial_nuevo, final)
    completado = await fila(reporte_id)
    assert completado["estado"] == "completado" and completado["filas"] == 20
    # A late duplicate of the same run cannot complete it twice either.
    parcial_nuevo.write_bytes(b"otra vez")
    assert not await completar(reporte_id, 2, 30, parcial_nuevo, final)
    assert final.read_bytes() == b"nuevo" and await fila(reporte_id) == completado
    parcial_nuevo.unlink()
    parcial_viejo.unlink()
    os.remove(final)
