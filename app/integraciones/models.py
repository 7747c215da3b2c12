"""External systems kept in sync, and the delivery record per document and integration."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import Base, IdMixin, TimestampMixin, checked


class TipoIntegracion(enum.StrEnum):
    WEBHOOK = "webhook"
    PIDE = "pide"


class EstadoEnvio(enum.StrEnum):
    PENDIENTE = "pendiente"
    ENVIANDO = "enviando"
    ENTREGADO = "entregado"
    FALLIDO = "fallido"


class Integracion(IdMixin, TimestampMixin, Base):
    __tablename__ = "integraciones"
    __table_args__ = (
        CheckConstraint("timeout_s > 0", name="timeout_positivo"),
        CheckConstraint("max_reintentos >= 0", name="reintentos_no_negativos"),
    )

    codigo: Mapped[str] = mapped_column(String(50), unique=True)
    nombre: Mapped[str] = mapped_column(String(200))
    tipo: Mapped[TipoIntegracion] = mapped_column(checked(TipoIntegracion, "tipo_integracion"))
    url: Mapped[str] = mapped_column(String(500))
    secreto: Mapped[str] = mapped_column(String(200))  # HMAC key for signing the body
    timeout_s: Mapped[int] = mapped_column(Integer, server_default="10")
    max_reintentos: Mapped[int] = mapped_column(Integer, server_default="5")
    activo: Mapped[bool] = mapped_column(Boolean, server_default=true())


class IntegracionEnvio(IdMixin, TimestampMixin, Base):
    __tablename__ = "integracion_envios"
    __table_args__ = (
        CheckConstraint("intentos >= 0", name="intentos_no_negativos"),
        UniqueConstraint("integracion_id", "documento_id"),
        Index(None, "documento_id"),
        Index(
            "ix_integracion_envios_pendientes",
            "proximo_intento",
            postgresql_where=sql_text("estado IN ('pendiente', 'fallido')"),
        ),
    )

    integracion_id: Mapped[int] = mapped_column(ForeignKey("integraciones.id", ondelete="CASCADE"))
    documento_id: Mapped[int] = mapped_column(ForeignKey("documentos.id", ondelete="CASCADE"))
    estado: Mapped[EstadoEnvio] = mapped_column(checked(EstadoEnvio, "estado_envio"))
    intentos: Mapped[int] = mapped_column(Integer, server_default="0")
    ultimo_error: Mapped[str | None] = mapped_column(Text)
    codigo_respuesta: Mapped[int | None] = mapped_column(Integer)
    proximo_intento: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    entregado_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Every attempt, oldest first: {"intento", "at", "codigo_respuesta", "error", "ms"}.
    intentos_detalle: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, server_default=sql_text("'[]'::jsonb")
    )

    integracion: Mapped[Integracion] = relationship(lazy="raise")
