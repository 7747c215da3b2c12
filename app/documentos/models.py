"""The expediente: a registered document, its audit trail and its number counter."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalogos.models import Area, Procedimiento, TipoDocumento
from app.core.models import Base, IdMixin, TimestampMixin, checked
from app.remitentes.models import Remitente
from app.usuarios.models import Usuario

if TYPE_CHECKING:
    from app.anexos.models import Anexo
    from app.derivaciones.models import Derivacion

import enum


class Canal(enum.StrEnum):
    PRESENCIAL = "presencial"
    VIRTUAL = "virtual"
    INTEROPERABILIDAD = "interoperabilidad"


class Prioridad(enum.StrEnum):
    BAJA = "baja"
    NORMAL = "normal"
    ALTA = "alta"
    URGENTE = "urgente"


class EstadoDocumento(enum.StrEnum):
    REGISTRADO = "registrado"
    DERIVADO = "derivado"
    RECIBIDO = "recibido"
    EN_PROCESO = "en_proceso"
    ATENDIDO = "atendido"
    ARCHIVADO = "archivado"
    OBSERVADO = "observado"
    ANULADO = "anulado"


# Documents that still run against their deadline.
ESTADOS_ABIERTOS = (
    EstadoDocumento.REGISTRADO,
    EstadoDocumento.DERIVADO,
    EstadoDocumento.RECIBIDO,
    EstadoDocumento.EN_PROCESO,
    EstadoDocumento.OBSERVADO,
)


class EventoHistorial(enum.StrEnum):
    REGISTRADO = "registrado"
    ACTUALIZADO = "actualizado"
    DERIVADO = "derivado"
    RECIBIDO = "recibido"
    EN_PROCESO = "en_proceso"
    ATENDIDO = "atendido"
    ARCHIVADO = "archivado"
    OBSERVADO = "observado"
    ANULADO = "anulado"
    ANEXO_AGREGADO = "anexo_agregado"
    ENVIADO_INTEGRACION = "enviado_integracion"


OPEN_STATES_SQL = "estado IN ({})".format(", ".join(f"'{estado.value}'" for estado in ESTADOS_ABIERTOS))


class ExpedienteCorrelativo(Base):
    """Last expediente number handed out per year; one row locked per registration."""

    __tablename__ = "expediente_correlativos"

    anio: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ultimo: Mapped[int] = mapped_column(Integer, server_default="0")


class Documento(IdMixin, TimestampMixin, Base):
    __tablename__ = "documentos"
    __table_args__ = (
        CheckConstraint("folios > 0", name="folios_positivos"),
        CheckConstraint("version > 0", name="version_positiva"),
        CheckConstraint("numero_expediente ~ '^[0-9]{4}-[0-9]{6,}$'", name="numero_expediente_formato"),
        Index(
            None,
            "idempotency_key",
            unique=True,
            postgresql_where=text("idempotency_key IS NOT NULL"),
        ),
        Index("ix_documentos_fecha_recepcion_id", text("fecha_recepcion DESC"), text("id DESC")),
        Index("ix_documentos_estado_fecha", "estado", text("fecha_recepcion DESC"), text("id DESC")),
        Index(
            "ix_documentos_area_estado_fecha",
            "area_actual_id",
            "estado",
            text("fecha_recepcion DESC"),
            text("id DESC"),
        ),
        Index("ix_documentos_area_fecha", "area_actual_id", text("fecha_recepcion DESC"), text("id DESC")),
        Index("ix_documentos_remitente_fecha", "remitente_id", text("fecha_recepcion DESC")),
        Index("ix_documentos_tipo_fecha", "tipo_documento_id", text("fecha_recepcion DESC")),
        # Open documents newest first: the desk's pending tray; per area, the area's overdue tray.
        Index(
            "ix_documentos_abiertos",
            text("fecha_recepcion DESC"),
            text("id DESC"),
            postgresql_where=text(OPEN_STATES_SQL),
        ),
        Index(
            "ix_documentos_area_abiertos",
            "area_actual_id",
            text("fecha_recepcion DESC"),
            text("id DESC"),
            postgresql_where=text(OPEN_STATES_SQL),
        ),
        Index(
            "ix_documentos_procedimiento_fecha",
            "procedimiento_id",
            text("fecha_recepcion DESC"),
            text("id DESC"),
        ),
        Index(
            "ix_documentos_registrado_por_fecha",
            "registrado_por_id",
            text("fecha_recepcion DESC"),
            text("id DESC"),
        ),
        Index("ix_documentos_canal_fecha", "canal", text("fecha_recepcion DESC")),
        Index("ix_documentos_vencimiento", "fecha_limite", postgresql_where=text(OPEN_STATES_SQL)),
        Index(
            "ix_documentos_prioritarios",
            text("fecha_recepcion DESC"),
            text("id DESC"),
            postgresql_where=text(f"prioridad IN ('alta', 'urgente') AND {OPEN_STATES_SQL}"),
        ),
        Index(
            "ix_documentos_atendidos",
            "fecha_atencion",
            postgresql_where=text("fecha_atencion IS NOT NULL"),
        ),
        Index("ix_documentos_busqueda", "busqueda", postgresql_using="gin"),
        Index(
            "ix_documentos_numero_documento_trgm",
            "numero_documento",
            postgresql_using="gin",
            postgresql_ops={"numero_documento": "gin_trgm_ops"},
        ),
    )

    numero_expediente: Mapped[str] = mapped_column(String(20), unique=True)
    codigo_verificacion: Mapped[str] = mapped_column(String(12))
    tipo_documento_id: Mapped[int] = mapped_column(ForeignKey("tipos_documento.id", ondelete="RESTRICT"))
    numero_documento: Mapped[str | None] = mapped_column(String(100))  # the sender's own reference
    asunto: Mapped[str] = mapped_column(String(1000))
    folios: Mapped[int] = mapped_column(Integer)
    remitente_id: Mapped[int] = mapped_column(ForeignKey("remitentes.id", ondelete="RESTRICT"))
    procedimiento_id: Mapped[int | None] = mapped_column(ForeignKey("procedimientos.id", ondelete="RESTRICT"))
    canal: Mapped[Canal] = mapped_column(checked(Canal, "canal"))
    prioridad: Mapped[Prioridad] = mapped_column(checked(Prioridad, "prioridad"))
    estado: Mapped[EstadoDocumento] = mapped_column(checked(EstadoDocumento, "estado_documento"))
    area_actual_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    registrado_por_id: Mapped[int] = mapped_column(ForeignKey("usuarios.id", ondelete="RESTRICT"))
    fecha_recepcion: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    fecha_limite: Mapped[date | None] = mapped_column(Date)
    fecha_atencion: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    observacion: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    # Maintained by the trigger `documentos_busqueda_trigger` (asunto, numbers and the sender).
    busqueda: Mapped[Any | None] = mapped_column(TSVECTOR, deferred=True)

    tipo_documento: Mapped[TipoDocumento] = relationship(lazy="raise")
    remitente: Mapped[Remitente] = relationship(lazy="raise")
    procedimiento: Mapped[Procedimiento | None] = relationship(lazy="raise")
    area_actual: Mapped[Area] = relationship(lazy="raise")
    registrado_por: Mapped[Usuario] = relationship(lazy="raise")
    derivaciones: Mapped[list[Derivacion]] = relationship(
        back_populates="documento", lazy="raise", order_by="Derivacion.id"
    )
    anexos: Mapped[list[Anexo]] = relationship(back_populates="documento", lazy="raise", order_by="Anexo.id")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it as a class attribute


class Historial(IdMixin, Base):
    """Append-only audit trail of every event on a document."""

    __tablename__ = "historial"
    __table_args__ = (
        Index(None, "documento_id", "created_at"),
        # The audit trail's filters, each in its keyset order (newest first, id breaks ties).
        Index("ix_historial_usuario_id_created_at", "usuario_id", text("created_at DESC"), text("id DESC")),
        Index("ix_historial_area_id_created_at", "area_id", text("created_at DESC"), text("id DESC")),
        Index("ix_historial_evento_created_at", "evento", text("created_at DESC"), text("id DESC")),
        # The audit screen's default page (newest events first) and its date ranges.
        Index("ix_historial_created_at_id", text("created_at DESC"), text("id DESC")),
    )

    documento_id: Mapped[int] = mapped_column(ForeignKey("documentos.id", ondelete="CASCADE"))
    evento: Mapped[EventoHistorial] = mapped_column(checked(EventoHistorial, "evento_historial"))
    usuario_id: Mapped[int | None] = mapped_column(ForeignKey("usuarios.id", ondelete="SET NULL"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    estado_anterior: Mapped[str | None] = mapped_column(String(32))
    estado_nuevo: Mapped[str | None] = mapped_column(String(32))
    detalle: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    usuario: Mapped[Usuario | None] = relationship(lazy="raise")
    area: Mapped[Area | None] = relationship(lazy="raise")


class Visibilidad(Base):
    """(area, document) for every document an especialista of the area may see: the area it is in
    and every area it was routed to. Kept by the triggers of revision 0006 on documentos and
    derivaciones, never written by the application. The key is the especialista's list order; the
    index answers whether one area may see one document."""

    __tablename__ = "visibilidad"
    __table_args__ = (Index("ix_visibilidad_documento_area", "documento_id", "area_id"),)

    area_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    fecha_recepcion: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    documento_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
