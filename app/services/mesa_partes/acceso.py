"""Who may see and act on which documents (DESIGN §1)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_, select, true

from app.core.errors import Forbidden
from app.models.mesa_partes import Derivacion, Documento, Usuario
from app.models.mesa_partes.enums import Rol

ROLES_QUE_ESCRIBEN = frozenset({Rol.ADMIN, Rol.MESA_PARTES, Rol.ESPECIALISTA})


def filtro_visibilidad(usuario: Usuario) -> ColumnElement[bool]:
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


def exigir_escritura(usuario: Usuario) -> None:
    if usuario.rol not in ROLES_QUE_ESCRIBEN:
        raise Forbidden(f"role {usuario.rol.value} can read but not change documents")


def exigir_rol(usuario: Usuario, *roles: Rol) -> None:
    if usuario.rol not in roles:
        allowed = ", ".join(role.value for role in roles)
        raise Forbidden(f"this action needs one of the roles: {allowed}")


def exigir_area_actual(usuario: Usuario, documento: Documento) -> None:
    """Acting on a document needs it to be in the user's area (admins act anywhere)."""
    exigir_escritura(usuario)
    if usuario.rol is Rol.ADMIN:
        return
    if usuario.area_id != documento.area_actual_id:
        raise Forbidden("the document is not in your area")
