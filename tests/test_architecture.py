"""The layout's rules that lint-imports does not check, and the public surface the move kept."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from app.core.config import PROJECT_ROOT
from app.main import app

APP = PROJECT_ROOT / "app"
MAX_LINES = 500


def test_no_module_above_500_lines_except_data() -> None:
    too_long = {
        str(path.relative_to(PROJECT_ROOT)): n
        for path in APP.rglob("*.py")
        if not path.name.endswith("_data.py") and (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not too_long, f"split these modules (data-only ones are named *_data.py): {too_long}"


def test_no_layer_folders_and_no_mesa_partes_level() -> None:
    folders = {path.name for path in APP.rglob("*") if path.is_dir() and path.name != "__pycache__"}
    assert "mesa_partes" not in folders
    assert not folders & {"api", "services", "schemas", "tasks"}, "one package per domain, not per layer"


def test_core_contract_forbids_every_other_top_level_module() -> None:
    """A new domain package must be added to the contract that keeps app.core free of domains."""
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    core_contract = next(c for c in config["contracts"] if c.get("source_modules") == ["app.core"])
    top_level = {
        f"app.{path.stem}"
        for path in APP.iterdir()
        if path.name != "core"
        and not path.name.startswith("__")
        and (path.suffix == ".py" or (path / "__init__.py").exists())
    }
    assert set(core_contract["forbidden_modules"]) == top_level


def test_openapi_document_is_the_one_recorded() -> None:
    """Every /api/v1 operation keeps its path, method, parameters and response shapes: a change to
    the contract is a deliberate one, recorded by regenerating tests/data/openapi_v1.json."""
    snapshot = json.loads((Path(__file__).parent / "data" / "openapi_v1.json").read_text())
    assert app.openapi() == snapshot


def test_the_names_the_readme_gives_keep_working() -> None:
    """The operator's and integrator's entry points survive the move."""
    from app.core.cache import cached, get_cache
    from app.core.query_optimizer import QueryOptimizer
    from app.core.task_queue import app as celery_entry_point
    from app.core.task_queue import celery_app, get_task_queue

    assert callable(cached) and callable(get_cache) and callable(get_task_queue)
    assert hasattr(QueryOptimizer, "explain_query")
    # `celery -A app.core.task_queue worker|beat|flower` finds the app by this name.
    assert celery_entry_point is celery_app
