"""What the row generator needs to know about the database: catalogs, staff, routing, last ids."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.catalogos.models import Area, Indicacion, Procedimiento, TipoDocumento
from app.ops.seed import catalog_data as cat
from app.ops.seed.draws import cumulative
from app.usuarios.models import Rol, Usuario

LOADED_TABLES = ("remitentes", "documentos", "derivaciones", "anexos", "historial")

# Repetition weighs the draw: the instructions desks write most.
_INDICACIONES_PRINCIPAL = (
    "01", "01", "05", "05", "05", "13", "13", "11", "11", "02", "04", "12", "06", "07", "09", "10", "14",
    "15",
)  # fmt: skip
_INDICACIONES_COPIA = ("03", "03", "03", "09", "15")


CatalogModel: TypeAlias = type[Area] | type[TipoDocumento] | type[Indicacion] | type[Procedimiento]
ProcedimientoRow: TypeAlias = tuple[int, str, int, int, str]  # id, codigo, plazo, area_id, nombre


async def ids_by_codigo(
    conn: AsyncConnection, model: CatalogModel, *, active_only: bool = False
) -> dict[str, int]:
    query = select(model.codigo, model.id)
    if active_only:
        query = query.where(model.activo)
    return {codigo: id_ for codigo, id_ in await conn.execute(query)}


@dataclass(frozen=True)
class SeedContext:
    """Read once before a load and shared by every slice: catalog ids, staff, routing, last ids."""

    mp_id: int
    area_codigo: dict[int, str]
    destinos: list[int]  # areas a document may be routed to
    nearby_areas: dict[int, list[int]]  # parent, children and siblings among `destinos`
    usuarios_by_area: dict[int, list[int]]
    registradores: list[int]
    # Cumulative draw weights of `registradores`: a head clerk registers most documents, each next
    # one a quarter of the previous (relief, part-time), so a clerk's own intake is a selective
    # filter as it is in an office.
    registrador_weights: list[float]
    tipos: dict[str, int]
    procedimientos: list[ProcedimientoRow]
    indicaciones_principal: list[int | None]
    indicaciones_copia: list[int | None]
    max_ids: dict[str, int]
    correlativos: dict[int, int]
    existing_remitentes: set[tuple[str, str]]  # (numero, tipo) of every remitente already there


async def read_context(conn: AsyncConnection) -> SeedContext:
    areas_query = select(Area.id, Area.codigo, Area.parent_id).where(Area.activo)
    areas = (await conn.execute(areas_query)).all()
    id_by_codigo = {codigo: id_ for id_, codigo, _ in areas}
    if cat.AREA_MESA_PARTES not in id_by_codigo:
        raise RuntimeError("catalogs are missing: run seed_catalogos first (area MP not found)")
    mp_id = id_by_codigo[cat.AREA_MESA_PARTES]

    usuarios_query = (
        select(Usuario.id, Usuario.rol, Usuario.area_id).where(Usuario.activo).order_by(Usuario.id)
    )
    usuarios = (await conn.execute(usuarios_query)).all()
    usuarios_by_area: dict[int, list[int]] = {}
    for id_, rol, area_id in usuarios:
        if area_id is not None and rol in (Rol.ESPECIALISTA, Rol.MESA_PARTES, Rol.ADMIN):
            usuarios_by_area.setdefault(area_id, []).append(id_)
    registradores = [id_ for id_, rol, area_id in usuarios if rol == Rol.MESA_PARTES] or [
        id_ for id_, rol, _ in usuarios if rol == Rol.ADMIN
    ]
    if not registradores:
        raise RuntimeError("no mesa_partes or admin user to register documents: run ensure_staff first")
    usuarios_by_area.setdefault(mp_id, list(registradores))

    # Route only among areas that have someone to receive; without any, among all areas, with
    # the registering clerks standing in for the missing staff.
    staffed = [id_ for id_, _, _ in areas if id_ != mp_id and usuarios_by_area.get(id_)]
    destinos = staffed if len(staffed) >= 2 else [id_ for id_, _, _ in areas if id_ != mp_id]
    for id_ in destinos:
        usuarios_by_area.setdefault(id_, list(registradores))

    parent = {id_: parent_id for id_, _, parent_id in areas}
    destino_set = set(destinos)
    nearby_areas: dict[int, list[int]] = {}
    for id_ in destinos:
        near = {
            other
            for other in destino_set
            if other != id_
            and (other == parent[id_] or parent.get(other) == id_ or parent.get(other) == parent[id_])
        }
        nearby_areas[id_] = sorted(near) or [d for d in destinos if d != id_]

    tipos = await ids_by_codigo(conn, TipoDocumento, active_only=True)
    if not tipos:
        raise RuntimeError("catalogs are missing: no tipos de documento")
    procedimientos = [
        (id_, codigo, plazo, area_id, nombre)
        for id_, codigo, plazo, area_id, nombre in await conn.execute(
            select(
                Procedimiento.id,
                Procedimiento.codigo,
                Procedimiento.plazo_dias,
                Procedimiento.area_id,
                Procedimiento.nombre,
            )
            .where(Procedimiento.activo)
            .order_by(Procedimiento.id)
        )
    ]
    indicaciones = await ids_by_codigo(conn, Indicacion, active_only=True)
    every_indicacion: list[int | None] = [*sorted(indicaciones.values())]
    principal: list[int | None] = [indicaciones[c] for c in _INDICACIONES_PRINCIPAL if c in indicaciones]
    copia: list[int | None] = [indicaciones[c] for c in _INDICACIONES_COPIA if c in indicaciones]

    max_ids: dict[str, int] = {}
    for table in LOADED_TABLES:
        max_ids[table] = int(await conn.scalar(text(f"SELECT coalesce(max(id), 0) FROM {table}")) or 0)

    counter_rows = await conn.execute(text("SELECT anio, ultimo FROM expediente_correlativos"))
    correlativos: dict[int, int] = {anio: ultimo for anio, ultimo in counter_rows}
    # The counter may lag behind the numbers already written: continue after the larger.
    numbered = await conn.execute(
        text(
            "SELECT split_part(numero_expediente, '-', 1)::int,"
            " max(split_part(numero_expediente, '-', 2)::int) FROM documentos GROUP BY 1"
        )
    )
    for anio, ultimo in numbered:
        correlativos[anio] = max(correlativos.get(anio, 0), ultimo)

    existing: set[tuple[str, str]] = set()
    if max_ids["remitentes"]:  # new senders must not reuse a (numero, tipo)
        rows = await conn.execute(
            text("SELECT numero_documento_identidad, tipo_documento_identidad FROM remitentes")
        )
        existing = {(numero, tipo) for numero, tipo in rows}

    return SeedContext(
        mp_id=mp_id,
        area_codigo={id_: codigo for id_, codigo, _ in areas},
        destinos=destinos,
        nearby_areas=nearby_areas,
        usuarios_by_area=usuarios_by_area,
        registradores=registradores,
        registrador_weights=cumulative([0.25**i for i in range(len(registradores))]),
        tipos=tipos,
        procedimientos=procedimientos,
        indicaciones_principal=principal or every_indicacion or [None],
        indicaciones_copia=copia or every_indicacion or [None],
        max_ids=max_ids,
        correlativos=correlativos,
        existing_remitentes=existing,
    )
