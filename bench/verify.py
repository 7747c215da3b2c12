"""The check at the start of every run: each contestant answers the scenarios' sample requests
with the same status and the same JSON (compared after parsing) as the optimized service, and the
statements each one ran for them (`X-Query-Count`). The run stops when any answer differs."""

from __future__ import annotations

import statistics
from typing import Any

import httpx
import orjson

from bench.scenarios import OPTIMIZED, Samples, Scenario

# Registration: what differs between two registrations of the same body.
VOLATILE = {"id", "numero_expediente", "codigo_verificacion", "fecha_recepcion", "created_at", "updated_at"}


class Mismatch(SystemExit):
    pass


def first_difference(a: Any, b: Any, path: str = "$") -> str | None:
    if type(a) is not type(b):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key}: only in {'first' if key in a else 'second'}"
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


def _request(http: httpx.Client, line: str, tokens: dict[str, str], body: bytes | None = None,
             key: str | None = None) -> httpx.Response:  # fmt: skip
    method, path, auth, _ = line.split("\t")
    headers = {} if auth == "-" else {"Authorization": f"Bearer {tokens[auth]}"}
    if body is not None:
        headers |= {"Content-Type": "application/json", "Idempotency-Key": key or "bench-check"}
    return http.request(method, path, headers=headers, content=body)


def _count(response: httpx.Response) -> int | None:
    value = response.headers.get("x-query-count")
    return int(value) if value is not None else None


def check(
    scenarios: list[Scenario],
    urls: dict[str, str],
    tokens: dict[str, dict[str, str]],
    samples: Samples,
    nonce: str,
) -> dict[str, dict[str, float | None]]:
    """Compare every contestant with the optimized service; returns statements per request."""
    clients = {name: httpx.Client(base_url=url, timeout=120) for name, url in urls.items()}
    statements: dict[str, dict[str, list[int]]] = {}
    compared = identical_bytes = 0
    try:
        for scenario in scenarios:
            counts = statements.setdefault(scenario.name, {c: [] for c in scenario.contestants})
            lines = scenario.check_lines() if scenario.checks else scenario.lines[:2]
            for line in lines:
                answers: dict[str, httpx.Response] = {}
                for name in scenario.contestants:
                    if line.endswith("\tREG"):
                        continue
                    if not scenario.unique:  # the second answer: a cache hit where there is a cache
                        _request(clients[name], line, tokens[name])
                    answers[name] = _request(clients[name], line, tokens[name])
                    count = _count(answers[name])
                    if count is not None:
                        counts[name].append(count)
                if not scenario.checks or not answers:
                    continue
                reference = answers[OPTIMIZED]
                if reference.status_code >= 500:
                    raise Mismatch(f"{scenario.name}: the optimized service answered {reference.status_code}")
                for name, answer in answers.items():
                    if name == OPTIMIZED:
                        continue
                    compared += 1
                    _compare(scenario.name, line, name, reference, answer)
                    identical_bytes += reference.content == answer.content
        # Last: registrations change what the other scenarios read (the floor shares the database).
        for scenario in scenarios:
            if scenario.name == "registration":
                _registration(scenario, clients, tokens, samples, nonce, statements["registration"])
    finally:
        for client in clients.values():
            client.close()
    print(f"  {compared} answers compared with the optimized service's: all equal "
          f"({identical_bytes} byte for byte)", flush=True)  # fmt: skip
    return {
        s: {c: (statistics.median(v) if v else None) for c, v in per.items()} for s, per in statements.items()
    }


def _compare(scenario: str, line: str, name: str, reference: httpx.Response, answer: httpx.Response) -> None:
    where = f"{scenario} ({line.split(chr(9))[1][:120]}): {name} vs optimized"
    if answer.status_code != reference.status_code:
        raise Mismatch(
            f"{where}: status {answer.status_code} != {reference.status_code}: {answer.text[:300]}"
        )
    if reference.status_code == 304:
        return
    diff = first_difference(orjson.loads(reference.content), orjson.loads(answer.content))
    if diff:
        raise Mismatch(f"{where}: the JSON differs at {diff}")


def _registration(
    scenario: Scenario,
    clients: dict[str, httpx.Client],
    tokens: dict[str, dict[str, str]],
    samples: Samples,
    nonce: str,
    counts: dict[str, list[int]],
) -> None:
    """One registration per contestant with the same body (a known sender): equal but for the
    number, code, id and times; replaying its key answers 200 with the same document."""
    body = {
        "tipo_documento_id": samples.tipo_id,
        "procedimiento_id": samples.procedimiento_id,
        "asunto": "Solicito licencia de funcionamiento (comprobación del benchmark)",
        "folios": 2,
        "remitente": samples.known_sender,
    }
    raw = orjson.dumps(body)
    answers = {}
    for name in scenario.contestants:
        key = f"{nonce}-check-{name}"
        first = _request(clients[name], scenario.lines[0], tokens[name], raw, key)
        if first.status_code != 201:
            raise Mismatch(f"registration on {name}: {first.status_code} {first.text[:300]}")
        count = _count(first)
        if count is not None:
            counts[name].append(count)
        replay = _request(clients[name], scenario.lines[0], tokens[name], raw, key)
        if replay.status_code != 200 or replay.json()["id"] != first.json()["id"]:
            raise Mismatch(f"registration replay on {name}: {replay.status_code} {replay.text[:300]}")
        answers[name] = {k: v for k, v in first.json().items() if k not in VOLATILE}
    for name, answer in answers.items():
        diff = first_difference(answers[OPTIMIZED], answer)
        if diff:
            raise Mismatch(f"registration: {name} vs optimized: the JSON differs at {diff}")
