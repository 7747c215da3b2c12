"""The integration tests' receivers, stopped after each test."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from tests.integraciones.apoyo import Receptor


@pytest.fixture
def receptores() -> Iterator[Callable[..., Receptor]]:
    started: list[Receptor] = []

    def start(
        respuestas: Sequence[int] = (200,), demoras: Sequence[float] = (0,), **opciones: Any
    ) -> Receptor:
        receptor = Receptor(f"secreto-{uuid.uuid4().hex}", respuestas, demoras, **opciones)
        started.append(receptor)
        return receptor

    yield start
    for receptor in started:
        receptor.stop()
