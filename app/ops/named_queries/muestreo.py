"""The parameter values of the named queries, taken from the data (`muestra`): the newest rows'
ids, and values as selective as a real request's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.anexos.models import Anexo
from app.derivaciones.models import Derivacion
from app.documentos.models import Documento, Historial
from app.integraciones.models import IntegracionEnvio
from app.reportes.models import Reporte


@dataclass(frozen=True)
class Muestra:
    """Parameter values taken from the data."""

    documento_id: int
    area_id: int
    tipo_documento_id: int  # the least used tipo: a selective filter
    remitente_id: int
    registrado_por_id: int
    procedimiento_id: int
    numero_expediente: str
    numero_documento: str  # a whole reference: a short fragment matches too many to be selective
    palabra: str  # a word of a recent asunto found in at most 200 documents
    fecha: date
    derivacion: dict[str, Any]
    historial_usuario_id: int
    historial_area_id: int
    sha256: str
    reporte_usuario_id: int
    task_id: str
    envio_documento_id: int


async def scalar_or(session: AsyncSession, statement: Any, default: Any) -> Any:
    """The statement's value, or `default` when it finds none."""
    value = await session.scalar(statement)
    return default if value is None else value


async def _palabra(session: AsyncSession) -> str:
    asuntos = await session.scalars(select(Documento.asunto).order_by(Documento.id.desc()).limit(200))
    seen: set[str] = set()
    for asunto in asuntos:
        for word in asunto.split():
            word = word.strip(".,;:()\"'").lower()
            if len(word) < 6 or word in seen or not word.isalpha():
                continue
            seen.add(word)
            matches = await session.scalar(
                select(func.count()).select_from(
                    select(Documento.id)
                    .where(
                        Documento.busqueda.op("@@")(func.websearch_to_tsquery("spanish", func.unaccent(word)))
                    )
                    .limit(201)
                    .subquery()
                )
            )
            # A term in a few hundred documents at most: a common one is found faster by walking
            # the newest documents than through the index (a common word matches ~23k of 1M
            # documents: tens of ms, docs/design.md §6).
            if matches is not None and 1 <= matches <= 200:
                return word
    return "tortuga"


async def muestra(session: AsyncSession) -> Muestra:
    documento = (await session.scalars(select(Documento).order_by(Documento.id.desc()).limit(1))).first()
    if documento is None:
        raise LookupError(
            "Aún no hay documentos: las consultas con nombre necesitan datos para elegir sus parámetros."
        )
    derivacion = (await session.scalars(select(Derivacion).order_by(Derivacion.id.desc()).limit(1))).first()
    tipo = await session.scalar(
        select(Documento.tipo_documento_id)
        .group_by(Documento.tipo_documento_id)
        .order_by(func.count())
        .limit(1)
    )
    # The clerk with the fewest documents, as for tipo: a clerk's own intake is selective.
    registrador = await session.scalar(
        select(Documento.registrado_por_id)
        .group_by(Documento.registrado_por_id)
        .order_by(func.count())
        .limit(1)
    )
    recibido_por = await scalar_or(
        session, select(Derivacion.recibido_por_id).where(Derivacion.recibido_por_id.is_not(None)).limit(1), 0
    )
    return Muestra(
        documento_id=documento.id,
        area_id=documento.area_actual_id,
        tipo_documento_id=tipo or documento.tipo_documento_id,
        remitente_id=documento.remitente_id,
        registrado_por_id=registrador or documento.registrado_por_id,
        procedimiento_id=await scalar_or(
            session,
            select(Documento.procedimiento_id)
            .where(Documento.procedimiento_id.is_not(None))
            .order_by(Documento.id.desc())
            .limit(1),
            0,
        ),
        numero_expediente=documento.numero_expediente,
        numero_documento=await scalar_or(
            session,
            select(Documento.numero_documento)
            .where(Documento.numero_documento.is_not(None))
            .order_by(Documento.id.desc())
            .limit(1),
            "CARTA N° 001-2026",
        ),
        palabra=await _palabra(session),
        fecha=documento.fecha_recepcion.date(),
        derivacion={
            "area_destino_id": derivacion.area_destino_id if derivacion else 0,
            "documento_id": derivacion.documento_id if derivacion else 0,
            "area_origen_id": derivacion.area_origen_id if derivacion else 0,
            "enviado_por_id": derivacion.enviado_por_id if derivacion else 0,
            "recibido_por_id": recibido_por,
            "indicacion_id": (derivacion.indicacion_id if derivacion else None) or 0,
        },
        historial_usuario_id=await scalar_or(
            session, select(Historial.usuario_id).order_by(Historial.id.desc()).limit(1), 0
        ),
        historial_area_id=await scalar_or(
            session,
            select(Historial.area_id)
            .where(Historial.area_id.is_not(None))
            .order_by(Historial.id.desc())
            .limit(1),
            0,
        ),
        sha256=await scalar_or(session, select(Anexo.sha256).order_by(Anexo.id.desc()).limit(1), "0" * 64),
        reporte_usuario_id=await scalar_or(
            session, select(Reporte.solicitado_por_id).order_by(Reporte.id.desc()).limit(1), 0
        ),
        task_id=await scalar_or(
            session,
            select(Reporte.task_id).where(Reporte.task_id.is_not(None)).order_by(Reporte.id.desc()).limit(1),
            "sin-tarea",
        ),
        envio_documento_id=await scalar_or(
            session, select(IntegracionEnvio.documento_id).order_by(IntegracionEnvio.id.desc()).limit(1), 0
        ),
    )
