"""How a load is laid out before any row exists: documents per reception day, days per process.

The plan depends on n and the dates alone, so every slice of a parallel load knows, without the
others, which ids and expediente numbers come before its own.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from app.documentos.plazos import es_dia_habil
from app.ops.seed.context import LOADED_TABLES

FIRST_RECEPTION_DAY = date(2024, 1, 1)
LIMA = timezone(timedelta(hours=-5))  # Peru keeps no daylight saving time
DAY_S = 86_400
HOUR_S = 3_600

# Ids a slice reserves per document, above the mean (2.97 derivaciones, 1.2 anexos, 7.9 events).
_IDS_PER_DOCUMENTO = {"documentos": 1.0, "derivaciones": 4.0, "anexos": 2.0, "historial": 10.0}


@dataclass(frozen=True)
class ReceptionDay:
    local_date: date
    start: int  # local midnight as a Unix timestamp
    business_day: bool
    open_s: int  # seconds of the day before `until`
    documentos: int


def plan_days(n: int, first_day: date, until: datetime) -> list[ReceptionDay]:
    """How many of the n documents arrive each day from `first_day` to `until`."""
    until_ts = int(until.timestamp())
    days: list[tuple[date, int, bool, int]] = []
    day = first_day
    while (start := int(datetime.combine(day, datetime.min.time(), LIMA).timestamp())) < until_ts:
        days.append((day, start, es_dia_habil(day), min(DAY_S, until_ts - start)))
        day += timedelta(days=1)
    if not days:
        raise ValueError("until must be after the first reception day")
    # Weekends and holidays get a tenth (virtual channel only); the volume grows ~1.6x over the
    # period as the office digitises.
    weights = [
        (1.0 if business_day else 0.1) * (1.0 + 0.6 * i / len(days)) * open_s / DAY_S
        for i, (_, _, business_day, open_s) in enumerate(days)
    ]
    total = sum(weights)
    running = [round(n * x / total) for x in itertools.accumulate(weights)]
    counts = [b - a for a, b in zip([0, *running], running, strict=False)]
    counts[-1] += n - sum(counts)  # float rounding must not lose a document
    return [ReceptionDay(*d, documentos=c) for d, c in zip(days, counts, strict=True)]


def correlativos_after(days: list[ReceptionDay], correlativos: dict[int, int]) -> dict[int, int]:
    """The last expediente number per year once the documents of `days` are numbered."""
    after = dict(correlativos)
    for day in days:
        year = day.local_date.year
        after[year] = after.get(year, 0) + day.documentos
    return after


@dataclass(frozen=True)
class Slice:
    """A contiguous run of reception days, generated and loaded by one process."""

    number: int
    days: list[ReceptionDay]
    first_ids: dict[str, int]  # first id per table
    id_limits: dict[str, int] | None  # first id of the next slice; None for the last one
    correlativos: dict[int, int]  # last expediente number per year before this slice

    @property
    def documentos(self) -> int:
        return sum(d.documentos for d in self.days)


def split_days(
    days: list[ReceptionDay], parts: int, max_ids: dict[str, int], correlativos: dict[int, int]
) -> list[Slice]:
    """Split the days into `parts` runs of about as many documents each."""
    n = sum(d.documentos for d in days)
    runs: list[list[ReceptionDay]] = [[]]
    assigned = 0
    for day in days:
        if len(runs) < parts and assigned >= n * len(runs) / parts and runs[-1]:
            runs.append([])
        runs[-1].append(day)
        assigned += day.documentos
    slices: list[Slice] = []
    next_ids = {table: max_ids[table] + 1 for table in LOADED_TABLES}
    last_numbers = dict(correlativos)
    for number, run in enumerate(runs):
        documentos = sum(d.documentos for d in run)
        limits = None
        if number < len(runs) - 1:
            limits = {t: next_ids[t] + int(documentos * f) + 1_000 for t, f in _IDS_PER_DOCUMENTO.items()}
            limits["documentos"] = next_ids["documentos"] + documentos
        slices.append(Slice(number, run, dict(next_ids), limits, last_numbers))
        if limits is not None:
            next_ids.update(limits)
        last_numbers = correlativos_after(run, last_numbers)
    return slices
