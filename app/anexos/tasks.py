"""Attachment tasks: processing an upload (sha256, sniffed type, pages) and the sweep of lost ones."""

from __future__ import annotations

from typing import Any

from app.anexos.procesamiento import PROCESAR_ANEXO, REPROCESAR_ANEXOS, procesar_anexo, reencolar_pendientes
from app.core.task_queue import celery_app, periodic, routed
from app.core.task_runtime import run_async


@celery_app.task(name=routed(PROCESAR_ANEXO))
def procesar_anexo_task(anexo_id: int) -> dict[str, Any]:
    """sha256, sniffed type and page count of an attachment (idempotent: only a pending one changes)."""
    return run_async(lambda: procesar_anexo(anexo_id))


@celery_app.task(name=routed(REPROCESAR_ANEXOS))
def reprocesar_anexos() -> dict[str, Any]:
    """Sweep (beat): queue again the attachments left pending for more than 10 minutes."""
    return {"reencolados": run_async(reencolar_pendientes)}


# Attachments still pending after 10 minutes (their task was lost: a process restarted while it ran
# in-process).
periodic("reprocesar-anexos", REPROCESAR_ANEXOS, 300.0)
