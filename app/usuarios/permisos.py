"""What each role may do, whatever the document."""

from __future__ import annotations

from app.core.errors import Forbidden
from app.usuarios.models import Rol
from app.usuarios.principal import Principal

ROLES_QUE_ESCRIBEN = frozenset({Rol.ADMIN, Rol.MESA_PARTES, Rol.ESPECIALISTA})
# The roles as people name them (messages); the API and the tokens keep the codes.
NOMBRE_ROL: dict[Rol, str] = {
    Rol.ADMIN: "administrador",
    Rol.MESA_PARTES: "mesa de partes",
    Rol.ESPECIALISTA: "especialista",
    Rol.AUDITOR: "auditor",
}


def exigir_escritura(usuario: Principal) -> None:
    if usuario.rol not in ROLES_QUE_ESCRIBEN:
        raise Forbidden(
            f"El rol {NOMBRE_ROL[usuario.rol]} puede consultar documentos, pero no modificarlos."
        )


def exigir_rol(usuario: Principal, *roles: Rol) -> None:
    if usuario.rol not in roles:
        nombres = [NOMBRE_ROL[role] for role in roles]
        if len(nombres) == 1:
            raise Forbidden(f"Esta acción requiere el rol {nombres[0]}.")
        lista = f"{', '.join(nombres[:-1])} o {nombres[-1]}"
        raise Forbidden(f"Esta acción requiere uno de estos roles: {lista}.")
