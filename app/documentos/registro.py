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

import asyncpg
from sqlalchemy import (
    BigInteger,
    Integer,
    Select,
    String,
    Text,
    bindparam,
    cast,
    func,
    insert,
    literal,
    null,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, joinedload

from app import cache_policy
from app.catalogos.models import Area, Pais, Procedimiento, TipoDocumento
from app.core.config import get_settings
from app.core.database import Prepared, fetch_prepared_on, transaction_connection
from app.core.errors import Conflict, InvalidInput
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
from app.remitentes.service import FILA, MISMA_IDENTIDAD, RemitenteService
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
        raise InvalidInput(
            f"No existe el registro {obj_id} indicado en {field}, o está inactivo.", field=field
        )
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


INSERTAR = Prepared(_insertar())


_area_usuario, _area_mesa_partes = aliased(Area), aliased(Area)


def _lecturas(por_identidad: bool) -> Prepared:
    """Every read of a registration in one statement, one row: the document of the request's
    Idempotency-Key (`clave`), the tipo (`tipo_id`), the procedimiento (`procedimiento_id`), the
    user's area (`area_id`) and mesa de partes, and the sender, by id (`remitente_id`) or, with
    `por_identidad`, by identity with its country (`pais_codigo`, NULL when unknown). A parameter
    that is NULL finds nothing. Each check still answers as before, in the same order (the
    statements were separate: five round trips and their ORM work, more CPU than the rest)."""
    uno = select(literal(1).label("uno")).subquery("uno")
    fuentes = (
        uno.outerjoin(TipoDocumento, TipoDocumento.id == bindparam("tipo_id", type_=BigInteger))
        .outerjoin(Procedimiento, Procedimiento.id == bindparam("procedimiento_id", type_=BigInteger))
        .outerjoin(_area_usuario, _area_usuario.id == bindparam("area_id", type_=BigInteger))
        .outerjoin(_area_mesa_partes, _area_mesa_partes.codigo == MESA_PARTES_AREA)
    )
    if por_identidad:
        fuentes = fuentes.outerjoin(Pais, Pais.codigo == bindparam("pais_codigo", type_=String)).outerjoin(
            Remitente, MISMA_IDENTIDAD
        )
        pais: Any = Pais.codigo
    else:
        fuentes = fuentes.outerjoin(Remitente, Remitente.id == bindparam("remitente_id", type_=BigInteger))
        pais = null()
    clave = bindparam("clave", type_=String)
    return Prepared(
        select(
            select(Documento.id).where(Documento.idempotency_key == clave).scalar_subquery(),
            TipoDocumento.id, TipoDocumento.activo, TipoDocumento.codigo, TipoDocumento.nombre,
            Procedimiento.activo, Procedimiento.plazo_dias,
            *(area.id for area in (_area_usuario, _area_mesa_partes)),
            _area_usuario.codigo, _area_usuario.nombre, _area_usuario.sigla,
            _area_mesa_partes.codigo, _area_mesa_partes.nombre, _area_mesa_partes.sigla,
            pais,
            *FILA,
        ).select_from(fuentes)
    )  # fmt: skip


LECTURAS_POR_ID, LECTURAS_POR_IDENTIDAD = _lecturas(False), _lecturas(True)


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
        nuevo = data.remitente
        parametros_lectura: dict[str, Any] = {
            "clave": scoped_key,
            "tipo_id": data.tipo_documento_id,
            "procedimiento_id": data.procedimiento_id,
            "area_id": usuario.area_id,
        }
        if nuevo is None:
            lecturas, parametros_lectura["remitente_id"] = LECTURAS_POR_ID, data.remitente_id
        else:
            lecturas = LECTURAS_POR_IDENTIDAD
            parametros_lectura.update(
                numero_documento_identidad=nuevo.numero_documento_identidad,
                tipo_documento_identidad=nuevo.tipo_documento_identidad.value,
                pais_codigo=nuevo.pais_codigo,
            )
        # In the unit of work's transaction: what is read here is what the write below relies on.
        conexion = await transaction_connection(self.session)
        leido = (await fetch_prepared_on(conexion, lecturas, **parametros_lectura))[0]
        existing = leido[0]
        if existing is not None:
            return await self._repetida(usuario, data, existing), False

        if leido[1] is None or not leido[2]:
            field = "tipo_documento_id"
            raise InvalidInput(
                f"No existe el tipo de documento {data.tipo_documento_id}, o está inactivo.", field=field
            )
        tipo = leido[1], leido[3], leido[4]
        plazo: int | None = None
        if data.procedimiento_id is not None:
            if not leido[5]:  # NULL (not found) or false
                field = "procedimiento_id"
                raise InvalidInput(
                    f"No existe el procedimiento {data.procedimiento_id}, o está inactivo.", field=field
                )
            plazo = leido[6]
        remitente: Sequence[Any] | None = leido[16:] if leido[16] is not None else None
        if nuevo is None and remitente is None:
            raise InvalidInput(f"No existe el remitente {data.remitente_id}.", field="remitente_id")
        if nuevo is not None and leido[15] is None:
            raise InvalidInput(
                "El código de país no figura en el catálogo de países.", field="remitente.pais_codigo"
            )
        # Where the document starts: the registering user's area, else mesa de partes.
        if leido[7] is not None:
            area = leido[7], leido[9], leido[10], leido[11]
        elif leido[8] is not None:
            area = leido[8], leido[12], leido[13], leido[14]
        else:
            raise Conflict(f"El catálogo no tiene el área {MESA_PARTES_AREA}; cargue primero los catálogos.")
        if nuevo is not None:
            remitente = await RemitenteService(self.session).guardar(conexion, nuevo, remitente)
        assert remitente is not None

        ahora = datetime.now(UTC)
        valores: dict[str, Any] = dict(
            # 32 symbols: each random byte modulo 32 is uniform; one read of the OS's randomness
            # instead of eight `secrets.choice`.
            codigo_verificacion="".join(_CODE_ALPHABET[b % 32] for b in secrets.token_bytes(8)),
            tipo_documento_id=tipo[0],
            numero_documento=data.numero_documento,
            asunto=data.asunto,
            folios=data.folios,
            remitente_id=remitente[0],
            procedimiento_id=data.procedimiento_id,
            # Text, as asyncpg binds it and as the JSON shows it.
            canal=data.canal.value,
            prioridad=data.prioridad.value,
            estado=EstadoDocumento.REGISTRADO.value,
            area_actual_id=area[0],
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
            insertado = (await fetch_prepared_on(conexion, INSERTAR, **parametros))[0]
        except asyncpg.UniqueViolationError as exc:
            if scoped_key is None or "idempotency_key" not in (exc.constraint_name or ""):
                raise
            # A concurrent twin request (same key) committed first.
            raise Conflict(
                "Se está procesando una solicitud con esta Idempotency-Key; reintente en unos segundos."
            ) from exc
        documento_id, numero, recibido, version, created_at, updated_at, historial_id = insertado
        cache_policy.documentos_cambiaron(self.session)
        eventos.documento_registrado(self.session, documento_id, historial_id)
        v = valores
        # In the order of `lectura.consulta_detalle`'s columns; a new document has no routings
        # and no attachments (tests/documentos/test_lectura.py compares it with GET).
        fila = (
            documento_id, numero, v["asunto"], v["numero_documento"], v["folios"], v["canal"],
            v["prioridad"], v["estado"], recibido, v["fecha_limite"], version,
            *tipo,
            *remitente[:5],
            *area,
            *remitente[5:],
            v["codigo_verificacion"], v["procedimiento_id"], None, v["observacion"], usuario.id,
            created_at, updated_at,
        )  # fmt: skip
        return lectura.detalle_de_fila(fila), True

    async def _repetida(self, usuario: Principal, data: DocumentoCreate, existing: int) -> bytes:
        """The replay of a request whose Idempotency-Key produced document `existing`: its detail,
        unless the request asks for another document."""
        documento = await self.session.scalar(
            select(Documento).where(Documento.id == existing).options(joinedload(Documento.remitente))
        )
        if documento is None or not _misma_solicitud(documento, data):
            raise InvalidInput(
                "Esta Idempotency-Key ya se usó para registrar otro documento.",
                field="idempotency-key",
                location="header",
            )
        return await self.documentos.detalle(usuario, existing)
