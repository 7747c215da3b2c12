"""The reads every screen makes (the list, a search page, the detail) as column selects serialized
straight to JSON: no ORM entities, no identity map, no validation of what the database already
guarantees.

The JSON is the schemas' (`schemas.DocumentoListItem`, `schemas.Documento`), field for field and in
the same order: OpenAPI still documents those schemas, and tests/documentos/test_lectura.py compares
both paths on the same rows. Profiled at 100 rows a page, building ORM entities and validating them
was about two thirds of the list's CPU (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, String, bindparam, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.anexos.models import Anexo
from app.catalogos.models import Area, Indicacion, TipoDocumento
from app.core.database import Prepared, fetch_prepared
from app.core.pagination import encode_cursor
from app.core.responses import to_json
from app.derivaciones.models import Derivacion
from app.documentos.acceso import Orden
from app.documentos.models import Documento
from app.remitentes.models import Remitente

LISTA_ORDEN: Orden = (Documento.fecha_recepcion, Documento.id)


def _texto(column: Any) -> Any:
    """An enum column read as its text: the JSON wants the value, not the enum member."""
    return type_coerce(column, String)


# The list item's columns, in the order `_item` reads them.
_LISTA = (
    Documento.id,
    Documento.numero_expediente,
    Documento.asunto,
    Documento.numero_documento,
    Documento.folios,
    _texto(Documento.canal),
    _texto(Documento.prioridad),
    _texto(Documento.estado),
    Documento.fecha_recepcion,
    Documento.fecha_limite,
    Documento.version,
    TipoDocumento.id,
    TipoDocumento.codigo,
    TipoDocumento.nombre,
    Remitente.id,
    _texto(Remitente.tipo_persona),
    _texto(Remitente.tipo_documento_identidad),
    Remitente.numero_documento_identidad,
    Remitente.nombre,
    Area.id,
    Area.codigo,
    Area.nombre,
    Area.sigla,
)
# The detail adds these after the list's columns.
_DETALLE = (
    Remitente.email,
    Remitente.telefono,
    Remitente.direccion,
    Remitente.pais_codigo,
    Documento.codigo_verificacion,
    Documento.procedimiento_id,
    Documento.fecha_atencion,
    Documento.observacion,
    Documento.registrado_por_id,
    Documento.created_at,
    Documento.updated_at,
)


def _con_enlaces(*columnas: Any) -> Select[Any]:
    # Many-to-one links that can never be missing (NOT NULL foreign keys): inner joins.
    return (
        select(*columnas)
        .select_from(Documento)
        .join(TipoDocumento, TipoDocumento.id == Documento.tipo_documento_id)
        .join(Remitente, Remitente.id == Documento.remitente_id)
        .join(Area, Area.id == Documento.area_actual_id)
    )


# Built once: a statement is immutable, and building this one cost more than running it.
_LISTA_BASE = _con_enlaces(*_LISTA)
_DETALLE_BASE = _con_enlaces(*_LISTA, *_DETALLE).where(Documento.id == bindparam("documento_id"))


def consulta_lista() -> Select[Any]:
    """The list's columns; callers add visibility, filters and the page."""
    return _LISTA_BASE


def consulta_detalle() -> Select[Any]:
    """The detail's columns of the document `documento_id` (a parameter: `detalle_json`)."""
    return _DETALLE_BASE


def _item(r: Sequence[Any], remitente: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "id": r[0],
        "numero_expediente": r[1],
        "asunto": r[2],
        "numero_documento": r[3],
        "folios": r[4],
        "canal": r[5],
        "prioridad": r[6],
        "estado": r[7],
        "fecha_recepcion": r[8],
        "fecha_limite": r[9],
        "version": r[10],
        "tipo_documento": {"id": r[11], "codigo": r[12], "nombre": r[13]},
        "remitente": remitente
        or {
            "id": r[14],
            "tipo_persona": r[15],
            "tipo_documento_identidad": r[16],
            "numero_documento_identidad": r[17],
            "nombre": r[18],
        },
        "area_actual": {"id": r[19], "codigo": r[20], "nombre": r[21], "sigla": r[22]},
    }


async def pagina_json(
    session: AsyncSession,
    query: Prepared,
    valores: dict[str, Any],
    *,
    page_size: int,
    cursor: str | None,
    page: int | None,
) -> bytes:
    """One page of `consulta_lista()` (narrowed, ordered and paged by the caller, prepared: see
    `DocumentoService.listar`) run with `valores`, as the `Page[DocumentoListItem]` body."""
    filas = await fetch_prepared(session, query, **valores)
    has_more = len(filas) > page_size
    filas = filas[:page_size]
    return to_json(
        {
            "items": [_item(r) for r in filas],
            "next_cursor": encode_cursor(filas[-1][8], filas[-1][0]) if has_more and filas else None,
            "page": page if cursor is None else None,
            "page_size": page_size,
            "has_more": has_more,
        }
    )


_origen, _destino = aliased(Area), aliased(Area)
_DERIVACIONES = Prepared(
    select(
        Derivacion.id,
        _origen.id,
        _origen.codigo,
        _origen.nombre,
        _origen.sigla,
        _destino.id,
        _destino.codigo,
        _destino.nombre,
        _destino.sigla,
        Indicacion.id,
        Indicacion.codigo,
        Indicacion.nombre,
        Indicacion.activo,
        _texto(Derivacion.prioridad),
        Derivacion.proveido,
        _texto(Derivacion.estado),
        Derivacion.es_copia,
        Derivacion.fecha_envio,
        Derivacion.fecha_recepcion,
        Derivacion.fecha_atencion,
        Derivacion.plazo_dias,
        Derivacion.fecha_limite,
        Derivacion.enviado_por_id,
        Derivacion.recibido_por_id,
    )
    .join(_origen, _origen.id == Derivacion.area_origen_id)
    .join(_destino, _destino.id == Derivacion.area_destino_id)
    .outerjoin(Indicacion, Indicacion.id == Derivacion.indicacion_id)
    .where(Derivacion.documento_id == bindparam("documento_id"))
    .order_by(Derivacion.id)
)
_ANEXOS = Prepared(
    select(
        Anexo.id,
        Anexo.nombre_archivo,
        Anexo.content_type,
        Anexo.tamano_bytes,
        Anexo.sha256,
        Anexo.paginas,
        _texto(Anexo.estado_procesamiento),
        Anexo.created_at,
    )
    .where(Anexo.documento_id == bindparam("documento_id"))
    .order_by(Anexo.id)
)


def _derivacion(r: Sequence[Any]) -> dict[str, Any]:
    return {
        "id": r[0],
        "area_origen": {"id": r[1], "codigo": r[2], "nombre": r[3], "sigla": r[4]},
        "area_destino": {"id": r[5], "codigo": r[6], "nombre": r[7], "sigla": r[8]},
        "indicacion": None
        if r[9] is None
        else {"id": r[9], "codigo": r[10], "nombre": r[11], "activo": r[12]},
        "prioridad": r[13],
        "proveido": r[14],
        "estado": r[15],
        "es_copia": r[16],
        "fecha_envio": r[17],
        "fecha_recepcion": r[18],
        "fecha_atencion": r[19],
        "plazo_dias": r[20],
        "fecha_limite": r[21],
        "enviado_por_id": r[22],
        "recibido_por_id": r[23],
    }


def _anexo(r: Sequence[Any]) -> dict[str, Any]:
    return {
        "id": r[0],
        "nombre_archivo": r[1],
        "content_type": r[2],
        "tamano_bytes": r[3],
        "sha256": r[4],
        "paginas": r[5],
        "estado_procesamiento": r[6],
        "created_at": r[7],
    }


async def detalle_json(session: AsyncSession, query: Prepared, documento_id: int) -> bytes | None:
    """The `schemas.Documento` body of document `documento_id` if `query` (a narrowed
    `consulta_detalle()`, prepared) selects it, else None: three statements whatever the number of
    routings and attachments."""
    encontradas = await fetch_prepared(session, query, documento_id=documento_id)
    r = encontradas[0] if encontradas else None
    if r is None:
        return None
    derivaciones = await fetch_prepared(session, _DERIVACIONES, documento_id=documento_id)
    anexos = await fetch_prepared(session, _ANEXOS, documento_id=documento_id)
    return detalle_de_fila(r, derivaciones, anexos)


def detalle_de_fila(
    r: Sequence[Any], derivaciones: Sequence[Sequence[Any]] = (), anexos: Sequence[Sequence[Any]] = ()
) -> bytes:
    """The detail body from a row of `consulta_detalle`'s columns (in that order) and the rows of
    its routings and attachments; registration builds that row from what it has just written."""
    remitente = {
        "id": r[14],
        "tipo_persona": r[15],
        "tipo_documento_identidad": r[16],
        "numero_documento_identidad": r[17],
        "nombre": r[18],
        "email": r[23],
        "telefono": r[24],
        "direccion": r[25],
        "pais_codigo": r[26],
    }
    body = _item(r, remitente)
    body.update(
        codigo_verificacion=r[27],
        procedimiento_id=r[28],
        fecha_atencion=r[29],
        observacion=r[30],
        registrado_por_id=r[31],
        created_at=r[32],
        updated_at=r[33],
        derivaciones=[_derivacion(d) for d in derivaciones],
        anexos=[_anexo(a) for a in anexos],
    )
    return to_json(body)
