"""Document tasks: the receipt PDF of a registration and the processing of uploaded attachments."""

from __future__ import annotations

from typing import Any

from app.core.task_queue import celery_app
from app.services.mesa_partes import tareas
from app.services.mesa_partes.anexo_service import procesar_anexo, reencolar_pendientes
from app.services.mesa_partes.cargo_service import generar_cargo
from app.tasks.runtime import run_async


@celery_app.task(name=tareas.GENERAR_CARGO)
def generar_cargo_pdf(documento_id: int) -> dict[str, Any]:
    """Render and store the receipt (idempotent: the same data gives the same bytes, not rewritten)."""
    return run_async(lambda: generar_cargo(documento_id))


@celery_app.task(name=tareas.PROCESAR_ANEXO)
def procesar_anexo_task(anexo_id: int) -> dict[str, Any]:
    """sha256, sniffed type and page count of an attachment (idempotent: only a pending one changes)."""
    return run_async(lambda: procesar_anexo(anexo_id))


@celery_app.task(name=tareas.REPROCESAR_ANEXOS)
def reprocesar_anexos() -> dict[str, Any]:
    """Sweep (beat): queue again the attachments left pending for more than 10 minutes."""
    return {"reencolados": run_async(reencolar_pendientes)}
