"""Seeding: catalogs, staff accounts, demo data and the bulk loader for benchmark-size data sets.

The bulk loader (`seed_documentos`) simulates each document's life (registration, routings,
receptions, attention, archive...) from seeded `random.Random`s and streams the rows with COPY
(asyncpg `copy_records_to_table`). For a large load on an engine it:

- drops the secondary indexes by running Alembic down to revision 0001, and the foreign keys and
  unreferenced primary keys of the loaded tables (per-row index upkeep and locking foreign-key
  look-ups cost several times what one build or one anti-join costs afterwards);
- splits the reception days into one slice per core, each generated and COPY'd by a process of
  its own with one connection per table: one interpreter cannot feed PostgreSQL fast enough;
- rebuilds revision 0002 (its own DDL, rendered by Alembic) and the keys on two connections at
  once, checks that every index and constraint is back as it was, and stamps the revision.

The busqueda trigger stays on: it computes the tsvector inside the COPY backends, on CPU the
Python side leaves free, and it remains the one definition of that vector.

Given an `AsyncConnection`, or for a small load, everything runs in one transaction with every
index and constraint in place.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import functools
import gc
import io
import itertools
import math
import multiprocessing
import multiprocessing.queues
import os
import queue
import random
import re
import time
import traceback
import unicodedata
from bisect import bisect_right as bisect
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from alembic import command
from alembic.config import Config
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from app.core.config import PROJECT_ROOT
from app.core.security import hash_password
from app.models.mesa_partes import (
    Area,
    Indicacion,
    Moneda,
    Pais,
    Procedimiento,
    TipoDocumento,
    Usuario,
)
from app.models.mesa_partes.enums import Rol
from app.services.mesa_partes import catalogo_data as cat
from app.services.mesa_partes.identidad import ruc_check_digit
from app.services.mesa_partes.plazos import calcular_fecha_limite, es_dia_habil

if TYPE_CHECKING:
    from multiprocessing.sharedctypes import Synchronized

    import asyncpg

    RawConnection: TypeAlias = asyncpg.Connection[asyncpg.Record]

ProgressFn: TypeAlias = Callable[[str], object]
Row: TypeAlias = Sequence[Any]
# A timestamp as the COPY connection encodes it: a datetime, or microseconds since 2000-01-01 UTC.
Instante: TypeAlias = Any

# Below this many documents the drop-and-rebuild of indexes costs more than it saves.
UMBRAL_RECONSTRUIR_INDICES = 50_000
DEMO_ESPECIALISTA_AREAS: tuple[str, ...] = ("SGLC", "SGOP", "OAJ")
TODAS_LAS_AREAS: tuple[str, ...] = tuple(a.codigo for a in cat.AREAS if a.codigo != cat.AREA_MESA_PARTES)
DESDE = date(2024, 1, 1)
DOMINIO_CORREO = "mesa-partes.local"
REVISION_SIN_INDICES = "0001"
REVISION_INDICES = "0002"
TABLAS_CARGADAS = ("remitentes", "documentos", "derivaciones", "anexos", "historial")
# No foreign key points at these, so their primary keys can go during a load. (documentos is
# referenced by integracion_envios; remitentes' key serves the busqueda trigger's look-up.)
_SIN_PK_DURANTE_CARGA = ("derivaciones", "anexos", "historial")

_LIMA = timezone(timedelta(hours=-5))  # Peru keeps no daylight saving time
_EPOCH_PG = 946_684_800  # 2000-01-01 00:00 UTC, PostgreSQL's timestamp origin
_OFFSET_LIMA = 5 * 3600
_DIA = 86_400
_HORA = 3_600

COLUMNAS_REMITENTES = (
    "id", "tipo_persona", "tipo_documento_identidad", "numero_documento_identidad", "nombre", "email",
    "telefono", "direccion", "pais_codigo", "created_at", "updated_at",
)  # fmt: skip
COLUMNAS_DOCUMENTOS = (
    "id", "numero_expediente", "codigo_verificacion", "tipo_documento_id", "numero_documento", "asunto",
    "folios", "remitente_id", "procedimiento_id", "canal", "prioridad", "estado", "area_actual_id",
    "registrado_por_id", "fecha_recepcion", "fecha_limite", "fecha_atencion", "observacion", "version",
    "created_at", "updated_at",
)  # fmt: skip
COLUMNAS_DERIVACIONES = (
    "id", "documento_id", "area_origen_id", "area_destino_id", "enviado_por_id", "recibido_por_id",
    "indicacion_id", "prioridad", "proveido", "estado", "es_copia", "fecha_envio", "fecha_recepcion",
    "fecha_atencion", "plazo_dias", "fecha_limite", "created_at", "updated_at",
)  # fmt: skip
COLUMNAS_ANEXOS = (
    "id", "documento_id", "nombre_archivo", "content_type", "tamano_bytes", "sha256", "ruta", "paginas",
    "estado_procesamiento", "subido_por_id", "created_at", "updated_at",
)  # fmt: skip
COLUMNAS_HISTORIAL = (
    "id", "documento_id", "evento", "usuario_id", "area_id", "estado_anterior", "estado_nuevo", "detalle",
    "created_at",
)  # fmt: skip


@dataclass
class SeedReport:
    """What a load wrote (rows per table) and where the time went (seconds per phase)."""

    filas: dict[str, int] = field(default_factory=dict)
    fases: dict[str, float] = field(default_factory=dict)
    total_s: float = 0.0
    indices_reconstruidos: bool = False
    esquema_restaurado: bool | None = None  # indexes and constraints identical to before the load
    indices_secundarios: int | None = None
    vencidos: int | None = None

    def lineas(self) -> list[str]:
        out = ["rows:"]
        out += [f"  {tabla:<14} {filas:>12,}" for tabla, filas in self.filas.items()]
        out.append("phases (s):")
        out += [f"  {fase:<32} {segundos:>8.1f}" for fase, segundos in self.fases.items()]
        out.append(f"  {'total':<32} {self.total_s:>8.1f}")
        if self.indices_secundarios is not None:
            out.append(f"secondary indexes: {self.indices_secundarios}")
        if self.esquema_restaurado is not None:
            out.append(f"indexes and constraints identical to before the load: {self.esquema_restaurado}")
        if self.vencidos is not None:
            out.append(f"overdue documents loaded: {self.vencidos:,}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lineas())


class _Cronometro:
    def __init__(self, report: SeedReport, progress: ProgressFn) -> None:
        self.report = report
        self.progress = progress

    @contextlib.asynccontextmanager
    async def fase(self, nombre: str) -> AsyncIterator[None]:
        inicio = time.perf_counter()
        try:
            yield
        finally:
            segundos = time.perf_counter() - inicio
            self.report.fases[nombre] = self.report.fases.get(nombre, 0.0) + segundos
            self.progress(f"[seed] {nombre}: {segundos:.1f} s")


# ---------------------------------------------------------------------------------------------
# Catalogs and staff
# ---------------------------------------------------------------------------------------------


async def _codigos(
    conn: AsyncConnection, modelo: type[Area] | type[TipoDocumento] | type[Indicacion] | type[Procedimiento]
) -> dict[str, int]:
    rows = await conn.execute(select(modelo.codigo, modelo.id))
    return {codigo: id_ for codigo, id_ in rows}


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

    areas = await _codigos(conn, Area)
    for area in cat.AREAS:  # parents first, so each parent id is known when its children go in
        if area.codigo in areas:
            continue
        nuevo = await conn.scalar(
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
        if nuevo is not None:
            areas[area.codigo] = nuevo

    tipos = await _codigos(conn, TipoDocumento)
    faltan_tipos = [
        {"codigo": t.codigo, "nombre": t.nombre} for t in cat.TIPOS_DOCUMENTO if t.codigo not in tipos
    ]
    if faltan_tipos:
        await conn.execute(pg_insert(TipoDocumento).values(faltan_tipos).on_conflict_do_nothing())

    indicaciones = await _codigos(conn, Indicacion)
    faltan_ind = [
        {"codigo": i.codigo, "nombre": i.nombre} for i in cat.INDICACIONES if i.codigo not in indicaciones
    ]
    if faltan_ind:
        await conn.execute(pg_insert(Indicacion).values(faltan_ind).on_conflict_do_nothing())

    procedimientos = await _codigos(conn, Procedimiento)
    faltan_proc = [
        {
            "codigo": p.codigo,
            "nombre": p.nombre,
            "plazo_dias": p.plazo_dias,
            "costo": p.costo,
            "moneda_codigo": p.moneda,
            "area_id": areas[p.area],
        }
        for p in cat.PROCEDIMIENTOS
        if p.codigo not in procedimientos and p.area in areas
    ]
    if faltan_proc:
        await conn.execute(pg_insert(Procedimiento).values(faltan_proc).on_conflict_do_nothing())


async def _area_id(conn: AsyncConnection, codigo: str) -> int | None:
    return await conn.scalar(select(Area.id).where(Area.codigo == codigo))


async def _crear_usuario(
    conn: AsyncConnection,
    *,
    username: str,
    email: str,
    nombre_completo: str,
    password: str,
    rol: Rol,
    area_id: int | None,
) -> bool:
    """Insert the user unless the username (or email) is taken; True when inserted."""
    existe = await conn.scalar(select(Usuario.id).where(Usuario.username == username))
    if existe is not None:
        return False
    password_hash = await asyncio.to_thread(hash_password, password)  # argon2 takes ~0.15 s
    result = await conn.execute(
        pg_insert(Usuario)
        .values(
            username=username,
            email=email,
            nombre_completo=nombre_completo,
            password_hash=password_hash,
            rol=rol.value,
            area_id=area_id,
        )
        .on_conflict_do_nothing()
        .returning(Usuario.id)
    )
    return result.scalar_one_or_none() is not None


async def ensure_admin(conn: AsyncConnection, username: str, email: str, password: str) -> bool:
    """Create the admin (rol admin, area Mesa de Partes) unless `username` exists; True when created."""
    return await _crear_usuario(
        conn,
        username=username,
        email=email,
        nombre_completo="Administrador del sistema",
        password=password,
        rol=Rol.ADMIN,
        area_id=await _area_id(conn, cat.AREA_MESA_PARTES),
    )


@dataclass(frozen=True, slots=True)
class StaffUser:
    username: str
    nombre_completo: str
    rol: Rol
    area: str | None


def staff_users(areas_especialista: Sequence[str] = DEMO_ESPECIALISTA_AREAS) -> list[StaffUser]:
    """The staff accounts seeded beside the admin: a clerk, one specialist per area, an auditor."""
    usuarios = [StaffUser("mesapartes", "Rosa Elena Quispe Huamán", Rol.MESA_PARTES, cat.AREA_MESA_PARTES)]
    nombres = itertools.cycle(
        itertools.product(("Carlos", "Lucía", "Jorge", "Milagros", "Renzo", "Fiorella"), cat.APELLIDOS)
    )
    for codigo in areas_especialista:
        nombre, apellido = next(nombres)
        usuarios.append(StaffUser(f"esp.{codigo.lower()}", f"{nombre} {apellido}", Rol.ESPECIALISTA, codigo))
    usuarios.append(StaffUser("auditor", "Víctor Manuel Salazar Paredes", Rol.AUDITOR, "OCI"))
    return usuarios


async def ensure_staff(
    conn: AsyncConnection, password: str, *, areas_especialista: Sequence[str] = DEMO_ESPECIALISTA_AREAS
) -> int:
    """Create the missing staff accounts of `staff_users()`, all with `password`; returns how many."""
    areas = await _codigos(conn, Area)
    candidatos = [u for u in staff_users(areas_especialista) if u.area is None or u.area in areas]
    existentes = set(
        await conn.scalars(
            select(Usuario.username).where(Usuario.username.in_([u.username for u in candidatos]))
        )
    )
    faltan = [u for u in candidatos if u.username not in existentes]
    if not faltan:
        return 0
    # argon2 takes ~0.15 s a hash and releases the GIL: hash on every core at once.
    hashes = await asyncio.gather(*(asyncio.to_thread(hash_password, password) for _ in faltan))
    result = await conn.execute(
        pg_insert(Usuario)
        .values(
            [
                {
                    "username": u.username,
                    "email": f"{u.username}@{DOMINIO_CORREO}",
                    "nombre_completo": u.nombre_completo,
                    "password_hash": password_hash,
                    "rol": u.rol.value,
                    "area_id": areas.get(u.area) if u.area else None,
                }
                for u, password_hash in zip(faltan, hashes, strict=True)
            ]
        )
        .on_conflict_do_nothing()
        .returning(Usuario.id)
    )
    return len(result.all())


async def seed_demo(
    conn: AsyncConnection,
    *,
    password: str,
    documentos: int = 300,
    seed: int = 42,
    hasta: datetime | None = None,
    progress: ProgressFn = print,
) -> SeedReport:
    """Catalogs, the demo staff (clerk, 3 specialists, auditor) and `documentos` documents.

    Runs in the caller's transaction; the caller commits.
    """
    await seed_catalogos(conn)
    await ensure_staff(conn, password)
    return await seed_documentos(conn, documentos, seed=seed, hasta=hasta, progress=progress)


# ---------------------------------------------------------------------------------------------
# What the generator needs to know about the database
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Contexto:
    mp_id: int
    area_codigo: dict[int, str]
    destinos: list[int]  # areas a document may be routed to
    relacionadas: dict[int, list[int]]  # parent, children and siblings among `destinos`
    usuarios_area: dict[int, list[int]]
    registradores: list[int]
    tipos: dict[str, int]
    procedimientos: list[tuple[int, str, int, int, str]]  # id, codigo, plazo, area_id, nombre
    indicacion_principal: list[int | None]
    indicacion_copia: list[int | None]
    max_ids: dict[str, int]
    correlativos: dict[int, int]
    remitentes_existentes: set[tuple[str, str]]


async def _leer_contexto(conn: AsyncConnection) -> _Contexto:
    consulta_areas = select(Area.id, Area.codigo, Area.parent_id).where(Area.activo)
    areas = (await conn.execute(consulta_areas)).all()
    por_codigo = {codigo: id_ for id_, codigo, _ in areas}
    if cat.AREA_MESA_PARTES not in por_codigo:
        raise RuntimeError("catalogs are missing: run seed_catalogos first (area MP not found)")
    mp_id = por_codigo[cat.AREA_MESA_PARTES]

    consulta_usuarios = select(Usuario.id, Usuario.rol, Usuario.area_id).where(Usuario.activo)
    usuarios = (await conn.execute(consulta_usuarios)).all()
    usuarios_area: dict[int, list[int]] = {}
    for id_, rol, area_id in usuarios:
        if area_id is not None and rol in (Rol.ESPECIALISTA, Rol.MESA_PARTES, Rol.ADMIN):
            usuarios_area.setdefault(area_id, []).append(id_)
    registradores = [id_ for id_, rol, area_id in usuarios if rol == Rol.MESA_PARTES] or [
        id_ for id_, rol, _ in usuarios if rol == Rol.ADMIN
    ]
    if not registradores:
        raise RuntimeError("no mesa_partes or admin user to register documents: run ensure_staff first")
    usuarios_area.setdefault(mp_id, list(registradores))

    # Route only among areas that have someone to receive; without any, among all areas, with
    # the registering clerks standing in for the missing staff.
    con_personal = [id_ for id_, _, _ in areas if id_ != mp_id and usuarios_area.get(id_)]
    destinos = con_personal if len(con_personal) >= 2 else [id_ for id_, _, _ in areas if id_ != mp_id]
    for id_ in destinos:
        usuarios_area.setdefault(id_, list(registradores))

    padre = {id_: parent for id_, _, parent in areas}
    en_destinos = set(destinos)
    relacionadas: dict[int, list[int]] = {}
    for id_ in destinos:
        cercanas = {
            otro
            for otro in en_destinos
            if otro != id_ and (otro == padre[id_] or padre.get(otro) == id_ or padre.get(otro) == padre[id_])
        }
        relacionadas[id_] = sorted(cercanas) or [d for d in destinos if d != id_]

    tipos = {
        codigo: id_
        for codigo, id_ in await conn.execute(
            select(TipoDocumento.codigo, TipoDocumento.id).where(TipoDocumento.activo)
        )
    }
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
    indicaciones = {
        codigo: id_
        for codigo, id_ in await conn.execute(
            select(Indicacion.codigo, Indicacion.id).where(Indicacion.activo)
        )
    }
    todas: list[int | None] = [*sorted(indicaciones.values())]
    principales: list[int | None] = [indicaciones[c] for c in _INDICACIONES_PRINCIPALES if c in indicaciones]
    copias: list[int | None] = [indicaciones[c] for c in _INDICACIONES_COPIA if c in indicaciones]

    max_ids: dict[str, int] = {}
    for tabla in TABLAS_CARGADAS:
        max_ids[tabla] = int(await conn.scalar(text(f"SELECT coalesce(max(id), 0) FROM {tabla}")) or 0)

    filas_correlativos = await conn.execute(text("SELECT anio, ultimo FROM expediente_correlativos"))
    correlativos: dict[int, int] = {anio: ultimo for anio, ultimo in filas_correlativos}
    por_numero = await conn.execute(
        text(
            "SELECT split_part(numero_expediente, '-', 1)::int,"
            " max(split_part(numero_expediente, '-', 2)::int) FROM documentos GROUP BY 1"
        )
    )
    for anio, ultimo in por_numero:
        correlativos[anio] = max(correlativos.get(anio, 0), ultimo)

    existentes: set[tuple[str, str]] = set()
    if max_ids["remitentes"]:  # new senders must not reuse a (numero, tipo)
        rows = await conn.execute(
            text("SELECT numero_documento_identidad, tipo_documento_identidad FROM remitentes")
        )
        existentes = {(numero, tipo) for numero, tipo in rows}

    return _Contexto(
        mp_id=mp_id,
        area_codigo={id_: codigo for id_, codigo, _ in areas},
        destinos=destinos,
        relacionadas=relacionadas,
        usuarios_area=usuarios_area,
        registradores=registradores,
        tipos=tipos,
        procedimientos=procedimientos,
        indicacion_principal=principales or todas or [None],
        indicacion_copia=copias or todas or [None],
        max_ids=max_ids,
        correlativos=correlativos,
        remitentes_existentes=existentes,
    )


# ---------------------------------------------------------------------------------------------
# Row generation
# ---------------------------------------------------------------------------------------------

_ALFANUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_PARES = [a + b for a in _ALFANUM for b in _ALFANUM]


def _ascii(texto: str) -> str:
    return unicodedata.normalize("NFKD", texto).encode("ascii", "ignore").decode()


def _slug(texto: str) -> str:
    return "".join(ch for ch in _ascii(texto).lower() if ch.isalnum())[:24] or "empresa"


def _iniciales(texto: str) -> str:
    return "".join(p[0] for p in _ascii(texto).upper().split() if p[0].isalpha() and len(p) > 2)[:6] or "X"


def _acumulado(pesos: Sequence[float]) -> list[float]:
    """Cumulative weights for `bisect_right(acumulado, random())`: an index drawn by weight."""
    total = sum(pesos)
    acumulado = [x / total for x in itertools.accumulate(pesos)]
    acumulado[-1] = 1.0  # random() < 1.0, so the last index is the largest bisect can return
    return acumulado


# Sender kinds.
_NATURAL, _EMPRESA, _ENTIDAD = 0, 1, 2

_TIPOS_POR_CLASE: dict[int, tuple[tuple[str, ...], list[float]]] = {
    _NATURAL: (
        ("SOL", "FUT", "ESC", "CAR", "QUE", "REC", "DEN", "RAP", "RRC", "SAIP", "DJ"),
        _acumulado((30, 24, 8, 5, 5, 6, 5, 3, 3, 6, 5)),
    ),
    _EMPRESA: (
        ("SOL", "CAR", "FUT", "EXP", "ESC", "REC", "RAP", "RRC", "SAIP", "DJ", "INV"),
        _acumulado((24, 25, 10, 10, 5, 5, 4, 4, 3, 5, 5)),
    ),
    _ENTIDAD: (
        ("OFI", "OFM", "INF", "MEM", "RES", "NOT", "CED", "INV"),
        _acumulado((55, 14, 6, 3, 7, 6, 5, 4)),
    ),
}
# Where a document goes first when no procedure names the area.
_AREA_POR_TIPO = {
    "QUE": "OAC", "REC": "OAC", "SAIP": "OAC", "DEN": "SGFT", "RAP": "OAJ", "RRC": "OAJ", "CED": "PPM",
    "NOT": "OAJ", "OFI": "GM", "OFM": "GM", "INV": "ALC", "RES": "SG", "INF": "GM", "MEM": "GM",
}  # fmt: skip
# Procedures about a place (an establishment, a building, a plot): their asunto names one.
_PROCEDIMIENTOS_DE_PREDIO = frozenset(f"TUPA-{numero:03d}" for numero in range(2, 22))
_TIPO_POR_PROCEDIMIENTO = {"TUPA-001": "SAIP", "TUPA-023": "REC", "TUPA-031": "RRC", "TUPA-032": "RAP"}
_ABREVIATURA = {
    "OFI": "OFICIO", "OFM": "OFICIO MÚLTIPLE", "INF": "INFORME", "MEM": "MEMORANDO", "RES": "RESOLUCIÓN",
    "NOT": "NOTIFICACIÓN", "CAR": "CARTA", "INV": "INVITACIÓN", "EXP": "EXPEDIENTE", "SOL": "SOLICITUD",
    "FUT": "FUT", "ESC": "ESCRITO", "REC": "RECLAMO", "DJ": "DECLARACIÓN JURADA",
}  # fmt: skip

# Final state the simulation aims at; newer documents stop earlier because events cannot be in
# the future. Documents under a TUPA procedure stay open more often: they are the overdue ones.
_ESTADOS_META = (
    "registrado", "derivado", "recibido", "en_proceso", "observado", "anulado", "atendido", "archivado",
)  # fmt: skip
_META_SIN_PROC = _acumulado((0.5, 2.5, 2.5, 4.0, 2.0, 2.0, 38.0, 48.5))
_META_CON_PROC = _acumulado((0.5, 5.0, 5.0, 10.5, 6.0, 1.5, 37.0, 34.5))
_PRINCIPALES = _acumulado((20, 30, 25, 15, 10))  # 1..5 main routings
_ANEXOS = _acumulado((30, 35, 20, 15))  # 0..3 attachments
_PRIORIDADES = ("normal", "alta", "baja", "urgente")
_PRIORIDAD_ACUM = _acumulado((80, 10, 6, 4))
_PLAZOS_DERIVACION = (2, 3, 5, 5, 7, 10)
# Repetition weighs the draw: the instructions desks write most.
_INDICACIONES_PRINCIPALES = (
    "01", "01", "05", "05", "05", "13", "13", "11", "11", "02", "04", "12", "06", "07", "09", "10", "14",
    "15",
)  # fmt: skip
_INDICACIONES_COPIA = ("03", "03", "03", "09", "15")
_PAISES_EXTRANJEROS = ("VE", "VE", "VE", "VE", "CO", "CO", "EC", "BO", "AR", "CL", "CN", "ES", "US", "MX")
_DOMINIOS = ("gmail.com", "gmail.com", "gmail.com", "hotmail.com", "outlook.com", "yahoo.es")


def _generar_remitentes(
    ctx: _Contexto, cantidad: int, seed: int, desde: date
) -> tuple[list[Row], _Remitentes]:
    """`cantidad` new senders with unique (numero, tipo), none clashing with those already there."""
    rng = random.Random(f"{seed}/remitentes")
    rnd = rng.random
    usados = set(ctx.remitentes_existentes)
    creado = datetime.combine(desde, datetime.min.time(), _LIMA).astimezone(UTC)
    sig_id = ctx.max_ids["remitentes"] + 1
    generos = (cat.NOMBRES_MASCULINOS, cat.NOMBRES_FEMENINOS)
    nombres_ascii = {n: _ascii(n).lower() for n in (*generos[0], *generos[1], *cat.APELLIDOS)}
    filas: list[Row] = []
    ids: list[int] = []
    clases: list[int] = []
    siglas: list[str] = []
    entidades: list[int] = []
    otros: list[int] = []
    n_entidades = min(len(cat.ENTIDADES_PUBLICAS), max(1, cantidad // 100))
    extranjeros = _PAISES_EXTRANJEROS

    def numero_unico(tipo: str, crear: Callable[[], str]) -> str:
        while True:
            numero = crear()
            if (numero, tipo) not in usados:
                usados.add((numero, tipo))
                return numero

    def pasaporte() -> str:
        return _ALFANUM[int(rnd() * 26)] + _ALFANUM[int(rnd() * 26)] + f"{rng.randrange(10**7):07d}"

    def ruc(prefijo: str) -> str:
        cuerpo = f"{prefijo}{rng.randrange(10**8):08d}"
        return f"{cuerpo}{ruc_check_digit(cuerpo)}"

    def persona() -> tuple[str, str, str]:
        nombres = generos[rnd() < 0.5]
        nombre = nombres[int(rnd() * len(nombres))]
        ap1 = cat.APELLIDOS[int(rnd() * len(cat.APELLIDOS))]
        ap2 = cat.APELLIDOS[int(rnd() * len(cat.APELLIDOS))]
        if rnd() < 0.55:
            segundo = nombres[int(rnd() * len(nombres))]
            completo = f"{nombre} {segundo} {ap1} {ap2}"
        else:
            completo = f"{nombre} {ap1} {ap2}"
        return completo, nombres_ascii[nombre], nombres_ascii[ap1]

    def telefono() -> str | None:
        r = rnd()
        if r < 0.72:
            return f"9{rng.randrange(10**8):08d}"
        if r < 0.9:
            return f"(01) {rng.randrange(2_000_000, 8_000_000)}"
        return None

    def direccion() -> str | None:
        if rnd() < 0.15:
            return None
        via = cat.VIAS[int(rnd() * len(cat.VIAS))]
        distrito = cat.DISTRITOS[int(rnd() * len(cat.DISTRITOS))]
        return f"{via} {rng.randrange(1, 3000)}, {distrito}, Lima"

    for i in range(cantidad):
        id_ = sig_id + i
        pais = "PE"
        if i < n_entidades:
            clase = _ENTIDAD
            nombre = cat.ENTIDADES_PUBLICAS[i]
            tipo_persona, tipo_doc = "juridica", "RUC"
            numero = numero_unico("RUC", lambda: ruc("20"))
            sigla = _iniciales(nombre)
            email: str | None = f"mesadepartes@{sigla.lower()}.gob.pe"
        else:
            r = rnd()
            if r < 0.30:
                clase, tipo_persona, tipo_doc = _EMPRESA, "juridica", "RUC"
                pre = cat.EMPRESA_PREFIJOS[int(rnd() * len(cat.EMPRESA_PREFIJOS))]
                base = cat.EMPRESA_NOMBRES[int(rnd() * len(cat.EMPRESA_NOMBRES))]
                suf = cat.EMPRESA_SUFIJOS[int(rnd() * len(cat.EMPRESA_SUFIJOS))]
                nombre = f"{pre} {base} {suf}"
                numero = numero_unico("RUC", lambda: ruc("20"))
                sigla = _iniciales(f"{pre} {base}")
                buzon = ("contacto", "gerencia", "ventas", "administracion", "legal")[int(rnd() * 5)]
                email = f"{buzon}@{_slug(base)}{rng.randrange(10, 99)}.com.pe" if rnd() < 0.9 else None
            else:
                clase = _NATURAL
                tipo_persona = "natural"
                nombre, n_ascii, a_ascii = persona()
                if r < 0.86:
                    tipo_doc = "DNI"
                    numero = numero_unico("DNI", lambda: f"{rng.randrange(10_000_000, 80_000_000)}")
                elif r < 0.94:
                    tipo_doc = "RUC"  # persona natural con negocio
                    numero = numero_unico("RUC", lambda: ruc("10"))
                elif r < 0.98:
                    tipo_doc = "CE"
                    numero = numero_unico("CE", lambda: f"{rng.randrange(10**8, 10**9):09d}")
                    pais = extranjeros[int(rnd() * len(extranjeros))]
                else:
                    tipo_doc = "PASAPORTE"
                    numero = numero_unico("PASAPORTE", pasaporte)
                    pais = extranjeros[int(rnd() * len(extranjeros))]
                sigla = _iniciales(nombre)
                dominio = _DOMINIOS[int(rnd() * len(_DOMINIOS))]
                email = f"{n_ascii}.{a_ascii}{rng.randrange(1, 999)}@{dominio}" if rnd() < 0.85 else None
        fila = (
            id_,
            tipo_persona,
            tipo_doc,
            numero,
            nombre,
            email,
            telefono(),
            direccion(),
            pais,
            creado,
            creado,
        )
        filas.append(fila)
        ids.append(id_)
        clases.append(clase)
        siglas.append(sigla)
        (entidades if clase == _ENTIDAD else otros).append(i)
    return filas, _Remitentes(ids, clases, siglas, entidades, otros)


@dataclass(frozen=True)
class _Remitentes:
    """What the document generator needs to know of the senders it may pick."""

    ids: list[int]
    clase: list[int]
    sigla: list[str]
    entidades: list[int]  # indexes of the public bodies
    otros: list[int]  # indexes of everyone else


@dataclass(frozen=True)
class _Dia:
    fecha: date
    inicio: int  # local midnight as a Unix timestamp
    habil: bool
    abierto: int  # seconds of the day before `hasta`
    documentos: int


def _plan_dias(n: int, desde: date, hasta: datetime) -> list[_Dia]:
    """How many documents arrive each day: fixed by n and the dates alone, so every slice of a
    parallel load knows, without the others, which expediente numbers come before its own."""
    hasta_ts = int(hasta.timestamp())
    dias: list[tuple[date, int, bool, int]] = []
    dia = desde
    while (inicio := int(datetime.combine(dia, datetime.min.time(), _LIMA).timestamp())) < hasta_ts:
        dias.append((dia, inicio, es_dia_habil(dia), min(_DIA, hasta_ts - inicio)))
        dia += timedelta(days=1)
    if not dias:
        raise ValueError("hasta must be after the first reception day")
    # Weekends and holidays get a tenth (virtual channel only); the volume grows ~1.6x over the
    # period as the office digitises.
    pesos = [
        (1.0 if habil else 0.1) * (1.0 + 0.6 * i / len(dias)) * abierto / _DIA
        for i, (_, _, habil, abierto) in enumerate(dias)
    ]
    total = sum(pesos)
    acumulados = [round(n * x / total) for x in itertools.accumulate(pesos)]
    cuantos = [b - a for a, b in zip([0, *acumulados], acumulados, strict=False)]
    cuantos[-1] += n - sum(cuantos)  # float rounding must not lose a document
    return [_Dia(*d, documentos=c) for d, c in zip(dias, cuantos, strict=True)]


# Ids a slice reserves per document, above the mean (2.97 derivaciones, 1.2 anexos, 7.9 events).
_IDS_POR_DOCUMENTO = {"documentos": 1.0, "derivaciones": 4.0, "anexos": 2.0, "historial": 10.0}


@dataclass(frozen=True)
class _Tramo:
    """A contiguous run of reception days, generated and loaded by one process."""

    numero: int
    dias: list[_Dia]
    sig_id: dict[str, int]  # first id per table
    tope_id: dict[str, int] | None  # first id of the next slice; None for the last one
    correlativos: dict[int, int]  # last expediente number per year before this slice

    @property
    def documentos(self) -> int:
        return sum(d.documentos for d in self.dias)


def _tramos(
    dias: list[_Dia], partes: int, max_ids: dict[str, int], correlativos: dict[int, int]
) -> list[_Tramo]:
    """Split the days into `partes` runs of about as many documents each."""
    n = sum(d.documentos for d in dias)
    cortes: list[list[_Dia]] = [[]]
    acumulado = 0
    for dia in dias:
        if len(cortes) < partes and acumulado >= n * len(cortes) / partes and cortes[-1]:
            cortes.append([])
        cortes[-1].append(dia)
        acumulado += dia.documentos
    tramos: list[_Tramo] = []
    sig_id = {tabla: max_ids[tabla] + 1 for tabla in TABLAS_CARGADAS}
    ultimos = dict(correlativos)
    for numero, corte in enumerate(cortes):
        documentos = sum(d.documentos for d in corte)
        tope = None
        if numero < len(cortes) - 1:
            tope = {t: sig_id[t] + int(documentos * f) + 1_000 for t, f in _IDS_POR_DOCUMENTO.items()}
            tope["documentos"] = sig_id["documentos"] + documentos
        tramos.append(_Tramo(numero, corte, dict(sig_id), tope, dict(ultimos)))
        if tope is not None:
            sig_id.update(tope)
        for dia in corte:
            ultimos[dia.fecha.year] = ultimos.get(dia.fecha.year, 0) + dia.documentos
    return tramos


def _correlativos_finales(dias: list[_Dia], correlativos: dict[int, int]) -> dict[int, int]:
    finales = dict(correlativos)
    for dia in dias:
        finales[dia.fecha.year] = finales.get(dia.fecha.year, 0) + dia.documentos
    return finales


class _Generador:
    """Deterministic rows for one slice of a load; documents come out in reception order."""

    def __init__(
        self,
        ctx: _Contexto,
        remitentes: _Remitentes,
        tramo: _Tramo,
        seed: int,
        hasta: datetime,
        marca: Callable[[int], Instante],
    ) -> None:
        self.ctx = ctx
        self.rem = remitentes
        self.tramo = tramo
        self.marca = marca
        self.rng = random.Random(f"{seed}/{tramo.numero}")
        self.hasta_ts = int(hasta.timestamp())
        self.hoy = hasta.astimezone(_LIMA).date()
        self.sig_id = dict(tramo.sig_id)
        self.correlativos = dict(tramo.correlativos)
        self.limites: dict[tuple[int, int], date] = {}
        self.vencidos = 0
        self.fechas_iter = self._fechas()

    def verificar_rango(self) -> None:
        """A slice must not spill into the ids reserved for the next one."""
        if self.tramo.tope_id is None:
            return
        for tabla, tope in self.tramo.tope_id.items():
            if self.sig_id[tabla] > tope:
                raise RuntimeError(f"slice {self.tramo.numero} ran out of {tabla} ids")

    # -- reception times ----------------------------------------------------------------------

    def _fechas(self) -> Iterator[tuple[int, int, str, int, int]]:
        """(reception ts, sender index, canal, local year, local month) per document, in reception order."""
        rnd = self.rng.random
        entidades, otros = self.rem.entidades, self.rem.otros
        for dia in self.tramo.dias:
            habil, abierto, inicio = dia.habil, dia.abierto, dia.inicio
            del_dia: list[tuple[int, int, str, int, int]] = []
            for _ in range(dia.documentos):
                if entidades and rnd() < 0.08:
                    rem = entidades[int(rnd() * len(entidades))]
                    r = rnd()
                    if r < 0.45:
                        canal = "interoperabilidad"
                    else:
                        canal = "virtual" if r < 0.8 or not habil else "presencial"
                else:
                    # Skewed: a few frequent senders (gestores, companies) bring many documents.
                    rem = otros[int(len(otros) * rnd() ** 1.7)]
                    r = rnd()
                    if r < 0.58 and habil:
                        canal = "presencial"
                    else:
                        canal = "virtual" if r < 0.97 else "interoperabilidad"
                if canal == "presencial":
                    segundo = 8 * _HORA + 1800 + int(rnd() * 8 * _HORA)  # 08:30-16:30 at the counter
                elif rnd() < 0.85:
                    segundo = 7 * _HORA + int(rnd() * 14 * _HORA)
                else:
                    segundo = int(rnd() * _DIA)
                if segundo >= abierto:
                    segundo = int(rnd() * abierto)
                del_dia.append((inicio + segundo, rem, canal, dia.fecha.year, dia.fecha.month))
            del_dia.sort(key=itemgetter(0))
            yield from del_dia

    def _limite(self, ts: int, plazo: int) -> date:
        clave = ((ts - _OFFSET_LIMA) // _DIA, plazo)
        limite = self.limites.get(clave)
        if limite is None:
            limite = calcular_fecha_limite(datetime.fromtimestamp(ts, UTC), plazo)
            self.limites[clave] = limite
        return limite

    # -- documents ----------------------------------------------------------------------------

    def lote(self, cantidad: int) -> tuple[list[Row], list[Row], list[Row], list[Row]]:
        """The next `cantidad` documents with their derivaciones, anexos and historial."""
        ctx = self.ctx
        rng = self.rng
        rnd = rng.random
        log = math.log
        bits = rng.getrandbits
        fromts = self.marca
        limite_de = self._limite
        ahora = self.hasta_ts
        mp = ctx.mp_id
        destinos = ctx.destinos
        n_destinos = len(destinos)
        relacionadas = ctx.relacionadas
        usuarios_area = ctx.usuarios_area
        registradores = ctx.registradores
        ind_principal, ind_copia = ctx.indicacion_principal, ctx.indicacion_copia
        procedimientos = ctx.procedimientos
        tipos = ctx.tipos
        tipo_default = next(iter(tipos.values()))
        area_de_codigo = {codigo: id_ for id_, codigo in ctx.area_codigo.items()}
        area_por_tipo = {
            tipo: area_de_codigo[codigo]
            for tipo, codigo in _AREA_POR_TIPO.items()
            if area_de_codigo.get(codigo) in relacionadas
        }
        rem_ids, rem_clase, rem_sigla = self.rem.ids, self.rem.clase, self.rem.sigla
        correlativos = self.correlativos
        pares = _PARES

        documentos: list[Row] = []
        derivaciones: list[Row] = []
        anexos: list[Row] = []
        eventos: list[list[Any]] = []  # [ts (the id once sorted), documento_id, ...]
        derivacion = derivaciones.append
        doc_id = self.sig_id["documentos"]
        der_id = self.sig_id["derivaciones"]
        anx_id = self.sig_id["anexos"]

        # Per-document state the helpers below read and update.
        estado = "registrado"
        ultimo: Instante = None
        id_principal = origen = destino = enviado_por = 0
        indicacion: int | None = None
        prioridad = ""
        proveido: str | None = None
        plazo_der: int | None = None
        limite_der: date | None = None
        envio = ultimo

        def espera(media: float) -> int:
            """An exponential wait (random.expovariate without its Python-level overhead)."""
            return int(-log(1.0 - rnd()) * media)

        def usuario(area: int) -> int:
            lista = usuarios_area[area]
            return lista[int(rnd() * len(lista))]

        def transicion(
            ts: int, nuevo: str, actor: int, area: int, detalle: str, evento: str = ""
        ) -> Instante:
            """Record an event that moves the document to `nuevo`; returns the event's datetime."""
            nonlocal estado, ultimo
            momento = fromts(ts)
            eventos.append([ts, doc_id, evento or nuevo, actor, area, estado, nuevo, detalle, momento])
            estado, ultimo = nuevo, momento
            return momento

        def principal(
            estado_der: str,
            receptor: int | None,
            recepcion: Instante,
            atencion: Instante,
            actualizado: Instante,
        ) -> None:
            derivacion(
                (
                    id_principal,
                    doc_id,
                    origen,
                    destino,
                    enviado_por,
                    receptor,
                    indicacion,
                    prioridad,
                    proveido,
                    estado_der,
                    False,
                    envio,
                    recepcion,
                    atencion,
                    plazo_der,
                    limite_der,
                    envio,
                    actualizado,
                )
            )

        def copia(area: int, ts: int) -> None:
            """A routing "para conocimiento" that travels beside the main one."""
            tr = ts + 300 + espera(8 * _HORA)
            indicacion_copia = ind_copia[int(rnd() * len(ind_copia))]
            if tr > ahora:
                estado_copia, receptor, recepcion, atencion = "pendiente", None, None, None
            else:
                receptor, recepcion = usuario(area), fromts(tr)
                ta = tr + _HORA + espera(2 * _DIA)
                atencion = fromts(ta) if ta <= ahora and rnd() < 0.5 else None
                estado_copia = "atendida" if atencion else "recibida"
            derivacion(
                (
                    der_id,
                    doc_id,
                    origen,
                    area,
                    enviado_por,
                    receptor,
                    indicacion_copia,
                    prioridad,
                    None,
                    estado_copia,
                    True,
                    envio,
                    recepcion,
                    atencion,
                    None,
                    None,
                    envio,
                    atencion or recepcion or envio,
                )
            )

        for t0, rem, canal, anio, mes in itertools.islice(self.fechas_iter, cantidad):
            fecha = fromts(t0)
            correlativo = correlativos.get(anio, 0) + 1
            correlativos[anio] = correlativo
            numero_expediente = f"{anio}-{correlativo:06d}"
            codigo = (
                pares[int(rnd() * 1296)]
                + pares[int(rnd() * 1296)]
                + pares[int(rnd() * 1296)]
                + pares[int(rnd() * 1296)]
            )
            clase = rem_clase[rem]
            registrador = registradores[int(rnd() * len(registradores))]
            prioridad = _PRIORIDADES[bisect(_PRIORIDAD_ACUM, rnd())]

            proc: tuple[int, str, int, int, str] | None = None
            if procedimientos and rnd() < (0.05 if clase == _ENTIDAD else 0.44):
                proc = procedimientos[int(rnd() * len(procedimientos))]
                tipo_codigo = _TIPO_POR_PROCEDIMIENTO.get(proc[1]) or ("FUT" if rnd() < 0.5 else "SOL")
            else:
                codigos, acumulado = _TIPOS_POR_CLASE[clase]
                tipo_codigo = codigos[bisect(acumulado, rnd())]
            asunto = self._asunto(tipo_codigo, proc, anio)
            if clase != _NATURAL or rnd() < 0.3:
                if tipo_codigo == "CED":
                    numero_documento: str | None = (
                        f"EXP. {rng.randrange(1, 30000):05d}-{anio}-0-1801-JR-CI-{rng.randrange(1, 40):02d}"
                    )
                else:
                    abreviatura = _ABREVIATURA.get(tipo_codigo, "DOCUMENTO")
                    numero_documento = (
                        f"{abreviatura} N° {rng.randrange(1, 2500):04d}-{anio}-{rem_sigla[rem]}"
                    )
            else:
                numero_documento = None
            folios = 1 + espera(8.0 if proc else 4.0)
            fecha_limite = limite_de(t0, proc[2]) if proc else None
            meta = _ESTADOS_META[bisect(_META_CON_PROC if proc else _META_SIN_PROC, rnd())]

            estado = "registrado"
            ultimo = fecha
            eventos.append(
                [
                    t0,
                    doc_id,
                    "registrado",
                    registrador,
                    mp,
                    None,
                    "registrado",
                    f'{{"numero_expediente": "{numero_expediente}", "canal": "{canal}"}}',
                    fecha,
                ]
            )
            area_actual = mp
            fecha_atencion: Instante = None
            observacion: str | None = None

            if meta == "anulado" and rnd() < 0.5:
                t = t0 + 600 + espera(_DIA)
                if t <= ahora:
                    observacion = cat.MOTIVOS_ANULACION[int(rnd() * len(cat.MOTIVOS_ANULACION))]
                    transicion(t, "anulado", registrador, mp, f'{{"motivo": "{observacion}"}}')
            elif meta != "registrado":
                principales = 1 if meta == "anulado" else 1 + bisect(_PRINCIPALES, rnd())
                origen, enviado_por = mp, registrador
                t = t0 + 600 + espera(3 * _HORA)
                origen_anterior = mp
                devolucion = False
                for k in range(principales):
                    if t > ahora:
                        break
                    final = k == principales - 1
                    # The procedure's area first, back to the sender area after a devolución, else
                    # an area near the current one or any other.
                    if devolucion:
                        destino = origen_anterior
                    elif k == 0:
                        if proc is not None and proc[3] in relacionadas and rnd() < 0.8:
                            destino = proc[3]
                        elif tipo_codigo in area_por_tipo and rnd() < 0.6:
                            destino = area_por_tipo[tipo_codigo]
                        else:
                            destino = destinos[int(rnd() * n_destinos)]
                    elif (
                        final
                        and proc is not None
                        and proc[3] != origen
                        and proc[3] in relacionadas
                        and rnd() < 0.5
                    ):
                        destino = proc[3]
                    else:
                        cercanas = relacionadas.get(origen) or destinos
                        if rnd() < 0.5:
                            destino = cercanas[int(rnd() * len(cercanas))]
                        else:
                            destino = destinos[int(rnd() * n_destinos)]
                        if destino == origen:
                            destino = cercanas[0] if cercanas[0] != origen else mp
                    envio = fromts(t)
                    indicacion = ind_principal[int(rnd() * len(ind_principal))]
                    proveido = cat.PROVEIDOS[int(rnd() * len(cat.PROVEIDOS))] if rnd() < 0.8 else None
                    if rnd() < 0.3:
                        plazo_der = _PLAZOS_DERIVACION[int(rnd() * len(_PLAZOS_DERIVACION))]
                        limite_der = limite_de(t, plazo_der)
                    else:
                        plazo_der = limite_der = None
                    id_principal = der_id
                    der_id += 1
                    copias = 0
                    if rnd() < 0.13:
                        vistas = {origen, destino, mp}
                        for _ in range(2 if rnd() < 0.2 else 1):
                            area_copia = destinos[int(rnd() * n_destinos)]
                            if area_copia not in vistas:
                                vistas.add(area_copia)
                                copia(area_copia, t)
                                der_id += 1
                                copias += 1
                    detalle = (
                        f'{{"derivacion_id": {id_principal}, "area_destino_id": {destino}, "copias": {copias}'
                        + (', "devolucion": true}' if devolucion else "}")
                    )
                    transicion(t, "derivado", enviado_por, origen, detalle)
                    area_actual = destino

                    tr = t + 300 + espera(8 * _HORA)
                    if (final and meta == "derivado") or tr > ahora:
                        principal("pendiente", None, None, None, envio)
                        break
                    if meta == "anulado":
                        observacion = cat.MOTIVOS_ANULACION[int(rnd() * len(cat.MOTIVOS_ANULACION))]
                        anulacion = transicion(
                            tr, "anulado", registrador, mp, f'{{"motivo": "{observacion}"}}'
                        )
                        principal("anulada", None, None, None, anulacion)
                        area_actual = mp
                        break
                    receptor = usuario(destino)
                    recepcion = transicion(
                        tr, "recibido", receptor, destino, f'{{"derivacion_id": {id_principal}}}'
                    )

                    if not final:
                        # The area works on it and routes it on (or, rarely, sends it back).
                        ta = tr + _HORA + espera(3 * _DIA)
                        if ta > ahora:
                            principal("recibida", receptor, recepcion, None, recepcion)
                            break
                        atencion = fromts(ta)
                        devolucion = k > 0 and rnd() < 0.03
                        if devolucion:
                            principal("devuelta", receptor, recepcion, None, atencion)
                        else:
                            principal("atendida", receptor, recepcion, atencion, atencion)
                        origen_anterior = origen
                        origen, enviado_por, t = destino, receptor, ta
                        continue

                    # The last main routing: the receiving area works on the document.
                    t = tr
                    if meta == "en_proceso" or (
                        meta in ("atendido", "archivado", "observado") and rnd() < 0.5
                    ):
                        tp = t + 600 + espera(6 * _HORA)
                        if tp <= ahora:
                            transicion(tp, "en_proceso", receptor, destino, "{}")
                            t = tp
                    atendida: Instante = None
                    if meta == "observado":
                        to = t + _HORA + espera(2 * _DIA)
                        if to <= ahora:
                            observacion = cat.MOTIVOS_OBSERVACION[int(rnd() * len(cat.MOTIVOS_OBSERVACION))]
                            transicion(to, "observado", receptor, destino, f'{{"motivo": "{observacion}"}}')
                    elif meta in ("atendido", "archivado"):
                        ta = t + _HORA + espera(6 * _DIA)
                        if ta <= ahora:
                            detalle = f'{{"derivacion_id": {id_principal}}}'
                            atendida = fecha_atencion = transicion(ta, "atendido", receptor, destino, detalle)
                            tf = ta + _HORA + espera(5 * _DIA)
                            if meta == "archivado" and tf <= ahora:
                                motivo = cat.MOTIVOS_ARCHIVO[int(rnd() * len(cat.MOTIVOS_ARCHIVO))]
                                transicion(tf, "archivado", receptor, destino, f'{{"motivo": "{motivo}"}}')
                    if atendida is not None:
                        principal("atendida", receptor, recepcion, atendida, atendida)
                    else:
                        principal("recibida", receptor, recepcion, None, recepcion)

            if fecha_limite is not None and estado in _ABIERTOS and fecha_limite < self.hoy:
                self.vencidos += 1
            documentos.append(
                (
                    doc_id,
                    numero_expediente,
                    codigo,
                    tipos.get(tipo_codigo, tipo_default),
                    numero_documento,
                    asunto,
                    folios,
                    rem_ids[rem],
                    proc[0] if proc else None,
                    canal,
                    prioridad,
                    estado,
                    area_actual,
                    registrador,
                    fecha,
                    fecha_limite,
                    fecha_atencion,
                    observacion,
                    1,
                    fecha,
                    ultimo,
                )
            )

            # Attachments go in at the counter with the document.
            for _ in range(bisect(_ANEXOS, rnd())):
                base, content_type, ext = cat.ARCHIVOS[int(rnd() * len(cat.ARCHIVOS))]
                sha = f"{bits(256):064x}"
                if ext == "pdf":
                    tamano, paginas = 20_000 + espera(600_000), 1 + espera(8)
                elif ext == "docx":
                    tamano, paginas = 15_000 + espera(80_000), None
                else:
                    tamano, paginas = 60_000 + espera(900_000), 1
                ruta = f"anexos/{anio}/{mes:02d}/{sha}.{ext}"
                anexos.append(
                    (
                        anx_id,
                        doc_id,
                        f"{base}.{ext}",
                        content_type,
                        tamano,
                        sha,
                        ruta,
                        paginas,
                        "procesado",
                        registrador,
                        fecha,
                        fecha,
                    )
                )
                anx_id += 1
            doc_id += 1

        # Within a batch, historial ids follow event time, as an append-only log's would.
        eventos.sort(key=itemgetter(0))
        his_id = self.sig_id["historial"]
        for i, ev in enumerate(eventos, start=his_id):
            ev[0] = i
        historial: list[Row] = list(eventos)
        self.sig_id.update(
            documentos=doc_id, derivaciones=der_id, anexos=anx_id, historial=his_id + len(eventos)
        )
        return documentos, derivaciones, anexos, historial

    def _asunto(self, tipo: str, proc: tuple[int, str, int, int, str] | None, anio: int) -> str:
        rnd = self.rng.random

        def de(opciones: Sequence[str]) -> str:
            return opciones[int(rnd() * len(opciones))]

        def lugar() -> str:
            return f"{de(cat.VIAS)} {int(rnd() * 2900) + 1}, {de(cat.DISTRITOS)}"

        n = int(rnd() * 900) + 1
        if proc is not None and proc[1] in _PROCEDIMIENTOS_DE_PREDIO:
            nombre = proc[4][0].lower() + proc[4][1:]
            r = rnd()
            if r < 0.4:
                asunto = f"Solicito {nombre} para {de(cat.GIROS)} ubicado en {lugar()}"
            elif r < 0.7:
                asunto = f"Trámite de {nombre} del predio ubicado en {lugar()}"
            elif r < 0.9:
                asunto = f"Presento expediente de {nombre} ({de(cat.GIROS)})"
            else:
                asunto = f"Subsanación de observaciones: {nombre}"
        elif proc is not None and proc[1] not in _TIPO_POR_PROCEDIMIENTO:
            nombre = proc[4][0].lower() + proc[4][1:]
            asunto = (
                f"Solicito {nombre}"
                if rnd() < 0.7
                else f"Trámite de {nombre}, expediente previo N° {n}-{anio}"
            )
        elif tipo in ("SOL", "FUT", "ESC", "CAR", "DJ", "EXP"):
            pedido = de(cat.PEDIDOS).format(n=n, anio=anio, lugar=lugar(), distrito=de(cat.DISTRITOS))
            asunto = f"Solicito {pedido}" if tipo != "CAR" or rnd() < 0.5 else f"Carta sobre {pedido}"
        elif tipo == "QUE":
            asunto = f"Queja por defecto de tramitación: {de(cat.MOTIVOS_RECLAMO)}"
        elif tipo == "REC":
            asunto = f"Reclamo por {de(cat.MOTIVOS_RECLAMO)}"
        elif tipo == "DEN":
            asunto = f"Denuncia por {de(cat.INFRACCIONES)} en {lugar()}"
        elif tipo in ("RAP", "RRC"):
            recurso = "apelación" if tipo == "RAP" else "reconsideración"
            asunto = f"Interpongo recurso de {recurso} contra la Resolución Gerencial N° {n}-{anio}"
        elif tipo == "SAIP":
            asunto = f"Solicito acceso a la información pública sobre {de(cat.TEMAS).format(n=n, anio=anio)}"
        elif tipo == "INV":
            asunto = f"Invitación a {de(cat.EVENTOS)}"
        elif tipo in ("NOT", "CED"):
            asunto = f"Notificación sobre {de(cat.TEMAS).format(n=n, anio=anio)}"
        else:
            asunto = f"Remito información sobre {de(cat.TEMAS).format(n=n, anio=anio)}"
        if rnd() < 0.002:
            asunto += f", con referencia a {de(cat.RAREZAS)}"
        return asunto


_ABIERTOS = frozenset({"registrado", "derivado", "recibido", "en_proceso", "observado"})


# ---------------------------------------------------------------------------------------------
# Schema handling for large loads
# ---------------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _grupo() -> AsyncIterator[asyncio.TaskGroup]:
    """A TaskGroup that raises its only error as itself rather than wrapped in an ExceptionGroup."""
    try:
        async with asyncio.TaskGroup() as grupo:
            yield grupo
    except BaseExceptionGroup as errores:
        primero: BaseException = errores
        while isinstance(primero, BaseExceptionGroup) and len(primero.exceptions) == 1:
            primero = primero.exceptions[0]
        raise primero from None


async def _raw(conn: AsyncConnection) -> RawConnection:
    fairy = await conn.get_raw_connection()
    return cast("RawConnection", fairy.driver_connection)


def _config_alembic(sync_conn: Connection | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    if sync_conn is not None:
        config.attributes["connection"] = sync_conn
    return config


def _alembic(sync_conn: Connection, accion: str, revision: str) -> None:
    config = _config_alembic(sync_conn)
    if accion == "upgrade":
        command.upgrade(config, revision)
    elif accion == "downgrade":
        command.downgrade(config, revision)
    else:
        command.stamp(config, revision)


def _revisiones_hasta(revision: str) -> list[str]:
    """The revisions after REVISION_SIN_INDICES up to `revision`, oldest first."""
    script = ScriptDirectory.from_config(_config_alembic())
    return [r.revision for r in reversed(list(script.iterate_revisions(revision, REVISION_SIN_INDICES)))]


def _sentencias_revision(revision: str) -> list[str]:
    """The DDL of a revision's upgrade(), rendered by Alembic itself (offline mode), one per item."""
    script = ScriptDirectory.from_config(_config_alembic())
    modulo = script.get_revision(revision).module
    salida = io.StringIO()
    contexto = MigrationContext.configure(
        dialect_name="postgresql", opts={"as_sql": True, "output_buffer": salida}
    )
    with Operations.context(contexto):
        modulo.upgrade()
    return [sql.strip() for sql in salida.getvalue().split(";\n") if sql.strip()]


async def _revision_actual(conn: AsyncConnection) -> str | None:
    existe = await conn.scalar(text("SELECT to_regclass('public.alembic_version') IS NOT NULL"))
    if not existe:
        return None
    revision: str | None = await conn.scalar(text("SELECT version_num FROM alembic_version"))
    return revision


async def contar_indices_secundarios(conn: AsyncConnection) -> int:
    """Indexes of the public schema other than primary keys (the 51 of revision 0002)."""
    total = await conn.scalar(
        text(
            "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT i.indisprimary"
        )
    )
    return int(total or 0)


async def _firma_esquema(conn: AsyncConnection) -> list[str]:
    """Every index and constraint definition of the schema: equal before and after a rebuild."""
    rows = await conn.execute(
        text(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'"
            " UNION ALL SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)"
            " || CASE WHEN convalidated THEN '' ELSE ' NOT VALID' END"
            " FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
        )
    )
    return sorted(rows.scalars())


@dataclass
class _EstadoEsquema:
    revision: str | None = None
    firma: list[str] = field(default_factory=list)
    restricciones: list[tuple[str, str, str, str]] = field(default_factory=list)  # tabla, nombre, tipo, def.
    indices_quitados: bool = False
    hechas: set[str] = field(default_factory=set)  # statements of `_rearmar` already run (a retry skips them)

    def pendientes(self) -> list[str]:
        """What is still to run to restore the schema, for an operator when a restore failed."""
        sentencias = [
            f'ALTER TABLE {tabla} ADD CONSTRAINT "{nombre}" {definicion}'
            for tabla, nombre, _, definicion in self.restricciones
        ]
        if self.indices_quitados:
            sentencias.append(f"-- then: alembic upgrade {self.revision}")
        return sentencias


async def _desarmar(conn: AsyncConnection, estado: _EstadoEsquema) -> None:
    """Drop what slows COPY down: secondary indexes, foreign keys, unreferenced primary keys.

    The indexes go by running Alembic down to the revision before them, so that a load that dies
    half-way leaves a database that `alembic upgrade head` repairs. Foreign keys (a locking look-up
    per row) and the primary keys nothing references are restored afterwards from their own
    `pg_get_constraintdef`, which round-trips them exactly. CHECKs stay: theirs does not (an IN
    list comes back as a differently cast ANY(ARRAY)), and they cost only ~1 µs per row.
    """
    estado.firma = await _firma_esquema(conn)
    estado.revision = await _revision_actual(conn)
    if estado.revision is not None and estado.revision != REVISION_SIN_INDICES:
        await conn.run_sync(_alembic, "downgrade", REVISION_SIN_INDICES)
        estado.indices_quitados = True
    rows = await conn.execute(
        text(
            "SELECT conrelid::regclass::text, conname, contype::text, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE conrelid::regclass::text = ANY(:tablas)"
            " AND (contype = 'f' OR (contype = 'p' AND conrelid::regclass::text = ANY(:sin_pk)))"
            " ORDER BY contype = 'p', 1, 2"  # keys that others depend on go last
        ),
        {"tablas": list(TABLAS_CARGADAS), "sin_pk": list(_SIN_PK_DURANTE_CARGA)},
    )
    estado.restricciones = [(tabla, nombre, tipo, definicion) for tabla, nombre, tipo, definicion in rows]
    for tabla, nombre, _, _ in estado.restricciones:
        await conn.execute(text(f'ALTER TABLE {tabla} DROP CONSTRAINT "{nombre}"'))
    await conn.commit()


def _tabla_de(sql: str) -> str:
    encontrada = re.search(r"\bON (\w+)|^ALTER TABLE (\w+)", sql)
    return next((g for g in encontrada.groups() if g), "") if encontrada else ""


async def _en_paralelo(
    engine: AsyncEngine, fases: list[list[list[str]]], hechas: set[str], conexiones: int = 2
) -> None:
    """Run each phase's jobs (a job: statements run in order) on `conexiones` connections.

    Index builds are CPU-bound sorts; two builds on two connections keep both cores busy, where one
    build with parallel workers leaves them idle between sort runs and in its serial merge.
    """
    async with contextlib.AsyncExitStack() as stack:
        raws: list[RawConnection] = []
        for _ in range(conexiones):
            conn = await stack.enter_async_context(engine.connect())
            stack.push_async_callback(conn.invalidate)  # its session settings stay out of the pool
            raw = await _raw(conn)
            await raw.execute(
                "SET statement_timeout = 0; SET maintenance_work_mem = '1GB';"
                " SET max_parallel_maintenance_workers = 0"
            )
            raws.append(raw)
        for trabajos in fases:
            pendientes = collections.deque(trabajos)
            async with _grupo() as grupo:  # one failure cancels the other connection's statement
                for raw in raws:
                    grupo.create_task(_trabajador(raw, pendientes, hechas))


async def _trabajador(raw: RawConnection, pendientes: collections.deque[list[str]], hechas: set[str]) -> None:
    while pendientes:
        for sql in pendientes.popleft():
            if sql not in hechas:
                await raw.execute(sql)
                hechas.add(sql)


async def _rearmar(
    engine: AsyncEngine, conn: AsyncConnection, estado: _EstadoEsquema, crono: _Cronometro
) -> None:
    """Put back what `_desarmar` removed, in three parallel phases.

    1. primary and unique keys (they lock their table exclusively), 2. every index build of revision
    0002 (Alembic renders the revision's own DDL), 3. validation of the foreign keys,
    re-added NOT VALID beforehand (instant) and validated one table per job, since validations of
    the same table wait for each other. Revisions after 0002, if any, then run through Alembic.
    """
    if not estado.indices_quitados and not estado.restricciones:
        return
    async with crono.fase("indexes and constraints"):
        claves = [(t, n, d) for t, n, tipo, d in estado.restricciones if tipo == "p"]
        por_validar = [(t, n, d) for t, n, tipo, d in estado.restricciones if tipo != "p"]
        sin_validar = [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d} NOT VALID' for t, n, d in por_validar]
        for sql in sin_validar:
            if sql not in estado.hechas:
                await conn.execute(text(sql))
        await conn.commit()
        estado.hechas.update(sin_validar)

        revisiones = _revisiones_hasta(estado.revision) if estado.indices_quitados and estado.revision else []
        sentencias = _sentencias_revision(REVISION_INDICES) if revisiones[:1] == [REVISION_INDICES] else []
        es_indice = [sql.upper().startswith(("CREATE INDEX", "CREATE UNIQUE INDEX")) for sql in sentencias]
        exclusivas = [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in claves]
        exclusivas += [sql for sql, indice in zip(sentencias, es_indice, strict=True) if not indice]
        indices = [sql for sql, indice in zip(sentencias, es_indice, strict=True) if indice]
        validaciones: dict[str, list[str]] = {}
        for tabla, nombre, _ in por_validar:
            validaciones.setdefault(tabla, []).append(f'ALTER TABLE {tabla} VALIDATE CONSTRAINT "{nombre}"')

        filas = await conn.execute(
            text("SELECT relname, pg_relation_size(oid) FROM pg_class WHERE relkind = 'r'")
        )
        tamano: dict[str, int] = dict(filas.tuples().all())

        def costo(trabajo: list[str]) -> float:
            # Largest first keeps both connections busy to the end; a GIN build costs a few btrees.
            return sum(
                tamano.get(_tabla_de(sql), 0) * (3 if " gin " in sql.lower() else 1) for sql in trabajo
            )

        fases = [[[sql] for sql in exclusivas], [[sql] for sql in indices], list(validaciones.values())]
        await _en_paralelo(engine, [sorted(fase, key=costo, reverse=True) for fase in fases], estado.hechas)
        estado.restricciones = []

        if sentencias:
            await conn.run_sync(_alembic, "stamp", REVISION_INDICES)
        if estado.indices_quitados and estado.revision is not None:
            await conn.run_sync(_alembic, "upgrade", estado.revision)
        await conn.commit()
        estado.indices_quitados = False
    crono.report.esquema_restaurado = await _firma_esquema(conn) == estado.firma
    if not crono.report.esquema_restaurado:
        crono.progress("[seed] WARNING: indexes or constraints differ from those before the load")


# ---------------------------------------------------------------------------------------------
# The bulk loader
# ---------------------------------------------------------------------------------------------

_TABLAS_LOTE = (
    ("documentos", COLUMNAS_DOCUMENTOS),
    ("derivaciones", COLUMNAS_DERIVACIONES),
    ("anexos", COLUMNAS_ANEXOS),
    ("historial", COLUMNAS_HISTORIAL),
)


def _marca_pg(ts: int) -> tuple[int]:
    """A timestamp as the `tuple` codec format takes it: microseconds since 2000-01-01 UTC."""
    return ((ts - _EPOCH_PG) * 1_000_000,)


def _marca_datetime(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


async def _codec_marcas(raw: RawConnection) -> None:
    """Encode timestamptz from `_marca_pg` tuples.

    asyncpg's datetime encoder does Python-level work per value (infinity checks, astimezone, a
    timedelta); a load writes ~28 timestamps per document, so this is a large share of the CPU.
    """
    await raw.set_type_codec("timestamptz", schema="pg_catalog", encoder=tuple, decoder=tuple, format="tuple")


@contextlib.contextmanager
def _sin_gc() -> Iterator[None]:
    """Pause the cycle collector: the rows hold no cycles, and with millions of live tuples its
    periodic full scans cost ~40% of generation time."""
    activo = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if activo:
            gc.enable()


async def _sin_timeout(raw: RawConnection) -> None:
    # The app's 30 s statement timeout would cut index builds and big updates short.
    await raw.execute("SET statement_timeout = 0; SET maintenance_work_mem = '1GB'")


async def _copiar_serie(
    conn: AsyncConnection, gen: _Generador, chunk: int, filas: dict[str, int], progress: ProgressFn
) -> None:
    """Every table on one connection, documentos before their children, in one transaction."""
    raw = await _raw(conn)
    n = gen.tramo.documentos
    avance = _Avance(n, progress)
    while avance.hechos < n:
        cuantos = min(chunk, n - avance.hechos)
        lote = gen.lote(cuantos)
        for (tabla, columnas), registros in zip(_TABLAS_LOTE, lote, strict=True):
            if registros:
                await raw.copy_records_to_table(tabla, records=registros, columns=columnas)
                filas[tabla] = filas.get(tabla, 0) + len(registros)
        avance.ir(avance.hechos + cuantos)


class _Avance:
    """A progress line every 10 seconds and at the end."""

    def __init__(self, n: int, progress: ProgressFn) -> None:
        self.n, self.progress = n, progress
        self.hechos = 0
        self.inicio = time.perf_counter()
        self.siguiente = 0.0

    def ir(self, hechos: int) -> None:
        final = hechos == self.n and self.hechos != self.n
        self.hechos = hechos
        transcurrido = time.perf_counter() - self.inicio
        if (transcurrido >= self.siguiente and hechos < self.n) or final:
            self.siguiente = transcurrido + 10
            ritmo = hechos / max(transcurrido, 1e-9)
            parte = hechos / max(self.n, 1)
            self.progress(f"[seed] documentos {hechos:>12,}/{self.n:,} ({parte:4.0%}) {ritmo:,.0f}/s")


async def _copiar_en_paralelo(
    engine: AsyncEngine, gen: _Generador, chunk: int, filas: dict[str, int], avanzar: Callable[[int], None]
) -> None:
    """One COPY stream per table on its own connection, fed by a generator thread.

    PostgreSQL parses and stores while Python builds the next batch; bounded queues keep at most a
    few batches in memory. `avanzar` hears of every batch handed over.
    """
    colas: list[asyncio.Queue[list[Row] | None]] = [asyncio.Queue(maxsize=2) for _ in _TABLAS_LOTE]
    n = gen.tramo.documentos

    async def consumidor(
        tabla: str, columnas: tuple[str, ...], cola: asyncio.Queue[list[Row] | None]
    ) -> None:
        async with engine.connect() as conn:
            raw = await _raw(conn)
            try:
                await _sin_timeout(raw)
                await _codec_marcas(raw)
                while (registros := await cola.get()) is not None:
                    if registros:
                        await raw.copy_records_to_table(tabla, records=registros, columns=columnas)
                        filas[tabla] = filas.get(tabla, 0) + len(registros)
            finally:
                # Its codec and settings must not reach the pool: close it instead of returning it.
                await conn.invalidate()

    async def productor() -> None:
        hechos = 0
        while hechos < n:
            cuantos = min(chunk, n - hechos)
            lote = await asyncio.to_thread(gen.lote, cuantos)
            for cola, registros in zip(colas, lote, strict=True):
                await cola.put(registros)
            hechos += cuantos
            avanzar(cuantos)
        for cola in colas:
            await cola.put(None)

    async with _grupo() as grupo:
        for (tabla, columnas), cola in zip(_TABLAS_LOTE, colas, strict=True):
            grupo.create_task(consumidor(tabla, columnas, cola))
        grupo.create_task(productor())
    gen.verificar_rango()


# -- slices in other processes --------------------------------------------------------------------


@dataclass
class _ResultadoTramo:
    filas: dict[str, int]
    vencidos: int


def _sumar(contador: Synchronized[int], cuantos: int) -> None:
    with contador.get_lock():
        contador.value += cuantos


def _proceso_tramo(
    url: str,
    ctx: _Contexto,
    remitentes: _Remitentes,
    tramo: _Tramo,
    seed: int,
    hasta: datetime,
    chunk: int,
    contador: Synchronized[int],
    resultados: multiprocessing.queues.Queue[tuple[int, _ResultadoTramo | None, str | None]],
) -> None:
    """Entry point of a worker process: load one slice, report the outcome on `resultados`."""
    try:
        resultado = asyncio.run(_tramo_en_proceso(url, ctx, remitentes, tramo, seed, hasta, chunk, contador))
        resultados.put((tramo.numero, resultado, None))
    except BaseException:
        resultados.put((tramo.numero, None, traceback.format_exc()))


async def _tramo_en_proceso(
    url: str,
    ctx: _Contexto,
    remitentes: _Remitentes,
    tramo: _Tramo,
    seed: int,
    hasta: datetime,
    chunk: int,
    contador: Synchronized[int],
) -> _ResultadoTramo:
    engine = create_async_engine(url, pool_size=len(_TABLAS_LOTE), max_overflow=2)
    try:
        with _sin_gc():
            gen = _Generador(ctx, remitentes, tramo, seed, hasta, _marca_pg)
            filas: dict[str, int] = {}
            await _copiar_en_paralelo(engine, gen, chunk, filas, functools.partial(_sumar, contador))
            return _ResultadoTramo(filas, gen.vencidos)
    finally:
        await engine.dispose()


async def _cargar_tramos(
    engine: AsyncEngine,
    ctx: _Contexto,
    remitentes: _Remitentes,
    tramos: list[_Tramo],
    seed: int,
    hasta: datetime,
    chunk: int,
    report: SeedReport,
    progress: ProgressFn,
) -> int:
    """The first slice in this process, each other one in a process of its own; returns vencidos.

    One interpreter cannot both generate rows and encode them faster than ~10,000 documents a
    second: it is the bottleneck while PostgreSQL idles. Slices split by date need no exchange of
    rows between processes (each knows its ids and expediente numbers from the day plan).
    """
    contexto_mp = multiprocessing.get_context("spawn")  # forking a process with a running loop is unsafe
    resultados: multiprocessing.queues.Queue[tuple[int, _ResultadoTramo | None, str | None]]
    resultados = contexto_mp.Queue()
    contadores = [contexto_mp.Value("q", 0) for _ in tramos]
    url = engine.url.render_as_string(hide_password=False)
    liviano = dataclasses.replace(ctx, remitentes_existentes=set())  # only the parent needs it
    procesos = [
        contexto_mp.Process(
            target=_proceso_tramo,
            args=(url, liviano, remitentes, t, seed, hasta, chunk, contadores[t.numero], resultados),
            daemon=True,
        )
        for t in tramos[1:]
    ]
    for proceso in procesos:
        proceso.start()
    avance = _Avance(sum(t.documentos for t in tramos), progress)

    async def informar() -> None:
        while True:
            await asyncio.sleep(1)
            avance.ir(sum(c.value for c in contadores))

    informe = asyncio.create_task(informar())
    try:
        gen = _Generador(ctx, remitentes, tramos[0], seed, hasta, _marca_pg)
        await _copiar_en_paralelo(engine, gen, chunk, report.filas, functools.partial(_sumar, contadores[0]))
        vencidos = gen.vencidos
        pendientes = {t.numero for t in tramos[1:]}
        while pendientes:
            try:
                numero, resultado, error = await asyncio.to_thread(resultados.get, True, 1.0)
            except queue.Empty:
                muertos = [p for p in procesos if p.exitcode is not None]
                if len(muertos) > len(procesos) - len(pendientes):
                    raise RuntimeError("a slice's process died without reporting") from None
                continue
            if error is not None or resultado is None:
                raise RuntimeError(f"slice {numero} failed:\n{error}")
            pendientes.discard(numero)
            vencidos += resultado.vencidos
            for tabla, cuantas in resultado.filas.items():
                report.filas[tabla] = report.filas.get(tabla, 0) + cuantas
        avance.ir(avance.n)
        return vencidos
    finally:
        informe.cancel()
        for proceso in procesos:
            if proceso.is_alive():
                proceso.terminate()
            await asyncio.to_thread(proceso.join)


async def _finalizar(conn: AsyncConnection, tablas: Sequence[str], correlativos: dict[int, int]) -> None:
    """Identity sequences past the new ids; expediente counters past the new numbers."""
    for tabla in tablas:
        await conn.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{tabla}', 'id'), (SELECT max(id) FROM {tabla}))")
        )
    for anio, ultimo in sorted(correlativos.items()):
        await conn.execute(
            text(
                "INSERT INTO expediente_correlativos (anio, ultimo) VALUES (:anio, :ultimo)"
                " ON CONFLICT (anio) DO UPDATE"
                " SET ultimo = greatest(expediente_correlativos.ultimo, excluded.ultimo)"
            ),
            {"anio": anio, "ultimo": ultimo},
        )


async def seed_documentos(
    destino: AsyncEngine | AsyncConnection,
    n: int,
    *,
    seed: int = 42,
    progress: ProgressFn = print,
    hasta: datetime | None = None,
    chunk: int = 10_000,
    reconstruir_indices: bool | None = None,
    procesos: int | None = None,
) -> SeedReport:
    """Load `n` documents (plus ~n/5 new senders, their derivaciones, anexos and historial).

    Appends after the current maximum ids, so it can run again on the same database. Reception
    dates spread from 2024-01-01 to `hasta` (default: now); the same seed, `hasta` and number of
    processes give the same rows. Given an engine and `reconstruir_indices` (default: n >= 50,000
    and >= 1/5 of the documents already there) it drops the secondary indexes and the foreign keys,
    streams the rows with COPY from `procesos` processes (default: one per core, at most 4), each
    with one connection per table, rebuilds everything and ANALYZEs; should it fail, it deletes its
    rows and restores the schema before raising. Otherwise it loads in one transaction with every
    index in place: the caller's when given a connection (the caller commits), its own when given
    an engine.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    report = SeedReport()
    crono = _Cronometro(report, progress)
    inicio = time.perf_counter()
    hasta = hasta or datetime.now(UTC)

    async with contextlib.AsyncExitStack() as stack:
        stack.enter_context(_sin_gc())
        if isinstance(destino, AsyncEngine):
            conn = await stack.enter_async_context(destino.connect())
        else:
            conn = destino
        raw = await _raw(conn)

        async with crono.fase("read catalogs"):
            await conn.execute(text("SELECT 1"))  # opens the transaction the raw COPYs will join
            ctx = await _leer_contexto(conn)
        if reconstruir_indices is None:
            # A rebuild costs time in proportion to the whole table (~90 s per million documents
            # here), loading with the indexes in place ~4x more per row: past ~1/5 of what is
            # there, rebuilding wins.
            existentes = ctx.max_ids["documentos"]
            reconstruir_indices = n >= max(UMBRAL_RECONSTRUIR_INDICES, existentes // 5)
        # Parallel COPY streams commit on their own, so they need the foreign keys out of the way:
        # they run exactly when the indexes and keys are dropped and rebuilt.
        paralelo = isinstance(destino, AsyncEngine) and reconstruir_indices
        report.indices_reconstruidos = paralelo
        dias = _plan_dias(n, DESDE, hasta)
        partes = max(1, procesos or min(os.cpu_count() or 1, 4)) if paralelo else 1
        tramos = _tramos(dias, partes, ctx.max_ids, ctx.correlativos)
        correlativos = _correlativos_finales(dias, ctx.correlativos)
        desde_ids = dict(tramos[0].sig_id, remitentes=ctx.max_ids["remitentes"] + 1)

        async def remitentes() -> _Remitentes:
            async with crono.fase("remitentes"):
                filas, remitentes = _generar_remitentes(ctx, max(50, n // 5), seed, DESDE)
                await raw.copy_records_to_table("remitentes", records=filas, columns=COLUMNAS_REMITENTES)
                report.filas["remitentes"] = len(filas)
                return remitentes

        if not isinstance(destino, AsyncEngine) or not paralelo:
            # One transaction, every index and key in place: the caller's, or ours committed here.
            rem = await remitentes()
            gen = _Generador(ctx, rem, tramos[0], seed, hasta, _marca_datetime)
            async with crono.fase("documentos (COPY)"):
                await _copiar_serie(conn, gen, chunk, report.filas, progress)
            report.vencidos = gen.vencidos
            await _finalizar(conn, [t for t in TABLAS_CARGADAS if report.filas.get(t)], correlativos)
            if isinstance(destino, AsyncEngine):
                await conn.commit()
        else:
            await conn.commit()
            await _sin_timeout(raw)
            estado = _EstadoEsquema()
            try:
                async with crono.fase("drop indexes and keys"):
                    await _desarmar(conn, estado)
                rem = await remitentes()
                await conn.commit()  # the busqueda trigger on the COPY connections reads them
                async with crono.fase(f"documentos (COPY, {len(tramos)} processes)"):
                    report.vencidos = await _cargar_tramos(
                        destino, ctx, rem, tramos, seed, hasta, chunk, report, progress
                    )
                await _rearmar(destino, conn, estado, crono)
            except BaseException:
                # Take the partial load out so that the keys validate, then restore the schema.
                await conn.rollback()
                try:
                    await _deshacer(conn, estado, desde_ids)
                    await _rearmar(destino, conn, estado, crono)
                except Exception:
                    progress("[seed] ERROR: could not restore the schema; still to run:")
                    for sql in estado.pendientes():
                        progress(f"  {sql};")
                raise
            async with crono.fase("sequences, analyze"):
                await _finalizar(conn, TABLAS_CARGADAS, correlativos)
                await conn.commit()
                await raw.execute("ANALYZE " + ", ".join(TABLAS_CARGADAS))
            await raw.execute("RESET statement_timeout; RESET maintenance_work_mem")
        report.indices_secundarios = await contar_indices_secundarios(conn)

    report.total_s = time.perf_counter() - inicio
    return report


async def _deshacer(conn: AsyncConnection, estado: _EstadoEsquema, desde_ids: dict[str, int]) -> None:
    """Remove a failed load's rows (committed batch by batch) so the keys can be restored."""
    # Foreign keys a failed restore already put back would turn every deleted documento into an
    # ON DELETE CASCADE scan of unindexed tables: take them out again first.
    for tabla, nombre, tipo, _ in estado.restricciones:
        if tipo == "f":
            await conn.execute(text(f'ALTER TABLE {tabla} DROP CONSTRAINT IF EXISTS "{nombre}"'))
    estado.hechas = {sql for sql in estado.hechas if "FOREIGN KEY" not in sql and "VALIDATE" not in sql}
    for tabla in reversed(TABLAS_CARGADAS):
        await conn.execute(text(f"DELETE FROM {tabla} WHERE id >= :desde"), {"desde": desde_ids[tabla]})
    await conn.commit()


__all__ = [
    "DEMO_ESPECIALISTA_AREAS",
    "TODAS_LAS_AREAS",
    "SeedReport",
    "StaffUser",
    "contar_indices_secundarios",
    "ensure_admin",
    "ensure_staff",
    "seed_catalogos",
    "seed_demo",
    "seed_documentos",
    "staff_users",
]
