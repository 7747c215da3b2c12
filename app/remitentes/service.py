"""Senders: find-or-update by identity number, and search at the desk."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, bindparam, func, select, type_coerce
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app import cache_policy
from app.core.cache import WARM, argument_digest, get_cache
from app.core.database import Prepared, fetch_prepared_on
from app.core.errors import InvalidInput, NotFound
from app.remitentes.models import Remitente
from app.remitentes.schemas import Remitente as RemitenteLeido
from app.remitentes.schemas import RemitenteCreate


def _sin_cambios(nuevo: RemitenteCreate, fila: Sequence[Any]) -> bool:
    """Whether the upsert below would leave the stored sender (`FILA`) as it is."""
    email, telefono, direccion, pais = fila[5:9]
    return (
        nuevo.email in (None, email)
        and nuevo.telefono in (None, telefono)
        and nuevo.direccion in (None, direccion)
        and nuevo.pais_codigo == pais
    )


def escape_like(value: str) -> str:
    """`value` as a literal inside a LIKE pattern (escape character: backslash)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# What the document detail shows of its sender, in `documentos.lectura`'s order; the enum columns
# as their text, as asyncpg reads them (the JSON wants the value).
FILA = (
    Remitente.id,
    type_coerce(Remitente.tipo_persona, String),
    type_coerce(Remitente.tipo_documento_identidad, String),
    Remitente.numero_documento_identidad,
    Remitente.nombre,
    Remitente.email,
    Remitente.telefono,
    Remitente.direccion,
    Remitente.pais_codigo,
)
_CAMPOS = (
    "tipo_persona",
    "tipo_documento_identidad",
    "numero_documento_identidad",
    "nombre",
    "email",
    "telefono",
    "direccion",
    "pais_codigo",
)


def _guardar() -> Prepared:
    """The sender's upsert, built once (building it cost as much CPU as the rest of a registration's
    statements): a known identity keeps its name (a typo at the desk must not rename the sender of
    every earlier document), only its contact data is refreshed. Returns `FILA`."""
    insert_stmt = pg_insert(Remitente).values({campo: bindparam(campo, type_=String) for campo in _CAMPOS})
    return Prepared(
        insert_stmt.on_conflict_do_update(
            index_elements=[Remitente.numero_documento_identidad, Remitente.tipo_documento_identidad],
            set_={
                "email": func.coalesce(insert_stmt.excluded.email, Remitente.email),
                "telefono": func.coalesce(insert_stmt.excluded.telefono, Remitente.telefono),
                "direccion": func.coalesce(insert_stmt.excluded.direccion, Remitente.direccion),
                "pais_codigo": insert_stmt.excluded.pais_codigo,
                "updated_at": func.now(),
            },
        ).returning(*FILA)
    )


GUARDAR = _guardar()
# The stored sender of the identity bound as `numero_documento_identidad` and
# `tipo_documento_identidad`: what a registration's one read statement outer-joins (registro.py).
MISMA_IDENTIDAD = (
    Remitente.numero_documento_identidad == bindparam("numero_documento_identidad", type_=String)
) & (Remitente.tipo_documento_identidad == bindparam("tipo_documento_identidad", type_=String))


class RemitenteService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def guardar(
        self, conexion: Any, remitente: RemitenteCreate, conocido: Sequence[Any] | None
    ) -> Sequence[Any]:
        """The sender `remitente`, whose stored row (`FILA`) the caller has read (`conocido`, None
        when the identity is new), upserted on `conexion` (the unit of work's,
        `transaction_connection`) unless its data is unchanged; returns `FILA`. The caller checks
        the country first (an unknown one is a foreign-key error here). A known sender whose data
        is unchanged is only read: an upsert locks the sender's row to the end of the
        registration, and a busy sender (a ministry that files hundreds of documents a day) would
        make its registrations wait for each other."""
        if conocido is not None and _sin_cambios(remitente, conocido):
            return conocido
        valores = {campo: getattr(remitente, campo) for campo in _CAMPOS}
        for campo in _CAMPOS[:2]:  # enum members: asyncpg binds their value
            valores[campo] = valores[campo].value
        fila = (await fetch_prepared_on(conexion, GUARDAR, **valores))[0]
        cache_policy.remitentes_cambiaron(self.session)
        return fila

    async def buscar(self, *, q: str | None, numero: str | None, limit: int) -> list[RemitenteLeido]:
        """Senders by identity number (exact) and/or a fragment of the name, best matches first.
        Cached (WARM) per normalized term; a registration invalidates it."""
        termino = cache_policy.normalizar_termino(q) if q else None
        numero = numero.upper() if numero else None
        if not termino and not numero:
            raise InvalidInput("Indique q (parte del nombre) o numero.", field="q", location="query")
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
            raise NotFound(f"No existe el remitente {remitente_id}.")
        return remitente
