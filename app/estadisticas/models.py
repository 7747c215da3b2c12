"""The statistics counters: daily rollups of `documentos` per visibility scope, kept by the triggers
of Alembic revision 0005 in the same transaction as every write (docs/architecture.md, Statistics
counters).

`alcance` 0 counts every document; an area id counts what that area's especialistas see (its
area_actual, or routed there). `dia` is the reception day in the office's calendar. A key's count
may drop to zero and stay as a row: readers skip zero sums.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Date, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, IdMixin


class EstadisticaEstado(Base):
    """Documents per estado, with the attended ones and their attention time (seconds)."""

    __tablename__ = "estadisticas_estados"

    alcance: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    dia: Mapped[date] = mapped_column(Date, primary_key=True)
    estado: Mapped[str] = mapped_column(String(32), primary_key=True)
    documentos: Mapped[int] = mapped_column(BigInteger)
    atendidos: Mapped[int] = mapped_column(BigInteger)
    segundos_atencion: Mapped[Decimal] = mapped_column(Numeric)


class EstadisticaArea(Base):
    """Documents per area_actual."""

    __tablename__ = "estadisticas_areas"

    alcance: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    dia: Mapped[date] = mapped_column(Date, primary_key=True)
    area_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    documentos: Mapped[int] = mapped_column(BigInteger)


class EstadisticaTipo(Base):
    """Documents per tipo_documento."""

    __tablename__ = "estadisticas_tipos"

    alcance: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    dia: Mapped[date] = mapped_column(Date, primary_key=True)
    tipo_documento_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    documentos: Mapped[int] = mapped_column(BigInteger)


class EstadisticaPlazo(Base):
    """Open documents per deadline: overdue = the rows whose fecha_limite is before today."""

    __tablename__ = "estadisticas_plazos"

    alcance: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    dia: Mapped[date] = mapped_column(Date, primary_key=True)
    fecha_limite: Mapped[date] = mapped_column(Date, primary_key=True)
    documentos: Mapped[int] = mapped_column(BigInteger)


class EstadisticaDelta(IdMixin, Base):
    """A write's signed change to one key of one of the tables above (exactly one of estado,
    area_id, tipo_id, fecha_limite set). Writers only append here, so none waits for another;
    `estadisticas_consolidar()` folds the rows into the tables every 1,024 of them, and readers add
    what is not folded yet."""

    __tablename__ = "estadisticas_deltas"

    alcance: Mapped[int] = mapped_column(Integer)
    dia: Mapped[date] = mapped_column(Date)
    estado: Mapped[str | None] = mapped_column(String(32))
    area_id: Mapped[int | None] = mapped_column(Integer)
    tipo_id: Mapped[int | None] = mapped_column(Integer)
    fecha_limite: Mapped[date | None] = mapped_column(Date)
    documentos: Mapped[int] = mapped_column(BigInteger)
    atendidos: Mapped[int] = mapped_column(BigInteger)
    segundos_atencion: Mapped[Decimal] = mapped_column(Numeric)
