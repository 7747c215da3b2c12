"""Where attachment files live: `anexos/<documento_id>/<uuid>.<ext>` under STORAGE_DIR.

The client's name is only shown, never used as a path; a stored file exists if and only if its row
does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import SessionTransaction

from app.anexos.models import Anexo
from app.core.config import get_settings
from app.core.errors import NotFound


def directorio_anexos(documento_id: int) -> Path:
    return get_settings().storage_dir / "anexos" / str(documento_id)


def ruta_segura(anexo: Anexo) -> Path | None:
    # `ruta` is always written by the service (relative, server-chosen); resolve it under the
    # storage directory all the same and refuse anything that would leave it (a row edited by hand).
    base = get_settings().storage_dir.resolve()
    path = (base / anexo.ruta).resolve()
    return path if path.is_relative_to(base) else None


def ruta_absoluta(anexo: Anexo) -> Path:
    path = ruta_segura(anexo)
    if path is None:
        raise NotFound(f"El archivo del anexo {anexo.id} no está disponible.")
    return path


def borrar_si_se_deshace(session: AsyncSession, path: Path) -> None:
    """Remove `path` when this unit of work rolls back (an error after the file was put in place,
    or a failed commit): a file is stored if and only if its row is."""
    confirmado = False

    def al_confirmar(_: Any) -> None:
        nonlocal confirmado
        confirmado = True

    def al_deshacer(_: Any, previa: SessionTransaction) -> None:
        if not confirmado and not previa.nested:
            path.unlink(missing_ok=True)

    event.listen(session.sync_session, "after_commit", al_confirmar)
    event.listen(session.sync_session, "after_soft_rollback", al_deshacer)
