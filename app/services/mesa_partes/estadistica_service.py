"""Statistics: counts by estado, area, tipo and month, overdue documents, mean attention time."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, and_, extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.cache import HOT, get_cache
from app.models.mesa_partes import Area, Documento, TipoDocumento, Usuario
from app.models.mesa_partes.enums import EstadoDocumento
from app.schemas.mesa_partes.estadistica import Conteo, Estadisticas
from app.services.mesa_partes import caching
from app.services.mesa_partes.acceso import filtro_visibilidad
from app.services.mesa_partes.documento_service import documento_vencido, rango_de_dias


def _donde(usuario: Usuario, desde: date | None, hasta: date | None) -> ColumnElement[bool]:
    return and_(filtro_visibilidad(usuario), *rango_de_dias(Documento.fecha_recepcion, desde, hasta))


class EstadisticaService:
    @staticmethod
    def consulta_por_estado(
        usuario: Usuario, desde: date | None, hasta: date | None
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
        self, usuario: Usuario, desde: date | None, hasta: date | None, *, refresh: bool = False
    ) -> Estadisticas:
        """Cached (HOT) per visibility scope, range and day; every document write invalidates it."""
        key = f"{caching.ESTADISTICAS}:{caching.alcance(usuario)}:{caching.hoy()}:{desde}:{hasta}"
        return await get_cache().get_or_compute(
            key, lambda: self._calcular(usuario, desde, hasta), ttl=HOT, type_=Estadisticas, refresh=refresh
        )

    async def _calcular(self, usuario: Usuario, desde: date | None, hasta: date | None) -> Estadisticas:
        where = _donde(usuario, desde, hasta)
        por_estado = (await self.session.execute(self.consulta_por_estado(usuario, desde, hasta))).all()
        por_area = (
            await self.session.execute(
                select(Area.sigla, func.count())
                .select_from(Documento)
                .join(Area, Area.id == Documento.area_actual_id)
                .where(where)
                .group_by(Area.id, Area.sigla)
                .order_by(func.count().desc(), Area.sigla, Area.id)
            )
        ).all()
        por_tipo = (
            await self.session.execute(
                select(TipoDocumento.nombre, func.count())
                .select_from(Documento)
                .join(TipoDocumento, TipoDocumento.id == Documento.tipo_documento_id)
                .where(where)
                .group_by(TipoDocumento.id, TipoDocumento.nombre)
                .order_by(func.count().desc(), TipoDocumento.nombre, TipoDocumento.id)
            )
        ).all()
        mes = func.to_char(func.date_trunc("month", Documento.fecha_recepcion), "YYYY-MM")
        por_mes = (
            await self.session.execute(select(mes, func.count()).where(where).group_by(mes).order_by(mes))
        ).all()
        otros = (
            await self.session.execute(
                select(
                    func.count().filter(documento_vencido()),
                    func.avg(extract("epoch", Documento.fecha_atencion - Documento.fecha_recepcion)).filter(
                        Documento.fecha_atencion.is_not(None)
                    ),
                ).where(where)
            )
        ).one()
        total = sum(count for _, count in por_estado)
        return Estadisticas(
            total=total,
            por_estado=[Conteo(clave=estado.value, total=count) for estado, count in por_estado],
            por_area=[Conteo(clave=clave, total=count) for clave, count in por_area],
            por_tipo=[Conteo(clave=clave, total=count) for clave, count in por_tipo],
            por_mes=[Conteo(clave=clave, total=count) for clave, count in por_mes],
            vencidos=int(otros[0] or 0),
            tiempo_medio_atencion_dias=round(float(otros[1]) / 86400, 2) if otros[1] is not None else None,
        )
