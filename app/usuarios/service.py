"""Staff accounts and authentication."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import cache_policy
from app.catalogos.models import Area
from app.core.cache import HOT, get_cache
from app.core.config import get_settings
from app.core.errors import Conflict, InvalidInput, NotFound, Unauthorized, unique_violation
from app.core.logging import bind, get_logger
from app.core.security import hash_password, hash_password_async, verify_password_async
from app.core.throttle import get_throttle
from app.usuarios.models import Rol, Usuario
from app.usuarios.permisos import NOMBRE_ROL
from app.usuarios.principal import Cuenta, sello_de
from app.usuarios.schemas import UsuarioCreate, UsuarioUpdate

# A real hash to verify against when the username is unknown, so both paths cost the same time.
_DUMMY_HASH = hash_password("not-a-real-password")

_DEMASIADOS_POR_USUARIO = (
    "Demasiados intentos de inicio de sesión para este usuario. Vuelva a intentarlo más tarde."
)
_DEMASIADOS_POR_IP = (
    "Demasiados intentos de inicio de sesión desde esta dirección. Vuelva a intentarlo más tarde."
)
_EN_USO = {
    "username": "Ese nombre de usuario ya está en uso.",
    "email": "Ese correo electrónico ya está en uso.",
}

log = get_logger("app.auth")


class UsuarioService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def autenticar(self, username: str, password: str, cliente: str) -> Usuario:
        """The active account with that username and password; 401 otherwise, and 429 once the
        client address (`cliente`) or the username has used its attempts (LOGIN_LIMIT_POR_IP,
        LOGIN_LIMIT_POR_USUARIO). Every attempt counts, before the password is checked: concurrent
        guesses cannot all pass a check made before any of them is counted, a locked username gets
        429 even for the right password (else 401 vs 200 would keep answering the guesses), and
        each attempt costs an argon2 verification whatever its outcome. A person logs in a few
        times a day, so counting successes too costs them nothing."""
        settings = get_settings()
        throttle = get_throttle()
        await throttle.hit(settings.login_limit_por_ip, "login-ip", cliente, _DEMASIADOS_POR_IP)
        await throttle.hit(
            settings.login_limit_por_usuario, "login-usuario", username, _DEMASIADOS_POR_USUARIO
        )
        usuario = await self.session.scalar(select(Usuario).where(Usuario.username == username))
        # End the read-only transaction before the password waits for a hashing thread: its pooled
        # connection goes back to the pool (a storm of 50 logins would otherwise hold 50 connections
        # and starve every other request). Nothing is pending; the account stays loaded
        # (expire_on_commit=False) and `ultimo_acceso` is written by the request's own commit.
        await self.session.commit()
        ok = await verify_password_async(usuario.password_hash if usuario else _DUMMY_HASH, password)
        if usuario is None or not ok or not usuario.activo:
            # The account when there is one; never what was typed for an unknown one (people type
            # their password in the username field).
            reason = "unknown_user" if usuario is None else "wrong_password" if not ok else "inactive"
            log.warning("auth.login_failed", reason=reason, user_id=usuario.id if usuario else None)
            raise Unauthorized("Usuario o contraseña incorrectos.")
        usuario.ultimo_acceso = datetime.now(UTC)
        bind(user_id=usuario.id)
        log.info("auth.login")
        return usuario

    async def cuenta(self, usuario_id: int) -> Cuenta | None:
        """The account behind a token, cached (HOT) in the `usuarios` namespace; None when there
        is no such user. Every account change invalidates the namespace after its commit."""

        async def leer() -> Cuenta | None:
            fila = (
                await self.session.execute(
                    select(
                        Usuario.id,
                        Usuario.rol,
                        Usuario.area_id,
                        Usuario.activo,
                        Usuario.password_hash,
                        Usuario.version_sesion,
                    ).where(Usuario.id == usuario_id)
                )
            ).first()
            if fila is None:
                return None
            return Cuenta(
                id=fila.id,
                rol=fila.rol,
                area_id=fila.area_id,
                activo=fila.activo,
                sello=sello_de(fila.password_hash, fila.version_sesion),
            )

        return await get_cache().get_or_compute(
            f"{cache_policy.USUARIOS}:cuenta:{usuario_id}", leer, ttl=HOT, type_=Cuenta | None
        )

    async def listar(self) -> list[Usuario]:
        return list(await self.session.scalars(select(Usuario).order_by(Usuario.username)))

    async def obtener(self, usuario_id: int) -> Usuario:
        usuario = await self.session.get(Usuario, usuario_id)
        if usuario is None:
            raise NotFound(f"No existe el usuario {usuario_id}.")
        return usuario

    async def crear(self, data: UsuarioCreate) -> Usuario:
        await self._validar_area(data.rol, data.area_id)
        usuario = Usuario(
            username=data.username,
            email=str(data.email),
            nombre_completo=data.nombre_completo,
            password_hash=await hash_password_async(data.password),
            rol=data.rol,
            area_id=data.area_id,
            activo=data.activo,
        )
        await self._flush(usuario)
        return usuario

    async def actualizar(self, usuario_id: int, data: UsuarioUpdate) -> Usuario:
        usuario = await self.obtener(usuario_id)
        values = data.model_dump(exclude_unset=True)
        rol = values.get("rol", usuario.rol)
        area_id = values.get("area_id", usuario.area_id)
        await self._validar_area(rol, area_id)
        if (
            usuario.rol is Rol.ADMIN
            and usuario.activo
            and (rol is not Rol.ADMIN or not values.get("activo", True))
        ):
            await self._exigir_otro_admin(usuario.id)
        password = values.pop("password", None)
        if _cierra_sesiones(usuario, values, password):
            usuario.version_sesion += 1  # every token issued before stops working
        if password is not None:
            usuario.password_hash = await hash_password_async(password)
        if "email" in values:
            values["email"] = str(values["email"])
        for name, value in values.items():
            setattr(usuario, name, value)
        await self._flush(usuario)
        return usuario

    async def _exigir_otro_admin(self, usuario_id: int) -> None:
        """409 unless another active admin remains: an office without one could not manage its
        accounts any more. The active admins' rows are locked first, so two admins demoting each
        other at once cannot both pass (the second re-reads after the first commits)."""
        # All of them, in id order: two demotions lock in the same order and never deadlock.
        admins = await self.session.scalars(
            select(Usuario.id)
            .where(Usuario.rol == Rol.ADMIN, Usuario.activo)
            .order_by(Usuario.id)
            .with_for_update()
        )
        if not any(admin_id != usuario_id for admin_id in admins):
            raise Conflict(
                "No se puede quitar el rol ni desactivar al último administrador activo.", field="rol"
            )

    async def _validar_area(self, rol: Rol, area_id: int | None) -> None:
        if rol in (Rol.ESPECIALISTA, Rol.MESA_PARTES) and area_id is None:
            raise InvalidInput(f"Un usuario con rol {NOMBRE_ROL[rol]} necesita un área.", field="area_id")
        if area_id is not None and await self.session.get(Area, area_id) is None:
            raise InvalidInput(f"No existe el área {area_id}.", field="area_id")

    async def _flush(self, usuario: Usuario) -> None:
        cache_policy.usuarios_cambiaron(self.session)
        try:
            async with self.session.begin_nested():
                self.session.add(usuario)
                await self.session.flush()
        except IntegrityError as exc:
            constraint = unique_violation(exc)
            if constraint is None:
                raise
            field = "email" if "email" in constraint else "username"
            raise Conflict(_EN_USO[field], field=field) from exc


def _cierra_sesiones(usuario: Usuario, values: dict[str, Any], password: str | None) -> bool:
    """Whether this change must end the account's sessions: a new password, a new role or área
    (a token must not keep the powers it was issued with), or a deactivation."""
    return (
        password is not None
        or values.get("rol", usuario.rol) != usuario.rol
        or values.get("area_id", usuario.area_id) != usuario.area_id
        or (usuario.activo and values.get("activo") is False)
    )
