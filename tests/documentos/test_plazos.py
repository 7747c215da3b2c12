"""Deadlines in business days with Peruvian public holidays (Ley 27444, Ley 31465), and the
fecha_limite a registered document gets from its TUPA procedure."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from app.documentos.plazos import (
    calcular_fecha_limite,
    es_dia_habil,
    fecha_recepcion_efectiva,
    sumar_dias_habiles,
)
from tests.conftest import World, registrar


def lima(year: int, month: int, day: int, hour: int) -> datetime:
    """A Lima wall-clock time, stored as the service stores it: in UTC."""
    return datetime(year, month, day, hour, 30, tzinfo=ZoneInfo("America/Lima")).astimezone(UTC)


@pytest.mark.parametrize(
    ("day", "habil"),
    [
        (date(2026, 7, 27), True),  # Monday
        (date(2026, 7, 28), False),  # Fiestas Patrias
        (date(2026, 7, 29), False),  # Fiestas Patrias
        (date(2026, 12, 25), False),  # Navidad
        (date(2026, 11, 21), False),  # Saturday
        (date(2026, 11, 22), False),  # Sunday
        (date(2026, 11, 23), True),
    ],
)
def test_business_days(day: date, habil: bool) -> None:
    assert es_dia_habil(day) is habil


def test_received_late_on_a_business_day_counts_that_day() -> None:
    # 23:30 in Lima on Friday is already Saturday in UTC: the office's date is what counts.
    assert fecha_recepcion_efectiva(lima(2026, 7, 24, 23)) == date(2026, 7, 24)


def test_received_on_weekend_or_holiday_counts_from_next_business_day() -> None:
    assert fecha_recepcion_efectiva(lima(2026, 7, 25, 10)) == date(2026, 7, 27)  # Saturday → Monday
    assert fecha_recepcion_efectiva(lima(2026, 7, 28, 10)) == date(2026, 7, 30)  # holiday → next business day


def test_plazo_skips_weekends_and_holidays() -> None:
    # Friday 24 July 2026, 3 business days: Mon 27, (28 and 29 holidays), Thu 30, Fri 31.
    assert calcular_fecha_limite(lima(2026, 7, 24, 9), 3) == date(2026, 7, 31)
    # Received Saturday: counts from Monday 27; 1 business day later is Thursday 30.
    assert calcular_fecha_limite(lima(2026, 7, 25, 9), 1) == date(2026, 7, 30)
    assert calcular_fecha_limite(lima(2026, 7, 24, 9), 0) == date(2026, 7, 24)


def test_plazo_crosses_year_end() -> None:
    # 30 Dec 2026 (Wed) + 3: Thu 31, (1 Jan holiday), Fri 2 Jan, Mon 5 Jan.
    assert sumar_dias_habiles(date(2026, 12, 30), 3) == date(2027, 1, 5)


async def test_fecha_limite_follows_the_tupa_plazo(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    doc = await registrar(client, tokens["mesa"], world)
    recibido = datetime.fromisoformat(doc["fecha_recepcion"])
    assert doc["fecha_limite"] == calcular_fecha_limite(recibido, world.plazo).isoformat()
    sin_tupa = await registrar(client, tokens["mesa"], world, procedimiento_id=None)
    assert sin_tupa["fecha_limite"] is None
