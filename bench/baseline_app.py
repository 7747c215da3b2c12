"""The baseline: the service as shipped, with its document list, detail and public tracking
replaced by the naive path of before the optimization work, on a database without the secondary
indexes (`bench/baseline_db.py`) and with the cache off (CACHE_ENABLED=false, set by the runner).

    DATABASE_URL=<the baseline copy> CACHE_ENABLED=false \
        .venv/bin/python -m uvicorn bench.baseline_app:app --no-access-log

Every other route (registration, statistics, catalogs, /livez, 404) is the service's own code.
The three replaced handlers sit in front of the service's routes in the same application, so the
service's middleware (statement count, `X-Query-Count`), authentication dependency, error handlers
and lifespan all apply. The naive path loads ORM entities and then each many-to-one link and each
collection with a statement of its own per row, as `lazy="select"` relationships would: a link
already in the session's identity map is not read again (`AsyncSession.get`), so a page of 100
documents costs one statement for the page, about one per distinct sender, and one per distinct
tipo and area. Responses are built with the service's own response schemas: the same JSON.
Supported list parameters: estado, area_id, q, page_size, page, cursor, sort (the benchmark's).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Response
from sqlalchemy import Select, exists, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from app.anexos.models import Anexo
from app.catalogos.models import Area, Indicacion, TipoDocumento
from app.core.dependencies import SessionDep
from app.core.errors import InvalidInput, NotFound
from app.core.schemas import Page
from app.derivaciones.models import Derivacion
from app.documentos.models import Documento, EstadoDocumento
from app.documentos.schemas import Documento as DocumentoLeido
from app.documentos.schemas import DocumentoListItem
from app.main import app
from app.remitentes.models import Remitente
from app.seguimiento.schemas import SeguimientoDerivacion, SeguimientoPublico
from app.usuarios.dependencies import CurrentUser
from app.usuarios.models import Rol

router = APIRouter(prefix="/api/v1")
JSON = "application/json"


def _visible(usuario: Any) -> Any:
    if usuario.rol is not Rol.ESPECIALISTA:
        return None
    if usuario.area_id is None:
        return Documento.id.is_(None)
    routed = exists(
        select(Derivacion.id).where(
            Derivacion.documento_id == Documento.id, Derivacion.area_destino_id == usuario.area_id
        )
    )
    return or_(Documento.area_actual_id == usuario.area_id, routed)


async def _links(session: AsyncSession, documento: Documento) -> None:
    """The document's many-to-one links, one statement each unless already in the session."""
    set_committed_value(
        documento, "tipo_documento", await session.get(TipoDocumento, documento.tipo_documento_id)
    )
    set_committed_value(documento, "remitente", await session.get(Remitente, documento.remitente_id))
    set_committed_value(documento, "area_actual", await session.get(Area, documento.area_actual_id))


async def _derivaciones(session: AsyncSession, documento: Documento, *, full: bool) -> list[Derivacion]:
    query = select(Derivacion).where(Derivacion.documento_id == documento.id).order_by(Derivacion.id)
    derivaciones = list(await session.scalars(query))
    for d in derivaciones:
        set_committed_value(d, "area_destino", await session.get(Area, d.area_destino_id))
        if full:
            set_committed_value(d, "area_origen", await session.get(Area, d.area_origen_id))
            indicacion = await session.get(Indicacion, d.indicacion_id) if d.indicacion_id else None
            set_committed_value(d, "indicacion", indicacion)
    set_committed_value(documento, "derivaciones", derivaciones)
    return derivaciones


def _cursor(moment: datetime, row_id: int) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([moment.isoformat(), row_id])).decode().rstrip("=")


@router.get("/documentos")
async def listar(
    session: SessionDep,
    usuario: CurrentUser,
    estado: Annotated[list[EstadoDocumento] | None, Query()] = None,
    area_id: Annotated[int | None, Query(ge=1)] = None,
    q: Annotated[str | None, Query(min_length=2, max_length=200)] = None,
    sort: Literal["-fecha_recepcion", "fecha_recepcion"] = "-fecha_recepcion",
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    page: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    query: Select[Any] = select(Documento)
    visible = _visible(usuario)
    if visible is not None:
        query = query.where(visible)
    if estado:
        query = query.where(Documento.estado.in_(estado))
    if area_id is not None:
        query = query.where(Documento.area_actual_id == area_id)
    if q is not None:
        termino = " ".join(q.split()).lower()
        if not termino:
            raise InvalidInput("La búsqueda necesita al menos una palabra.", field="q", location="query")
        query = query.where(
            Documento.busqueda.op("@@")(func.websearch_to_tsquery("spanish", func.unaccent(termino)))
        )
    ascending = sort == "fecha_recepcion"
    key = tuple_(Documento.fecha_recepcion, Documento.id)
    if cursor is not None:
        moment, row_id = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        after = tuple_(datetime.fromisoformat(moment).astimezone(UTC), int(row_id))
        query = query.where(key > after if ascending else key < after)
    order = (Documento.fecha_recepcion, Documento.id)
    query = query.order_by(*(c.asc() if ascending else c.desc() for c in order))
    if page is not None and cursor is None:
        query = query.offset((page - 1) * page_size)
    rows = list(await session.scalars(query.limit(page_size + 1)))
    has_more = len(rows) > page_size
    items = rows[:page_size]
    for documento in items:
        await _links(session, documento)
    body = Page[DocumentoListItem].model_validate(
        {
            "items": [DocumentoListItem.model_validate(d) for d in items],
            "next_cursor": _cursor(items[-1].fecha_recepcion, items[-1].id) if has_more and items else None,
            "page": page if cursor is None else None,
            "page_size": page_size,
            "has_more": has_more,
        }
    )
    return Response(body.model_dump_json(), media_type=JSON)


@router.get("/documentos/{documento_id}")
async def obtener(documento_id: int, session: SessionDep, usuario: CurrentUser) -> Response:
    query = select(Documento).where(Documento.id == documento_id)
    visible = _visible(usuario)
    if visible is not None:
        query = query.where(visible)
    documento = (await session.scalars(query)).first()
    if documento is None:
        raise NotFound(f"No existe el documento {documento_id}.")
    await _links(session, documento)
    await _derivaciones(session, documento, full=True)
    anexos = list(
        await session.scalars(select(Anexo).where(Anexo.documento_id == documento.id).order_by(Anexo.id))
    )
    set_committed_value(documento, "anexos", anexos)
    return Response(DocumentoLeido.model_validate(documento).model_dump_json(), media_type=JSON)


@router.get("/seguimiento")
async def seguimiento(
    session: SessionDep,
    numero: Annotated[str, Query(pattern=r"^[0-9]{4}-[0-9]{6,10}$")],
    codigo: Annotated[str, Query(min_length=4, max_length=12, pattern=r"^[A-Za-z0-9]+$")],
) -> Response:
    documento = (
        await session.scalars(select(Documento).where(Documento.numero_expediente == numero))
    ).first()
    if documento is None or documento.codigo_verificacion.upper() != codigo.upper():
        raise NotFound("No existe un expediente con ese número y código de verificación.")
    tipo = await session.get(TipoDocumento, documento.tipo_documento_id)
    area = await session.get(Area, documento.area_actual_id)
    assert tipo is not None and area is not None
    derivaciones = await _derivaciones(session, documento, full=False)
    body = SeguimientoPublico(
        numero_expediente=documento.numero_expediente,
        tipo_documento=tipo.nombre,
        asunto=documento.asunto,
        estado=documento.estado,
        area_actual=area.nombre,
        fecha_recepcion=documento.fecha_recepcion,
        fecha_limite=documento.fecha_limite,
        fecha_atencion=documento.fecha_atencion,
        derivaciones=[
            SeguimientoDerivacion(
                area_destino=d.area_destino.nombre,
                estado=d.estado,
                es_copia=d.es_copia,
                fecha_envio=d.fecha_envio,
                fecha_recepcion=d.fecha_recepcion,
            )
            for d in derivaciones
        ],
    )
    return Response(body.model_dump_json(), media_type=JSON)


def _install() -> None:
    """Put the naive routes in front of the service's: the first match wins."""
    before = len(app.router.routes)
    app.include_router(router)
    ours = app.router.routes[before:]
    del app.router.routes[before:]
    app.router.routes[0:0] = ours


_install()
__all__ = ["app"]
