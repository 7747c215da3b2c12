"""Security headers on every response (app/core/security_headers.py), the docs pages' CSP checked
against what the pages load (all of it from this server: app/core/docs.py), HSTS by setting, and CORS
for the configured origins only."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from fastapi import FastAPI, Response

from app.core.config import get_settings
from app.core.docs import MEDIA_TYPES, PATCHES, STATIC_DIR
from app.core.security_headers import CORS_REQUEST_HEADERS, SecureFastAPI
from app.main import app, create_app
from tests.anexos.archivos import pdf_bytes, subir, url
from tests.conftest import World, registrar
from tests.helpers import Tokens, error_code

SECURITY = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
ORIGIN = "http://testserver"
ALLOWED = "https://mesa.example.gob.pe"


# ---- a small CSP evaluator (CSP Level 3 source matching, enough for these pages) -------------------


def parse_csp(header: str) -> dict[str, list[str]]:
    policy: dict[str, list[str]] = {}
    for directive in header.split(";"):
        name, *sources = directive.split()
        assert name.lower() not in policy, f"directive {name} twice in {header!r}"
        policy[name.lower()] = sources
    return policy


FALLBACK = {"worker-src": ["worker-src", "child-src", "script-src", "default-src"]}


def sources_for(policy: dict[str, list[str]], directive: str) -> list[str]:
    for name in FALLBACK.get(directive, [directive, "default-src"]):
        if name in policy:
            return policy[name]
    return ["*"]


def allows_url(policy: dict[str, list[str]], directive: str, target: str) -> bool:
    absolute = urlsplit(urljoin(ORIGIN + "/", target))
    for source in sources_for(policy, directive):
        if source == "'self'" and f"{absolute.scheme}://{absolute.netloc}" == ORIGIN:
            return True
        if re.fullmatch(r"[a-z][a-z0-9+.-]*:", source) and absolute.scheme + ":" == source:
            return True
        if "://" in source:
            allowed = urlsplit(source)
            if (allowed.scheme, allowed.netloc) != (absolute.scheme, absolute.netloc):
                continue
            path = allowed.path or "/"
            if (path.endswith("/") and absolute.path.startswith(path)) or absolute.path == path:
                return True
    return False


def csp_hash(text: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"


def allows_inline(policy: dict[str, list[str]], directive: str, text: str) -> bool:
    sources = sources_for(policy, directive)
    if csp_hash(text) in sources:
        return True
    hashed = any(s.startswith(("'sha256-", "'sha384-", "'sha512-", "'nonce-")) for s in sources)
    return "'unsafe-inline'" in sources and not hashed


class Page(HTMLParser):
    """What a page loads: (directive, URL) and (directive, inline text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.loads: list[tuple[str, str]] = []
        self.inline: list[tuple[str, str]] = []
        self._open: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "script" and a.get("src"):
            self.loads.append(("script-src", a["src"]))
        elif tag in ("script", "style"):
            self._open = (tag, [])
        elif tag == "link" and "stylesheet" in a.get("rel", "").split():
            self.loads.append(("style-src", a["href"]))
        elif tag == "link" and "icon" in a.get("rel", "").split():
            self.loads.append(("img-src", a["href"]))
        elif tag == "img":
            self.loads.append(("img-src", a["src"]))
        elif tag == "redoc":
            self.loads.append(("connect-src", a["spec-url"]))
        assert not any(k.startswith("on") for k in a), f"inline event handler on <{tag}>"

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and self._open[0] == tag:
            directive = "script-src" if tag == "script" else "style-src"
            self.inline.append((directive, "".join(self._open[1])))
            self._open = None


def assert_security_headers(response: httpx.Response, label: str = "") -> dict[str, list[str]]:
    """Each header exactly once with its value; the CSP forbids framing. Returns the parsed CSP."""
    label = label or f"{response.request.method} {response.request.url.path} {response.status_code}"
    for name, value in SECURITY.items():
        assert response.headers.get_list(name) == [value], (label, name, response.headers)
    (csp,) = response.headers.get_list("content-security-policy")
    policy = parse_csp(csp)
    assert policy["frame-ancestors"] == ["'none'"], (label, csp)
    assert "strict-transport-security" not in response.headers, label  # HSTS_SECONDS=0 by default
    return policy


def assert_api_policy(response: httpx.Response) -> None:
    policy = assert_security_headers(response)
    assert policy == {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}, response.headers


# ---- every kind of response ---------------------------------------------------------------------------


async def test_json_answers_errors_and_unknown_paths_carry_the_headers(
    api: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    answers = [
        await api.get("/api/v1/catalogos/areas"),
        await api.get("/api/v1/auth/me", headers=tokens["mesa"]),
        await api.get("/livez"),
        await api.get("/metrics"),
        await api.get("/openapi.json"),
    ]
    assert [r.status_code for r in answers] == [200] * len(answers), [r.text[:200] for r in answers]
    etag = answers[0].headers["etag"]
    not_modified = await api.get("/api/v1/catalogos/areas", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    unauthorized = await api.get("/api/v1/documentos")
    assert unauthorized.status_code == 401 and error_code(unauthorized) == "unauthorized"
    invalid = await api.post("/api/v1/documentos", json={"folios": "muchos"}, headers=tokens["mesa"])
    assert invalid.status_code == 422
    forbidden = await api.get("/api/v1/usuarios", headers=tokens["mesa"])
    assert forbidden.status_code == 403
    unknown = await api.get("/no/existe/esta-ruta")
    assert unknown.status_code == 404
    not_allowed = await api.delete("/livez")
    assert not_allowed.status_code == 405
    for response in [*answers, not_modified, unauthorized, invalid, forbidden, unknown, not_allowed]:
        assert_api_policy(response)


async def test_a_download_has_each_header_once_and_a_script_free_policy(
    client: httpx.AsyncClient, tokens: Tokens, world: World
) -> None:
    doc = await registrar(client, tokens["mesa"], world)
    data = pdf_bytes(1)
    subido = await subir(client, tokens["mesa"], doc["id"], "Carta.pdf", data, "application/pdf")
    assert subido.status_code == 202, subido.text
    descarga = await client.get(url(doc["id"], subido.json()["id"], "descarga"), headers=tokens["mesa"])
    assert descarga.status_code == 200 and descarga.content == data
    assert descarga.headers["content-disposition"].startswith("attachment;")
    policy = assert_security_headers(descarga)
    assert sources_for(policy, "script-src") == ["'none'"]
    assert sources_for(policy, "connect-src") == ["'none'"]
    assert descarga.headers.get_list("cache-control") == ["private, no-cache"]


async def test_an_unhandled_error_and_a_route_s_own_headers() -> None:
    """The 500 of ServerErrorMiddleware (outside the user middleware) gets the headers; a header a
    route set itself is kept and not repeated."""
    probe = SecureFastAPI()

    @probe.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    @probe.get("/own")
    async def own() -> Response:
        return Response(b"x", headers={"X-Frame-Options": "SAMEORIGIN", "Content-Security-Policy": "sandbox"})

    transport = httpx.ASGITransport(app=probe, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as http:
        failed = await http.get("/boom")
        assert failed.status_code == 500
        assert_api_policy(failed)
        own_headers = (await http.get("/own")).headers
    assert own_headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert own_headers.get_list("content-security-policy") == ["sandbox; frame-ancestors 'none'"]
    assert own_headers.get_list("x-content-type-options") == ["nosniff"]


# ---- the docs pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/oauth2-redirect"])
async def test_the_docs_pages_policy_allows_what_they_load_and_nothing_inline_else(
    api: httpx.AsyncClient, path: str
) -> None:
    response = await api.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    policy = assert_security_headers(response)
    page = Page()
    page.feed(response.text)
    page.close()
    assert page.loads or page.inline, "the page loads nothing: the parser missed its elements"
    blocked = [(d, u) for d, u in page.loads if not allows_url(policy, d, u)]
    blocked += [(d, t[:60]) for d, t in page.inline if not allows_inline(policy, d, t)]
    assert not blocked, f"{path}: the CSP blocks {blocked}\n{response.headers['content-security-policy']}"
    # What the page's scripts load at run time: the OpenAPI document (Swagger UI's `url:`) and
    # ReDoc's search worker (a blob: URL).
    for spec in re.findall(r"\burl: '([^']+)'", response.text):
        assert allows_url(policy, "connect-src", spec), spec
    if path == "/redoc":
        assert allows_url(policy, "worker-src", "blob:" + ORIGIN + "/5f0c"), policy
    if path == "/docs":  # no online validator badge: an image from validator.swagger.io
        assert '"validatorUrl": null' in response.text
    # Everything the page loads is this server's, and it names no other host at all.
    assert all(urlsplit(urljoin(ORIGIN + "/", u)).netloc == "testserver" for _, u in page.loads), page.loads
    named = re.findall(r"https?://[^\s\"'<>()]+", response.text)
    assert not [u for u in named if urlsplit(u).netloc != "testserver"], named
    # and nothing else: no script, style, font or image from elsewhere (the CDN and the hosts
    # FastAPI's own pages use included), no inline script but these pages' own
    for directive, outside in [
        ("script-src", "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"),
        ("script-src", "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js"),
        ("script-src", "https://attacker.example/x.js"),
        ("style-src", "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"),
        ("style-src", "https://fonts.googleapis.com/css?family=Montserrat"),
        ("font-src", "https://fonts.gstatic.com/s/roboto/v30/a.woff2"),
        ("img-src", "https://fastapi.tiangolo.com/img/favicon.png"),
        ("img-src", "https://validator.swagger.io/validator?url=x"),
        ("connect-src", "https://attacker.example/collect"),
    ]:
        assert not allows_url(policy, directive, outside), (directive, outside)
    assert not allows_inline(policy, "script-src", "alert(document.domain)")
    assert "http://" not in response.headers["content-security-policy"]
    assert "https://" not in response.headers["content-security-policy"]


async def test_the_docs_assets_are_served_here_cached_and_self_contained(api: httpx.AsyncClient) -> None:
    """Every script, stylesheet and icon the docs pages load is one of fastapi-offline's files, served
    by this server with its type, a year-long immutable cache (the URL carries the content's hash),
    an ETag (304), and the stylesheet refers to nothing outside itself (data: URIs only)."""
    loads: set[str] = set()
    for path in ("/docs", "/redoc"):
        page = Page()
        page.feed((await api.get(path)).text)
        loads |= {u for d, u in page.loads if d != "connect-src"}
    served: set[str] = set()
    for asset in sorted(loads):
        response = await api.get(asset)
        name = urlsplit(asset).path.rsplit("/", 1)[-1]
        assert response.status_code == 200, asset
        expected = (STATIC_DIR / name).read_bytes()
        for old, new in PATCHES.get(name, ()):  # what would load from elsewhere (ReDoc's logo)
            expected = expected.replace(old, new)
        assert response.content == expected, asset
        assert b"cdn.redoc.ly" not in response.content and b"cdn.jsdelivr.net" not in response.content
        assert response.headers["content-type"] == MEDIA_TYPES[name], asset
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable", asset
        version = response.headers["etag"].strip('"')
        assert len(version) == 12 and urlsplit(asset).query == f"v={version}", asset
        assert_security_headers(response)
        again = await api.get(asset, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304 and again.content == b"", asset
        head = await api.head(asset)
        assert head.status_code == 200 and head.content == b"", asset
        assert head.headers["content-length"] == str(len(response.content)), asset
        if name.endswith(".css"):
            references = re.findall(r"url\(\s*[\"']?([^\"')]+)", response.text) + re.findall(
                r"@import", response.text
            )
            assert references and all(r.startswith("data:") for r in references), references[:5]
        served.add(name)
    assert served == set(MEDIA_TYPES), served
    assert (await api.get("/docs/static/otro.js")).status_code == 404
    assert (await api.get("/docs/static/../../app/main.py")).status_code == 404
    assert (await api.post("/docs/static/favicon.png")).status_code in (404, 405)


# ---- HSTS and CORS: an app built with other settings ----------------------------------------------------


async def _client_of(fresh: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=fresh), base_url=ORIGIN)


async def test_hsts_only_when_a_setting_enables_it(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert get_settings().hsts_seconds == 0
    assert "strict-transport-security" not in (await api.get("/livez")).headers
    monkeypatch.setattr(get_settings(), "hsts_seconds", 31_536_000)
    async with await _client_of(create_app()) as http:
        for path in ("/livez", "/no/existe", "/docs"):
            response = await http.get(path)
            assert response.headers.get_list("strict-transport-security") == ["max-age=31536000"], path


async def test_no_cors_headers_unless_origins_are_configured(api: httpx.AsyncClient) -> None:
    assert get_settings().cors_origenes == []
    simple = await api.get("/api/v1/catalogos/areas", headers={"Origin": ALLOWED})
    preflight = await api.options(
        "/api/v1/documentos", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST"}
    )
    for response in (simple, preflight):
        assert not [h for h in response.headers if h.startswith("access-control-")], response.headers
    assert preflight.status_code == 405


async def test_cors_answers_configured_origins_only(monkeypatch: pytest.MonkeyPatch, tokens: Tokens) -> None:
    monkeypatch.setattr(get_settings(), "cors_origenes", [ALLOWED])
    asked = "authorization, content-type, idempotency-key"
    async with await _client_of(create_app()) as http:
        ok = await http.options(
            "/api/v1/documentos",
            headers={
                "Origin": ALLOWED,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": asked,
            },
        )
        assert ok.status_code == 200, ok.text
        assert ok.headers["access-control-allow-origin"] == ALLOWED
        assert {h.strip().lower() for h in ok.headers["access-control-allow-headers"].split(",")} >= set(
            asked.split(", ")
        )
        assert "PATCH" in ok.headers["access-control-allow-methods"]
        assert "access-control-allow-credentials" not in ok.headers
        assert_security_headers(ok)

        other = await http.options(
            "/api/v1/documentos",
            headers={"Origin": "https://otro.example.com", "Access-Control-Request-Method": "POST"},
        )
        assert other.status_code == 400 and "access-control-allow-origin" not in other.headers
        assert_security_headers(other)

        simple = await http.get("/api/v1/catalogos/areas", headers={"Origin": ALLOWED})
        assert simple.headers["access-control-allow-origin"] == ALLOWED
        exposed = {h.strip().lower() for h in simple.headers["access-control-expose-headers"].split(",")}
        assert {"etag", "retry-after", "location", "x-request-id", "content-disposition"} <= exposed
        assert "origin" in simple.headers["vary"].lower()
        foreign = await http.get(
            "/api/v1/auth/me", headers={"Origin": "https://otro.example.com", **tokens["mesa"]}
        )
        assert foreign.status_code == 200 and "access-control-allow-origin" not in foreign.headers


def test_cors_allows_every_request_header_the_api_reads() -> None:
    """A header parameter added to an endpoint must be added to CORS_REQUEST_HEADERS too."""
    read = {
        parameter["name"].lower()
        for item in app.openapi()["paths"].values()
        for operation in item.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "header"
    }
    assert read, "the OpenAPI document declares no header parameter: the walk is wrong"
    assert read <= {h.lower() for h in CORS_REQUEST_HEADERS}, read
