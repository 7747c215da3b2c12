"""When generated documents arrive, from whom and by which channel: the receptions of each day of
a slice, in order. A few frequent senders bring many documents, public bodies write through the
interoperability platform, and the counter opens on business days only."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from typing import TypeAlias

from app.ops.seed.plan import DAY_S, HOUR_S, ReceptionDay
from app.ops.seed.remitentes import Remitentes

# (reception ts, sender index, canal, local year, local month)
Recepcion: TypeAlias = tuple[int, int, str, int, int]


def recepciones(
    rnd: Callable[[], float], days: Sequence[ReceptionDay], remitentes: Remitentes
) -> Iterator[Recepcion]:
    """One reception per document of `days`, in reception order; draws a day's when it is reached."""
    entidades, others = remitentes.entidades, remitentes.others
    for day in days:
        business_day, open_s, start = day.business_day, day.open_s, day.start
        of_the_day: list[Recepcion] = []
        for _ in range(day.documentos):
            if entidades and rnd() < 0.08:
                remitente = entidades[int(rnd() * len(entidades))]
                r = rnd()
                if r < 0.45:
                    canal = "interoperabilidad"
                else:
                    canal = "virtual" if r < 0.8 or not business_day else "presencial"
            else:
                # Skewed: a few frequent senders (gestores, companies) bring many documents.
                remitente = others[int(len(others) * rnd() ** 1.7)]
                r = rnd()
                if r < 0.58 and business_day:
                    canal = "presencial"
                else:
                    canal = "virtual" if r < 0.97 else "interoperabilidad"
            if canal == "presencial":
                second = 8 * HOUR_S + 1800 + int(rnd() * 8 * HOUR_S)  # 08:30-16:30 at the counter
            elif rnd() < 0.85:
                second = 7 * HOUR_S + int(rnd() * 14 * HOUR_S)
            else:
                second = int(rnd() * DAY_S)
            if second >= open_s:
                second = int(rnd() * open_s)
            of_the_day.append((start + second, remitente, canal, day.local_date.year, day.local_date.month))
        of_the_day.sort(key=itemgetter(0))
        yield from of_the_day
