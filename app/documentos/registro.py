"""Registering an incoming document: its expediente number, its sender, its deadline, and the
replay of a request repeated with the same Idempotency-Key.

Runs inside the caller's unit of work and only flushes; the request commits.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalogos.models import Area, Procedimiento, TipoDocumento
from app.core.config import get_settings
from app.core.errors import Conflict, InvalidInput
from app.documentos import eventos
from app.documentos.historial import registrar_evento
from app.documentos.models import Documento, EstadoDocumento, EventoHistorial, ExpedienteCorrelativo
from app.documentos.plazos import calcular_fecha_limite
from app.documentos.schemas import DocumentoCreate
from app.documentos.service import DocumentoService
from app.remitentes.models import Remitente
from app.remitentes.service import RemitenteService
from app.usuarios.models import Rol, Usuario
from app.usuarios.permisos import exigir_rol

MESA_PARTES_AREA = "MP"
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud at the counter


def _misma_solicitud(documento: Documento, data: DocumentoCreate) -> bool:
    """Whether a replayed registration asks for the document that the key already produced."""
    remitente_ok = (
        documento.remitente_id == data.remitente_id
        if data.remitente_id is not None
        else data.remitente is not None
        and documento.remitente.numero_documento_identidad == data.remitente.numero_documento_identidad
        and documento.remitente.tipo_documento_identidad == data.remitente.tipo_documento_identidad
    )
    return remitente_ok and (
        documento.tipo_documento_id,
        documento.numero_documento,
        documento.asunto,
        documento.folios,
        documento.procedimiento_id,
        documento.canal,
        documento.prioridad,
    ) == (
        data.tipo_documento_id,
        data.numero_documento,
        data.asunto,
        data.folios,
        data.procedimiento_id,
        data.canal,
        data.prioridad,
    )


async def exigir_activo(session: AsyncSession, model: type[Any], obj_id: int, field: str) -> Any:
    """The catalog row `obj_id` of `model`; 422 on `field` when it does not exist or is inactive."""
    obj = await session.get(model, obj_id)
    if obj is None or not getattr(obj, "activo", True):
        raise InvalidInput(f"{field} {obj_id} does not exist or is inactive", field=field)
    return obj


class RegistroService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.documentos = DocumentoService(session)

    async def registrar(
        self, usuario: Usuario, data: DocumentoCreate, idempotency_key: str | None = None
    ) -> tuple[Documento, bool]:
        """Register a document; returns it and whether it was created now (False on a replay)."""
        exigir_rol(usuario, Rol.ADMIN, Rol.MESA_PARTES)
        scoped_key = f"{usuario.id}:{idempotency_key}" if idempotency_key else None
        if scoped_key:
            existing = await self.session.scalar(
                select(Documento.id).where(Documento.idempotency_key == scoped_key)
            )
            if existing is not None:
                documento = await self.documentos.obtener(usuario, existing)
                if not _misma_solicitud(documento, data):
                    raise InvalidInput(
                        "this Idempotency-Key was already used for a different document",
                        field="idempotency-key",
                        location="header",
                    )
                return documento, False

        await exigir_activo(self.session, TipoDocumento, data.tipo_documento_id, "tipo_documento_id")
        plazo: int | None = None
        if data.procedimiento_id is not None:
            procedimiento = await exigir_activo(
                self.session, Procedimiento, data.procedimiento_id, "procedimiento_id"
            )
            plazo = procedimiento.plazo_dias
        remitente_id = await self._resolver_remitente(data)
        area_id = usuario.area_id or await self._area_mesa_partes()

        ahora = datetime.now(UTC)
        documento = Documento(
            numero_expediente=await self._siguiente_numero(
                ahora.astimezone(ZoneInfo(get_settings().timezone)).year
            ),
            codigo_verificacion="".join(secrets.choice(_CODE_ALPHABET) for _ in range(8)),
            tipo_documento_id=data.tipo_documento_id,
            numero_documento=data.numero_documento,
            asunto=data.asunto,
            folios=data.folios,
            remitente_id=remitente_id,
            procedimiento_id=data.procedimiento_id,
            canal=data.canal,
            prioridad=data.prioridad,
            estado=EstadoDocumento.REGISTRADO,
            area_actual_id=area_id,
            registrado_por_id=usuario.id,
            fecha_recepcion=ahora,
            fecha_limite=calcular_fecha_limite(ahora, plazo) if plazo is not None else None,
            observacion=data.observacion,
            idempotency_key=scoped_key,
        )
        self.session.add(documento)
        if scoped_key is None:
            await self.session.flush()
        else:
            try:
                # A savepoint only when a concurrent twin request can hit the idempotency key first.
                async with self.session.begin_nested():
                    await self.session.flush()
            except IntegrityError as exc:
                raise Conflict("a request with this Idempotency-Key is being processed; retry it") from exc
        evento = registrar_evento(
            self.session,
            documento,
            usuario,
            EventoHistorial.REGISTRADO,
            None,
            EstadoDocumento.REGISTRADO,
            {"numero_expediente": documento.numero_expediente},
        )
        await self.session.flush()
        eventos.documento_registrado(self.session, documento.id, evento)
        return await self.documentos.obtener(usuario, documento.id), True

    async def _siguiente_numero(self, anio: int) -> str:
        """Next expediente number of the year; the counter row lock serializes concurrent registrations."""
        stmt = (
            pg_insert(ExpedienteCorrelativo)
            .values(anio=anio, ultimo=1)
            .on_conflict_do_update(
                index_elements=[ExpedienteCorrelativo.anio],
                set_={"ultimo": ExpedienteCorrelativo.ultimo + 1},
            )
            .returning(ExpedienteCorrelativo.ultimo)
        )
        numero = (await self.session.execute(stmt)).scalar_one()
        return f"{anio}-{numero:06d}"

    async def _resolver_remitente(self, data: DocumentoCreate) -> int:
        if data.remitente_id is not None:
            if await self.session.get(Remitente, data.remitente_id) is None:
                raise InvalidInput(f"remitente {data.remitente_id} does not exist", field="remitente_id")
            return data.remitente_id
        assert data.remitente is not None
        return await RemitenteService(self.session).upsert(data.remitente)

    async def _area_mesa_partes(self) -> int:
        area_id = await self.session.scalar(select(Area.id).where(Area.codigo == MESA_PARTES_AREA))
        if area_id is None:
            raise Conflict(f"the catalog has no area {MESA_PARTES_AREA}; load the catalogs first")
        return area_id
