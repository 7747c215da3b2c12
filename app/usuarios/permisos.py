"""What each role may do, whatever the document."""

from __future__ import annotations

from app.core.errors import Forbidden
from app.usuarios.models import Rol
from app.usuarios.principal import Principal

ROLES_QUE_ESCRIBEN = frozenset({Rol.ADMIN, Rol.MESA_PARTES, Rol.ESPECIALISTA})


def exigir_escritura(usuario: Principal) -> None:
    if usuario.rol not in ROLES_QUE_ESCRIBEN:
        raise Forbidden(f"role {usuario.rol.value} can read but not change documents")


def exigir_rol(usuario: Principal, *roles: Rol) -> None:
    if usuario.rol not in roles:
        allowed = ", ".join(role.value for role in roles)
        raise Forbidden(f"this action needs one of the roles: {allowed}")
