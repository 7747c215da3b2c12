"""Receipt task: the PDF of a registration."""

from __future__ import annotations

from typing import Any

from app.cargos.service import GENERAR_CARGO, generar_cargo
from app.core.task_queue import celery_app, routed
from app.core.task_runtime import run_async


@celery_app.task(name=routed(GENERAR_CARGO))
def generar_cargo_pdf(documento_id: int) -> dict[str, Any]:
    """Render and store the receipt (idempotent: the same data gives the same bytes, not rewritten)."""
    return run_async(lambda: generar_cargo(documento_id))
