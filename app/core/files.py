"""Files the service writes and serves: display-safe names, Content-Disposition, atomic writes."""

from __future__ import annotations

import os
import re
import unicodedata
import uuid
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import quote

# Downloads are private to the office. `X-Content-Type-Options: nosniff` (shown as what the server
# says they are) and a script-free CSP come with every response (app/core/security_headers.py).
DOWNLOAD_HEADERS = {"Cache-Control": "private, no-cache"}


# ---- names ---------------------------------------------------------------------------------------


def extension(nombre: str) -> str:
    return PurePosixPath(nombre.lower()).suffix


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


_NO_ASCII_SEGURO = re.compile(r"[^A-Za-z0-9._() -]+")


def nombre_visible(nombre: str | None, por_defecto: str = "archivo") -> str:
    """The client's file name for display only: its last path component (either separator), no
    control characters, at most 255 characters with the extension kept. It never names a path."""
    nombre = unicodedata.normalize("NFC", nombre or "")
    nombre = PureWindowsPath(PurePosixPath(nombre.replace("\x00", "")).name).name
    nombre = _CONTROL.sub("", nombre).strip().strip(".")
    if not nombre:
        return por_defecto
    if len(nombre) > 255:
        ext = extension(nombre)[:20]
        nombre = nombre[: 255 - len(ext)] + ext
    return nombre


def _ascii(texto: str) -> str:
    texto = unicodedata.normalize("NFKD", texto).encode("ascii", "ignore").decode("ascii")
    return _NO_ASCII_SEGURO.sub("_", texto).strip(" ._")


def content_disposition(nombre: str, disposicion: str = "attachment") -> str:
    """`attachment; filename="<ASCII only>"; filename*=UTF-8''<percent-encoded>` (RFC 6266 / 5987):
    no quote, backslash, CR or LF can reach the header whatever the name."""
    nombre = nombre_visible(nombre)
    ext = extension(nombre)
    stem = nombre[: len(nombre) - len(ext)] if ext else nombre
    ascii_ext = "." + _ascii(ext) if _ascii(ext) else ""
    ascii_name = (_ascii(stem) or "archivo")[:150] + ascii_ext[:20]
    return f"{disposicion}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(nombre, safe='')}"


# ---- storage -------------------------------------------------------------------------------------


def _sync_dir(directorio: Path) -> None:
    """Persist a rename: the directory entry, not only the file, must reach the disk."""
    fd = os.open(directorio, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publicar(temporal: Path, destino: Path) -> None:
    """Move a fully written temporary file (same directory) to its final name in one step: a reader
    sees the whole file or none."""
    with temporal.open("rb+") as f:
        os.fsync(f.fileno())
    os.replace(temporal, destino)
    _sync_dir(destino.parent)


def escribir_si_falta(destino: Path, data: bytes) -> bool:
    """Write `data` to `destino` only if no file is there (a whole file or none, as
    `escribir_atomico`); False when one already was, which is then kept."""
    destino.parent.mkdir(parents=True, exist_ok=True)
    temporal = destino.with_name(f".{destino.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temporal.open("wb") as f:
            f.write(data)
        os.link(temporal, destino)  # fails if the name exists, unlike a rename
    except FileExistsError:
        return False
    finally:
        temporal.unlink(missing_ok=True)
    return True


def escribir_atomico(destino: Path, data: bytes) -> bool:
    """Write `data` to `destino` through a temporary file and a rename; False (nothing written) when
    the file already holds exactly these bytes."""
    try:
        if destino.stat().st_size == len(data) and destino.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    destino.parent.mkdir(parents=True, exist_ok=True)
    temporal = destino.with_name(f".{destino.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temporal.open("wb") as f:
            f.write(data)
        publicar(temporal, destino)
    except BaseException:
        temporal.unlink(missing_ok=True)
        raise
    return True
