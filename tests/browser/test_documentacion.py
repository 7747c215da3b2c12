"""The API's documentation pages render with every other host out of reach: Swagger UI (/docs) and
ReDoc (/redoc) load their scripts, styles and fonts from this server, so an office without Internet
access (or behind a proxy that blocks CDNs) still reads them. Every request to another host is
aborted and listed; a page that needed one fails, listing it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest

from tests.browser.conftest import Pestana, Servidor

pytestmark = pytest.mark.browser

Abrir = Callable[..., Awaitable[Pestana]]
MIN_OPERACIONES = 20
METODOS = {"get", "post", "put", "patch", "delete", "head", "options"}


def operaciones(servidor: Servidor) -> int:
    spec = httpx.get(f"{servidor.url}/openapi.json", timeout=60).json()
    return sum(1 for ruta in spec["paths"].values() for metodo in ruta if metodo in METODOS)


async def abrir_sin_internet(abrir: Abrir, ruta: str) -> Pestana:
    pestana = await abrir("escritorio", solo_origen=True)
    respuesta = await pestana.page.goto(ruta, wait_until="load")
    assert respuesta is not None and respuesta.status == 200
    # Fails at once (not after the wait below) when the page's assets are elsewhere.
    assert pestana.abortados == [], f"{ruta} needs other hosts: {pestana.abortados}"
    return pestana


async def test_swagger_ui_renders_every_operation_offline(abrir: Abrir, servidor: Servidor) -> None:
    total = operaciones(servidor)
    assert total > MIN_OPERACIONES
    pestana = await abrir_sin_internet(abrir, "/docs")
    bloques = pestana.page.locator(".opblock")
    await bloques.nth(MIN_OPERACIONES).wait_for(state="attached")
    bloques_vistos = await bloques.count()
    print(f"/docs: {bloques_vistos} operation blocks for {total} operations")
    assert bloques_vistos >= total  # one per operation and tag
    assert pestana.abortados == [], pestana.abortados
    await pestana.captura("docs-escritorio", completa=False)  # the whole page is ~11,000 px tall


async def test_redoc_renders_every_operation_offline(abrir: Abrir, servidor: Servidor) -> None:
    total = operaciones(servidor)
    pestana = await abrir_sin_internet(abrir, "/redoc")
    # ReDoc renders each operation as a section headed by its summary (an h2).
    encabezados = pestana.page.locator("[data-section-id*='operation/'] h2")
    await encabezados.nth(MIN_OPERACIONES).wait_for(state="attached")
    vistos = await encabezados.count()
    print(f"/redoc: {vistos} operation headings for {total} operations")
    assert vistos >= total  # one per operation and tag
    assert pestana.abortados == [], pestana.abortados
    await pestana.captura("redoc-escritorio", completa=False)  # ~70,000 px tall
