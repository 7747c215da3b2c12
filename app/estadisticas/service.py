"""Statistics: counts by estado, area, tipo and month, overdue documents, mean attention time.

Read from the counters the triggers of revision 0005 keep (`app/estadisticas/models.py`): one
statement over a few thousand rollup rows per scope, whatever the number of documents. `recontar`
is the same answer from a full scan of `documentos`, the reference the tests compare with.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    TIMESTAMP,
    ColumnElement,
    CompoundSelect,
    Date,
    Integer,
    Numeric,
    Select,
    String,
    and_,
    cast,
    extract,
    func,
    literal,
    literal_column,
    null,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app import cache_policy
from app.catalogos.models import Area, TipoDocumento
from app.core.cache import HOT, get_cache
from app.core.config import get_settings
from app.core.errors import InvalidInput
from app.documentos.acceso import filtro_visibilidad
from app.documentos.filtros import documento_vencido, rango_de_dias
from app.documentos.models import Documento, EstadoDocumento
from app.estadisticas.models import (
    EstadisticaArea,
    EstadisticaDelta,
    EstadisticaEstado,
    EstadisticaPlazo,
    EstadisticaTipo,
)
from app.estadisticas.schemas import Conteo, Estadisticas
from app.usuarios.models import Rol
from app.usuarios.principal import Principal

# Most documents first; ties by name, then id, as the statement used to order them.
_MAYOR_PRIMERO = lambda fila: (-fila[1], fila[0], fila[2])  # noqa: E731


def _donde(usuario: Principal, desde: date | None, hasta: date | None) -> ColumnElement[bool]:
    return and_(filtro_visibilidad(usuario), *rango_de_dias(Documento.fecha_recepcion, desde, hasta))


def alcance_de(usuario: Principal) -> int:
    """The counters' scope of what the user may see (`filtro_visibilidad`): 0 every document, an
    area id what that area sees, -1 (no counters) for an especialista without an area."""
    if usuario.rol is not Rol.ESPECIALISTA:
        return 0
    return usuario.area_id if usuario.area_id is not None else -1


_Tabla = type[EstadisticaEstado | EstadisticaArea | EstadisticaTipo | EstadisticaPlazo | EstadisticaDelta]


def _rango(tabla: _Tabla, alcance: int, desde: date | None, hasta: date | None) -> list[ColumnElement[bool]]:
    condiciones: list[ColumnElement[bool]] = [tabla.alcance == alcance]
    if desde is not None:
        condiciones.append(tabla.dia >= desde)
    if hasta is not None:
        condiciones.append(tabla.dia <= hasta)
    return condiciones


def consulta_contadores(alcance: int, desde: date | None, hasta: date | None) -> CompoundSelect[Any]:
    """Every number of the statistics in one statement over the counters of `alcance` for the
    reception days [desde, hasta], each table plus the deltas not folded into it yet: parte `e`
    (per estado, per month and the total with the mean attention seconds, by GROUPING SETS), `a`
    per area, `t` per tipo, `v` overdue."""
    if desde and hasta and desde > hasta:
        raise InvalidInput(
            "La fecha_desde no puede ser posterior a la fecha_hasta.", field="fecha_desde", location="query"
        )
    e, a, t, p, d = EstadisticaEstado, EstadisticaArea, EstadisticaTipo, EstadisticaPlazo, EstadisticaDelta
    rango = functools.partial(_rango, alcance=alcance, desde=desde, hasta=hasta)
    estados = union_all(
        select(e.dia, e.estado, e.documentos, e.atendidos, e.segundos_atencion).where(*rango(e)),
        select(d.dia, d.estado, d.documentos, d.atendidos, d.segundos_atencion).where(
            *rango(d), d.estado.is_not(None)
        ),
    ).subquery("por_estado")
    areas = union_all(
        select(a.area_id.label("id"), a.documentos).where(*rango(a)),
        select(d.area_id, d.documentos).where(*rango(d), d.area_id.is_not(None)),
    ).subquery("por_area")
    tipos = union_all(
        select(t.tipo_documento_id.label("id"), t.documentos).where(*rango(t)),
        select(d.tipo_id, d.documentos).where(*rango(d), d.tipo_id.is_not(None)),
    ).subquery("por_tipo")
    # The session runs in the office's time zone: current_date is the office's today.
    plazos = union_all(
        select(p.documentos).where(*rango(p), p.fecha_limite < func.current_date()),
        select(d.documentos).where(*rango(d), d.fecha_limite < func.current_date()),
    ).subquery("por_plazo")

    # A literal (not bound) 'month': the expression must be the same in SELECT, GROUPING and GROUP BY.
    mes = cast(func.date_trunc(literal_column("'month'"), cast(estados.c.dia, TIMESTAMP)), Date)
    sin_texto, sin_dia, sin_id = cast(null(), String), cast(null(), Date), cast(null(), Integer)
    sin_media = cast(null(), Numeric)
    por_estado = (
        select(
            literal("e").label("parte"),
            estados.c.estado.label("clave"),
            mes.label("mes"),
            sin_id.label("id"),
            func.grouping(estados.c.estado, mes).label("grupo"),
            func.sum(estados.c.documentos).label("total"),
            (func.sum(estados.c.segundos_atencion) / func.nullif(func.sum(estados.c.atendidos), 0)).label(
                "segundos"
            ),
        )
        .group_by(func.grouping_sets(tuple_(estados.c.estado), tuple_(mes), tuple_()))
        .having(func.sum(estados.c.documentos) != 0)
    )
    por_area = (
        select(literal("a"), Area.sigla, sin_dia, areas.c.id, sin_id, func.sum(areas.c.documentos), sin_media)
        .join(Area, Area.id == areas.c.id)
        .group_by(areas.c.id, Area.sigla)
        .having(func.sum(areas.c.documentos) != 0)
    )
    por_tipo = (
        select(
            literal("t"),
            TipoDocumento.nombre,
            sin_dia,
            tipos.c.id,
            sin_id,
            func.sum(tipos.c.documentos),
            sin_media,
        )
        .join(TipoDocumento, TipoDocumento.id == tipos.c.id)
        .group_by(tipos.c.id, TipoDocumento.nombre)
        .having(func.sum(tipos.c.documentos) != 0)
    )
    vencidos = select(
        literal("v"), sin_texto, sin_dia, sin_id, sin_id, func.sum(plazos.c.documentos), sin_media
    )
    return union_all(por_estado, por_area, por_tipo, vencidos)


class EstadisticaService:
    @staticmethod
    def consulta_por_estado(
        usuario: Principal, desde: date | None, hasta: date | None
    ) -> Select[EstadoDocumento, int]:
        return (
            select(Documento.estado, func.count())
            .where(_donde(usuario, desde, hasta))
            .group_by(Documento.estado)
            .order_by(Documento.estado)
        )

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def resumen(
        self, usuario: Principal, desde: date | None, hasta: date | None, *, refresh: bool = False
    ) -> Estadisticas:
        """Cached (HOT) per visibility scope, range and day; every document write invalidates it."""
        alcance, hoy = cache_policy.alcance(usuario), cache_policy.hoy()
        key = f"{cache_policy.ESTADISTICAS}:{alcance}:{hoy}:{desde}:{hasta}"
        return await get_cache().get_or_compute(
            key, lambda: self.contar(usuario, desde, hasta), ttl=HOT, type_=Estadisticas, refresh=refresh
        )

    async def contar(self, usuario: Principal, desde: date | None, hasta: date | None) -> Estadisticas:
        """From the counters: one statement over tens of thousands of rollup rows at most (the admin
        over every day), whatever the number of documents."""
        filas = (await self.session.execute(consulta_contadores(alcance_de(usuario), desde, hasta))).all()
        partes: dict[str, list[Any]] = {"e": [], "a": [], "t": [], "v": []}
        for fila in filas:
            partes[fila.parte].append(fila)
        # GROUPING(estado, mes) has a bit set for every column grouped away.
        por = {grupo: [f for f in partes["e"] if f.grupo == grupo] for grupo in (0b01, 0b10)}
        resto = next((f for f in partes["e"] if f.grupo == 0b11), None)
        vencidos = partes["v"][0].total if partes["v"] else None
        return Estadisticas(
            total=int(resto.total) if resto else 0,
            por_estado=[
                Conteo(clave=f.clave, total=int(f.total)) for f in sorted(por[0b01], key=lambda f: f.clave)
            ],
            por_area=[
                Conteo(clave=clave, total=total)
                for clave, total, _ in sorted(
                    ((f.clave, int(f.total), f.id) for f in partes["a"]), key=_MAYOR_PRIMERO
                )
            ],
            por_tipo=[
                Conteo(clave=clave, total=total)
                for clave, total, _ in sorted(
                    ((f.clave, int(f.total), f.id) for f in partes["t"]), key=_MAYOR_PRIMERO
                )
            ],
            por_mes=[
                Conteo(clave=f.mes.strftime("%Y-%m"), total=int(f.total))
                for f in sorted(por[0b10], key=lambda f: f.mes)
            ],
            vencidos=int(vencidos) if vencidos is not None else 0,
            tiempo_medio_atencion_dias=(
                round(float(resto.segundos) / 86400, 2) if resto and resto.segundos is not None else None
            ),
        )

    async def recontar(self, usuario: Principal, desde: date | None, hasta: date | None) -> Estadisticas:
        """The same numbers from a full scan of `documentos` (GROUPING SETS), names joined after
        grouping: the reference the counters are tested against (3.5 s at 1,000,000 documents)."""
        # A literal (not bound) argument: the month expression must be the same in SELECT, GROUPING
        # and GROUP BY, and two bound parameters are two different expressions to PostgreSQL. The
        # month is formatted here, once per group: to_char on every row costs a quarter of the scan.
        mes = func.date_trunc(literal_column("'month'"), Documento.fecha_recepcion)
        columnas = (Documento.estado, Documento.area_actual_id, Documento.tipo_documento_id, mes)
        agrupado = (
            select(
                Documento.estado.label("estado"),
                Documento.area_actual_id.label("area_id"),
                Documento.tipo_documento_id.label("tipo_id"),
                mes.label("mes"),
                func.grouping(*columnas).label("grupo"),
                func.count().label("total"),
                func.count().filter(documento_vencido()).label("vencidos"),
                func.avg(extract("epoch", Documento.fecha_atencion - Documento.fecha_recepcion))
                .filter(Documento.fecha_atencion.is_not(None))
                .label("segundos"),
            )
            .where(_donde(usuario, desde, hasta))
            .group_by(func.grouping_sets(*(tuple_(c) for c in columnas), tuple_()))
            .subquery()
        )
        filas = (
            await self.session.execute(
                select(agrupado, Area.sigla, TipoDocumento.nombre)
                .outerjoin(Area, Area.id == agrupado.c.area_id)
                .outerjoin(TipoDocumento, TipoDocumento.id == agrupado.c.tipo_id)
            )
        ).all()
        # GROUPING(estado, area, tipo, mes) has a bit set for every column grouped away.
        por = {grupo: [f for f in filas if f.grupo == grupo] for grupo in (0b0111, 0b1011, 0b1101, 0b1110)}
        resto = next((f for f in filas if f.grupo == 0b1111), None)
        zona = ZoneInfo(get_settings().timezone)
        return Estadisticas(
            total=resto.total if resto else 0,
            por_estado=[
                Conteo(clave=f.estado.value, total=f.total)
                for f in sorted(por[0b0111], key=lambda f: f.estado.value)
            ],
            por_area=[
                Conteo(clave=clave, total=total)
                for clave, total, _ in sorted(
                    ((f.sigla, f.total, f.area_id) for f in por[0b1011]), key=_MAYOR_PRIMERO
                )
            ],
            por_tipo=[
                Conteo(clave=clave, total=total)
                for clave, total, _ in sorted(
                    ((f.nombre, f.total, f.tipo_id) for f in por[0b1101]), key=_MAYOR_PRIMERO
                )
            ],
            por_mes=[
                # asyncpg returns the office-midnight instant in UTC: back to the office's calendar.
                Conteo(clave=f.mes.astimezone(zona).strftime("%Y-%m"), total=f.total)
                for f in sorted(por[0b1110], key=lambda f: f.mes)
            ],
            vencidos=int(resto.vencidos) if resto else 0,
            tiempo_medio_atencion_dias=(
                round(float(resto.segundos) / 86400, 2) if resto and resto.segundos is not None else None
            ),
        )
