"""Statistics: counts by estado, area, tipo and month, overdue documents, mean attention time."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, extract, func, literal_column, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app import cache_policy
from app.catalogos.models import Area, TipoDocumento
from app.core.cache import HOT, get_cache
from app.core.config import get_settings
from app.documentos.acceso import filtro_visibilidad
from app.documentos.filtros import documento_vencido, rango_de_dias
from app.documentos.models import Documento, EstadoDocumento
from app.estadisticas.schemas import Conteo, Estadisticas
from app.usuarios.principal import Principal


def _donde(usuario: Principal, desde: date | None, hasta: date | None) -> ColumnElement[bool]:
    return and_(filtro_visibilidad(usuario), *rango_de_dias(Documento.fecha_recepcion, desde, hasta))


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
            key, lambda: self._calcular(usuario, desde, hasta), ttl=HOT, type_=Estadisticas, refresh=refresh
        )

    async def _calcular(self, usuario: Principal, desde: date | None, hasta: date | None) -> Estadisticas:
        """Every count in one scan of `documentos` (GROUPING SETS), names joined after grouping."""
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
        # Most documents first; ties by name, then id, as the statement used to order them.
        mayor_primero = lambda fila: (-fila[1], fila[0], fila[2])  # noqa: E731
        return Estadisticas(
            total=resto.total if resto else 0,
            por_estado=[
                Conteo(clave=f.estado.value, total=f.total)
                for f in sorted(por[0b0111], key=lambda f: f.estado.value)
            ],
            por_area=[
                Conteo(clave=clave, total=total)
                for clave, total, _ in sorted(
                    ((f.sigla, f.total, f.area_id) for f in por[0b1011]), key=mayor_primero
                )
            ],
            por_tipo=[
                Conteo(clave=clave, total=total)
                for clave, total, _ in sorted(
                    ((f.nombre, f.total, f.tipo_id) for f in por[0b1101]), key=mayor_primero
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
