"""The run's results as Markdown (printed, and written into docs/performance.md between markers)
and as a chart (docs/performance-bench.png)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bench.procs import ROOT
from bench.scenarios import BASELINE, FLOOR, OPTIMIZED

DOC = ROOT / "docs" / "performance.md"
CHART = ROOT / "docs" / "performance-bench.png"
START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"
CONTESTANTS = (OPTIMIZED, FLOOR, BASELINE)
EXPECTED_STATUS_ERRORS = {"unmatched"}  # wrk counts every 404 as an error: there they are the answer


def ratio(a: float | None, b: float | None) -> str:
    if a is None or not b:
        return "–"
    return f"{a / b:.3f}" if a / b < 0.1 else f"{a / b:.2f}"


def num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    if 0 < abs(value) < 10 and digits == 1:
        digits = 2  # slow contestants: 0.33 req/s, not 0.3
    return f"{value:,.{digits}f}" if value < 1000 else f"{value:,.0f}"


def _get(summary: dict[str, Any], scenario: str, contestant: str, key: str) -> float | None:
    value = summary.get(scenario, {}).get(contestant, {}).get(key)
    return float(value) if value is not None else None


def ratios_table(result: dict[str, Any]) -> list[str]:
    s, labels, stmts = result["summary"], result["labels"], result["statements"]
    out = [
        "| scenario | optimized / floor req/s | baseline / floor req/s | optimized / floor CPU per request "
        "| statements floor / optimized / baseline |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, label in labels.items():
        if name not in s or FLOOR not in s[name]:
            continue
        st = stmts.get(name, {})
        counts = " / ".join(num(st.get(c), 0) for c in (FLOOR, OPTIMIZED, BASELINE))
        out.append(
            f"| {label} | {ratio(_get(s, name, OPTIMIZED, 'rps'), _get(s, name, FLOOR, 'rps'))} "
            f"| {ratio(_get(s, name, BASELINE, 'rps'), _get(s, name, FLOOR, 'rps'))} "
            f"| {ratio(_get(s, name, OPTIMIZED, 'cpu_ms'), _get(s, name, FLOOR, 'cpu_ms'))} | {counts} |"
        )
    bare = _get(s, "livez", FLOOR, "rps")
    for name in ("catalog", "stats_cached", "search_cached"):
        if name in s:
            out.append(
                f"| cached / bare: {labels[name]} (optimized) / floor's bare `/livez` "
                f"| {ratio(_get(s, name, OPTIMIZED, 'rps'), bare)} | | | |"
            )
    return out


def detail_table(result: dict[str, Any]) -> list[str]:
    s, labels = result["summary"], result["labels"]
    out = [
        "| scenario | contestant | req/s | p50 ms | p95 ms | p99 ms | CPU ms/req | DB CPU ms/req | RSS MiB "
        "| errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, label in labels.items():
        for c in CONTESTANTS:
            m = s.get(name, {}).get(c)
            if not m:
                continue
            errors = ", ".join(f"{k} {v}" for k, v in m["errors"].items()) or "0"
            if name in EXPECTED_STATUS_ERRORS:
                errors = errors.replace("status", "404 (expected)")
            out.append(
                f"| {label} | {c} | {num(m['rps'])} | {num(m['p50_ms'], 2)} | {num(m['p95_ms'], 2)} "
                f"| {num(m['p99_ms'], 2)} | {num(m['cpu_ms'], 2)} | {num(m['db_cpu_ms'], 2)} "
                f"| {num(m['rss_peak_mib'])} | {errors} |"
            )
    return out


def mixed_table(result: dict[str, Any]) -> list[str]:
    mixed = result.get("mixed")
    if not mixed:
        return []
    out = [
        f"Mixed workload: {mixed['connections']} connections for {mixed['seconds']} s per contestant "
        "(list, detail, tracking, searches over 10 terms, statistics, catalog, `/livez`, 5 % registrations).",
        "",
        "| contestant | req/s | p50 ms | p99 ms | CPU ms/req | errors | cache hit rate |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for c in CONTESTANTS:
        m = mixed["results"].get(c)
        if not m:
            continue
        errors = ", ".join(f"{k} {v}" for k, v in m["errors"].items()) or "0"
        hits = ", ".join(f"{ns} {rate:.0%}" for ns, rate in m.get("hit_rate", {}).items()) or "–"
        out.append(
            f"| {c} | {num(m['rps'])} | {num(m['p50_ms'], 2)} | {num(m['p99_ms'], 2)} "
            f"| {num(m['cpu_ms'], 2)} "
            f"| {errors} | {hits} |"
        )
    return out


def scale_table(result: dict[str, Any]) -> list[str]:
    scale = result.get("scale")
    if not scale:
        return []
    if "error" in scale:
        return [f"Scale check: not measured ({scale['error']})."]
    n = f"{result['documentos']:,}"
    out = [
        f"| optimized, p50 | {scale['small']:,} documents | {n} documents | ratio (target ≤ 1.5) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, row in scale["rows"].items():
        out.append(
            f"| {name} | {num(row['small'], 2)} ms | {num(row['large'], 2)} ms "
            f"| {ratio(row['large'], row['small'])} |"
        )
    return out


def report_lines(result: dict[str, Any]) -> list[str]:
    r = result.get("report")
    if not r:
        return []
    if "error" in r:
        return [f"Excel report: not measured ({r['error']})."]
    return [
        f"Excel report of {r['filas']:,} rows (`bench/report_bench.py`): {num(r['rows_per_s'], 0)} rows/s, "
        f"**{r['ratio']:.2f} of its floor** (raw asyncpg fetch + hand-written XlsxWriter write of the "
        "same cells, "
        f"{num(r['floor_rows_per_s'], 0)} rows/s); worker RSS {r['rss_before_mib']} → "
        f"{r['rss_peak_mib']} MiB "
        f"(+{r['rss_delta_mib']} MiB)."
    ]


def markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    seed = result.get("seed_seconds")
    head = [
        f"Command: `{result['command']}` — {result['date']}, mode **{result['mode']}**, "
        f"{result['documentos']:,} documents, {result['passes']} interleaved passes of "
        f"{result['block_s']} s blocks "
        f"({result['connections']} connections; statistics 2), medians; git `{result['git']}`.",
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['ram_gib']} GiB RAM; server pinned to core 0 and "
        "wrk to "
        f"core 1: {'yes' if m['pinned'] else 'no'}; load average at the end {m.get('load_end', '?')}. "
        f"Run time {result['wall_s'] / 60:.1f} min.",
    ]
    loads = [(result["documentos"], seed)]
    if result.get("scale"):
        loads.append((result["scale"]["small"], result["scale"].get("seed_seconds")))
    for documentos, seconds in loads:
        if seconds is not None:
            head.append(f"Bulk load by this run: `seed --documentos {documentos:,}` took {seconds} s (wall).")
    head += [
        "",
        "Contestants: **optimized** = the service as shipped (uvicorn, one worker, private Redis cache); "
        "**floor** = `bench/floor_app.py` (FastAPI + asyncpg + orjson, same database, same JSON, same token "
        "check and user lookup); **baseline** = `bench/baseline_app.py` (naive per-row loading, cache off) "
        "on a copy of "
        "the database without its secondary indexes. Searches and uncached statistics use a distinct term or "
        "date range per request, so the optimized service's cache misses every one of them. Ratios > 1 mean "
        "more than the floor (req/s: faster; CPU: costlier). Statements per request from `X-Query-Count` on "
        "the "
        "sample requests (floor: its own count). The floor's statistics are one GROUPING SETS scan of "
        "`documentos` per request (the service reads the counters of revision 0005 where the database has "
        "them, and so does the baseline, which runs the service's statistics code); an especialista's "
        "list and visibility go through the `visibilidad` table where the database has it (revision 0006), "
        "else through `derivaciones`.",
        "",
        *ratios_table(result),
        "",
        *detail_table(result),
        "",
        *mixed_table(result),
        "",
        *scale_table(result),
        "",
        *report_lines(result),
        "",
        f"![benchmark chart]({CHART.relative_to(DOC.parent)})",
    ]
    return "\n".join(head)


def write_doc(result: dict[str, Any]) -> None:
    text = DOC.read_text()
    block = f"{START}\n{markdown(result)}\n{END}"
    if START in text and END in text:
        text = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n## Benchmark results\n\n" + block + "\n"
    DOC.write_text(text)


def chart(result: dict[str, Any]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s, labels = result["summary"], result["labels"]
    names = [n for n in labels if FLOOR in s.get(n, {})]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 8.5))
    width = 0.38
    xs = range(len(names))
    for offset, c, color in ((-width / 2, OPTIMIZED, "#1f77b4"), (width / 2, BASELINE, "#d62728")):
        values = [(_get(s, n, c, "rps") or 0) / (_get(s, n, FLOOR, "rps") or 1) for n in names]
        top.bar([x + offset for x in xs], values, width, label=f"{c} / floor", color=color)
    top.axhline(1.0, color="black", linewidth=0.8)
    top.axhline(0.5, color="gray", linewidth=0.8, linestyle="--", label="target: half the floor")
    top.set_yscale("log")
    top.set_ylabel("throughput relative to the floor")
    top.set_xticks(list(xs), [labels[n] for n in names], rotation=25, ha="right", fontsize=8)
    top.legend(fontsize=8)
    top.set_title(f"{result['documentos']:,} documents, {result['mode']} mode, {result['date']}")
    for offset, c, color in (
        (-0.27, OPTIMIZED, "#1f77b4"),
        (0, FLOOR, "#2ca02c"),
        (0.27, BASELINE, "#d62728"),
    ):
        values = [_get(s, n, c, "p50_ms") or 0 for n in names]
        bottom.bar([x + offset for x in xs], values, 0.27, label=c, color=color)
    bottom.set_yscale("log")
    bottom.set_ylabel("p50 latency, ms (log)")
    bottom.set_xticks(list(xs), [labels[n] for n in names], rotation=25, ha="right", fontsize=8)
    bottom.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(CHART, dpi=110)
    plt.close(fig)
    return CHART
