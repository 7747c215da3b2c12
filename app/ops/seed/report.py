"""What a load tells its caller: rows per table, seconds per phase, and progress lines on the way."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TypeAlias

ProgressFn: TypeAlias = Callable[[str], object]


@dataclass
class SeedReport:
    """What a load wrote (rows per table) and where the time went (seconds per phase)."""

    rows: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    total_s: float = 0.0
    indexes_rebuilt: bool = False
    schema_restored: bool | None = None  # indexes and constraints identical to before the load
    secondary_indexes: int | None = None
    overdue: int | None = None

    def lines(self) -> list[str]:
        out = ["rows:"]
        out += [f"  {table:<14} {count:>12,}" for table, count in self.rows.items()]
        out.append("phases (s):")
        out += [f"  {phase:<32} {seconds:>8.1f}" for phase, seconds in self.phases.items()]
        out.append(f"  {'total':<32} {self.total_s:>8.1f}")
        if self.secondary_indexes is not None:
            out.append(f"secondary indexes: {self.secondary_indexes}")
        if self.schema_restored is not None:
            out.append(f"indexes and constraints identical to before the load: {self.schema_restored}")
        if self.overdue is not None:
            out.append(f"overdue documents loaded: {self.overdue:,}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


class PhaseTimer:
    """Adds the seconds of each phase to the report and prints them when the phase ends."""

    def __init__(self, report: SeedReport, progress: ProgressFn) -> None:
        self.report = report
        self.progress = progress

    @contextlib.asynccontextmanager
    async def phase(self, name: str) -> AsyncIterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - started
            self.report.phases[name] = self.report.phases.get(name, 0.0) + seconds
            self.progress(f"[seed] {name}: {seconds:.1f} s")


class ProgressMeter:
    """A progress line every 10 seconds and at the end."""

    def __init__(self, total: int, progress: ProgressFn) -> None:
        self.total, self.progress = total, progress
        self.done = 0
        self.started = time.perf_counter()
        self.next_line_s = 0.0

    def update(self, done: int) -> None:
        finished = done == self.total and self.done != self.total
        self.done = done
        elapsed = time.perf_counter() - self.started
        if (elapsed >= self.next_line_s and done < self.total) or finished:
            self.next_line_s = elapsed + 10
            rate = done / max(elapsed, 1e-9)
            share = done / max(self.total, 1)
            self.progress(f"[seed] documentos {done:>12,}/{self.total:,} ({share:4.0%}) {rate:,.0f}/s")
