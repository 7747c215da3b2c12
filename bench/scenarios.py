"""The benchmark's scenarios: what each one requests, from whom, against which contestants, and
the request files wrk reads (`bench/requests.lua`: METHOD, PATH, AUTH, BODY per line)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import orjson

API = "/api/v1"
OPTIMIZED, FLOOR, BASELINE = "optimized", "floor", "baseline"
ALL = (OPTIMIZED, FLOOR, BASELINE)


@dataclass(frozen=True)
class Samples:
    """What the request files are made of, read from the seeded database."""

    ids: list[int]
    tracking: list[tuple[str, str]]
    words: list[str]  # searchable words, most frequent first
    pairs: list[str]  # two words found together in some asunto: a search that finds something
    busy_area: int  # most routings received: the especialista's area
    filter_area: int  # the list filter: the area with most documents...
    filter_estado: str  # ...and its most common estado
    tipo_id: int
    procedimiento_id: int
    known_sender: dict[str, str]  # an existing DNI sender, for the registration check


@dataclass
class Scenario:
    name: str
    label: str
    lines: list[str]
    contestants: tuple[str, ...] = ALL
    connections: int = 8
    # Distinct requests: each region of `region` lines is used once (0 check, 1 warm-up, 2+ passes),
    # so that no measured request of the optimized service can be a cache hit.
    unique: bool = False
    region: int = 0
    checks: int = 3  # requests compared between contestants at the start
    note: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def start(self, slot: int) -> int:
        """First line of `slot` (0 check, 1 warm-up, 2 + pass)."""
        return slot * self.region if self.unique else (slot * 97) % max(1, len(self.lines))

    def check_lines(self) -> list[str]:
        first = self.start(0)
        return [self.lines[(first + i) % len(self.lines)] for i in range(self.checks)]


def line(path: str, params: dict[str, object] | None = None, auth: str = "A", method: str = "GET") -> str:
    query = f"?{urlencode(params, doseq=True)}" if params else ""
    return f"{method}\t{path}{query}\t{auth}\t{'REG' if method == 'POST' else '-'}"


def registration_template(s: Samples) -> str:
    """The registration body; the Lua script puts a fresh DNI and counter in each request."""
    body = {
        "tipo_documento_id": s.tipo_id,
        "procedimiento_id": s.procedimiento_id,
        "asunto": "Solicito licencia de funcionamiento para bodega, solicitud de prueba {N}",
        "folios": 3,
        "remitente": {
            "tipo_persona": "natural",
            "tipo_documento_identidad": "DNI",
            "numero_documento_identidad": "{DNI}",
            "nombre": "María Quispe Huamán",
        },
    }
    return orjson.dumps(body).decode()


def search_terms(words: list[str], pairs: list[str], count: int) -> list[str]:
    """`count` distinct searches: single words and pairs of words seen together in an asunto (each
    finds documents), then, when those run out, pairs and triples of common words."""
    terms = list(dict.fromkeys([*words, *pairs]))
    seen = set(terms)
    rng = random.Random(7)
    while len(terms) < count:
        term = " ".join(rng.sample(words, 2 if len(seen) % 2 else 3))
        if term not in seen:
            seen.add(term)
            terms.append(term)
    terms = terms[:count]
    rng.shuffle(terms)  # every region gets the same mix of one, two and three words
    return terms


def stats_ranges(count: int) -> list[tuple[date, date]]:
    """`count` distinct date ranges that all cover every document (distinct cache keys)."""
    first, last = date(1900, 1, 1), date(2999, 12, 31)
    return [(first + timedelta(days=i % 30_000), last - timedelta(days=i // 30_000)) for i in range(count)]


def build(s: Samples, passes: int, region: int) -> list[Scenario]:
    docs = f"{API}/documentos"
    slots = passes + 2
    ids = [line(f"{docs}/{i}") for i in s.ids]
    tracking = [line(f"{API}/seguimiento", {"numero": n, "codigo": c}, "-") for n, c in s.tracking]
    searches = [line(docs, {"q": t, "page_size": 20}) for t in search_terms(s.words, s.pairs, slots * region)]
    stats_region = max(100, region // 4)
    ranges = stats_ranges(slots * stats_region)
    stats = [
        line(f"{API}/estadisticas", {"fecha_desde": a.isoformat(), "fecha_hasta": b.isoformat()})
        for a, b in ranges
    ]
    common = s.words[:5]
    return [
        Scenario("list", "list 100 (admin)", [line(docs, {"page_size": 100})], checks=1),
        Scenario(
            "list_filtered",
            "list 100, area + estado (admin)",
            [line(docs, {"page_size": 100, "area_id": s.filter_area, "estado": s.filter_estado})],
            checks=1,
        ),
        Scenario(
            "list_especialista", "list 100 (especialista)", [line(docs, {"page_size": 100}, "E")], checks=1
        ),
        Scenario("detail", "detail", ids, checks=5),
        Scenario("tracking", "public tracking", tracking, checks=5),
        Scenario(
            "search", "search q= (distinct terms: misses)", searches, unique=True, region=region, checks=4
        ),
        Scenario("registration", "registration (POST)", [line(docs, method="POST")], checks=0),
        Scenario(
            "stats",
            "statistics (distinct ranges: misses)",
            stats,
            connections=2,
            unique=True,
            region=stats_region,
            checks=1,
        ),
        Scenario("catalog", "catalog areas (public)", [line(f"{API}/catalogos/areas", auth="-")], checks=1),
        Scenario(
            "stats_cached",
            "statistics (cached)",
            [line(f"{API}/estadisticas")],
            contestants=(OPTIMIZED,),
            checks=0,
        ),
        Scenario(
            "search_cached",
            "search q= (5 terms: hits)",
            [line(docs, {"q": t, "page_size": 20}) for t in common],
            contestants=(OPTIMIZED,),
            checks=0,
        ),
        Scenario(
            "livez", "/livez vs bare", [line("/livez", auth="-")], contestants=(OPTIMIZED, FLOOR), checks=1
        ),
        Scenario(
            "unmatched",
            "unmatched route (404)",
            [line("/no-such-route", auth="-")],
            (OPTIMIZED, FLOOR),
            checks=1,
        ),
    ]


def mixed(s: Samples, size: int = 4000) -> Scenario:
    """A read-mostly mix with 5 % registrations; searches and statistics repeat (cache hits)."""
    rng = random.Random(11)
    docs = f"{API}/documentos"
    kinds: list[tuple[int, Callable[[], str]]] = [
        (10, lambda: line(docs, {"page_size": 100})),
        (5, lambda: line(docs, {"page_size": 100, "area_id": s.filter_area, "estado": s.filter_estado})),
        (5, lambda: line(docs, {"page_size": 100}, "E")),
        (25, lambda: line(f"{docs}/{rng.choice(s.ids)}")),
        (
            10,
            lambda: line(
                f"{API}/seguimiento",
                dict(zip(("numero", "codigo"), rng.choice(s.tracking), strict=True)),
                "-",
            ),
        ),
        (15, lambda: line(docs, {"q": rng.choice(s.words[:10]), "page_size": 20})),
        (5, lambda: line(f"{API}/estadisticas")),
        (15, lambda: line(f"{API}/catalogos/areas", auth="-")),
        (5, lambda: line("/livez", auth="-")),
        (5, lambda: line(docs, method="POST")),
    ]
    weights = [w for w, _ in kinds]
    lines = [rng.choices(kinds, weights)[0][1]() for _ in range(size)]
    return Scenario("mixed", "mixed workload", lines, connections=200, checks=0)


def write_lines(scenario: Scenario, directory: Path) -> Path:
    path = directory / f"{scenario.name}.txt"
    if not path.exists():
        path.write_text("\n".join(scenario.lines) + "\n")
    return path
