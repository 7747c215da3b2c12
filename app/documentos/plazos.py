"""Deadlines in business days (días hábiles) with Peruvian public holidays.

Ley 27444 counts a plazo from the business day after reception; Ley 31465 says a document received
at any hour of a business day counts as received that day, and one received on a weekend or holiday
counts as received on the next business day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from app.core.config import get_settings


@lru_cache(maxsize=64)
def _feriados(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("PE", years=year).keys())


def es_dia_habil(day: date) -> bool:
    return day.weekday() < 5 and day not in _feriados(day.year)


def siguiente_dia_habil(day: date) -> date:
    """`day` itself when it is a business day, else the next one."""
    while not es_dia_habil(day):
        day += timedelta(days=1)
    return day


def fecha_recepcion_efectiva(recibido: datetime) -> date:
    """The business day a document received at `recibido` counts as received (office's timezone)."""
    local = recibido.astimezone(ZoneInfo(get_settings().timezone)) if recibido.tzinfo else recibido
    return siguiente_dia_habil(local.date())


@lru_cache(maxsize=65_536)
def sumar_dias_habiles(inicio: date, dias: int) -> date:
    """The `dias`-th business day after `inicio` (`inicio` itself when `dias` is 0)."""
    day = inicio
    remaining = dias
    while remaining > 0:
        day += timedelta(days=1)
        if es_dia_habil(day):
            remaining -= 1
    return day


def calcular_fecha_limite(recibido: datetime, plazo_dias: int) -> date:
    return sumar_dias_habiles(fecha_recepcion_efectiva(recibido), plazo_dias)


def dias_habiles_entre(desde: date, hasta: date) -> int:
    """Business days after `desde` up to and including `hasta` (the inverse of `sumar_dias_habiles`
    from a business day); negative when `hasta` is before `desde`: from today to a deadline, the
    business days left, or (negative) the business days it is overdue."""
    if hasta < desde:
        return -dias_habiles_entre(hasta, desde)
    return sum(1 for n in range(1, (hasta - desde).days + 1) if es_dia_habil(desde + timedelta(days=n)))
