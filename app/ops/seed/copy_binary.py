"""Rows to PostgreSQL's binary COPY format, in Python, without a connection.

A load builds its COPY data itself rather than hand rows to asyncpg: the bytes can then cross from
the processes that generate them to the one connection per table that loads them (COPY FREEZE
allows no other), and they cost less to make than asyncpg's per-value codec dispatch. Each table
gets an encoder compiled from its column kinds (`rows.py`), one expression per column; the kinds
are checked against the database's column types before a load.

Kinds: `int8`, `int4`, `bool`, `text` (any string), `label` (one of a few strings: encoded once),
`date`, `jsonb`, `timestamptz` (already encoded by `timestamp`); a trailing `?` allows NULL.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, TypeAlias, cast

HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)  # signature, flags, no extension
TRAILER = struct.pack(">h", -1)

# The database type each kind encodes (format_type without modifiers).
DATABASE_TYPES = {
    "int8": "bigint",
    "int4": "integer",
    "bool": "boolean",
    "text": ("character varying", "text"),
    "label": ("character varying", "text"),
    "date": "date",
    "jsonb": "jsonb",
    "timestamptz": "timestamp with time zone",
}

_PG_EPOCH_S = 946_684_800  # 2000-01-01 00:00 UTC, PostgreSQL's timestamp origin
_PG_EPOCH_DAY = date(2000, 1, 1).toordinal()
_int8 = struct.Struct(">iq").pack
_int4 = struct.Struct(">ii").pack
_length = struct.Struct(">i").pack
_jsonb_prefix = struct.Struct(">ib").pack

Encoder: TypeAlias = Callable[[Iterable[Sequence[Any]], bytes], bytes]


def timestamp(ts: int) -> bytes:
    """A timestamptz field for a Unix timestamp in whole seconds."""
    return _int8(8, (ts - _PG_EPOCH_S) * 1_000_000)


def _text(value: str) -> bytes:
    data = value.encode()
    return _length(len(data)) + data


class _Cache(dict[Any, bytes]):
    """Fields of the few values a column takes, encoded on first use."""

    def __init__(self, encode: Callable[[Any], bytes]) -> None:
        super().__init__()
        self.encode = encode

    def __missing__(self, value: Any) -> bytes:
        field = self[value] = self.encode(value)
        return field


def _date(value: date) -> bytes:
    return _int4(4, value.toordinal() - _PG_EPOCH_DAY)


# Each kind's field as one or more items of the row's join; `{v}` is the value, `{i}` the column.
_FIELDS = {
    "int8": "i8(8, {v})",
    "int4": "i4(4, {v})",
    "bool": "(TRUE if {v} else FALSE)",
    "text": "length(len(b{i} := {v}.encode())), b{i}",
    "label": "labels{i}[{v}]",
    "date": "dates[{v}]",
    "jsonb": "jsonb_prefix(len(b{i} := {v}.encode()) + 1, 1), b{i}",
    "timestamptz": "{v}",
}
_FIXED = {"int8": ("iq", 8), "int4": ("ii", 4)}  # struct format and length of fixed-width kinds


def compile_encoder(kinds: Sequence[str]) -> Encoder:
    """`encode(rows, prefix)`: `prefix` then each row in binary COPY format (no header/trailer).

    The source is generated so that each row costs one join of its fields: the row header and
    runs of NOT NULL integers go in one `struct.pack` each, nullable fields test for None inline.
    """
    names = [f"v{i}" for i in range(len(kinds))]
    namespace: dict[str, Any] = {
        "i8": _int8,
        "i4": _int4,
        "length": _length,
        "jsonb_prefix": _jsonb_prefix,
        "TRUE": _length(1) + b"\x01",
        "FALSE": _length(1) + b"\x00",
        "NULL": _length(-1),
        "dates": _Cache(_date),
        "join": b"".join,
    }
    items: list[str] = []
    run_format, run_args = ">h", [str(len(kinds))]  # the row header starts the first run

    def end_run() -> None:
        nonlocal run_format, run_args
        if run_args:
            name = f"pack{len(items)}"
            namespace[name] = struct.Struct(run_format).pack
            items.append(f"{name}({', '.join(run_args)})")
        run_format, run_args = ">", []

    for i, (kind, name) in enumerate(zip(kinds, names, strict=True)):
        base = kind.removesuffix("?")
        if base in _FIXED and not kind.endswith("?"):
            code, size = _FIXED[base]
            run_format += code
            run_args += [str(size), name]
            continue
        end_run()
        if base == "label":
            namespace[f"labels{i}"] = _Cache(_text)
        field = _FIELDS[base].format(v=name, i=i)
        if kind.endswith("?"):
            if base in ("text", "jsonb"):  # its two items in one, so that NULL replaces both
                field = field.replace("), b", ") + b")
            field = f"(NULL if {name} is None else {field})"
        items.append(field)
    end_run()
    source = (
        "def encode(rows, prefix):\n"
        "    out = [prefix]\n"
        "    add = out.append\n"
        f"    for {', '.join(names)}, in rows:\n"
        f"        add(join(({', '.join(items)},)))\n"
        "    return join(out)\n"
    )
    exec(compile(source, f"<binary COPY encoder {' '.join(kinds)}>", "exec"), namespace)
    return cast("Encoder", namespace["encode"])


def check_types(table: str, columns: Sequence[tuple[str, str]], database_types: dict[str, str]) -> None:
    """Raise unless every column's kind encodes the type the database has for it."""
    for column, kind in columns:
        actual = database_types.get(column)
        expected = DATABASE_TYPES[kind.removesuffix("?")]
        if actual is None or actual not in (expected if isinstance(expected, tuple) else (expected,)):
            raise RuntimeError(
                f"{table}.{column} is {actual}, the loader encodes {kind}: update app/ops/seed/rows.py"
            )
