"""Registering an incoming document: its expediente number, its sender, its deadline, and the
replay of a request repeated with the same Idempotency-Key.

Runs inside the caller's unit of work and only flushes; the request commits.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Integer, Select, Text, bindparam, cast, func, insert, literal, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from app import cache_policy
from app.catalogos.models import Area, Procedimiento, TipoDocumento
from app.core.config import get_settings
from app.core.errors import Conflict, InvalidInput, unique_violation
from app.documentos import eventos, lectura
from app.documentos.models import (
    Documento,
    EstadoDocumento,
    EventoHistorial,
    ExpedienteCorrelativo,
    Historial,
)
from app.documentos.plazos import calcular_fecha_limite
from app.documentos.schemas import DocumentoCreate
from app.documentos.service import DocumentoService
from app.remitentes.models import Remitente
from app.remitentes.service import FILA, RemitenteService
from app.usuarios.models import Rol
from app.usuarios.permisos import exigir_rol
from app.usuarios.principal import Principal

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


# The columns of a new document that the request supplies (the statement below binds each by name).
_VALORES = (
    "codigo_verificacion",
    "tipo_documento_id",
    "numero_documento",
    "asunto",
    "folios",
    "remitente_id",
    "procedimiento_id",
    "canal",
    "prioridad",
    "estado",
    "area_actual_id",
    "registrado_por_id",
    "fecha_limite",
    "observacion",
    "idempotency_key",
)


def _insertar() -> Select[Any]:
    """The registration's write, last and in one statement: the next number of the year `anio`
    (its counter row stays locked until the commit), the document with it, and its `registrado`
    event by `usuario_id` of `usuario_area_id`. Returns the document's id, number,
    fecha_recepcion, version, created_at, updated_at and the event's id. Built once: building it
    cost more CPU than the rest of the registration."""
    anio = bindparam("anio", type_=Integer)
    numero = (
        pg_insert(ExpedienteCorrelativo)
        .values(anio=anio, ultimo=1)
        .on_conflict_do_update(
            index_elements=[ExpedienteCorrelativo.anio],
            set_={"ultimo": ExpedienteCorrelativo.ultimo + 1},
        )
        .returning(ExpedienteCorrelativo.ultimo)
        .cte("numero")
    )
    ultimo = cast(numero.c.ultimo, Text)
    # 2026-000123; past 999,999 the number simply grows (the CHECK allows 6 digits or more).
    expediente = cast(anio, Text) + "-" + func.lpad(ultimo, func.greatest(6, func.length(ultimo)), "0")
    insertado = (
        insert(Documento)
        .values(
            {
                **{name: bindparam(name) for name in _VALORES},
                "numero_expediente": select(expediente).scalar_subquery(),
                # Read once the counter row is ours: reception times follow the numbers.
                "fecha_recepcion": select(func.clock_timestamp()).select_from(numero).scalar_subquery(),
            }
        )
        .returning(
            Documento.id,
            Documento.numero_expediente,
            Documento.fecha_recepcion,
            Documento.version,
            Documento.created_at,
            Documento.updated_at,
        )
        .cte("documento")
    )
    evento = (
        insert(Historial)
        .from_select(
            ["documento_id", "evento", "usuario_id", "area_id", "estado_nuevo", "detalle"],
            select(
                insertado.c.id,
                literal(EventoHistorial.REGISTRADO.value),
                bindparam("usuario_id", type_=BigInteger),
                bindparam("usuario_area_id", type_=BigInteger),
                literal(EstadoDocumento.REGISTRADO.value),
                func.jsonb_build_object("numero_expediente", insertado.c.numero_expediente),
            ),
        )
        .returning(Historial.id)
        .cte("evento")
    )
    # One row each: an explicit cross join says so.
    return select(insertado, evento.c.id).select_from(insertado.join(evento, true()))


INSERTAR = _insertar()


class RegistroService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.documentos = DocumentoService(session)

    async def registrar(
        self, usuario: Principal, data: DocumentoCreate, idempotency_key: str | None = None
    ) -> tuple[bytes, bool]:
        """Register a document; returns its detail (the JSON body) and whether it was created now
        (False on a replay)."""
        exigir_rol(usuario, Rol.ADMIN, Rol.MESA_PARTES)
        scoped_key = f"{usuario.id}:{idempotency_key}" if idempotency_key else None
        if scoped_key:
            existing = await self.session.scalar(
                select(Documento.id).where(Documento.idempotency_key == scoped_key)
            )
            if existing is not None:
                documento = await self.session.scalar(
                    select(Documento).where(Documento.id == existing).options(joinedload(Documento.remitente))
                )
                if documento is None or not _misma_solicitud(documento, data):
                    raise InvalidInput(
                        "this Idempotency-Key was already used for a different document",
                        field="idempotency-key",
                        location="header",
                    )
                return await self.documentos.detalle(usuario, existing), False

        tipo = await exigir_activo(self.session, TipoDocumento, data.tipo_documento_id, "tipo_documento_id")
        plazo: int | None = None
        if data.procedimiento_id is not None:
            procedimiento = await exigir_activo(
                self.session, Procedimiento, data.procedimiento_id, "procedimiento_id"
            )
            plazo = procedimiento.plazo_dias
        remitente = await self._resolver_remitente(data)
        area = await self._area(usuario)

        ahora = datetime.now(UTC)
        valores: dict[str, Any] = dict(
            codigo_verificacion="".join(secrets.choice(_CODE_ALPHABET) for _ in range(8)),
            tipo_documento_id=tipo.id,
            numero_documento=data.numero_documento,
            asunto=data.asunto,
            folios=data.folios,
            remitente_id=remitente[0],
            procedimiento_id=data.procedimiento_id,
            canal=data.canal,
            prioridad=data.prioridad,
            estado=EstadoDocumento.REGISTRADO,
            area_actual_id=area.id,
            registrado_por_id=usuario.id,
            fecha_limite=calcular_fecha_limite(ahora, plazo) if plazo is not None else None,
            observacion=data.observacion,
            idempotency_key=scoped_key,
        )
        anio = ahora.astimezone(ZoneInfo(get_settings().timezone)).year
        try:
            # The year's counter row stays locked from here to the commit (every other
            # registration waits for it), so this is the last statement: the response is built
            # from what was just written, and the request commits right after it.
            parametros = {
                **valores,
                "anio": anio,
                "usuario_id": usuario.id,
                "usuario_area_id": usuario.area_id,
            }
            insertado = (await self.session.execute(INSERTAR, parametros)).one()
        except IntegrityError as exc:
            if scoped_key is None or unique_violation(exc) is None:
                raise
            # A concurrent twin request (same key) committed first.
            raise Conflict("a request with this Idempotency-Key is being processed; retry it") from exc
        documento_id, numero, recibido, version, created_at, updated_at, historial_id = insertado
        cache_policy.documentos_cambiaron(self.session)
        eventos.documento_registrado(self.session, documento_id, historial_id)
        v = valores
        # In the order of `lectura.consulta_detalle`'s columns; a new document has no routings
        # and no attachments (tests/documentos/test_lectura.py compares it with GET).
        fila = (
            documento_id, numero, v["asunto"], v["numero_documento"], v["folios"], v["canal"],
            v["prioridad"], v["estado"], recibido, v["fecha_limite"], version,
            tipo.id, tipo.codigo, tipo.nombre,
            *remitente[:5],
            area.id, area.codigo, area.nombre, area.sigla,
            *remitente[5:],
            v["codigo_verificacion"], v["procedimiento_id"], None, v["observacion"], usuario.id,
            created_at, updated_at,
        )  # fmt: skip
        return lectura.detalle_de_fila(fila), True

    async def _resolver_remitente(self, data: DocumentoCreate) -> Sequence[Any]:
        if data.remitente_id is not None:
            fila = (
                await self.session.execute(select(*FILA).where(Remitente.id == data.remitente_id))
            ).first()
            if fila is None:
                raise InvalidInput(f"remitente {data.remitente_id} does not exist", field="remitente_id")
            return fila
        assert data.remitente is not None
        return await RemitenteService(self.session).upsert(data.remitente)

    async def _area(self, usuario: Principal) -> Area:
        """Where the document starts: the registering user's area, else mesa de partes."""
        if usuario.area_id is not None:
            area = await self.session.get(Area, usuario.area_id)
            if area is not None:
                return area
        return await self._area_mesa_partes()

    async def _area_mesa_partes(self) -> Area:
        area = await self.session.scalar(select(Area).where(Area.codigo == MESA_PARTES_AREA))
        if area is None:
            raise Conflict(f"the catalog has no area {MESA_PARTES_AREA}; load the catalogs first")
        return area
