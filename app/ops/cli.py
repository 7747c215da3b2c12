"""Operator commands: `python -m app.ops.cli migrate | demo | seed --documentos N [--seed S] |
warmup-cache`."""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
from collections.abc import Sequence

from alembic import command
from alembic.config import Config
from sqlalchemy import text

import app.models  # noqa: F401 - every mapper, for the ORM statements the commands run
from app import cache_policy
from app.core.cache import get_cache
from app.core.config import PROJECT_ROOT, get_settings
from app.core.database import db
from app.core.logging import configure_logging
from app.ops.seed import (
    ALL_ESPECIALISTA_AREAS,
    ensure_admin,
    ensure_staff,
    seed_catalogos,
    seed_demo,
    seed_documentos,
    staff_users,
)
from app.ops.warmup import warmup_cache

DEMO_DOCUMENTOS = 300
# Any constant works: it only has to be the same for every process running `demo` at once.
_DEMO_LOCK = 0x6D7061727465


def _password() -> tuple[str, bool]:
    """The configured admin password, or a fresh random one; True when generated."""
    configured = get_settings().admin_password
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value(), False
    return secrets.token_urlsafe(12), True


def _banner(username: str, password: str | None, others: Sequence[str]) -> str:
    """How to log in; `password` None means it came from settings and is not echoed."""
    url = get_settings().public_base_url.rstrip("/") + "/api/v1/auth/login"
    shown = password if password is not None else "$ADMIN_PASSWORD"
    rule = "=" * 78
    lines = [
        rule,
        f"  Log in as {username} / {shown}",
    ]
    if password is None:
        lines.append("  (the password is the ADMIN_PASSWORD setting)")
    if others:
        lines.append(f"  Staff accounts with the same password: {', '.join(others)}")
    lines += [
        "",
        f"  curl -s -X POST {url} \\",
        "       -H 'Content-Type: application/json' \\",
        f"""       -d '{{"username": "{username}", "password": "{shown}"}}'""",
        rule,
    ]
    return "\n".join(lines)


def migrate() -> None:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    # Alembic's own logging setup (alembic.ini) would replace ours for the rest of the command.
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


async def _schema_present() -> bool:
    """True when migrated; otherwise says so on stderr."""
    async with db.engine.connect() as conn:
        if await conn.scalar(text("SELECT to_regclass('public.usuarios') IS NOT NULL")):
            return True
    print("the schema is missing: run `python -m app.ops.cli migrate` first", file=sys.stderr)
    return False


async def demo() -> int:
    """First-start bootstrap: catalogs, admin, demo staff and documents, only on an empty database."""
    settings = get_settings()
    try:
        if not await _schema_present():
            return 1
        async with db.engine.connect() as conn:
            # Two processes starting together must not both seed.
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _DEMO_LOCK})
            if await conn.scalar(text("SELECT EXISTS (SELECT 1 FROM usuarios)")):
                print("demo data already present")
                return 0
            password, generated = _password()
            await seed_catalogos(conn)
            await ensure_admin(conn, settings.admin_username, settings.admin_email, password)
            report = await seed_demo(
                conn, password=password, documentos=DEMO_DOCUMENTOS, progress=lambda _: None
            )
            await conn.commit()
        await _forget_cached_data()
    finally:
        await db.dispose()
    staff = [u.username for u in staff_users()]
    print(f"demo data loaded: {report.rows.get('documentos', 0)} documents, {len(staff) + 1} users")
    print(_banner(settings.admin_username, password if generated else None, staff))
    return 0


async def seed(documentos: int, random_seed: int, chunk: int, processes: int | None = None) -> int:
    """Catalogs and base users if missing, then the bulk load of `documentos` documents."""
    settings = get_settings()
    started = time.perf_counter()
    try:
        if not await _schema_present():
            return 1
        password, generated = _password()
        async with db.engine.connect() as conn:
            await seed_catalogos(conn)
            admin = await ensure_admin(conn, settings.admin_username, settings.admin_email, password)
            created = await ensure_staff(conn, password, areas_especialista=ALL_ESPECIALISTA_AREAS)
            await conn.commit()
        if admin or created:
            print(f"created {int(admin) + created} user accounts")
            usernames = [u.username for u in staff_users(ALL_ESPECIALISTA_AREAS)]
            print(_banner(settings.admin_username, password if generated else None, [*usernames[:3], "..."]))
        report = await seed_documentos(
            db.engine, documentos, seed=random_seed, chunk=chunk, processes=processes
        )
        await _forget_cached_data()
    finally:
        await db.dispose()
    print(report)
    print(f"total wall time (including start-up and users): {time.perf_counter() - started:.1f} s")
    return 0


async def _forget_cached_data() -> None:
    """Rows were written behind the service's back: every cached view of them is stale."""
    cache = get_cache()
    try:
        await cache.invalidate(*cache_policy.TODOS)
    finally:
        await cache.close()


async def warmup() -> int:
    cache = get_cache()
    try:
        if not await _schema_present():
            return 1
        report = await warmup_cache()
        print(
            f"cache warmed in {report.seconds:.2f} s on {cache.backend}: "
            f"catalogs {', '.join(report.catalogos)}; statistics for {report.estadisticas} scopes"
        )
        if cache.backend != "redis":
            print("note: without Redis the warmed entries live only in this process", file=sys.stderr)
    finally:
        await cache.close()
        await db.dispose()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.ops.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="alembic upgrade head")
    sub.add_parser(
        "demo", help="first-start bootstrap: admin, demo staff and 300 documents on an empty database"
    )
    sub.add_parser("warmup-cache", help="fill the cache with the catalogs and the statistics")
    p_seed = sub.add_parser("seed", help="bulk-load documents (COPY) for benchmarks")
    p_seed.add_argument("--documentos", type=int, default=1_000_000, metavar="N", help="default: 1,000,000")
    p_seed.add_argument("--seed", type=int, default=42, metavar="S", help="random seed (default: 42)")
    p_seed.add_argument(
        "--chunk-size",
        type=int,
        default=10_000,
        metavar="K",
        help="documents per COPY batch (default: 10,000)",
    )
    p_seed.add_argument(
        "--processes",
        type=int,
        default=None,
        metavar="P",
        help="loader processes (default: one per core, max 4)",
    )
    args = parser.parse_args(argv)
    configure_logging()

    if args.command == "migrate":
        migrate()
        return 0
    if args.command == "demo":
        return asyncio.run(demo())
    if args.command == "warmup-cache":
        return asyncio.run(warmup())
    if args.documentos < 0 or args.chunk_size < 1 or (args.processes is not None and args.processes < 1):
        parser.error("--documentos must be >= 0, --chunk-size and --processes >= 1")
    return asyncio.run(seed(args.documentos, args.seed, args.chunk_size, args.processes))


if __name__ == "__main__":
    raise SystemExit(main())
