"""`verify_optimizations.py`: every optimization checked live against the configured services.

    python verify_optimizations.py [--json] [--api URL] [--flower | --no-flower]
                                   [--only NAME,...] [--timeout-scale F]

Prints one line per check (✅/❌, its name, the time it took and the reason), or with `--json`
`{"ok": bool, "checks": [{"name", "ok", "detail"}]}`; the exit code is 1 when any check fails,
2 on a usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Iterator, Sequence

from kombu.utils.url import maybe_sanitize_url
from sqlalchemy.engine import make_url

from app.core.cache import get_cache
from app.core.config import get_settings
from app.core.database import db
from app.core.embedded_pg import release_all
from app.ops.verificacion import api, base_datos, cache, colas
from app.ops.verificacion.runner import CANCEL_GRACE_S, Check, Context, Result, in_thread, run_checks

SERVICE_CHECKS: tuple[Check, ...] = (*base_datos.CHECKS, *cache.CHECKS, *colas.CHECKS)
API_CHECKS: tuple[Check, ...] = api.CHECKS
# Closing connections and releasing the embedded PostgreSQL must not hang the exit either.
CLEANUP_S = 15.0


def select_checks(only: Sequence[str], with_api: bool) -> list[Check]:
    """The checks to run, in their order; `only` keeps those named and what they need."""
    pool = [*SERVICE_CHECKS, *(API_CHECKS if with_api else ())]
    if not only:
        return pool
    providers = {check.provides: check.name for check in pool if check.provides}
    wanted = set(only)
    by_name = {check.name: check for check in pool}
    pending = list(wanted)
    while pending:
        for need in by_name[pending.pop()].needs:
            provider = providers[need]
            if provider not in wanted:
                wanted.add(provider)
                pending.append(provider)
    return [check for check in pool if check.name in wanted]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="verify_optimizations.py",
        description="Check every optimization live against the configured services.",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--api", metavar="URL", help="also check a running API (/livez, /readyz, 304, Server-Timing)"
    )
    flower = parser.add_mutually_exclusive_group()
    flower.add_argument(
        "--flower", dest="flower", action="store_true", default=None, help="Flower must answer"
    )
    flower.add_argument("--no-flower", dest="flower", action="store_false", help="do not check Flower")
    parser.add_argument("--only", action="append", default=[], metavar="NAME,...", help="run these checks")
    parser.add_argument(
        "--timeout-scale", type=float, default=1.0, metavar="F", help="multiply every time limit (slow hosts)"
    )
    args = parser.parse_args(argv)
    args.only = [name.strip() for group in args.only for name in group.split(",") if name.strip()]
    known = {check.name for check in (*SERVICE_CHECKS, *API_CHECKS)}
    if unknown := sorted(set(args.only) - known):
        parser.error(f"unknown checks {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    if not args.api and (needing := sorted(set(args.only) & {check.name for check in API_CHECKS})):
        parser.error(f"{', '.join(needing)} check a running API: give its URL with --api")
    if args.timeout_scale <= 0:
        parser.error("--timeout-scale must be positive")
    return args


def describe_target() -> str:
    settings = get_settings()
    database = (
        make_url(settings.database_url).render_as_string(hide_password=True)
        if settings.database_url
        else f"embedded PostgreSQL in {settings.data_dir / 'pg'}"
    )
    redis = maybe_sanitize_url(settings.redis_url) if settings.redis_url else "(empty)"
    return f"database: {database}; REDIS_URL: {redis}"


def render_table(results: Sequence[Result]) -> str:
    width = max(len(result.name) for result in results)
    lines = [f"verify_optimizations: {describe_target()}"]
    for result in results:
        mark = "✅" if result.ok else "❌"
        lines.append(f"{mark} {result.name:<{width}}  {result.seconds:5.1f} s  {result.detail}")
    passed = sum(result.ok for result in results)
    lines.append(
        f"{passed}/{len(results)} checks passed" + ("" if passed == len(results) else ", see ❌ above")
    )
    return "\n".join(lines)


def render_json(results: Sequence[Result]) -> str:
    return json.dumps(
        {"ok": all(result.ok for result in results), "checks": [result.as_json() for result in results]},
        ensure_ascii=False,
    )


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """While the checks run, whatever writes to stdout (a log handler set up on it, a library's
    print) goes to stderr: stdout carries the table or the JSON only."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


async def _close() -> None:
    await get_cache().close()
    await db.dispose()
    await in_thread(release_all)


async def _run(checks: Sequence[Check], context: Context) -> list[Result]:
    try:
        return await run_checks(checks, context)
    finally:
        # Bounded: a connection to a hung server must not hold the exit.
        await asyncio.wait({asyncio.ensure_future(_close())}, timeout=CLEANUP_S)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    context = Context(timeout_scale=args.timeout_scale, options={"flower": args.flower, "api": args.api})
    checks = select_checks(args.only, with_api=bool(args.api))
    loop = asyncio.new_event_loop()
    with stdout_to_stderr():
        results = loop.run_until_complete(_run(checks, context))
        # What a timed-out check left behind gets a moment to end cancelled; then it is dropped.
        if leftovers := asyncio.all_tasks(loop):
            for task in leftovers:
                task.cancel()
            loop.run_until_complete(asyncio.wait(leftovers, timeout=CANCEL_GRACE_S))
        if not asyncio.all_tasks(loop):
            loop.close()
    print(render_json(results) if args.json else render_table(results), flush=True)
    return 0 if all(result.ok for result in results) else 1
