"""Catalog reads for everyone and writes for admins."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import cache_policy
from app.catalogos import schemas as s
from app.catalogos.models import Area, Indicacion, Moneda, Pais, Procedimiento, TipoDocumento
from app.core.cache import COLD, WARM, Tier, get_cache
from app.core.database import session_scope
from app.core.errors import Conflict, InvalidInput, NotFound, unique_violation
from app.core.http_cache import PublicBody
from app.core.models import Base

ModelT = TypeVar("ModelT", bound=Base)

# Foreign keys that a catalog write may set, with the model that must hold the referenced row.
_REFERENCIAS: dict[str, type[Base]] = {"parent_id": Area, "area_id": Area, "moneda_codigo": Moneda}
# The catalogs as people name them (error messages).
_NOMBRES = {
    "areas": "de áreas",
    "tipos_documento": "de tipos de documento",
    "procedimientos": "de procedimientos",
    "indicaciones": "de indicaciones",
    "monedas": "de monedas",
    "paises": "de países",
}


@dataclass(frozen=True)
class CatalogoPublico:
    """A catalog whose list is public and cached: its path under /catalogos, rows and shape."""

    ruta: str
    model: type[Base]
    schema: type[BaseModel]
    tier: Tier


# Admin-edited catalogs are WARM; the ISO lists change with a release of pycountry, COLD.
CATALOGOS_PUBLICOS = (
    CatalogoPublico("areas", Area, s.Area, WARM),
    CatalogoPublico("tipos-documento", TipoDocumento, s.TipoDocumento, WARM),
    CatalogoPublico("procedimientos", Procedimiento, s.Procedimiento, WARM),
    CatalogoPublico("indicaciones", Indicacion, s.Indicacion, WARM),
    CatalogoPublico("monedas", Moneda, s.Moneda, COLD),
    CatalogoPublico("paises", Pais, s.Pais, COLD),
)


def _clave(catalogo: CatalogoPublico) -> str:
    return f"{cache_policy.CATALOGOS}:{catalogo.model.__tablename__}"


async def lista_publica(catalogo: CatalogoPublico) -> PublicBody:
    """The body of a public list with its ETag, as its endpoint serves it. A near copy of the cache
    (`get_or_compute_near`): within the tier's `near_seconds` a read costs no Redis round trip, no
    session, no hashing; any catalog write in this process drops it, one made through another
    process shows here within those seconds (5 s for WARM, 20 s for COLD by default). A miss reads
    the rows in a unit of work of its own: a hit opens none."""

    async def cuerpo() -> bytes:
        async with session_scope() as session:
            return await CatalogoService(session)._cuerpo(catalogo)

    max_age = catalogo.tier.seconds
    return await get_cache().get_or_compute_near(
        _clave(catalogo),
        cuerpo,
        lambda body: PublicBody.of(body, max_age=max_age),
        ttl=catalogo.tier,
        type_=bytes,
    )


class CatalogoService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def listar(self, model: type[ModelT]) -> list[ModelT]:
        # A total order: the cached body, and so its ETag, only changes when the rows do.
        order = [model.__mapper__.columns["nombre"], *model.__mapper__.primary_key]
        return list(await self.session.scalars(select(model).order_by(*order)))

    async def listar_json(self, catalogo: CatalogoPublico, *, refresh: bool = False) -> bytes:
        """The whole catalog as the JSON body of its list endpoint, cached in the catalog's tier:
        a hit neither touches the database nor serializes again."""
        return await get_cache().get_or_compute(
            _clave(catalogo), lambda: self._cuerpo(catalogo), ttl=catalogo.tier, type_=bytes, refresh=refresh
        )

    async def _cuerpo(self, catalogo: CatalogoPublico) -> bytes:
        items = [catalogo.schema.model_validate(obj) for obj in await self.listar(catalogo.model)]
        return TypeAdapter(list[catalogo.schema]).dump_json(items)  # type: ignore[name-defined]

    async def obtener(self, model: type[ModelT], key: Any) -> ModelT:
        obj = await self.session.get(model, key)
        if obj is None:
            nombre = _NOMBRES.get(model.__tablename__, model.__tablename__)
            raise NotFound(f"No existe el registro {key} del catálogo {nombre}.")
        return obj

    async def crear(self, model: type[ModelT], data: BaseModel) -> ModelT:
        values = data.model_dump()
        await self._validar_referencias(values)
        obj = model(**values)
        await self._flush_unico(obj)
        return obj

    async def actualizar(self, model: type[ModelT], key: Any, data: BaseModel) -> ModelT:
        obj = await self.obtener(model, key)
        values = data.model_dump(exclude_unset=True)
        if values.get("parent_id") is not None and values["parent_id"] == key and model is Area:
            raise InvalidInput("Un área no puede depender de sí misma.", field="parent_id")
        await self._validar_referencias(values)
        for name, value in values.items():
            setattr(obj, name, value)
        await self._flush_unico(obj)
        return obj

    async def _validar_referencias(self, values: dict[str, Any]) -> None:
        for field, ref_model in _REFERENCIAS.items():
            key = values.get(field)
            if key is not None and await self.session.get(ref_model, key) is None:
                raise InvalidInput(f"No existe el registro {key} indicado en {field}.", field=field)

    async def _flush_unico(self, obj: Base) -> None:
        try:
            async with self.session.begin_nested():
                self.session.add(obj)
                await self.session.flush()
            cache_policy.catalogo_cambio(self.session, obj.__tablename__)
        except IntegrityError as exc:
            if unique_violation(exc) is None:
                raise
            raise Conflict("Ya existe un registro del catálogo con ese código.", field="codigo") from exc
