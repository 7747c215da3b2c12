"""Filling the cache before the first users ask: the `warmup-cache` command and the Celery task."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import select

from app.catalogos.models import Area
from app.catalogos.service import CATALOGOS_PUBLICOS, CatalogoService
from app.core.database import session_scope
from app.estadisticas.service import EstadisticaService
from app.usuarios.principal import AUDITOR, especialista_de

# Task names (the queue's contract: stable across deploys).
WARMUP_CACHE = "mesa_partes.warmup_cache"


@dataclass
class WarmupReport:
    catalogos: list[str] = field(default_factory=list)
    estadisticas: int = 0
    seconds: float = 0.0


async def warmup_cache() -> WarmupReport:
    """Recompute and store every public catalog and the statistics of every visibility scope
    (all documents, and each active area as its especialistas see it), whatever is cached now."""
    started = time.perf_counter()
    report = WarmupReport()
    async with session_scope() as session:
        catalogos = CatalogoService(session)
        for catalogo in CATALOGOS_PUBLICOS:
            await catalogos.listar_json(catalogo, refresh=True)
            report.catalogos.append(catalogo.ruta)
        areas = list(await session.scalars(select(Area.id).where(Area.activo).order_by(Area.id)))
        # Transient readers standing for each scope: statistics depend on the role and area only.
        lectores = [AUDITOR] + [especialista_de(a) for a in areas]
        estadisticas = EstadisticaService(session)
        for lector in lectores:
            await estadisticas.resumen(lector, None, None, refresh=True)
            report.estadisticas += 1
    report.seconds = round(time.perf_counter() - started, 3)
    return report
