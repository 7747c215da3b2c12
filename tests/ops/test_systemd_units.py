"""deploy/systemd/: the units run unprivileged in a sandbox, the workers consume every queue (reports
apart), a worker's warm shutdown outlasts its longest task, and `systemd-analyze verify` accepts them."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from app.core.config import PROJECT_ROOT, Settings
from app.core.task_queue import QUEUES

UNITS = PROJECT_ROOT / "deploy" / "systemd"
SERVICES = sorted(UNITS.glob("*.service"))
LONG_RUNNING = ["api", "worker", "worker-reports", "beat", "flower"]
HARDENING = {
    "User": "mesa-partes",
    "Group": "mesa-partes",
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "PrivateTmp": "yes",
    "ProtectHome": "yes",
    "PrivateDevices": "yes",
    "RestrictSUIDSGID": "yes",
    "CapabilityBoundingSet": "",
}
METRICS_DIR = "/run/mesa-partes-metrics"

Unit = dict[str, dict[str, list[str]]]


def parse(path: Path) -> Unit:
    """Section -> key -> every value given (a key may repeat: Environment=, ReadWritePaths=)."""
    unit: Unit = defaultdict(lambda: defaultdict(list))
    section = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        unit[section][key.strip()].append(value.strip())
    return unit


def service(name: str) -> dict[str, list[str]]:
    return parse(UNITS / f"mesa-partes-{name}.service")["Service"]


def one(values: dict[str, list[str]], key: str) -> str:
    assert len(values[key]) == 1, (key, values[key])
    return values[key][0]


def seconds(value: str) -> float:
    units = {"": 1, "s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600}
    match = re.fullmatch(r"(\d+)\s*([a-z]*)", value)
    assert match, value
    return int(match.group(1)) * units[match.group(2)]


def environment(values: dict[str, list[str]]) -> dict[str, str]:
    pairs = [pair for line in values["Environment"] for pair in shlex.split(line)]
    return dict(pair.split("=", 1) for pair in pairs)


@pytest.mark.parametrize("name", [*LONG_RUNNING, "migrate"])
def test_each_service_runs_unprivileged_in_a_sandbox_with_the_env_file(name: str) -> None:
    values = service(name)
    for key, expected in HARDENING.items():
        assert one(values, key) == expected, (name, key)
    assert "/var/lib/mesa-partes" in " ".join(values["ReadWritePaths"]).split()
    assert one(values, "EnvironmentFile") == "/etc/mesa-partes/mesa-partes.env"
    unit = parse(UNITS / f"mesa-partes-{name}.service")["Unit"]
    after = " ".join(unit["After"]).split()
    wants = " ".join(unit["Wants"]).split()
    needs = {"redis-server.service"} if name in ("beat", "flower") else {"postgresql.service"}
    if name in ("api", "worker", "worker-reports"):
        needs.add("redis-server.service")
    assert needs <= set(after) and needs <= set(wants), name
    if name != "migrate":
        assert one(values, "Restart") == "always"


def test_the_workers_consume_every_queue_once_reports_apart() -> None:
    consumed: dict[str, list[str]] = {}
    for name in ("worker", "worker-reports"):
        command = shlex.split(one(service(name), "ExecStart"))
        consumed[name] = command[command.index("-Q") + 1].split(",")
    assert consumed["worker-reports"] == ["reports"]
    assert sorted(consumed["worker"] + consumed["worker-reports"]) == sorted(QUEUES)


def test_a_worker_stops_warm_and_waits_for_its_longest_task() -> None:
    defaults = Settings.model_fields
    longest = {
        "worker-reports": defaults["task_time_limit_s"].default,
        "worker": defaults["task_short_time_limit_s"].default,
    }
    for name, limit in longest.items():
        values = service(name)
        # SIGTERM to the main process only: it finishes its running tasks (warm shutdown).
        assert one(values, "KillMode") == "mixed"
        assert seconds(one(values, "TimeoutStopSec")) > limit, name


def test_the_api_runs_several_processes_sharing_one_metrics_directory() -> None:
    api = service("api")
    assert "--workers ${API_WORKERS}" in one(api, "ExecStart")
    assert int(environment(api)["API_WORKERS"]) > 1
    directory = parse(UNITS / "mesa-partes-metrics.service")["Service"]
    assert one(directory, "RuntimeDirectory") == METRICS_DIR.removeprefix("/run/")
    for name in ("api", "worker", "worker-reports"):
        values = service(name)
        assert environment(values)["PROMETHEUS_MULTIPROC_DIR"] == METRICS_DIR
        assert METRICS_DIR in " ".join(values["ReadWritePaths"]).split()
        unit = parse(UNITS / f"mesa-partes-{name}.service")["Unit"]
        assert "mesa-partes-metrics.service" in " ".join(unit["Requires"]) + " ".join(unit["After"])


def test_systemd_analyze_verify_accepts_them(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    # The units name the deployment's paths; here they point at this checkout and an empty env file.
    env_file = tmp_path / "mesa-partes.env"
    env_file.touch()
    copies = []
    for path in [*SERVICES, *UNITS.glob("*.target")]:
        text = path.read_text().replace("/opt/mesa-partes", str(PROJECT_ROOT))
        copy = tmp_path / path.name
        copy.write_text(text.replace("/etc/mesa-partes/mesa-partes.env", str(env_file)))
        copies.append(str(copy))
    probe = tmp_path / "probe.service"
    probe.write_text("[Service]\nType=oneshot\nExecStart=/bin/true\n")
    if subprocess.run([analyze, "verify", str(probe)], capture_output=True, timeout=60).returncode != 0:
        pytest.skip("systemd-analyze verify cannot run on this machine")
    probe.unlink()
    result = subprocess.run([analyze, "verify", *copies], capture_output=True, text=True, timeout=120)
    # It reports problems as warnings and still exits 0: any output is a finding.
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), (
        result.stdout + result.stderr
    )
