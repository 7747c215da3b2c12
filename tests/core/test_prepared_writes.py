"""Prepared statements run straight through asyncpg (`transaction_connection`, `fetch_prepared_on`,
used by registration) belong to the unit of work: SQLAlchemy's asyncpg adapter begins its
transaction lazily, so without `transaction_connection` they would run in autocommit."""

from __future__ import annotations

import pytest
from sqlalchemy import Integer, bindparam, delete, insert, select

from app.core.database import Prepared, db, fetch_prepared_on, session_scope, transaction_connection
from app.core.statements import count_statements
from app.documentos.models import ExpedienteCorrelativo

ANIO = 1901  # a year no registration numbers
INSERTAR = Prepared(
    insert(ExpedienteCorrelativo)
    .values(anio=bindparam("anio", type_=Integer), ultimo=1)
    .returning(ExpedienteCorrelativo.ultimo)
)


async def guardado() -> bool:
    async with db.sessionmaker() as session:
        anio = select(ExpedienteCorrelativo.anio).where(ExpedienteCorrelativo.anio == ANIO)
        return await session.scalar(anio) is not None


async def test_a_prepared_write_rolls_back_and_commits_with_its_unit_of_work() -> None:
    with pytest.raises(RuntimeError):
        async with session_scope() as session:
            conexion = await transaction_connection(session)
            assert [tuple(r) for r in await fetch_prepared_on(conexion, INSERTAR, anio=ANIO)] == [(1,)]
            raise RuntimeError("the use case failed")
    assert not await guardado()
    try:
        async with session_scope() as session:
            with count_statements() as stats:
                conexion = await transaction_connection(session)
                await fetch_prepared_on(conexion, INSERTAR, anio=ANIO)
                # An ORM statement after it runs in the same transaction: it sees the row.
                assert await session.scalar(select(ExpedienteCorrelativo.ultimo).filter_by(anio=ANIO)) == 1
            assert stats.count == 2
        assert await guardado()
    finally:
        async with db.engine.begin() as connection:
            await connection.execute(delete(ExpedienteCorrelativo).where(ExpedienteCorrelativo.anio == ANIO))
