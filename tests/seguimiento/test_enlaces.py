"""The links people already hold: receipts and emails printed before the page existed point to the
JSON endpoint (GET /api/v1/seguimiento). A browser opening one is sent on (303) to the page, without
a lookup and without using the throttle; programs keep the JSON, never cached. Links under a root
path of "/" stay on this host (no "//seguimiento")."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from app.core.config import get_settings
from app.main import app
from tests.conftest import counted
from tests.helpers import error_code

JSON = "/api/v1/seguimiento"
# What chromium sends when it opens an address (a QR code, a link in an email).
NAVEGADOR = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
CLAVES = {
    "numero_expediente",
    "tipo_documento",
    "asunto",
    "estado",
    "area_actual",
    "fecha_recepcion",
    "fecha_limite",
    "fecha_atencion",
    "derivaciones",
}


def _cliente(address: str = "127.0.0.1", root_path: str = "") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000), root_path=root_path)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_an_old_link_in_a_browser_goes_to_the_page_without_a_lookup(
    monkeypatch: pytest.MonkeyPatch, new_doc: dict[str, Any]
) -> None:
    monkeypatch.setattr(get_settings(), "seguimiento_limit_por_ip", "2/minute")
    params = {"numero": new_doc["numero_expediente"], "codigo": new_doc["codigo_verificacion"]}
    pagina = f"/seguimiento?{urlencode(params)}"
    async with _cliente("10.9.2.1") as http:
        for _ in range(4):  # more than the limit: none of them counts
            r, stats = await counted(http.get(JSON, params=params, headers={"Accept": NAVEGADOR}))
            assert r.status_code == 303, r.text
            assert r.headers["location"] == pagina
            assert r.headers["cache-control"] == "no-store"
            assert stats.count == 0
            assert new_doc["asunto"] not in r.text
        # The page does the lookup (and counts it: 1 of 2).
        r = await http.get(JSON, params=params, headers={"Accept": NAVEGADOR}, follow_redirects=True)
        assert r.status_code == 200 and str(r.url).endswith(pagina)
        assert r.headers["content-type"] == "text/html; charset=utf-8"
        assert f'Expediente N.º <span class="sin-corte">{params["numero"]}</span>' in r.text
        # A program: 2 of 2, then the limit.
        assert (await http.get(JSON, params=params)).status_code == 200
        r = await http.get(JSON, params=params, headers={"Accept": "application/json"})
        assert r.status_code == 429 and error_code(r) == "too_many_requests"
        # The browser is still sent on: the page answers the 429.
        r = await http.get(JSON, params=params, headers={"Accept": NAVEGADOR}, follow_redirects=True)
        assert r.status_code == 429 and "<h1>Demasiadas consultas</h1>" in r.text


@pytest.mark.parametrize(
    ("root_path", "url", "destino"),
    [
        pytest.param("/", "http://testserver//api/v1/seguimiento", "/seguimiento", id="slash"),
        pytest.param("/mp", "http://testserver/mp/api/v1/seguimiento", "/mp/seguimiento", id="prefix"),
    ],
)
async def test_the_redirect_is_under_the_root_path(
    new_doc: dict[str, Any], root_path: str, url: str, destino: str
) -> None:
    params = {"numero": new_doc["numero_expediente"], "codigo": new_doc["codigo_verificacion"]}
    async with _cliente(root_path=root_path) as http:
        r = await http.get(url, params=params, headers={"Accept": NAVEGADOR})
    assert r.status_code == 303
    assert r.headers["location"] == f"{destino}?{urlencode(params)}"


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/json, text/html"])
async def test_programs_keep_the_json_never_cached(new_doc: dict[str, Any], accept: str | None) -> None:
    params = {"numero": new_doc["numero_expediente"], "codigo": new_doc["codigo_verificacion"].lower()}
    headers = {"Accept": accept} if accept is not None else {}
    async with _cliente() as http:
        if accept is None:
            http.headers.pop("Accept", None)
        r, stats = await counted(http.get(JSON, params=params, headers=headers))
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/json"
        assert r.headers["cache-control"] == "no-store"
        assert stats.count == 1
        body = r.json()
        assert set(body) == CLAVES
        assert body["numero_expediente"] == new_doc["numero_expediente"]
        assert body["asunto"] == new_doc["asunto"] and body["estado"] == "registrado"
        assert body["area_actual"] == "Mesa de Partes" and body["derivaciones"] == []
        # A wrong code: the same words as the page's.
        otro = {**params, "codigo": "ZZZZ9998" if params["codigo"] != "zzzz9998" else "ZZZZ9997"}
        r = await http.get(JSON, params=otro, headers=headers)
        assert r.status_code == 404 and error_code(r) == "not_found"
        assert r.json()["detail"] == "No existe un expediente con ese número y código de verificación."


async def test_pages_under_a_root_path_of_slash_link_to_this_host(new_doc: dict[str, Any]) -> None:
    params = {"numero": new_doc["numero_expediente"], "codigo": new_doc["codigo_verificacion"]}
    async with _cliente(root_path="/") as http:
        paginas = [
            await http.get("http://testserver//seguimiento"),
            await http.get("http://testserver//seguimiento", params=params),
            await http.get("http://testserver//seguimiento", params={**params, "codigo": "ZZZZ9999"}),
            await http.get("http://testserver//docs"),
        ]
    assert [r.status_code for r in paginas] == [200, 200, 404, 200]
    for r in paginas:
        enlaces = re.findall(r'(?:href|src|action)="([^"]+)"', r.text) + re.findall(
            r"url: ?'([^']+)'", r.text
        )
        locales = [enlace for enlace in enlaces if enlace.startswith("/")]
        assert locales, r.text[:500]
        assert not [enlace for enlace in locales if enlace.startswith("//")], locales
    assert '<form class="formulario" method="get" action="/seguimiento">' in paginas[0].text
