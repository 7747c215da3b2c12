"""The hot read paths (column selects serialized straight to JSON, app/documentos/lectura.py and the
public tracking) answer byte for byte what the ORM entities validated by the response schemas
answered before them, on the same rows: a fixed set of documents with and without optional fields,
routings with and without an indicación, copies, a received and an attended routing, attachments,
non-ASCII text."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from app.core.pagination import Pagina, encode_cursor
from app.core.schemas import Page
from app.derivaciones.models import Derivacion
from app.documentos import schemas
from app.documentos.acceso import filtro_visibilidad
from app.documentos.models import Documento
from app.seguimiento.schemas import SeguimientoDerivacion, SeguimientoPublico
from app.usuarios.models import Rol
from app.usuarios.principal import Principal
from tests.anexos.archivos import pdf_bytes, subir
from tests.conftest import World, derivar, documento_payload, registrar

API = "/api/v1"


async def _documentos(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> list[int]:
    mesa, oaj = tokens["mesa"], tokens["oaj"]
    simple = await registrar(client, mesa, world, numero_documento=None, observacion=None)
    completo = await registrar(
        client,
        mesa,
        world,
        asunto="Solicitud de acceso a la información pública — año 2026, ñandú",
        numero_documento="OFICIO N° 15-2026/ÁREA",
        procedimiento_id=world.procedimiento_id,
        prioridad="urgente",
        observacion="Entregado en ventanilla; «urgente»",
    )
    destinos = [
        {
            "area_id": world.areas["OAJ"],
            "indicacion_id": world.indicacion_id,
            "plazo_dias": 3,
            "proveido": "Ver",
        },
        {"area_id": world.areas["OGA"], "es_copia": True},
    ]
    ruteado = (await derivar(client, mesa, completo, destinos)).json()
    recibido = await client.post(
        f"{API}/documentos/{completo['id']}/recibir", json={"version": ruteado["version"]}, headers=oaj
    )
    assert recibido.status_code == 200, recibido.text
    atendido = await client.post(
        f"{API}/documentos/{completo['id']}/atender",
        json={"version": recibido.json()["version"]},
        headers=oaj,
    )
    assert atendido.status_code == 200, atendido.text
    anexo = await subir(client, oaj, completo["id"], "informe final.pdf", pdf_bytes(2), "application/pdf")
    assert anexo.status_code in (201, 202), anexo.text
    return [simple["id"], completo["id"]]


def _detalle_orm() -> tuple[Any, ...]:
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


async def _lista_orm(session: AsyncSession, usuario: Principal, page_size: int) -> bytes:
    query = (
        select(Documento)
        .where(filtro_visibilidad(usuario))
        .options(
            joinedload(Documento.tipo_documento),
            joinedload(Documento.remitente),
            joinedload(Documento.area_actual),
        )
        .order_by(Documento.fecha_recepcion.desc(), Documento.id.desc())
        .limit(page_size + 1)
    )
    filas = list((await session.scalars(query)).unique().all())
    items, has_more = filas[:page_size], len(filas) > page_size
    cursor = encode_cursor(items[-1].fecha_recepcion, items[-1].id) if has_more else None
    pagina = Pagina(items=items, next_cursor=cursor, page=None, page_size=page_size, has_more=has_more)
    return Page[schemas.DocumentoListItem].model_validate(pagina).model_dump_json().encode()


async def test_list_detail_and_tracking_answer_what_the_orm_path_answered(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World, session: AsyncSession
) -> None:
    ids = await _documentos(client, tokens, world)
    perfiles = [
        ("admin", Principal(id=world.users["admin"], rol=Rol.ADMIN, area_id=None)),
        ("oaj", Principal(id=world.users["oaj"], rol=Rol.ESPECIALISTA, area_id=world.areas["OAJ"])),
    ]
    for token, principal in perfiles:
        for page_size in (1, 5, 100):
            lista = await client.get(
                f"{API}/documentos", params={"page_size": page_size}, headers=tokens[token]
            )
            assert lista.status_code == 200, lista.text
            assert lista.content == await _lista_orm(session, principal, page_size), (token, page_size)

    for documento_id in ids:
        detalle = await client.get(f"{API}/documentos/{documento_id}", headers=tokens["admin"])
        assert detalle.status_code == 200, detalle.text
        orm = await session.scalar(
            select(Documento)
            .where(Documento.id == documento_id)
            .options(*_detalle_orm())
            .execution_options(populate_existing=True)
        )
        assert orm is not None
        assert detalle.content == schemas.Documento.model_validate(orm).model_dump_json().encode()

        publico = await client.get(
            f"{API}/seguimiento", params={"numero": orm.numero_expediente, "codigo": orm.codigo_verificacion}
        )
        assert publico.status_code == 200, publico.text
        esperado = SeguimientoPublico(
            numero_expediente=orm.numero_expediente,
            tipo_documento=orm.tipo_documento.nombre,
            asunto=orm.asunto,
            estado=orm.estado,
            area_actual=orm.area_actual.nombre,
            fecha_recepcion=orm.fecha_recepcion,
            fecha_limite=orm.fecha_limite,
            fecha_atencion=orm.fecha_atencion,
            derivaciones=[
                SeguimientoDerivacion(
                    area_destino=d.area_destino.nombre,
                    estado=d.estado,
                    es_copia=d.es_copia,
                    fecha_envio=d.fecha_envio,
                    fecha_recepcion=d.fecha_recepcion,
                )
                for d in orm.derivaciones
            ],
        )
        assert publico.content == esperado.model_dump_json().encode()


async def test_registration_answers_what_the_detail_reads_back(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    """Registration builds its response from what it wrote (its counter lock ends at the commit
    right after): it must be the detail as GET reads it."""
    primero = await client.post(
        f"{API}/documentos",
        json=documento_payload(
            world, numero_documento="CARTA Nº 7 — ñ", procedimiento_id=world.procedimiento_id
        ),
        headers=tokens["mesa"],
    )
    conocido = documento_payload(world, procedimiento_id=None, observacion=None)
    conocido.pop("remitente")
    conocido["remitente_id"] = primero.json()["remitente"]["id"]
    segundo = await client.post(f"{API}/documentos", json=conocido, headers=tokens["admin"])
    for respuesta in (primero, segundo):
        assert respuesta.status_code == 201, respuesta.text
        leido = await client.get(f"{API}/documentos/{respuesta.json()['id']}", headers=tokens["admin"])
        assert respuesta.content == leido.content
