"""Fixtures of the browser tests: Debian's chromium driven by Playwright (async API: the suite's tests
run in pytest-asyncio's session loop, where Playwright's sync API cannot run), one browser for the
package and a new context (a fresh profile: no cookies, no cache) per test, against the application
under a real uvicorn whose PUBLIC_BASE_URL is its own address (so the receipt's QR code opens it).

Screenshots go to `artefactos/navegador/` at the project root (ignored by git, kept after the run).
The browser and the server live as long as this package's tests (package scope), not the session:
the fault tests that run in the same phase get the machine without them."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, Request, Route, async_playwright, expect

from app.core.config import PROJECT_ROOT
from tests import live_server
from tests.conftest import World, documento_payload
from tests.helpers import Json, Tokens
from tests.redis_server import free_port

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests may run as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--disable-quic",
]
# A busy 2-core machine: waits are generous, tests wait for elements rather than for time.
TIMEOUT_MS = 60_000
expect.set_options(timeout=TIMEOUT_MS)

ARTEFACTOS = PROJECT_ROOT / "artefactos" / "navegador"
CAPTURA_README = PROJECT_ROOT / "docs" / "img" / "seguimiento-telefono.png"
# A name of our own, so that a page showing the default institution (or none) fails.
INSTITUCION = "Municipalidad Distrital de Prueba"

# The two screens the public pages must work on.
PERFILES: dict[str, dict[str, Any]] = {
    "telefono": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "escritorio": {"viewport": {"width": 1280, "height": 800}},
}


@dataclass(frozen=True)
class Servidor:
    url: str
    log: Path

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc


@dataclass(frozen=True)
class Expediente:
    """A document registered and routed through the live server (its number and code are real)."""

    id: int
    numero: str
    codigo: str
    asunto: str
    estado: str
    fecha_limite: str | None


@dataclass
class Pestana:
    """A page of a fresh context, with every request it made and those that were stopped."""

    page: Page
    context: BrowserContext
    perfil: str
    pedidos: list[str] = field(default_factory=list)
    abortados: list[str] = field(default_factory=list)

    def fuera_del_origen(self, host: str) -> list[str]:
        """Requests to anywhere but `host` (data: and blob: URLs never leave the page)."""
        return [
            url
            for url in self.pedidos
            if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != host
        ]

    async def captura(self, nombre: str, *, completa: bool = True) -> Path:
        """A PNG of the page (the whole page, or with `completa=False` what the screen shows)."""
        ARTEFACTOS.mkdir(parents=True, exist_ok=True)
        destino = ARTEFACTOS / f"{nombre}.png"
        await self.page.screenshot(path=str(destino), full_page=completa)
        return destino


@pytest.fixture(scope="package")
def servidor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servidor]:
    """The app under uvicorn, with PUBLIC_BASE_URL set to its own address (the port is chosen here)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("navegador") / "uvicorn.log"
    env = {"PUBLIC_BASE_URL": url, "INSTITUCION_NOMBRE": INSTITUCION}
    with ExitStack() as stack:
        assert stack.enter_context(live_server.live_api(log, env, port=port)) == url
        yield Servidor(url, log)
    output = log.read_text(errors="replace")
    escaped = output.find("Exception in ASGI application")
    assert escaped < 0, output[escaped : escaped + 8000]


@pytest.fixture(scope="package")
def chromium() -> Path:
    if not CHROMIUM.is_file():
        pytest.fail(f"no chromium at {CHROMIUM}: run `bash scripts/bootstrap.sh browser`")
    return CHROMIUM


@pytest.fixture(scope="package")
async def navegador(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def abrir(navegador: Browser, servidor: Servidor) -> AsyncIterator[Callable[..., Awaitable[Pestana]]]:
    """`await abrir(perfil, solo_origen=False)`: a page in a new context of that screen profile, in
    Spanish, in Lima. With `solo_origen`, every request to another host is aborted (and listed)."""
    contexts: list[BrowserContext] = []

    async def _abrir(perfil: str, *, solo_origen: bool = False) -> Pestana:
        context = await navegador.new_context(
            **PERFILES[perfil], locale="es-PE", timezone_id="America/Lima", base_url=servidor.url
        )
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        page = await context.new_page()
        pestana = Pestana(page, context, perfil)

        def registrar_pedido(request: Request) -> None:
            pestana.pedidos.append(request.url)

        context.on("request", registrar_pedido)
        if solo_origen:

            async def solo_el_servidor(route: Route) -> None:
                if urlsplit(route.request.url).netloc == servidor.host:
                    await route.continue_()
                else:
                    pestana.abortados.append(route.request.url)
                    await route.abort("blockedbyclient")

            await context.route("**/*", solo_el_servidor)
        return pestana

    yield _abrir
    for context in contexts:
        await context.close()


@pytest.fixture(scope="package")
async def expediente(servidor: Servidor, tokens: Tokens, world: World) -> Expediente:
    """Registered by mesa de partes through the live server, under a TUPA procedure (so it has a
    deadline), then routed to Asesoría Jurídica (so its history has more than one step)."""
    async with httpx.AsyncClient(base_url=servidor.url, timeout=120) as http:
        response = await http.post(
            "/api/v1/documentos", json=documento_payload(world), headers=tokens["mesa"]
        )
        assert response.status_code == 201, response.text
        doc: Json = response.json()
        response = await http.post(
            f"/api/v1/documentos/{doc['id']}/derivar",
            json={"version": doc["version"], "destinos": [{"area_id": world.areas["OAJ"]}]},
            headers=tokens["mesa"],
        )
        assert response.status_code == 200, response.text
        derivado: Json = response.json()
    assert doc["fecha_limite"], doc  # the procedure has a plazo: the page has a deadline to show
    return Expediente(
        id=int(doc["id"]),
        numero=doc["numero_expediente"],
        codigo=doc["codigo_verificacion"],
        asunto=doc["asunto"],
        estado=derivado["estado"],
        fecha_limite=derivado.get("fecha_limite") or doc["fecha_limite"],
    )


def copiar_para_readme(captura: Path) -> None:
    """The README shows the phone's result page: copied to docs/img (the integrator commits it)."""
    CAPTURA_README.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(captura, CAPTURA_README)
