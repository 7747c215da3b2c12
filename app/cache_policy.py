"""What the domain caches, under which namespace and tier, and what each write makes stale.

- `catalogos` (WARM; monedas and países COLD): catalog lists as JSON bodies, served with an ETag.
  Stale after a catalog write.
- `estadisticas` (HOT): statistics per visibility scope, date range and day. Stale after a
  document write or an area / tipo write (their names are shown).
- `documentos` (WARM): full-text search pages per normalized term, scope and filters. Stale after a
  document write, an area / tipo write, or a sender change.
- `remitentes` (WARM): sender search per normalized term. Stale after a registration (it upserts
  the sender).
- `usuarios` (HOT): the account behind each access token (role, area, active, password stamp), read
  on every authenticated request. Stale after any account change.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.cache import invalidate_after_commit
from app.core.config import get_settings
from app.usuarios.models import Rol
from app.usuarios.principal import Principal

CATALOGOS = "catalogos"
ESTADISTICAS = "estadisticas"
DOCUMENTOS = "documentos"
REMITENTES = "remitentes"
USUARIOS = "usuarios"
TODOS = (CATALOGOS, ESTADISTICAS, DOCUMENTOS, REMITENTES, USUARIOS)


def alcance(usuario: Principal) -> str:
    """The part of a cache key that stands for what the user may see (see `filtro_visibilidad`):
    every role but especialista sees everything; an especialista sees their area's documents."""
    if usuario.rol is not Rol.ESPECIALISTA:
        return "todo"
    return f"area-{usuario.area_id}" if usuario.area_id is not None else "nada"


def hoy() -> str:
    """Today in the office's calendar: overdue flags change at midnight without any write."""
    return datetime.now(ZoneInfo(get_settings().timezone)).date().isoformat()


def normalizar_termino(termino: str) -> str:
    """One cache key per search term however it was typed: lower case, single spaces. The query
    runs with the normalized term, so the key and the result can never disagree. Case changes
    neither `websearch_to_tsquery` nor `ILIKE`/`similarity`; collapsing spaces means a name typed
    with a double space still finds the sender."""
    return " ".join(termino.split()).lower()


def documentos_cambiaron(session: AsyncSession) -> None:
    """A document (its state, area, fields or routings) changed in this unit of work."""
    invalidate_after_commit(session, ESTADISTICAS, DOCUMENTOS)


def usuarios_cambiaron(session: AsyncSession) -> None:
    """An account was created or changed (role, area, active, password)."""
    invalidate_after_commit(session, USUARIOS)


def remitentes_cambiaron(session: AsyncSession) -> None:
    """A sender was created or its data changed; document search pages show the sender."""
    invalidate_after_commit(session, REMITENTES, DOCUMENTOS)


# Catalogs whose names appear in statistics (area sigla, tipo nombre) and in document pages.
_CATALOGOS_MOSTRADOS = frozenset({"areas", "tipos_documento"})


def catalogo_cambio(session: AsyncSession, tabla: str) -> None:
    if tabla in _CATALOGOS_MOSTRADOS:
        invalidate_after_commit(session, CATALOGOS, ESTADISTICAS, DOCUMENTOS)
    else:
        invalidate_after_commit(session, CATALOGOS)
