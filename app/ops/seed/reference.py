"""Reference data and accounts: catalogs, the admin, the staff users, and the small demo data set."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from app.catalogos.models import Area, Indicacion, Moneda, Pais, Procedimiento, TipoDocumento
from app.core.security import hash_password
from app.ops.seed import catalog_data as cat
from app.ops.seed.context import ids_by_codigo
from app.ops.seed.loader import seed_documentos
from app.ops.seed.report import ProgressFn, SeedReport
from app.usuarios.models import Rol, Usuario

DEMO_ESPECIALISTA_AREAS: tuple[str, ...] = ("SGLC", "SGOP", "OAJ")
# Every area but Mesa de Partes, whose clerks are the `mesapartes`, `mesapartes2` and `mesapartes3` accounts.
ALL_ESPECIALISTA_AREAS: tuple[str, ...] = tuple(
    a.codigo for a in cat.AREAS if a.codigo != cat.AREA_MESA_PARTES
)
EMAIL_DOMAIN = "mesa-partes.local"


async def _insert_missing(
    conn: AsyncConnection,
    model: type[TipoDocumento] | type[Indicacion] | type[Procedimiento],
    rows: list[dict[str, object]],
) -> None:
    """Insert the rows whose codigo is not in the table yet."""
    existing = await ids_by_codigo(conn, model)
    missing = [row for row in rows if row["codigo"] not in existing]
    if missing:
        await conn.execute(pg_insert(model).values(missing).on_conflict_do_nothing())


async def seed_catalogos(conn: AsyncConnection) -> None:
    """Insert every catalog row that is missing; existing rows (even edited ones) are left alone.

    Missing rows are found by codigo before inserting, so this stays idempotent even while the
    unique constraints of revision 0002 are absent (ON CONFLICT alone would then insert twice).
    """
    await conn.execute(
        pg_insert(Moneda)
        .values([{"codigo": m.codigo, "nombre": m.nombre} for m in cat.monedas()])
        .on_conflict_do_nothing()
    )
    paises = [
        {"codigo": p.codigo, "codigo_alpha3": p.codigo_alpha3, "nombre": p.nombre} for p in cat.paises()
    ]
    await conn.execute(pg_insert(Pais).values(paises).on_conflict_do_nothing())

    areas = await ids_by_codigo(conn, Area)
    for area in cat.AREAS:  # parents first, so each parent id is known when its children go in
        if area.codigo in areas:
            continue
        inserted = await conn.scalar(
            pg_insert(Area)
            .values(
                codigo=area.codigo,
                nombre=area.nombre,
                sigla=area.sigla,
                parent_id=areas.get(area.parent) if area.parent else None,
            )
            .on_conflict_do_nothing()
            .returning(Area.id)
        )
        if inserted is not None:
            areas[area.codigo] = inserted

    await _insert_missing(
        conn, TipoDocumento, [{"codigo": t.codigo, "nombre": t.nombre} for t in cat.TIPOS_DOCUMENTO]
    )
    await _insert_missing(
        conn, Indicacion, [{"codigo": i.codigo, "nombre": i.nombre} for i in cat.INDICACIONES]
    )
    await _insert_missing(
        conn,
        Procedimiento,
        [
            {
                "codigo": p.codigo,
                "nombre": p.nombre,
                "plazo_dias": p.plazo_dias,
                "costo": p.costo,
                "moneda_codigo": p.moneda,
                "area_id": areas[p.area],
            }
            for p in cat.PROCEDIMIENTOS
            if p.area in areas
        ],
    )


async def _area_id(conn: AsyncConnection, codigo: str) -> int | None:
    return await conn.scalar(select(Area.id).where(Area.codigo == codigo))


async def _insert_missing_usuarios(
    conn: AsyncConnection, usuarios: Sequence[dict[str, object]], password: str
) -> int:
    """Insert the usuarios whose username is free, all with `password`; returns how many went in."""
    taken = set(
        await conn.scalars(
            select(Usuario.username).where(Usuario.username.in_([u["username"] for u in usuarios]))
        )
    )
    missing = [u for u in usuarios if u["username"] not in taken]
    if not missing:
        return 0
    # argon2 takes ~0.15 s a hash and releases the GIL: hash on every core at once.
    hashes = await asyncio.gather(*(asyncio.to_thread(hash_password, password) for _ in missing))
    result = await conn.execute(
        pg_insert(Usuario)
        .values([{**u, "password_hash": h} for u, h in zip(missing, hashes, strict=True)])
        .on_conflict_do_nothing()
        .returning(Usuario.id)
    )
    return len(result.all())


async def ensure_admin(conn: AsyncConnection, username: str, email: str, password: str) -> bool:
    """Create the admin (rol admin, area Mesa de Partes) unless `username` exists; True when created."""
    admin: dict[str, object] = {
        "username": username,
        "email": email,
        "nombre_completo": "Administrador del sistema",
        "rol": Rol.ADMIN.value,
        "area_id": await _area_id(conn, cat.AREA_MESA_PARTES),
    }
    return await _insert_missing_usuarios(conn, [admin], password) == 1


@dataclass(frozen=True, slots=True)
class StaffUser:
    username: str
    nombre_completo: str
    rol: Rol
    area: str | None


def staff_users(areas_especialista: Sequence[str] = DEMO_ESPECIALISTA_AREAS) -> list[StaffUser]:
    """The staff accounts seeded beside the admin: three clerks, one specialist per area, an auditor.

    Several clerks, as an office staffs its desk by shifts: documents are spread over who registered
    them, which `GET /documentos?registrado_por_id=` and its index rely on being selective.
    """
    usuarios = [
        StaffUser("mesapartes", "Rosa Elena Quispe Huamán", Rol.MESA_PARTES, cat.AREA_MESA_PARTES),
        StaffUser("mesapartes2", "Julio César Mamani Flores", Rol.MESA_PARTES, cat.AREA_MESA_PARTES),
        StaffUser("mesapartes3", "Gladys Noemí Ccori Vargas", Rol.MESA_PARTES, cat.AREA_MESA_PARTES),
    ]
    names = itertools.cycle(
        itertools.product(("Carlos", "Lucía", "Jorge", "Milagros", "Renzo", "Fiorella"), cat.APELLIDOS)
    )
    for codigo in areas_especialista:
        first_name, surname = next(names)
        usuarios.append(
            StaffUser(f"esp.{codigo.lower()}", f"{first_name} {surname}", Rol.ESPECIALISTA, codigo)
        )
    usuarios.append(StaffUser("auditor", "Víctor Manuel Salazar Paredes", Rol.AUDITOR, "OCI"))
    return usuarios


async def ensure_staff(
    conn: AsyncConnection, password: str, *, areas_especialista: Sequence[str] = DEMO_ESPECIALISTA_AREAS
) -> int:
    """Create the missing staff accounts of `staff_users()`, all with `password`; returns how many."""
    areas = await ids_by_codigo(conn, Area)
    return await _insert_missing_usuarios(
        conn,
        [
            {
                "username": u.username,
                "email": f"{u.username}@{EMAIL_DOMAIN}",
                "nombre_completo": u.nombre_completo,
                "rol": u.rol.value,
                "area_id": areas.get(u.area) if u.area else None,
            }
            for u in staff_users(areas_especialista)
            if u.area is None or u.area in areas
        ],
        password,
    )


async def seed_demo(
    conn: AsyncConnection,
    *,
    password: str,
    documentos: int = 300,
    seed: int = 42,
    until: datetime | None = None,
    progress: ProgressFn = print,
) -> SeedReport:
    """Catalogs, the demo staff (clerk, 3 specialists, auditor) and `documentos` documents.

    Runs in the caller's transaction; the caller commits.
    """
    await seed_catalogos(conn)
    await ensure_staff(conn, password)
    return await seed_documentos(conn, documentos, seed=seed, until=until, progress=progress)
