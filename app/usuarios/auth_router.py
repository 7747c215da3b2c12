"""Login and the current user."""

from __future__ import annotations

from app.core.dependencies import SessionDep
from app.core.errors import Unauthorized, error_responses
from app.core.routing import PrefixRouter
from app.core.security import create_access_token
from app.usuarios.dependencies import CurrentUser
from app.usuarios.principal import sello_de
from app.usuarios.schemas import LoginRequest, Token, Usuario
from app.usuarios.service import UsuarioService

router = PrefixRouter(prefix="/auth", tags=["auth"])


@router.post("/login", response_model=Token, responses=error_responses(Unauthorized))
async def login(data: LoginRequest, session: SessionDep) -> Token:
    usuario = await UsuarioService(session).autenticar(data.username, data.password)
    token, expires_in = create_access_token(usuario.id, sello_de(usuario.password_hash))
    return Token(access_token=token, expires_in=expires_in, usuario=Usuario.model_validate(usuario))


@router.get("/me", response_model=Usuario, responses=error_responses(Unauthorized))
async def me(usuario: CurrentUser, session: SessionDep) -> Usuario:
    return Usuario.model_validate(await UsuarioService(session).obtener(usuario.id))
