"""The floors of bench/report_bench.py (see its docstring): the report's SELECT through raw asyncpg,
and its rows written by hand-written XlsxWriter code, the same cells as the report's (the floor) and
plain cells only ("plain write"). Measured in a child process with the bench's environment (the
app's settings come from it), after the reports, on the same data.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
# The floors' child process: `floor_child` below, fed the runs to measure as JSON.
FLOOR = "import sys; from bench.report_floors import floor_child; floor_child(sys.argv[1])"


def mib(value: float) -> float:
    return round(value / 2**20, 1)


async def floor_fetch(parametros: dict[str, Any]) -> tuple[dict[str, Any], list[Any], list[Any]]:
    """The report's SELECT streamed through raw asyncpg and discarded (timed), then fetched into
    memory for the write floors (not timed). Returns the fetch figures, the rows, the sheet's columns."""
    from sqlalchemy import select

    import app.models  # noqa: F401 - every mapper (the ORM statement below resolves relationships)
    from app.core.config import get_settings
    from app.core.database import db
    from app.reportes.listados import listado_documentos
    from app.reportes.schemas import ParametrosDocumentos
    from app.usuarios.models import Usuario

    settings = get_settings()
    async with db.sessionmaker() as session:  # the bench's reports are the admin's
        usuario = (await session.scalars(select(Usuario).where(Usuario.username == "admin"))).one()
    # The admin's row stands for the principal the report runs as (id, rol, area_id).
    principal: Any = usuario
    listado = listado_documentos(principal, ParametrosDocumentos.model_validate(parametros))
    async with db.engine.connect() as conn:
        # The statement as the report sends it: compiled by the engine's asyncpg dialect, with the
        # dialect's bind processing applied to the positional parameters.
        dialect = db.engine.dialect
        compiled = listado.consulta.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        args = []
        for name in compiled.positiontup or ():
            process = compiled.binds[name].type.bind_processor(dialect)
            value = compiled.params[name]
            args.append(process(value) if process else value)
        # A pooled connection of the app's engine: the same server settings (time zone) as the
        # worker's, used directly through the driver.
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        timeout = str(settings.task_time_limit_s * 1000)
        filas = 0
        async with raw.transaction():
            await raw.execute("SELECT set_config('statement_timeout', $1, true)", timeout)
            t0 = time.perf_counter()
            async for _ in raw.cursor(compiled.string, *args, prefetch=settings.report_fetch_rows):
                filas += 1
            lectura = time.perf_counter() - t0
        async with raw.transaction():
            await raw.execute("SELECT set_config('statement_timeout', $1, true)", timeout)
            rows = [tuple(r) for r in await raw.fetch(compiled.string, *args)]
    await db.dispose()
    fetch = {
        "filas": filas,
        "prefetch": settings.report_fetch_rows,
        "lectura_s": round(lectura, 3),
        "lectura_filas_por_segundo": round(filas / lectura, 1),
    }
    return fetch, rows, list(listado.columnas)


def floor_write_plain(rows: list[Any], columnas: list[Any], directory: Path) -> float:
    """The rows written with plain XlsxWriter, constant_memory, one cell type per column and
    nothing else (codes as stored, no row heights, UTC times): rows/s. The cost of the plain cells,
    shown next to the floor so that the cost of the readable output stays visible."""
    import xlsxwriter  # type: ignore[import-untyped]

    from app.reportes.excel import FECHA, FECHA_HORA, NUMERO

    path = directory / "plain.xlsx"
    t0 = time.perf_counter()
    # remove_timezone: asyncpg's aware datetimes, written as they are.
    workbook = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "tmpdir": str(directory), "remove_timezone": True}
    )
    sheet = workbook.add_worksheet("Documentos")
    fecha = workbook.add_format({"num_format": "dd/mm/yyyy"})
    fecha_hora = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    writers: list[Any] = []
    for tipo in (c.tipo for c in columnas):
        if tipo in (FECHA, FECHA_HORA):
            fmt = fecha if tipo == FECHA else fecha_hora
            writers.append(lambda r, c, v, w=sheet.write_datetime, f=fmt: w(r, c, v, f))
        else:
            writers.append(sheet.write_number if tipo == NUMERO else sheet.write_string)
    for r, row in enumerate(rows, start=1):
        for c, (value, write) in enumerate(zip(row, writers, strict=True)):
            if value is not None:
                write(r, c, value)
    workbook.close()
    return round(len(rows) / (time.perf_counter() - t0), 1)


def floor_write(rows: list[Any], columnas: list[Any], directory: Path) -> dict[str, Any]:
    """The same cells as the report's data sheet, written by straightforward hand-written code with
    XlsxWriter in constant_memory mode: the workbook's default style (wrapped, top) and the same
    cell formats; the word for each code (a dict lookup) and Sí/No; date-times in the office's
    wall-clock time; each row's height from its wrapped cells (lines = ceil(len(text) / characters
    per line), the longest wins, set_row when more than one). Not the header row, print setup or
    summary tab (a fixed cost per file)."""
    import xlsxwriter  # type: ignore[import-untyped]

    from app.core.office_time import office_zone
    from app.reportes.excel import ALTO_LINEA, FECHA, FECHA_HORA, LETRAS_POR_ANCHO, MAX_LINEAS, NUMERO, SI_NO

    path = directory / "floor.xlsx"
    zona = office_zone()
    t0 = time.perf_counter()
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "tmpdir": str(directory),
            "default_format_properties": {"valign": "top", "text_wrap": True},
        },
    )
    sheet = workbook.add_worksheet("Documentos")
    fecha = workbook.add_format({"num_format": "dd/mm/yyyy", "align": "left"})
    fecha_hora = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm", "align": "left"})
    numero = workbook.add_format({"align": "center"})
    write_string, write_datetime = sheet.write_string, sheet.write_datetime
    writers: list[Any] = []
    wrapped: list[tuple[int, Any, int]] = []  # (column, its words or None, characters per line)
    for c, columna in enumerate(columnas):
        words = {True: "Sí", False: "No"} if columna.tipo == SI_NO else columna.etiquetas
        if columna.tipo == FECHA_HORA:
            writers.append(
                lambda r, c, v: write_datetime(r, c, v.astimezone(zona).replace(tzinfo=None), fecha_hora)
            )
        elif columna.tipo == FECHA:
            writers.append(lambda r, c, v: write_datetime(r, c, v, fecha))
        elif columna.tipo == NUMERO:
            writers.append(lambda r, c, v, w=sheet.write_number: w(r, c, v, numero))
        elif words is not None:
            writers.append(lambda r, c, v, words=words: write_string(r, c, words.get(v, v)))
        else:
            writers.append(write_string)
        if columna.ajustar:
            wrapped.append((c, words, int(columna.ancho * LETRAS_POR_ANCHO)))
    for r, row in enumerate(rows, start=1):
        lines = 1
        for c, words, per_line in wrapped:
            text = row[c] if words is None else words.get(row[c], row[c])
            if text is not None:
                lines = max(lines, -(-len(text) // per_line))
        if lines > 1:
            sheet.set_row(r, ALTO_LINEA * min(lines, MAX_LINEAS))
        for c, (value, write) in enumerate(zip(row, writers, strict=True)):
            if value is not None:
                write(r, c, value)
    workbook.close()
    escritura = time.perf_counter() - t0
    return {
        "escritura_s": round(escritura, 3),
        "escritura_filas_por_segundo": round(len(rows) / escritura, 1),
        "archivo_mib": mib(path.stat().st_size),
    }


def floor_child(runs_json: str) -> None:
    """Fetch and write floors of each run's parameters; prints one JSON line (a list)."""
    results = []
    for parametros in json.loads(runs_json):
        fetch, rows, columnas = asyncio.run(floor_fetch(parametros))
        with tempfile.TemporaryDirectory(prefix="report-floor-") as directory:
            write = floor_write(rows, columnas, Path(directory))
            plain = floor_write_plain(rows, columnas, Path(directory))
        del rows
        results.append(
            {"parametros": parametros, **fetch, **write, "escritura_simple_filas_por_segundo": plain}
        )
    print(json.dumps(results))


def floors(env: dict[str, str], runs: list[dict[str, Any]]) -> None:
    """Measure the floors of the measured (non warm-up) runs; add them and the ratios to each run."""
    medidos = [run for run in runs if not run["calentamiento"]]
    print("floors: raw asyncpg fetch; hand-written XlsxWriter write of the same cells; plain cells (child)")
    argv = [PYTHON, "-c", FLOOR, json.dumps([run["parametros"] for run in medidos])]
    out = subprocess.run(argv, cwd=ROOT, env=env, check=True, capture_output=True)
    suelos: list[dict[str, Any]] = json.loads(out.stdout.decode().strip().splitlines()[-1])
    for run, suelo in zip(medidos, suelos, strict=True):
        if suelo["filas"] != run["filas"]:
            raise SystemExit(f"the floor read {suelo['filas']} rows, the report {run['filas']}")
        lectura, escritura = suelo["lectura_filas_por_segundo"], suelo["escritura_filas_por_segundo"]
        combinado = 1 / (1 / lectura + 1 / escritura)
        report = run["filas_por_segundo"]
        suelo.pop("parametros")
        suelo["combinado_filas_por_segundo"] = round(combinado, 1)
        suelo["ratio_combinado"] = round(report / combinado, 3)
        suelo["ratio_lectura"] = round(report / lectura, 3)
        suelo["ratio_escritura"] = round(report / escritura, 3)
        simple = suelo["escritura_simple_filas_por_segundo"]
        suelo["combinado_simple_filas_por_segundo"] = round(1 / (1 / lectura + 1 / simple), 1)
        suelo["ratio_combinado_simple"] = round(report / suelo["combinado_simple_filas_por_segundo"], 3)
        run["suelo"] = suelo
        print(
            f"  {run['filas']} rows: fetch {lectura} rows/s, write {escritura} rows/s, combined "
            f"{suelo['combinado_filas_por_segundo']} rows/s; report / combined = {suelo['ratio_combinado']}; "
            f"plain write {simple} rows/s"
        )
