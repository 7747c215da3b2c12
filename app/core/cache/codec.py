"""What the cache stores under a key: an entry (a small header, then the payload), and the codecs
that turn the values of one type into payloads and back."""

from __future__ import annotations

import functools
import hashlib
import struct
import time
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import TypeAdapter

# Bumped when the entry layout below changes; value shapes are versioned per type (see _schema_tag).
ENTRY_FORMAT = b"MPC1"
_HEADER = struct.Struct(">4sqdB")  # format, generation, fresh-until (epoch seconds), kind
KIND_JSON = 0
KIND_BYTES = 1


@dataclass
class Entry:
    generation: int
    fresh_until: float
    kind: int
    payload: bytes

    def encode(self) -> bytes:
        return _HEADER.pack(ENTRY_FORMAT, self.generation, self.fresh_until, self.kind) + self.payload

    @classmethod
    def decode(cls, raw: bytes | None) -> Entry | None:
        if raw is None or len(raw) < _HEADER.size:
            return None
        fmt, generation, fresh_until, kind = _HEADER.unpack_from(raw)
        if fmt != ENTRY_FORMAT:
            return None
        return cls(generation, fresh_until, kind, raw[_HEADER.size :])

    @property
    def fresh(self) -> bool:
        return time.time() < self.fresh_until


class Codec:
    """How the values of one type become entry payloads: JSON (orjson or pydantic) or raw bytes."""

    def __init__(self, type_: Any = None) -> None:
        self.raw = type_ is bytes
        self.adapter: TypeAdapter[Any] | None = (
            TypeAdapter(type_) if type_ is not None and not self.raw else None
        )
        self.tag = _schema_tag(self.adapter) if self.adapter is not None else ("raw" if self.raw else "data")

    def encode(self, value: Any) -> tuple[int, bytes]:
        if isinstance(value, bytes):
            return KIND_BYTES, value
        if self.adapter is not None:
            return KIND_JSON, self.adapter.dump_json(value)
        return KIND_JSON, orjson.dumps(value)

    def decode(self, entry: Entry) -> Any:
        if entry.kind == KIND_BYTES:
            return entry.payload
        if self.adapter is not None:
            return self.adapter.validate_json(entry.payload)
        return orjson.loads(entry.payload)


def _schema_tag(adapter: TypeAdapter[Any]) -> str:
    """A short fingerprint of the value's JSON schema: a deploy that changes a shape reads new keys."""
    schema = orjson.dumps(adapter.json_schema(mode="serialization"), option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(schema, digest_size=4).hexdigest()


_PLAIN = Codec()


@functools.lru_cache(maxsize=256)
def codec_for(type_: Any) -> Codec:
    """Building a TypeAdapter costs far more than a cache hit: one per type, kept."""
    return Codec(type_) if type_ is not None else _PLAIN
