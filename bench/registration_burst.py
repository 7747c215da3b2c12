"""Registrations per second under concurrency, against a running API: `--concurrency` clients each
send registrations back to back (a fresh sender DNI each) for `--seconds`; prints the rate of 201s,
the other statuses and the latency percentiles. Registrations of one year share the year's
expediente counter row (and the day's statistics rows), locked from the registration's write to
its commit, so the rate at concurrency 16 against the rate at 1 says how much of a registration is
serialized behind that lock.

    .venv/bin/python bench/registration_burst.py --url http://127.0.0.1:8000 --user mesa \
        --password ... [--concurrency 1 4 16] [--seconds 10]

`run()` is importable (a test or a script that started its own server passes its URL and headers).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Result:
    concurrency: int
    seconds: float
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.statuses[201] / self.seconds

    def line(self) -> str:
        lat = sorted(self.latencies) or [0.0]
        p50, p99 = lat[len(lat) // 2], lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        return (
            f"concurrency={self.concurrency:3d} registrations/s={self.rate:7.1f} "
            f"p50_ms={p50 * 1000:7.1f} p99_ms={p99 * 1000:7.1f} mean_ms={statistics.fmean(lat) * 1000:7.1f} "
            f"statuses={dict(self.statuses)}"
        )


def body(tipo_id: int, procedimiento_id: int | None, n: int, nonce: str) -> dict[str, Any]:
    return {
        "tipo_documento_id": tipo_id,
        "procedimiento_id": procedimiento_id,
        "asunto": f"Solicitud de prueba de carga {nonce} {n}",
        "folios": 2,
        "remitente": {
            "tipo_persona": "natural",
            "tipo_documento_identidad": "DNI",
            "numero_documento_identidad": f"{(uuid.uuid4().int % 10**8):08d}",
            "nombre": "María Quispe Huamán",
        },
    }


async def run(
    url: str,
    headers: dict[str, str],
    tipo_id: int,
    procedimiento_id: int | None,
    concurrency: int,
    seconds: float,
) -> Result:
    result = Result(concurrency, seconds)
    nonce, counter = uuid.uuid4().hex[:8], iter(range(10**9))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=120) as http:
        # One registration first: connections and the server's caches warm, not counted.
        await http.post("/api/v1/documentos", json=body(tipo_id, procedimiento_id, -1, nonce))
        deadline = time.perf_counter() + seconds

        async def client() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await http.post(
                    "/api/v1/documentos", json=body(tipo_id, procedimiento_id, next(counter), nonce)
                )
                result.latencies.append(time.perf_counter() - started)
                result.statuses[response.status_code] += 1

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
    return result


async def _main(args: argparse.Namespace) -> None:
    async with httpx.AsyncClient(base_url=args.url, timeout=30) as http:
        login = await http.post("/api/v1/auth/login", json={"username": args.user, "password": args.password})
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    for concurrency in args.concurrency:
        result = await run(args.url, headers, args.tipo_id, args.procedimiento_id, concurrency, args.seconds)
        print(result.line(), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default=os.environ.get("ADMIN_PASSWORD", ""))
    parser.add_argument("--tipo-id", type=int, default=1)
    parser.add_argument("--procedimiento-id", type=int, default=None)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--seconds", type=float, default=10.0)
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
