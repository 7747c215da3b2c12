"""Login and the current user."""

from __future__ import annotations

from fastapi import Request

from app.core.dependencies import SessionDep
from app.core.errors import TooManyRequests, Unauthorized, error_responses
from app.core.routing import PrefixRouter
from app.core.security import create_access_token
from app.core.throttle import client_address
from app.usuarios.dependencies import CurrentUser
from app.usuarios.principal import sello_de
from app.usuarios.schemas import LoginRequest, Token, Usuario
from app.usuarios.service import UsuarioService

router = PrefixRouter(prefix="/auth", tags=["autenticación"])


@router.post(
    "/login",
    response_model=Token,
    responses=error_responses(Unauthorized, TooManyRequests),
    operation_id="iniciar_sesion",
    summary="Iniciar sesión",
    description="Cambia el usuario y la contraseña de una cuenta del personal por un token de acceso, que "
    "se envía en la cabecera `Authorization: Bearer <token>`, y devuelve los datos de la cuenta. "
    "Demasiados intentos fallidos seguidos se rechazan por un tiempo (429).",
)
async def login(data: LoginRequest, session: SessionDep, request: Request) -> Token:
    # The peer's address; behind a reverse proxy, uvicorn puts the client's there only for the
    # proxies listed in --forwarded-allow-ips (README, Throttling).
    usuario = await UsuarioService(session).autenticar(data.username, data.password, client_address(request))
    sello = sello_de(usuario.password_hash, usuario.version_sesion)
    token, expires_in = create_access_token(usuario.id, sello)
    return Token(access_token=token, expires_in=expires_in, usuario=Usuario.model_validate(usuario))


@router.get(
    "/me",
    response_model=Usuario,
    responses=error_responses(Unauthorized),
    operation_id="obtener_mi_cuenta",
    summary="Ver mi cuenta",
    description="Los datos de la cuenta del token: nombre, correo, rol y área.",
)
async def me(usuario: CurrentUser, session: SessionDep) -> Usuario:
    return Usuario.model_validate(await UsuarioService(session).obtener(usuario.id))
