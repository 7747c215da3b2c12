"""The office's clock: instants shown to people are in the office's time zone, named as people say
it ("hora de Lima"), never as an IANA identifier or a UTC offset."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from app.core.config import get_settings

_MESES = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
)  # fmt: skip
_DIAS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def office_zone() -> ZoneInfo:
    return _zone(get_settings().timezone)


def zone_label() -> str:
    """"hora de Lima" for America/Lima; TIMEZONE_LABEL when the office names its time otherwise."""
    settings = get_settings()
    if settings.timezone_label.strip():
        return settings.timezone_label.strip()
    city = settings.timezone.rsplit("/", 1)[-1].replace("_", " ")
    return f"hora de {city}"


def to_office(instant: datetime) -> datetime:
    """`instant` in office time (a naive value is taken as already in office time)."""
    return instant.astimezone(office_zone()) if instant.tzinfo else instant


def office_today() -> date:
    return datetime.now(office_zone()).date()


def format_datetime(instant: datetime, *, seconds: bool = False) -> str:
    """"06/12/2026 18:44" in office time (without the zone's name: callers add `zone_label()` once)."""
    return to_office(instant).strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


def format_datetime_zone(instant: datetime, *, seconds: bool = False) -> str:
    """"06/12/2026 18:44 (hora de Lima)": an instant shown alone, with the zone's name."""
    return f"{format_datetime(instant, seconds=seconds)} ({zone_label()})"


def format_month(day: date) -> str:
    """"marzo de 2026"."""
    return f"{_MESES[day.month - 1]} de {day.year}"


def format_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def format_date_long(day: date) -> str:
    """"lunes 7 de diciembre de 2026"."""
    return f"{_DIAS[day.weekday()]} {day.day} de {_MESES[day.month - 1]} de {day.year}"
