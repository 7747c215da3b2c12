"""Senders: natural or legal persons identified by document type + number."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalogos.models import Pais
from app.core.models import Base, IdMixin, TimestampMixin, checked


class TipoPersona(enum.StrEnum):
    NATURAL = "natural"
    JURIDICA = "juridica"


class TipoDocumentoIdentidad(enum.StrEnum):
    DNI = "DNI"
    RUC = "RUC"
    CE = "CE"
    PASAPORTE = "PASAPORTE"


class Remitente(IdMixin, TimestampMixin, Base):
    __tablename__ = "remitentes"
    __table_args__ = (
        # Number first: a lookup by number alone (the common case at the desk) uses it too.
        UniqueConstraint(
            "numero_documento_identidad", "tipo_documento_identidad", name="uq_remitentes_identidad"
        ),
        Index(
            "ix_remitentes_nombre_trgm",
            "nombre",
            postgresql_using="gin",
            postgresql_ops={"nombre": "gin_trgm_ops"},
        ),
    )

    tipo_persona: Mapped[TipoPersona] = mapped_column(checked(TipoPersona, "tipo_persona"))
    tipo_documento_identidad: Mapped[TipoDocumentoIdentidad] = mapped_column(
        checked(TipoDocumentoIdentidad, "tipo_documento_identidad")
    )
    numero_documento_identidad: Mapped[str] = mapped_column(String(20))
    nombre: Mapped[str] = mapped_column(String(300))  # full name or razón social
    email: Mapped[str | None] = mapped_column(String(254))
    telefono: Mapped[str | None] = mapped_column(String(30))
    direccion: Mapped[str | None] = mapped_column(String(300))
    pais_codigo: Mapped[str] = mapped_column(ForeignKey("paises.codigo"), server_default="PE")

    pais: Mapped[Pais] = relationship(lazy="raise")
