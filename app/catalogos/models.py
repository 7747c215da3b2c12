"""Catalogs: areas, tipos de documento, TUPA procedures, routing instructions, currencies, countries."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, Numeric, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import Base, IdMixin, TimestampMixin


class Moneda(Base):
    __tablename__ = "monedas"

    codigo: Mapped[str] = mapped_column(String(3), primary_key=True)  # ISO 4217
    nombre: Mapped[str] = mapped_column(String(120))
    activo: Mapped[bool] = mapped_column(Boolean, server_default=true())


class Pais(Base):
    __tablename__ = "paises"

    codigo: Mapped[str] = mapped_column(String(2), primary_key=True)  # ISO 3166-1 alpha-2
    codigo_alpha3: Mapped[str] = mapped_column(String(3))
    nombre: Mapped[str] = mapped_column(String(120))


class Area(IdMixin, TimestampMixin, Base):
    __tablename__ = "areas"

    codigo: Mapped[str] = mapped_column(String(20), unique=True)
    nombre: Mapped[str] = mapped_column(String(200))
    sigla: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    activo: Mapped[bool] = mapped_column(Boolean, server_default=true())

    parent: Mapped[Area | None] = relationship(remote_side="Area.id", lazy="raise")


class TipoDocumento(IdMixin, TimestampMixin, Base):
    __tablename__ = "tipos_documento"

    codigo: Mapped[str] = mapped_column(String(20), unique=True)
    nombre: Mapped[str] = mapped_column(String(120))
    activo: Mapped[bool] = mapped_column(Boolean, server_default=true())


class Procedimiento(IdMixin, TimestampMixin, Base):
    """A TUPA procedure: what the citizen asks for, its legal deadline and its fee."""

    __tablename__ = "procedimientos"
    __table_args__ = (
        CheckConstraint("plazo_dias >= 0", name="plazo_no_negativo"),
        CheckConstraint("costo >= 0", name="costo_no_negativo"),
    )

    codigo: Mapped[str] = mapped_column(String(20), unique=True)
    nombre: Mapped[str] = mapped_column(String(300))
    plazo_dias: Mapped[int] = mapped_column(Integer)
    costo: Mapped[Decimal] = mapped_column(Numeric(12, 2), server_default="0")
    moneda_codigo: Mapped[str] = mapped_column(ForeignKey("monedas.codigo"), server_default="PEN")
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    activo: Mapped[bool] = mapped_column(Boolean, server_default=true())

    area: Mapped[Area] = relationship(lazy="raise")


class Indicacion(IdMixin, TimestampMixin, Base):
    """A routing instruction ("acción necesaria", "conocimiento y fines", ...)."""

    __tablename__ = "indicaciones"

    codigo: Mapped[str] = mapped_column(String(20), unique=True)
    nombre: Mapped[str] = mapped_column(String(120))
    activo: Mapped[bool] = mapped_column(Boolean, server_default=true())
