"""The QR code and emails of receipts printed before the tracking page existed point to the JSON
endpoint (GET /api/v1/seguimiento): chromium opening that address lands on the page (303), not on
JSON, and the page is the document's."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

import pytest
from playwright.async_api import expect

from tests.browser.conftest import Expediente, Pestana, Servidor

pytestmark = pytest.mark.browser


async def test_an_old_receipts_link_opens_the_page(
    abrir: Callable[..., Awaitable[Pestana]], servidor: Servidor, expediente: Expediente
) -> None:
    pestana = await abrir("telefono")
    page = pestana.page
    consulta = urlencode({"numero": expediente.numero, "codigo": expediente.codigo})
    respuesta = await page.goto(f"/api/v1/seguimiento?{consulta}")
    assert respuesta is not None and respuesta.status == 200
    assert respuesta.request.redirected_from is not None
    assert page.url == f"{servidor.url}/seguimiento?{consulta}"
    assert respuesta.headers["content-type"] == "text/html; charset=utf-8"
    await expect(page.locator("h1")).to_have_text(re.compile(rf"Expediente N\.º\s*{expediente.numero}"))
    assert pestana.fuera_del_origen(servidor.host) == [], pestana.pedidos
