"""Accessibility of the public tracking pages, checked by axe-core in chromium (axe-playwright-python)
on a phone and on a desktop screen: the form, a result and the "not found" page have no violation
of impact "serious" or "critical" (missing labels, too little contrast, no page language...)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from axe_playwright_python.async_playwright import Axe

from tests.browser.conftest import Expediente, Pestana

pytestmark = pytest.mark.browser

Abrir = Callable[..., Awaitable[Pestana]]
GRAVES = {"serious", "critical"}
axe = Axe()


def direccion(pagina: str, expediente: Expediente) -> tuple[str, int]:
    """The address of one page and the status it answers with."""
    if pagina == "formulario":
        return "/seguimiento", 200
    if pagina == "resultado":
        return f"/seguimiento?numero={expediente.numero}&codigo={expediente.codigo}", 200
    if pagina == "no-encontrado":
        return f"/seguimiento?numero={expediente.numero}&codigo=ZZZZ9999", 404
    return f"/seguimiento?numero=123&codigo={expediente.codigo}", 422  # the form with its errors


@pytest.mark.parametrize("pagina", ["formulario", "resultado", "no-encontrado", "dato-invalido"])
@pytest.mark.parametrize("perfil", ["telefono", "escritorio"])
async def test_the_tracking_pages_have_no_serious_accessibility_violation(
    perfil: str, pagina: str, abrir: Abrir, expediente: Expediente
) -> None:
    pestana = await abrir(perfil)
    url, status = direccion(pagina, expediente)
    respuesta = await pestana.page.goto(url)
    assert respuesta is not None and respuesta.status == status
    await pestana.page.locator("h1").first.wait_for()
    resultado = await axe.run(pestana.page)
    graves = [v for v in resultado.response["violations"] if v["impact"] in GRAVES]
    informe = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(f"{', '.join(map(str, n['target']))}: {n.get('failureSummary', '')}" for n in v["nodes"])
        for v in graves
    )
    assert graves == [], f"{perfil} {pagina}:\n{informe}\n\n{resultado.generate_report()}"
    # axe ran for real: rules applied to the page and passed (a page it could not read passes none)
    assert len(resultado.response["passes"]) >= 10, resultado.response["passes"]
