"""Reading expedientes: the list, the full-text search, the detail and a document's history.

Registration is in `registro.py`, the routing workflow and every other change in `workflow.py`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from app import cache_policy
from app.core.cache import WARM, argument_digest, get_cache
from app.core.errors import InvalidInput, NotFound
from app.core.pagination import Pagina, paginar
from app.core.schemas import Page
from app.derivaciones.models import Derivacion
from app.documentos.acceso import filtro_visibilidad, visibles
from app.documentos.filtros import FiltrosDocumento, aplicar_filtros
from app.documentos.models import Documento, Historial
from app.documentos.schemas import DocumentoListItem
from app.usuarios.models import Usuario


def _detail_options() -> tuple[Any, ...]:
    """What the detail response shows: 4 statements at most whatever the number of derivaciones."""
    return (
        joinedload(Documento.tipo_documento),
        joinedload(Documento.remitente),
        joinedload(Documento.area_actual),
        selectinload(Documento.derivaciones).options(
            joinedload(Derivacion.area_origen),
            joinedload(Derivacion.area_destino),
            joinedload(Derivacion.indicacion),
        ),
        selectinload(Documento.anexos),
    )


def _list_options() -> tuple[Any, ...]:
    # Many-to-one links join in the same statement: one round trip for the whole page.
    return (
        joinedload(Documento.tipo_documento),
        joinedload(Documento.remitente),
        joinedload(Documento.area_actual),
    )


class DocumentoService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def listar(
        self,
        usuario: Usuario,
        filtros: FiltrosDocumento,
        *,
        page_size: int,
        cursor: str | None = None,
        page: int | None = None,
        ascendente: bool = False,
    ) -> Pagina[Documento]:
        query = self.consulta_lista(usuario, filtros)
        return await paginar(
            self.session,
            query,
            (Documento.fecha_recepcion, Documento.id),
            lambda documento: (documento.fecha_recepcion, documento.id),
            page_size=page_size,
            cursor=cursor,
            page=page,
            ascending=ascendente,
        )

    def consulta_lista(self, usuario: Usuario, filtros: FiltrosDocumento) -> Select[Documento]:
        """The list's statement before paging (the query optimizer explains it by name)."""
        return aplicar_filtros(visibles(usuario).options(*_list_options()), filtros)

    async def buscar(
        self,
        usuario: Usuario,
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
            raise InvalidInput("q needs at least one word", field="q", location="query")
        digest = argument_digest(
            [cache_policy.alcance(usuario), cache_policy.hoy(), filtros, page_size, cursor, page, ascendente]
        )

        async def body() -> bytes:
            pagina = await self.listar(
                usuario, filtros, page_size=page_size, cursor=cursor, page=page, ascendente=ascendente
            )
            return Page[DocumentoListItem].model_validate(pagina).model_dump_json().encode()

        return await get_cache().get_or_compute(
            f"{cache_policy.DOCUMENTOS}:busqueda:{digest}", body, ttl=WARM, type_=bytes
        )

    async def obtener(self, usuario: Usuario, documento_id: int) -> Documento:
        """The detail of a visible document; 404 also when it exists but is not visible to the user."""
        query = visibles(usuario).where(Documento.id == documento_id).options(*_detail_options())
        documento = (await self.session.scalars(query.execution_options(populate_existing=True))).first()
        if documento is None:
            raise NotFound(f"documento {documento_id} not found")
        return documento

    async def historial(self, usuario: Usuario, documento_id: int) -> list[Historial]:
        visible = await self.session.scalar(
            select(Documento.id).where(Documento.id == documento_id, filtro_visibilidad(usuario))
        )
        if visible is None:
            raise NotFound(f"documento {documento_id} not found")
        return list(await self.session.scalars(self.consulta_historial(documento_id)))

    @staticmethod
    def consulta_historial(documento_id: int) -> Select[Historial]:
        return (
            select(Historial)
            .where(Historial.documento_id == documento_id)
            .options(joinedload(Historial.usuario), joinedload(Historial.area))
            .order_by(Historial.created_at, Historial.id)
        )
