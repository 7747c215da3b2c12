"""The office always keeps an active admin: the last one can neither lose the role nor be
deactivated (409), and the check holds under two demotions at once."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app import cache_policy
from app.core.cache import get_cache
from app.core.database import db
from app.core.errors import Conflict
from app.usuarios.models import Rol, Usuario
from app.usuarios.schemas import UsuarioUpdate
from app.usuarios.service import UsuarioService
from tests.conftest import World


async def _solo(session: AsyncSession, *admins: int) -> None:
    """In this session's transaction only (rolled back by the test): the given users are the active
    admins, every other admin inactive."""
    await session.execute(update(Usuario).where(Usuario.rol == Rol.ADMIN).values(activo=False))
    await session.execute(update(Usuario).where(Usuario.id.in_(admins)).values(rol=Rol.ADMIN, activo=True))


async def test_the_last_active_admin_keeps_the_role_and_stays_active(
    session: AsyncSession, world: World
) -> None:
    admin = world.users["admin"]
    await _solo(session, admin)
    servicio = UsuarioService(session)
    for cambio in (UsuarioUpdate(rol=Rol.AUDITOR), UsuarioUpdate(activo=False)):
        with pytest.raises(Conflict) as error:
            await servicio.actualizar(admin, cambio)
        assert error.value.field == "rol" and "último administrador" in error.value.message
    # Other changes of the last admin go through.
    assert (
        await servicio.actualizar(admin, UsuarioUpdate(nombre_completo="Ana Admin Única"))
    ).rol is Rol.ADMIN
    await session.rollback()


async def test_with_another_active_admin_the_demotion_goes_through(
    session: AsyncSession, world: World
) -> None:
    admin, otro = world.users["admin"], world.users["auditor"]
    await _solo(session, admin, otro)
    usuario = await UsuarioService(session).actualizar(admin, UsuarioUpdate(rol=Rol.AUDITOR))
    assert usuario.rol is Rol.AUDITOR
    await session.rollback()


async def test_two_admins_demoting_each_other_at_once_leave_one(world: World) -> None:
    """Committed for real, then put back (session versions included, so that the suite's tokens of
    both users keep working): A demotes B while B demotes A; one must get 409."""
    uno, otro = world.users["admin"], world.users["auditor"]
    async with db.sessionmaker() as preparacion:
        versiones = dict(
            (await preparacion.execute(
                select(Usuario.id, Usuario.version_sesion).where(Usuario.id.in_([uno, otro]))
            )).tuples().all()
        )  # fmt: skip
        activos = list(
            await preparacion.scalars(
                update(Usuario)
                .where(Usuario.rol == Rol.ADMIN, Usuario.activo)
                .values(activo=False)
                .returning(Usuario.id)
            )
        )
        await preparacion.execute(
            update(Usuario).where(Usuario.id.in_([uno, otro])).values(rol=Rol.ADMIN, activo=True)
        )
        await preparacion.commit()
    try:

        async def degradar(usuario_id: int) -> str:
            async with db.sessionmaker() as s:
                try:
                    await UsuarioService(s).actualizar(usuario_id, UsuarioUpdate(activo=False))
                    await s.commit()
                    return "ok"
                except Conflict:
                    await s.rollback()
                    return "409"

        resultados = sorted(await asyncio.gather(degradar(uno), degradar(otro)))
        assert resultados == ["409", "ok"]
    finally:
        async with db.sessionmaker() as limpieza:
            await limpieza.execute(
                update(Usuario).where(Usuario.id == otro).values(rol=Rol.AUDITOR, activo=True)
            )
            await limpieza.execute(update(Usuario).where(Usuario.id.in_([*activos, uno])).values(activo=True))
            for usuario_id, version in versiones.items():
                await limpieza.execute(
                    update(Usuario).where(Usuario.id == usuario_id).values(version_sesion=version)
                )
            await limpieza.commit()
        await get_cache().invalidate(cache_policy.USUARIOS)
