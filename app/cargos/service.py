"""The receipt ("cargo de recepción") of a registered document: a one-page PDF (`app.cargos.pdf`)
with the institution's identity, the document's data, its TUPA procedure and legal deadline, and a
QR code of its public tracking page, stored at `STORAGE_DIR/cargos/<documento_id>.pdf`.

The PDF is rendered from the document's current data with reportlab in invariant mode (no clock,
no random id), so rendering twice gives the same bytes and a second run of the task writes nothing.
An attachment added later makes the stored receipt stale (it counts the attachments): it is
removed after that commit and rendered again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from app.anexos.models import Anexo
from app.cargos.pdf import DatosCargo, render_cargo
from app.catalogos.models import Area
from app.core.config import get_settings
from app.core.database import after_commit, session_scope
from app.core.errors import NotFound
from app.core.files import escribir_atomico, escribir_si_falta
from app.core.office_time import format_datetime_zone
from app.core.task_queue import enqueue_after_commit
from app.derivaciones.models import Derivacion
from app.documentos import etiquetas
from app.documentos.acceso import filtro_visibilidad
from app.documentos.models import Documento
from app.documentos.plazo_legal import texto_fecha_limite
from app.usuarios.principal import Principal

# Task names (the queue's contract: stable across deploys).
GENERAR_CARGO = "mesa_partes.generar_cargo_pdf"

logger = logging.getLogger("app.cargos")


def ruta_cargo(documento_id: int) -> Path:
    return get_settings().storage_dir / "cargos" / f"{documento_id}.pdf"


def nombre_descarga(numero_expediente: str) -> str:
    return f"cargo-{numero_expediente}.pdf"


def _consulta() -> Any:
    anexos = select(func.count(Anexo.id)).where(Anexo.documento_id == Documento.id).scalar_subquery()
    # The area that received the document: where it was before its first routing (the receipt
    # must not change when the document moves on), else where it still is.
    primera_derivacion = (
        select(Derivacion.area_origen_id)
        .where(Derivacion.documento_id == Documento.id)
        .order_by(Derivacion.id)
        .limit(1)
        .scalar_subquery()
    )
    area_recepcion = (
        select(Area.nombre)
        .where(Area.id == func.coalesce(primera_derivacion, Documento.area_actual_id))
        .scalar_subquery()
    )
    return select(Documento, anexos, area_recepcion).options(
        joinedload(Documento.remitente),
        joinedload(Documento.tipo_documento),
        joinedload(Documento.registrado_por),
        joinedload(Documento.procedimiento),
    )


def _datos(documento: Documento, anexos: int, area: str) -> DatosCargo:
    remitente = documento.remitente
    procedimiento = documento.procedimiento
    return DatosCargo(
        documento_id=documento.id,
        numero_expediente=documento.numero_expediente,
        codigo_verificacion=documento.codigo_verificacion,
        fecha_recepcion=format_datetime_zone(documento.fecha_recepcion, seconds=True),
        remitente=remitente.nombre,
        documento_identidad=(
            f"{remitente.tipo_documento_identidad.value} {remitente.numero_documento_identidad}"
        ),
        tipo_documento=documento.tipo_documento.nombre,
        numero_documento=documento.numero_documento,
        asunto=documento.asunto,
        folios=documento.folios,
        anexos=anexos,
        area=area,
        registrado_por=documento.registrado_por.nombre_completo or documento.registrado_por.username,
        procedimiento=(
            etiquetas.procedimiento(procedimiento.codigo, procedimiento.nombre) if procedimiento else None
        ),
        fecha_limite=texto_fecha_limite(documento.fecha_recepcion, documento.fecha_limite),
    )


async def cargar_datos(
    session: AsyncSession, documento_id: int, usuario: Principal | None = None
) -> DatosCargo:
    """One statement: the document with its sender, type, procedure, area, registrar and attachment
    count; with `usuario`, only if they may see it (404 otherwise, as the detail)."""
    query = _consulta().where(Documento.id == documento_id)
    if usuario is not None:
        query = query.where(filtro_visibilidad(usuario))
    row = (await session.execute(query)).first()
    if row is None:
        raise NotFound(f"No existe el documento {documento_id}.")
    documento, anexos, area = row
    return _datos(documento, int(anexos), str(area))


# ---- storage and use cases --------------------------------------------------------------------------


async def generar_cargo(documento_id: int) -> dict[str, Any]:
    """The task `mesa_partes.generar_cargo_pdf`: render from the committed data and store it;
    rewrites nothing when the stored receipt already has these bytes."""
    async with session_scope() as session:
        datos = await cargar_datos(session, documento_id)
    contenido_pdf = render_cargo(datos)
    escrito = escribir_atomico(ruta_cargo(documento_id), contenido_pdf)
    if escrito:
        logger.info("cargo.generado documento_id=%s bytes=%d", documento_id, len(contenido_pdf))
    return {"documento_id": documento_id, "escrito": escrito, "bytes": len(contenido_pdf)}


def cargo_cambio(session: AsyncSession, documento_id: int) -> None:
    """What the receipt shows changed in this unit of work: once it commits, drop the stored one
    (so no request serves it) and render it again in the background."""

    async def descartar() -> None:
        await asyncio.to_thread(ruta_cargo(documento_id).unlink, missing_ok=True)

    after_commit(session, descartar)
    enqueue_after_commit(session, GENERAR_CARGO, {"documento_id": documento_id})


@dataclass(frozen=True)
class Cargo:
    nombre: str
    pdf: bytes


class CargoService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def obtener(self, usuario: Principal, documento_id: int) -> Cargo:
        """The stored receipt of a visible document, or one rendered (and stored) now. A receipt is a
        few kilobytes: it is read whole, so a concurrent re-render can never cut a response short."""
        datos = await cargar_datos(self.session, documento_id, usuario)
        nombre = nombre_descarga(datos.numero_expediente)
        path = ruta_cargo(documento_id)
        try:
            return Cargo(nombre, await asyncio.to_thread(path.read_bytes))
        except FileNotFoundError:
            pass
        pdf = await asyncio.to_thread(render_cargo, datos)
        # Only where no file exists: a task that rendered newer data in the meantime wins.
        await asyncio.to_thread(escribir_si_falta, path, pdf)
        return Cargo(nombre, pdf)
