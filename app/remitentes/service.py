"""Senders: find-or-update by identity number, and search at the desk."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app import cache_policy
from app.catalogos.models import Pais
from app.core.cache import WARM, argument_digest, get_cache
from app.core.errors import InvalidInput, NotFound
from app.remitentes.models import Remitente
from app.remitentes.schemas import Remitente as RemitenteLeido
from app.remitentes.schemas import RemitenteCreate


def escape_like(value: str) -> str:
    """`value` as a literal inside a LIKE pattern (escape character: backslash)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class RemitenteService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(self, remitente: RemitenteCreate) -> int:
        """A known sender (same type + number) is updated with the newest contact data."""
        if await self.session.get(Pais, remitente.pais_codigo) is None:
            raise InvalidInput(f"unknown country {remitente.pais_codigo}", field="remitente.pais_codigo")
        insert_stmt = pg_insert(Remitente).values(**remitente.model_dump())
        stmt = insert_stmt.on_conflict_do_update(
            index_elements=[Remitente.numero_documento_identidad, Remitente.tipo_documento_identidad],
            # A known identity keeps its name: a typo at the desk must not rename the sender of every
            # earlier document. Only contact data is refreshed.
            set_={
                "email": func.coalesce(insert_stmt.excluded.email, Remitente.email),
                "telefono": func.coalesce(insert_stmt.excluded.telefono, Remitente.telefono),
                "direccion": func.coalesce(insert_stmt.excluded.direccion, Remitente.direccion),
                "pais_codigo": insert_stmt.excluded.pais_codigo,
                "updated_at": func.now(),
            },
        ).returning(Remitente.id)
        remitente_id: int = (await self.session.execute(stmt)).scalar_one()
        cache_policy.remitentes_cambiaron(self.session)
        return remitente_id

    async def buscar(self, *, q: str | None, numero: str | None, limit: int) -> list[RemitenteLeido]:
        """Senders by identity number (exact) and/or a fragment of the name, best matches first.
        Cached (WARM) per normalized term; a registration invalidates it."""
        termino = cache_policy.normalizar_termino(q) if q else None
        numero = numero.upper() if numero else None
        if not termino and not numero:
            raise InvalidInput("give q (a name fragment) or numero", field="q", location="query")
        key = f"{cache_policy.REMITENTES}:{argument_digest([termino, numero, limit])}"
        return await get_cache().get_or_compute(
            key, lambda: self._buscar(termino, numero, limit), ttl=WARM, type_=list[RemitenteLeido]
        )

    async def _buscar(self, q: str | None, numero: str | None, limit: int) -> list[RemitenteLeido]:
        query = select(Remitente)
        if numero:
            query = query.where(Remitente.numero_documento_identidad == numero)
        if q:
            query = query.where(Remitente.nombre.ilike(f"%{escape_like(q)}%", escape="\\"))
            query = query.order_by(func.similarity(Remitente.nombre, q).desc(), Remitente.id)
        else:
            query = query.order_by(Remitente.nombre, Remitente.id)
        return [RemitenteLeido.model_validate(r) for r in await self.session.scalars(query.limit(limit))]

    async def obtener(self, remitente_id: int) -> Remitente:
        remitente = await self.session.get(Remitente, remitente_id)
        if remitente is None:
            raise NotFound(f"remitente {remitente_id} not found")
        return remitente
