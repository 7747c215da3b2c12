"""Catalogs: read for every user, written by admins."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request, Response, status
from pydantic import BaseModel

from app.catalogos import schemas as s
from app.catalogos.models import Area, Indicacion, Pais, Procedimiento, TipoDocumento
from app.catalogos.service import CATALOGOS_PUBLICOS, CatalogoPublico, CatalogoService, lista_publica
from app.core.dependencies import IdPath, SessionDep
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized, error_responses
from app.core.http_cache import public_response
from app.core.models import Base
from app.core.routing import PrefixRouter
from app.usuarios.dependencies import AdminUser, CurrentUser

router = PrefixRouter(prefix="/catalogos", tags=["catálogos"])
WRITE_ERRORS = error_responses(Unauthorized, Forbidden, NotFound, Conflict, InvalidInput)
# The API document's words for each catalog (Spanish): the list's name, and one item's.
_LISTAS = {
    "areas": "áreas",
    "tipos-documento": "tipos de documento",
    "procedimientos": "procedimientos del TUPA",
    "indicaciones": "indicaciones",
    "monedas": "monedas",
    "paises": "países",
}
# path → (operationId suffix, "un área"...)
_ITEMS = {
    "areas": ("area", "un área"),
    "tipos-documento": ("tipo_documento", "un tipo de documento"),
    "procedimientos": ("procedimiento", "un procedimiento"),
    "indicaciones": ("indicacion", "una indicación"),
}


def _lista_publica(catalogo: CatalogoPublico) -> None:
    """The list route of one catalog: public (the TUPA, the areas and the ISO lists are public
    information), cached in its tier (and as a near copy, `lista_publica`), served with
    Cache-Control and an ETag (304 when unchanged)."""

    async def listar(request: Request) -> Response:
        # No session dependency: a hit (a near copy) must not begin a unit of work.
        return public_response(request, await lista_publica(catalogo))

    router.add_api_route(
        f"/{catalogo.ruta}",
        listar,
        methods=["GET"],
        response_model=list[catalogo.schema],  # type: ignore[name-defined]
        name=f"listar_{catalogo.ruta.replace('-', '_')}",
        operation_id=f"listar_{catalogo.ruta.replace('-', '_')}",
        summary=f"Listar {_LISTAS[catalogo.ruta]}",
        description="Lista pública, sin iniciar sesión. Se sirve con `ETag`: una solicitud con "
        "`If-None-Match` recibe 304 mientras la lista no cambie.",
        responses={304: {"description": "Sin cambios: la copia del cliente (If-None-Match) está al día."}},
    )


for _catalogo in CATALOGOS_PUBLICOS:
    _lista_publica(_catalogo)


def _editable(
    path: str,
    model: type[Base],
    read: type[BaseModel],
    create: type[BaseModel],
    update: type[BaseModel],
) -> None:
    """Register the detail / create / update routes of one catalog with id keys."""

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
    item, uno = _ITEMS[path]
    router.add_api_route(
        f"/{path}/{{item_id}}",
        obtener,
        methods=["GET"],
        response_model=read,
        name=f"obtener_{name}",
        responses=error_responses(NotFound),
        operation_id=f"obtener_{item}",
        summary=f"Ver {uno}",
        description=f"Los datos de {uno}. Cualquier usuario con sesión.",
    )
    router.add_api_route(
        f"/{path}",
        crear,
        methods=["POST"],
        response_model=read,
        status_code=status.HTTP_201_CREATED,
        name=f"crear_{name}",
        responses=WRITE_ERRORS,
        operation_id=f"crear_{item}",
        summary=f"Crear {uno}",
        description="Solo administradores. Un `codigo` que ya existe responde 409.",
    )
    router.add_api_route(
        f"/{path}/{{item_id}}",
        actualizar,
        methods=["PATCH"],
        response_model=read,
        name=f"actualizar_{name}",
        responses=WRITE_ERRORS,
        operation_id=f"actualizar_{item}",
        summary=f"Modificar {uno}",
        description="Solo administradores. Los campos omitidos no cambian.",
    )


_editable("areas", Area, s.Area, s.AreaCreate, s.AreaUpdate)
_editable("tipos-documento", TipoDocumento, s.TipoDocumento, s.TipoDocumentoCreate, s.TipoDocumentoUpdate)
_editable("procedimientos", Procedimiento, s.Procedimiento, s.ProcedimientoCreate, s.ProcedimientoUpdate)
_editable("indicaciones", Indicacion, s.Indicacion, s.IndicacionCreate, s.IndicacionUpdate)


@router.get(
    "/paises/{codigo}",
    response_model=s.Pais,
    responses=error_responses(NotFound),
    operation_id="obtener_pais",
    summary="Ver un país",
    description="Por su código ISO 3166-1 alfa-2 (p. ej. PE). Cualquier usuario con sesión.",
)
async def obtener_pais(
    codigo: Annotated[str, Path(pattern=r"^[A-Z]{2}$")], session: SessionDep, usuario: CurrentUser
) -> s.Pais:
    return s.Pais.model_validate(await CatalogoService(session).obtener(Pais, codigo))
