"""Schemathesis over the app's OpenAPI document, through ASGI, as each role: no 5xx, and every answer
(status, content type, body) as the document declares it.

Run by `tests/test_fuzz.py` in a process of its own, against a database of its own (migrated and
loaded with the demo data): fuzzed writes as an admin deactivate users and rename areas, which the
rest of the suite must not see. One ASGI client (one event loop) serves the whole run, so the app's
pooled connections stay on the loop that opened them.

Usage: python -m tests.fuzz_openapi <max examples per operation and role>  (prints a JSON report)
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase, given
from schemathesis.checks import not_a_server_error
from schemathesis.openapi import from_dict
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.core.config import get_settings
from app.main import app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# The demo's accounts: one per role (and an especialista of two different areas).
ROLES = {
    "anonimo": None,
    "mesa_partes": "mesapartes",
    "especialista": "esp.sglc",
    "especialista_otra_area": "esp.oaj",
    "auditor": "auditor",
    "admin": None,  # the configured admin
}
# Operator endpoints answer with their own text formats (Prometheus) or run EXPLAIN on demand.
SKIPPED_PATHS = ("/metrics",)


def _token(client: Any, username: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, f"login {username}: {response.status_code} {response.text[:300]}"
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _headers(client: Any) -> dict[str, dict[str, str]]:
    settings = get_settings()
    assert settings.admin_password is not None, "ADMIN_PASSWORD must be set (the demo's password)"
    password = settings.admin_password.get_secret_value()
    result: dict[str, dict[str, str]] = {"anonimo": {}}
    for role, username in ROLES.items():
        if role != "anonimo":
            result[role] = _token(client, username or settings.admin_username, password)
    return result


class Fuzz:
    """The run's tally: requests, statuses, and one failure per operation, role and kind."""

    def __init__(self, client: Any, max_examples: int) -> None:
        self.client = client
        self.max_examples = max_examples
        self.requests = 0
        self.statuses: Counter[str] = Counter()
        self.failures: list[dict[str, Any]] = []

    def exercise(self, operation: Any, role: str, headers: dict[str, str]) -> None:
        seen: set[str] = set()

        @hypothesis.settings(
            max_examples=self.max_examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def one(case: Any) -> None:
            response = case.call(session=self.client, headers=headers)
            self.requests += 1
            self.statuses[f"{response.status_code // 100}xx"] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except (AssertionError, BaseExceptionGroup) as exc:  # one report per operation, role and kind
                kind = type(exc).__name__ + ":" + str(exc).splitlines()[0][:120]
                if kind not in seen:
                    seen.add(kind)
                    self.failures.append({
                        "operation": f"{operation.method.upper()} {operation.path}",
                        "role": role,
                        "status": response.status_code,
                        "failure": str(exc)[:1500],
                        "body": response.text[:500],
                    })  # fmt: skip

        one()


def run(max_examples: int) -> dict[str, Any]:
    schema = from_dict(app.openapi())
    schema.app = app
    with asgi.get_client(app) as client:
        fuzz = Fuzz(client, max_examples)
        roles = _headers(client)
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.path.startswith(SKIPPED_PATHS):
                continue
            for role, headers in roles.items():
                fuzz.exercise(operation, role, headers)
    return {"requests": fuzz.requests, "statuses": dict(fuzz.statuses), "failures": fuzz.failures}


if __name__ == "__main__":
    report = run(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    sys.exit(1 if report["failures"] else 0)
