"""One uploaded file from a multipart/form-data request body, received under a size limit.

The body is parsed from the request stream (python-multipart), not by the framework: the file's
bytes go straight to a temporary file while they are counted, so the limit holds before anything is
kept (a lying or chunked body included) and nothing is held in memory.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header

from app.core.errors import InvalidInput, PayloadTooLarge
from app.core.files import nombre_visible

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

# Multipart framing around the file (boundaries, part headers): a body larger than the limit by
# more than this cannot hold an acceptable file, so its Content-Length alone refuses it.
MULTIPART_MARGIN = 16 * 1024
_MAX_HEADER_BYTES = 8 * 1024


@dataclass(frozen=True)
class ReceivedFile:
    """A complete, non-empty file in `temp_path`; the caller moves it into place or removes it."""

    temp_path: Path
    name: str  # the client's name, display-safe (files.nombre_visible): never a path
    declared_type: str | None
    size: int


def _readable(n: int) -> str:
    return f"{n / (1024 * 1024):g} MiB" if n >= 1024 * 1024 else f"{n / 1024:g} KiB"


def too_large(field_name: str, limit: int) -> PayloadTooLarge:
    # `limite_bytes`: the key the API has always answered with.
    return PayloadTooLarge(
        f"El archivo supera el tamaño máximo de {_readable(limit)} ({limit} bytes).",
        field=field_name,
        limite_bytes=limit,
    )


def check_content_length(content_length: str | None, *, field_name: str, limit: int) -> None:
    """413 from the declared Content-Length alone, before a byte of the body is read. A missing or
    unreadable header passes: the file is counted while it streams all the same."""
    try:
        declared = int(content_length) if content_length is not None else None
    except ValueError:
        declared = None
    if declared is not None and declared > limit + MULTIPART_MARGIN:
        raise too_large(field_name, limit)


@dataclass
class _Receiver:
    """python-multipart callbacks: the one file part `field_name` is counted and queued for writing;
    any other part is refused as soon as its headers are read."""

    field_name: str
    directory: Path
    limit: int
    name: str | None = None
    declared_type: str | None = None
    size: int = 0
    complete: bool = False
    temp_path: Path | None = None
    _file: BinaryIO | None = None
    _pending: list[bytes] = field(default_factory=list)
    _in_file: bool = False
    _header_name: bytes = b""
    _header_value: bytes = b""
    _headers: dict[bytes, bytes] = field(default_factory=dict)

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._headers, self._in_file = {}, False

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]
        if len(self._header_value) > _MAX_HEADER_BYTES:
            raise InvalidInput(
                "Una cabecera del formulario multipart es demasiado larga.", field=self.field_name
            )

    def _header_end(self) -> None:
        self._headers[self._header_name.strip().lower()] = self._header_value.strip()
        self._header_name, self._header_value = b"", b""

    def _headers_finished(self) -> None:
        expected = self.field_name
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        part_name = options.get(b"name", b"").decode("utf-8", "replace")
        if part_name != expected:
            raise InvalidInput(
                f"Campo de formulario no esperado: envíe solo el archivo, en el campo {expected}.",
                field=part_name or expected,
            )
        if b"filename" not in options:
            raise InvalidInput(f"El campo {expected} debe contener un archivo (con nombre).", field=expected)
        if self.name is not None:
            raise InvalidInput(f"Envíe un solo archivo por solicitud en el campo {expected}.", field=expected)
        self.name = nombre_visible(options[b"filename"].decode("utf-8", "replace"))
        declared = self._headers.get(b"content-type")
        self.declared_type = declared.decode("latin-1")[:200] if declared else None
        self._in_file = True

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._in_file:
            return
        self.size += end - start
        if self.size > self.limit:
            raise too_large(self.field_name, self.limit)
        self._pending.append(data[start:end])

    def _part_end(self) -> None:
        if self._in_file:
            self.complete = True
        self._in_file = False

    def _write(self, chunks: list[bytes]) -> None:
        if self._file is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self.temp_path = self.directory / f".{uuid.uuid4().hex}.part"
            self._file = self.temp_path.open("xb")
        self._file.write(b"".join(chunks))

    async def flush(self) -> None:
        """Write what the last chunk carried (off the event loop); the file is opened on the first
        bytes of the file part, so a refused request never creates one."""
        if self._pending:
            chunks, self._pending = self._pending, []
            await asyncio.to_thread(self._write, chunks)

    async def close(self) -> None:
        if self._file is not None:
            await asyncio.to_thread(self._file.close)
            self._file = None

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self.temp_path is not None:
            self.temp_path.unlink(missing_ok=True)


async def receive_file(
    content_type: str | None,
    body: AsyncIterator[bytes],
    *,
    field_name: str,
    limit: int,
    directory: Path,
) -> ReceivedFile:
    """Parse a multipart/form-data body with exactly one file part `field_name` into a temporary
    file in `directory` (next to where it will be kept, so that moving it there is one rename),
    refusing (413) as soon as the file passes `limit` bytes. Every error names `field_name`; on any
    error nothing is left on disk."""
    mime, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary:
        raise InvalidInput(
            f"Envíe el archivo como multipart/form-data en el campo {field_name}.", field=field_name
        )
    receiver = _Receiver(field_name, directory, limit)
    try:
        try:
            parser = MultipartParser(boundary, receiver.callbacks(), max_header_size=_MAX_HEADER_BYTES)
            read = 0
            async for chunk in body:
                read += len(chunk)
                # The file part alone is counted exactly; this bounds what surrounds it.
                if read > limit + MULTIPART_MARGIN:
                    raise too_large(field_name, limit)
                parser.write(chunk)
                await receiver.flush()
        except (FormParserError, ValueError) as exc:
            raise InvalidInput("El cuerpo multipart/form-data está mal formado.", field=field_name) from exc
        if parser.state != MultipartState.END or (receiver.name is not None and not receiver.complete):
            raise InvalidInput(
                "El cuerpo multipart/form-data terminó antes de su delimitador final.", field=field_name
            )
        if receiver.name is None:
            raise InvalidInput(f"Falta el archivo en el campo {field_name}.", field=field_name)
        if receiver.size == 0:
            raise InvalidInput("El archivo está vacío.", field=field_name)
        await receiver.close()
    except BaseException:
        receiver.discard()
        raise
    assert receiver.temp_path is not None
    return ReceivedFile(receiver.temp_path, receiver.name, receiver.declared_type, receiver.size)
