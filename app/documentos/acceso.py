"""Who may see and act on which documents."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, exists, or_, select, true

from app.core.errors import Forbidden
from app.derivaciones.models import Derivacion
from app.documentos.models import Documento
from app.usuarios.models import Rol
from app.usuarios.permisos import exigir_escritura
from app.usuarios.principal import Principal


def filtro_visibilidad(usuario: Principal) -> ColumnElement[bool]:
    """Documents the user may see: an especialista only those routed to their area."""
    if usuario.rol is not Rol.ESPECIALISTA:
        return true()
    if usuario.area_id is None:
        return Documento.id.is_(None)
    routed_here = exists(
        select(Derivacion.id).where(
            Derivacion.documento_id == Documento.id, Derivacion.area_destino_id == usuario.area_id
        )
    )
    return or_(Documento.area_actual_id == usuario.area_id, routed_here)


def visibles(usuario: Principal) -> Select[Documento]:
    """The documents the user may see, as a statement to narrow down."""
    return select(Documento).where(filtro_visibilidad(usuario))


def exigir_area_actual(usuario: Principal, documento: Documento) -> None:
    """Acting on a document needs it to be in the user's area (admins act anywhere)."""
    exigir_escritura(usuario)
    if usuario.rol is Rol.ADMIN:
        return
    if usuario.area_id != documento.area_actual_id:
        raise Forbidden("the document is not in your area")
