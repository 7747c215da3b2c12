"""The public tracking page (GET /seguimiento) in chromium, on a phone and on a desktop screen: a
citizen fills the form by its labels and submits it with the keyboard, sees the document (number,
state in words, history, deadline, times in Lima's time), or the "not found" page (404) with the
form again. No page scrolls sideways on the phone, and no page asks anything of another host.

Full-page screenshots of every page go to artefactos/navegador/ (the phone's result page also to
docs/img/seguimiento-telefono.png, for the README)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date

import pytest
from playwright.async_api import Page, expect

from app.core.office_time import format_date, format_date_long
from app.documentos.etiquetas import ESTADO_DOCUMENTO, palabra
from tests.browser.conftest import INSTITUCION, Expediente, Pestana, Servidor, copiar_para_readme

pytestmark = pytest.mark.browser

Abrir = Callable[..., Awaitable[Pestana]]
PERFILES = ["telefono", "escritorio"]
CODIGO_ERRONEO = "ZZZZ9999"


async def comun(pestana: Pestana, servidor: Servidor) -> None:
    """What every public page has: Spanish, a Spanish title, the institution in the header, no
    sideways scroll, nothing fetched from another host."""
    page = pestana.page
    assert await page.locator("html").get_attribute("lang") == "es"
    titulo = await page.title()
    assert re.search(r"expediente|seguimiento|consulta", titulo, re.IGNORECASE), titulo
    await expect(page.locator("header").first).to_contain_text(INSTITUCION)
    await sin_desplazamiento_lateral(page)
    assert pestana.fuera_del_origen(servidor.host) == [], pestana.pedidos


async def sin_desplazamiento_lateral(page: Page) -> None:
    anchos = await page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert anchos[0] <= anchos[1], f"the page is {anchos[0]} px wide in a {anchos[1]} px viewport"


async def enviar_formulario(page: Page, perfil: str, numero: str, codigo: str) -> int:
    """Fill the form by its labels, move with Tab, submit with Enter; the answer's status."""
    campo = page.get_by_label("Número de expediente")
    if perfil == "telefono":
        await campo.tap()
    else:
        await campo.click()
    await campo.fill("")
    await page.keyboard.type(numero)
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Código de verificación")).to_be_focused()
    await page.keyboard.press("ControlOrMeta+a")
    await page.keyboard.type(codigo)
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Consultar")).to_be_focused()
    async with page.expect_navigation() as navegacion:
        await page.keyboard.press("Enter")
    respuesta = await navegacion.value
    assert respuesta is not None
    return respuesta.status


def fechas_del_plazo(fecha_limite: str) -> list[str]:
    dia = date.fromisoformat(fecha_limite)
    return [format_date(dia), format_date_long(dia)]


@pytest.mark.parametrize("perfil", PERFILES)
async def test_a_citizen_finds_the_document_with_the_form(
    perfil: str, abrir: Abrir, servidor: Servidor, expediente: Expediente
) -> None:
    pestana = await abrir(perfil)
    page = pestana.page
    respuesta = await page.goto("/seguimiento")
    assert respuesta is not None and respuesta.status == 200
    formulario = page.locator('form[method="get"][action="/seguimiento"]')
    await expect(formulario).to_have_count(1)
    await expect(page.get_by_label("Número de expediente")).to_have_attribute("name", "numero")
    await expect(page.get_by_label("Código de verificación")).to_have_attribute("name", "codigo")
    await comun(pestana, servidor)
    await pestana.captura(f"seguimiento-{perfil}-formulario")

    assert await enviar_formulario(page, perfil, expediente.numero, expediente.codigo) == 200
    assert f"numero={expediente.numero}" in page.url
    await expect(page.locator("h1")).to_have_text(re.compile(rf"Expediente N\.º\s*{expediente.numero}"))
    await expect(page.locator("#estado")).to_contain_text(palabra(ESTADO_DOCUMENTO, expediente.estado))
    historial = page.locator("ol#historial > li")
    await expect(historial.first).to_be_visible()
    assert await historial.count() >= 2, await page.locator("#historial").inner_text()  # registered, routed
    assert expediente.fecha_limite is not None
    plazo = await page.locator("#plazo").inner_text()
    assert any(fecha in plazo for fecha in fechas_del_plazo(expediente.fecha_limite)), plazo
    texto = await page.locator("body").inner_text()
    assert "hora de Lima" in texto
    for prohibido in ("America/Lima", "UTC"):
        assert prohibido not in texto, f"{prohibido!r} shown to the citizen"
    await comun(pestana, servidor)
    captura = await pestana.captura(f"seguimiento-{perfil}-resultado")
    if perfil == "telefono":
        copiar_para_readme(captura)


@pytest.mark.parametrize("perfil", PERFILES)
async def test_a_wrong_code_shows_not_found_with_the_form_again(
    perfil: str, abrir: Abrir, servidor: Servidor, expediente: Expediente
) -> None:
    pestana = await abrir(perfil)
    page = pestana.page
    respuesta = await page.goto("/seguimiento")
    assert respuesta is not None and respuesta.status == 200

    assert await enviar_formulario(page, perfil, expediente.numero, CODIGO_ERRONEO) == 404
    await expect(page.locator("h1")).to_have_text("No encontramos ese expediente")
    await expect(page.get_by_label("Número de expediente")).to_have_value(expediente.numero)
    # The number stays for the citizen to check; the wrong code is not echoed back, to be typed again.
    await expect(page.get_by_label("Código de verificación")).to_have_value("")
    await expect(page.get_by_role("button", name="Consultar")).to_be_visible()
    assert expediente.asunto not in await page.locator("body").inner_text()  # nothing of the document
    await comun(pestana, servidor)
    await pestana.captura(f"seguimiento-{perfil}-no-encontrado")


async def test_the_result_page_opens_from_its_address(
    abrir: Abrir, servidor: Servidor, expediente: Expediente
) -> None:
    """The link of the email and the receipt: straight to the result, no form to fill."""
    pestana = await abrir("telefono")
    respuesta = await pestana.page.goto(f"/seguimiento?numero={expediente.numero}&codigo={expediente.codigo}")
    assert respuesta is not None and respuesta.status == 200
    await expect(pestana.page.locator("h1")).to_have_text(
        re.compile(rf"Expediente N\.º\s*{expediente.numero}")
    )
    await comun(pestana, servidor)


async def test_a_malformed_number_is_explained_next_to_its_field(
    abrir: Abrir, servidor: Servidor, expediente: Expediente
) -> None:
    pestana = await abrir("escritorio")
    page = pestana.page
    await page.goto("/seguimiento")
    assert await enviar_formulario(page, "escritorio", "123", expediente.codigo) == 422
    resumen = page.get_by_role("alert")
    await expect(resumen).to_be_visible()
    await expect(resumen.locator('a[href="#numero"]')).to_be_visible()
    await expect(page.get_by_label("Número de expediente")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("Número de expediente")).to_have_value("123")
    await comun(pestana, servidor)
    await pestana.captura("seguimiento-escritorio-dato-invalido")
