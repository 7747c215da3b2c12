"""What each role may do, whatever the document."""

from __future__ import annotations

from app.core.errors import Forbidden
from app.usuarios.models import Rol
from app.usuarios.principal import Principal

ROLES_QUE_ESCRIBEN = frozenset({Rol.ADMIN, Rol.MESA_PARTES, Rol.ESPECIALISTA})


def exigir_escritura(usuario: Principal) -> None:
    if usuario.rol not in ROLES_QUE_ESCRIBEN:
        raise Forbidden(f"El rol {usuario.rol.value} puede consultar documentos, pero no modificarlos.")


def exigir_rol(usuario: Principal, *roles: Rol) -> None:
    if usuario.rol not in roles:
        allowed = ", ".join(role.value for role in roles)
        raise Forbidden(f"Esta acción requiere uno de estos roles: {allowed}.")
