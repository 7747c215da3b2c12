"""The receipt's QR code, end to end: the receipt PDF served by the live server is rendered (pdfium),
its QR code decoded (zxing-cpp), and the decoded address opened in chromium shows the document: the
public tracking page of this server (PUBLIC_BASE_URL is the live server's own address here)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import httpx
import pypdfium2
import pytest
import zxingcpp
from playwright.async_api import expect

from app.cargos.service import ruta_cargo
from tests.browser.conftest import Expediente, Pestana, Servidor
from tests.helpers import Tokens

pytestmark = pytest.mark.browser

Abrir = Callable[..., Awaitable[Pestana]]


def qr_del_pdf(pdf: bytes) -> list[str]:
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=3).to_pil()
    return [resultado.text for resultado in zxingcpp.read_barcodes(image)]


async def test_the_receipt_qr_code_opens_the_tracking_page(
    abrir: Abrir, servidor: Servidor, expediente: Expediente, tokens: Tokens
) -> None:
    # No worker runs in this package: registration queued the receipt's rendering and nothing took
    # it, so the live server renders it on demand, with its own PUBLIC_BASE_URL. A receipt a worker
    # left from another run's settings would carry another address: dropped first.
    ruta_cargo(expediente.id).unlink(missing_ok=True)
    async with httpx.AsyncClient(base_url=servidor.url, timeout=120) as http:
        response = await http.get(f"/api/v1/documentos/{expediente.id}/cargo", headers=tokens["mesa"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"

    codigos = qr_del_pdf(response.content)
    assert len(codigos) == 1, codigos
    url = codigos[0]
    assert url.startswith(f"{servidor.url}/seguimiento?"), url  # the page, not the JSON API
    assert f"numero={expediente.numero}" in url and f"codigo={expediente.codigo}" in url, url

    pestana = await abrir("telefono")
    respuesta = await pestana.page.goto(url)
    assert respuesta is not None and respuesta.status == 200
    assert respuesta.headers["content-type"].startswith("text/html")
    await expect(pestana.page.locator("h1")).to_have_text(
        re.compile(rf"Expediente N\.º\s*{expediente.numero}")
    )
    await pestana.captura("cargo-qr-telefono-resultado")
