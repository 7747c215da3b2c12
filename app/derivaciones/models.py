"""Routing of a document from one area to another (one main routing, others as copies)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalogos.models import Area, Indicacion
from app.core.models import Base, IdMixin, TimestampMixin, checked
from app.documentos.models import Documento, Prioridad
from app.usuarios.models import Usuario


class EstadoDerivacion(enum.StrEnum):
    PENDIENTE = "pendiente"
    RECIBIDA = "recibida"
    ATENDIDA = "atendida"
    DEVUELTA = "devuelta"
    ANULADA = "anulada"


class Derivacion(IdMixin, TimestampMixin, Base):
    __tablename__ = "derivaciones"
    __table_args__ = (
        CheckConstraint("plazo_dias IS NULL OR plazo_dias >= 0", name="plazo_no_negativo"),
        Index(None, "documento_id", "fecha_envio"),
        Index("ix_derivaciones_bandeja", "area_destino_id", "estado", text("fecha_envio DESC")),
        Index(
            "ix_derivaciones_area_origen_fecha", "area_origen_id", text("fecha_envio DESC"), text("id DESC")
        ),
        Index(
            "ix_derivaciones_enviado_por_fecha", "enviado_por_id", text("fecha_envio DESC"), text("id DESC")
        ),
        Index(
            "ix_derivaciones_recibido_por_fecha", "recibido_por_id", text("fecha_envio DESC"), text("id DESC")
        ),
        Index("ix_derivaciones_indicacion_fecha", "indicacion_id", text("fecha_envio DESC"), text("id DESC")),
        Index(None, "fecha_envio"),
        Index("ix_derivaciones_destino_fecha", "area_destino_id", text("fecha_envio DESC"), text("id DESC")),
        Index(
            "ix_derivaciones_vencimiento",
            text("fecha_envio DESC"),
            text("id DESC"),
            postgresql_where=text("estado IN ('pendiente', 'recibida') AND fecha_limite IS NOT NULL"),
        ),
    )

    documento_id: Mapped[int] = mapped_column(ForeignKey("documentos.id", ondelete="CASCADE"))
    area_origen_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    area_destino_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    enviado_por_id: Mapped[int] = mapped_column(ForeignKey("usuarios.id", ondelete="RESTRICT"))
    recibido_por_id: Mapped[int | None] = mapped_column(ForeignKey("usuarios.id", ondelete="RESTRICT"))
    indicacion_id: Mapped[int | None] = mapped_column(ForeignKey("indicaciones.id", ondelete="RESTRICT"))
    prioridad: Mapped[Prioridad] = mapped_column(checked(Prioridad, "prioridad"))
    proveido: Mapped[str | None] = mapped_column(Text)
    estado: Mapped[EstadoDerivacion] = mapped_column(checked(EstadoDerivacion, "estado_derivacion"))
    es_copia: Mapped[bool] = mapped_column(Boolean, server_default=false())
    fecha_envio: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    fecha_recepcion: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fecha_atencion: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    plazo_dias: Mapped[int | None] = mapped_column(Integer)
    fecha_limite: Mapped[date | None] = mapped_column(Date)

    documento: Mapped[Documento] = relationship(back_populates="derivaciones", lazy="raise")
    area_origen: Mapped[Area] = relationship(foreign_keys=[area_origen_id], lazy="raise")
    area_destino: Mapped[Area] = relationship(foreign_keys=[area_destino_id], lazy="raise")
    indicacion: Mapped[Indicacion | None] = relationship(lazy="raise")
    enviado_por: Mapped[Usuario] = relationship(foreign_keys=[enviado_por_id], lazy="raise")
    recibido_por: Mapped[Usuario | None] = relationship(foreign_keys=[recibido_por_id], lazy="raise")
