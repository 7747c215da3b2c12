"""Request dependencies: the authenticated principal, and the admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.core.config import get_settings
from app.core.dependencies import SessionDep
from app.core.errors import Forbidden, Unauthorized
from app.core.logging import bind
from app.core.security import decode_access_token
from app.core.throttle import get_throttle
from app.usuarios.models import Rol
from app.usuarios.principal import Principal
from app.usuarios.service import UsuarioService

_bearer = HTTPBearer(auto_error=False)


_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DEMASIADAS_ESCRITURAS = "Demasiadas operaciones en poco tiempo. Espere un momento y vuelva a intentarlo."


async def get_current_user(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthorized("Falta el token de acceso; inicie sesión.")
    claims = decode_access_token(credentials.credentials)
    cuenta = await UsuarioService(session).cuenta(claims[0]) if claims else None
    if claims is None or cuenta is None or not cuenta.activo or cuenta.sello != claims[1]:
        raise Unauthorized("El token de acceso no es válido o expiró; inicie sesión de nuevo.")
    bind(user_id=cuenta.id)  # every later line of the request says whose it is
    if request.method in _WRITES:
        # Every authenticated write passes here (ESCRITURA_LIMIT_POR_USUARIO; off when empty or 0).
        await get_throttle().hit(
            get_settings().escritura_limit_por_usuario,
            "escritura-usuario",
            str(cuenta.id),
            _DEMASIADAS_ESCRITURAS,
        )
    return cuenta.principal()


CurrentUser = Annotated[Principal, Depends(get_current_user)]


async def get_admin(usuario: CurrentUser) -> Principal:
    if usuario.rol is not Rol.ADMIN:
        raise Forbidden("Esta acción requiere el rol de administrador.")
    return usuario


AdminUser = Annotated[Principal, Depends(get_admin)]
