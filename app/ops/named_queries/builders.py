"""`NamedQuery`, and the ways its statement is built: an endpoint's first page through the service
code that serves it, the insert a unique index arbitrates, or a statement of the sample alone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Executable, Select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.models import Base
from app.core.pagination import pagina_query
from app.derivaciones.service import BANDEJA_ORDEN, DerivacionService, FiltrosDerivacion
from app.documentos.filtros import FiltrosDocumento
from app.documentos.historial import AUDITORIA_ORDEN, FiltrosHistorial, HistorialService
from app.documentos.models import Documento
from app.documentos.service import DocumentoService
from app.ops.named_queries.muestreo import Muestra
from app.usuarios.principal import ADMINISTRADOR

PAGE = 20
LISTA_ORDEN = (Documento.fecha_recepcion, Documento.id)
_ADMIN = ADMINISTRADOR

Builder = Callable[[AsyncSession, Muestra], Awaitable[Executable]]


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    index: str  # the index docs/indexes.md says serves it
    build: Builder
    # Conflict-arbiter inserts carry only their key: planned, never run (not even rolled back).
    analyzable: bool = True


Consulta = Callable[[AsyncSession, dict[str, Any]], Select[Any]]


def _primera_pagina(consulta: Consulta, orden: Any) -> Callable[..., Builder]:
    """Builders of an endpoint's first page: `consulta` makes its statement from the session and
    the filter values (callables are resolved against the sample), `orden` is its keyset."""

    def con_filtros(**filtros: Any) -> Builder:
        async def build(session: AsyncSession, m: Muestra) -> Executable:
            values = {k: (v(m) if callable(v) else v) for k, v in filtros.items()}
            return pagina_query(consulta(session, values), orden, page_size=PAGE)

        return build

    return con_filtros


# GET /documentos and GET /derivaciones as an admin sees them; GET /historial.
lista = _primera_pagina(
    lambda session, f: DocumentoService(session).consulta_lista(_ADMIN, FiltrosDocumento(**f)), LISTA_ORDEN
)
bandeja = _primera_pagina(
    lambda session, f: DerivacionService(session).consulta_lista(_ADMIN, FiltrosDerivacion(**f)),
    BANDEJA_ORDEN,
)
auditoria = _primera_pagina(
    lambda session, f: HistorialService.consulta_auditoria(FiltrosHistorial(**f)), AUDITORIA_ORDEN
)


def unica(name: str, description: str, index: str, model: type[Base], **values: Any) -> NamedQuery:
    """An insert whose duplicate the unique index on `values`' columns detects: the index is the
    conflict arbiter (what enforces it on every insert; a one-page table is never read by index)."""

    async def build(session: AsyncSession, m: Muestra) -> Executable:
        return pg_insert(model).values(**values).on_conflict_do_nothing(index_elements=list(values))

    return NamedQuery(name, description, index, build, analyzable=False)


def simple(make: Callable[[Muestra], Executable]) -> Builder:
    """A statement made from the sample alone."""

    async def build(session: AsyncSession, m: Muestra) -> Executable:
        return make(m)

    return build
