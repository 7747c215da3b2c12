"""Reading expedientes: the list, the full-text search, the detail and a document's history.

Registration is in `registro.py`, the routing workflow and every other change in `workflow.py`.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from app import cache_policy
from app.core.cache import WARM, argument_digest, get_cache
from app.core.database import Prepared
from app.core.errors import InvalidInput, NotFound
from app.core.pagination import pagina_query, parametros_de_pagina
from app.documentos import lectura
from app.documentos.acceso import filtro_visibilidad, orden_de_lista, visibles_en_lista
from app.documentos.filtros import FiltrosDocumento, aplicar_filtros, forma_de_filtros, parametros_de_filtros
from app.documentos.models import Documento, Historial
from app.usuarios.models import Rol
from app.usuarios.principal import Principal


# What a role and area may see depends on nothing else: built once per scope (building the
# especialista's condition cost a third of a millisecond per request).
@lru_cache(maxsize=1024)
def _visibilidad(rol: Rol, area_id: int | None) -> ColumnElement[bool]:
    return filtro_visibilidad(Principal(id=0, rol=rol, area_id=area_id))


@lru_cache(maxsize=1024)
def _detalle_visible(rol: Rol, area_id: int | None) -> Prepared:
    return Prepared(lectura.consulta_detalle().where(_visibilidad(rol, area_id)))


# The list's prepared statements by shape (`DocumentoService._lista_preparada`).
_LISTAS: dict[tuple[Any, ...], Prepared] = {}
_MAX_FORMAS = 1024


class DocumentoService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def listar(
        self,
        usuario: Principal,
        filtros: FiltrosDocumento,
        *,
        page_size: int,
        cursor: str | None = None,
        page: int | None = None,
        ascendente: bool = False,
    ) -> bytes:
        """One page of the documents the user may see, as its JSON body."""
        valores = parametros_de_filtros(filtros) | parametros_de_pagina(
            page_size=page_size, cursor=cursor, page=page
        )
        return await lectura.pagina_json(
            self.session,
            self._lista_preparada(usuario, filtros, page_size, cursor, page, ascendente),
            valores,
            page_size=page_size,
            cursor=cursor,
            page=page,
        )

    def _lista_preparada(
        self,
        usuario: Principal,
        filtros: FiltrosDocumento,
        page_size: int,
        cursor: str | None,
        page: int | None,
        ascendente: bool,
    ) -> Prepared:
        """The list's statement for the shape of this request, prepared once per shape: who may
        see what, which filters, cursor or page number, direction. Building, compiling and adapting
        a statement per request was a third of a page's CPU; shapes are few (tens in a day)."""
        forma = (
            cache_policy.alcance(usuario),
            forma_de_filtros(filtros),
            cursor is not None,
            page is not None and cursor is None,
            ascendente,
        )
        prepared = _LISTAS.get(forma)
        if prepared is None:
            query = pagina_query(
                self.consulta_lista(usuario, filtros),
                orden_de_lista(usuario),
                page_size=page_size,
                cursor=cursor,
                page=page,
                ascending=ascendente,
            )
            if len(_LISTAS) >= _MAX_FORMAS:  # unusual filter combinations by the thousand: start over
                _LISTAS.clear()
            prepared = _LISTAS[forma] = Prepared(query)
        return prepared

    @staticmethod
    def consulta_lista(usuario: Principal, filtros: FiltrosDocumento) -> Select[Any]:
        """The list's statement before paging by `orden_de_lista(usuario)`, whose date column the
        date range applies to (the query optimizer explains it by name)."""
        recepcion, _ = orden_de_lista(usuario)
        return aplicar_filtros(
            visibles_en_lista(lectura.consulta_lista(), usuario), filtros, recepcion=recepcion
        )

    async def buscar(
        self,
        usuario: Principal,
        filtros: FiltrosDocumento,
        *,
        page_size: int,
        cursor: str | None = None,
        page: int | None = None,
        ascendente: bool = False,
    ) -> bytes:
        """A full-text search page as its JSON body, cached (WARM) per normalized term, visibility
        scope, filters and day; document, sender and area/tipo writes invalidate it."""
        filtros = replace(filtros, q=cache_policy.normalizar_termino(filtros.q or ""))
        if not filtros.q:
            raise InvalidInput("La búsqueda necesita al menos una palabra.", field="q", location="query")
        digest = argument_digest(
            [cache_policy.alcance(usuario), cache_policy.hoy(), filtros, page_size, cursor, page, ascendente]
        )

        async def body() -> bytes:
            return await self.listar(
                usuario, filtros, page_size=page_size, cursor=cursor, page=page, ascendente=ascendente
            )

        return await get_cache().get_or_compute(
            f"{cache_policy.DOCUMENTOS}:busqueda:{digest}", body, ttl=WARM, type_=bytes
        )

    async def detalle(self, usuario: Principal, documento_id: int) -> bytes:
        """The detail of a visible document as its JSON body; 404 also when it exists but is not
        visible to the user."""
        query = _detalle_visible(usuario.rol, usuario.area_id)
        body = await lectura.detalle_json(self.session, query, documento_id)
        if body is None:
            raise NotFound(f"No existe el documento {documento_id}.")
        return body

    async def historial(self, usuario: Principal, documento_id: int) -> list[Historial]:
        visible = await self.session.scalar(
            select(Documento.id).where(Documento.id == documento_id, filtro_visibilidad(usuario))
        )
        if visible is None:
            raise NotFound(f"No existe el documento {documento_id}.")
        return list(await self.session.scalars(self.consulta_historial(documento_id)))

    @staticmethod
    def consulta_historial(documento_id: int) -> Select[Historial]:
        return (
            select(Historial)
            .where(Historial.documento_id == documento_id)
            .options(joinedload(Historial.usuario), joinedload(Historial.area))
            .order_by(Historial.created_at, Historial.id)
        )
