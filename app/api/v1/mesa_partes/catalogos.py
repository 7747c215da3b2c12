"""Catalogs: read for every user, written by admins."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, status
from pydantic import BaseModel

from app.api.deps import AdminUser, CurrentUser, IdPath, SessionDep
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized, error_responses
from app.models.base import Base
from app.models.mesa_partes import Area, Indicacion, Moneda, Pais, Procedimiento, TipoDocumento
from app.schemas.mesa_partes import catalogo as s
from app.services.mesa_partes.catalogo_service import CatalogoService

router = APIRouter(prefix="/catalogos", tags=["catalogos"])
WRITE_ERRORS = error_responses(Unauthorized, Forbidden, NotFound, Conflict, InvalidInput)


def _editable(
    path: str, model: type[Base], read: type[BaseModel], create: type[BaseModel], update: type[BaseModel]
) -> None:
    """Register list / detail / create / update routes of one catalog with id keys."""

    async def listar(session: SessionDep, usuario: CurrentUser) -> list[Any]:
        return [read.model_validate(obj) for obj in await CatalogoService(session).listar(model)]

    async def obtener(item_id: IdPath, session: SessionDep, usuario: CurrentUser) -> Any:
        return read.model_validate(await CatalogoService(session).obtener(model, item_id))

    async def crear(data: BaseModel, session: SessionDep, usuario: AdminUser) -> Any:
        return read.model_validate(await CatalogoService(session).crear(model, data))

    async def actualizar(item_id: IdPath, data: BaseModel, session: SessionDep, usuario: AdminUser) -> Any:
        return read.model_validate(await CatalogoService(session).actualizar(model, item_id, data))

    # The body schema differs per catalog: FastAPI reads it from the annotation.
    crear.__annotations__["data"] = create
    actualizar.__annotations__["data"] = update

    name = path.replace("-", "_")
    router.add_api_route(
        f"/{path}",
        listar,
        methods=["GET"],
        response_model=list[read],  # type: ignore[valid-type]
        name=f"listar_{name}",
    )
    router.add_api_route(
        f"/{path}/{{item_id}}",
        obtener,
        methods=["GET"],
        response_model=read,
        name=f"obtener_{name}",
        responses=error_responses(NotFound),
    )
    router.add_api_route(
        f"/{path}",
        crear,
        methods=["POST"],
        response_model=read,
        status_code=status.HTTP_201_CREATED,
        name=f"crear_{name}",
        responses=WRITE_ERRORS,
    )
    router.add_api_route(
        f"/{path}/{{item_id}}",
        actualizar,
        methods=["PATCH"],
        response_model=read,
        name=f"actualizar_{name}",
        responses=WRITE_ERRORS,
    )


_editable("areas", Area, s.Area, s.AreaCreate, s.AreaUpdate)
_editable("tipos-documento", TipoDocumento, s.TipoDocumento, s.TipoDocumentoCreate, s.TipoDocumentoUpdate)
_editable("procedimientos", Procedimiento, s.Procedimiento, s.ProcedimientoCreate, s.ProcedimientoUpdate)
_editable("indicaciones", Indicacion, s.Indicacion, s.IndicacionCreate, s.IndicacionUpdate)


@router.get("/monedas", response_model=list[s.Moneda])
async def listar_monedas(session: SessionDep, usuario: CurrentUser) -> list[s.Moneda]:
    return [s.Moneda.model_validate(m) for m in await CatalogoService(session).listar(Moneda)]


@router.get("/paises", response_model=list[s.Pais])
async def listar_paises(session: SessionDep, usuario: CurrentUser) -> list[s.Pais]:
    return [s.Pais.model_validate(p) for p in await CatalogoService(session).listar(Pais)]


@router.get("/paises/{codigo}", response_model=s.Pais, responses=error_responses(NotFound))
async def obtener_pais(
    codigo: Annotated[str, Path(pattern=r"^[A-Z]{2}$")], session: SessionDep, usuario: CurrentUser
) -> s.Pais:
    return s.Pais.model_validate(await CatalogoService(session).obtener(Pais, codigo))
