"""The authorization matrix: every endpoint of the API × every kind of caller → what it answers.

Callers (`ROLES`): `anon` (no token), `mesa` (mesa_partes of MP), `oaj` (an especialista of the
document's area: the matrix's documents are in OAJ), `oga` (an especialista of another area, to which
the documents were never routed), `auditor`, `admin`. Expected answers:

- `ok`: allowed, with a request valid in every other respect, so that it succeeds (2xx, or a row's
  own `ok` statuses): the authorization let it through.
- `401`: no token (`WWW-Authenticate: Bearer`).
- `403`: the role (or, for a document it may see, the area) may not do this.
- `404`: the document is not visible to the caller: its existence does not leak
  (app/documentos/acceso.py; the especialista of another area). An action a role may never do is 403
  before any look-up (anular, envios, remitentes), which leaks nothing either.

`tests/test_authorization.py` checks that the table names every route of `app.main.app` (a new
endpoint without a row fails) and runs it: every refusal first (with a fingerprint of every table:
a refused request writes nothing), then every allowed request, each write on a fresh document in
the state the action needs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.anexos.archivos import pdf_bytes
from tests.conftest import PASSWORD, World, documento_payload, registrar
from tests.helpers import Headers, Json, OwnCatalog, Tokens, catalog_payload, unique, usuario_payload

ROLES = ("anon", "mesa", "oaj", "oga", "auditor", "admin")
OK = "ok"
OK_STATUSES = frozenset({200, 201, 202, 204})


@dataclass
class Solicitud:
    url: str
    json: Json | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    headers: Headers = field(default_factory=dict)
    params: dict[str, str] | None = None
    reusable: bool = False  # an action's answer: the document, back to the pool when still in OAJ


@dataclass
class Contexto:
    """The module's documents and rows, built once (`preparar`); fresh documents for allowed writes."""

    client: httpx.AsyncClient
    tokens: Tokens
    world: World
    catalog: OwnCatalog
    usuario_id: int
    doc: Json  # in OAJ, recibido: every read and every non-state write
    anexo_id: int
    integracion_id: int
    reporte_id: int  # requested by mesa
    sondas: dict[str, Json]  # estado -> a document in OAJ in that state, for the refused actions
    copia_id: int  # a pending copy to OAJ, for the refused acknowledgements
    pool: list[Json] = field(default_factory=list)  # documents in OAJ the allowed actions left

    async def para(self, estados: tuple[str, ...]) -> Json:
        """A document in OAJ in one of `estados` (which an allowed action will change): one an earlier
        action left in such a state, else a new one in the first of them (derivado, recibido, atendido)."""
        for doc in self.pool:
            if doc["estado"] in estados:
                self.pool.remove(doc)
                return doc
        return await self.en_estado(next(e for e in ("derivado", "recibido", "atendido") if e in estados))

    def devolver(self, doc: Json) -> None:
        if doc["area_actual"]["codigo"] == "OAJ":
            self.pool.append(doc)

    async def en_estado(self, estado: str) -> Json:
        """A new document in OAJ in `estado` (derivado, recibido or atendido)."""
        mesa, oaj = self.tokens["mesa"], self.tokens["oaj"]
        doc = await registrar(self.client, mesa, self.world)
        doc = await _accion(self, mesa, doc, "derivar", destinos=[{"area_id": self.world.areas["OAJ"]}])
        for paso in {"derivado": [], "recibido": ["recibir"], "atendido": ["recibir", "atender"]}[estado]:
            doc = await _accion(self, oaj, doc, paso)
        assert doc["estado"] == estado, doc
        return doc

    async def copia_pendiente(self) -> int:
        """A new document routed MP -> LOG with a copy to OAJ: the copy's derivacion id."""
        doc = await registrar(self.client, self.tokens["mesa"], self.world)
        destinos = [
            {"area_id": self.world.areas["LOG"]},
            {"area_id": self.world.areas["OAJ"], "es_copia": True},
        ]
        doc = await _accion(self, self.tokens["mesa"], doc, "derivar", destinos=destinos)
        (copia,) = [d["id"] for d in doc["derivaciones"] if d["es_copia"]]
        return int(copia)


def accion_request(nombre: str, doc_id: int, version: int, world: World) -> tuple[str, str, Json]:
    """Method, URL and a body that is valid for the action, so only authorization can refuse it."""
    if nombre == "actualizar":
        return "PATCH", f"/api/v1/documentos/{doc_id}", {"version": version, "folios": 7}
    body: Json = {"version": version}
    if nombre == "derivar":
        body["destinos"] = [{"area_id": world.areas["LOG"]}]
    if nombre in ("observar", "anular"):
        body["motivo"] = "Falta la firma del remitente"
    return "POST", f"/api/v1/documentos/{doc_id}/{nombre}", body


async def _accion(ctx: Contexto, headers: Headers, doc: Json, nombre: str, **body: Any) -> Json:
    method, url, default = accion_request(nombre, doc["id"], doc["version"], ctx.world)
    response = await ctx.client.request(method, url, json={**default, **body}, headers=headers)
    assert response.status_code == 200, response.text
    result: Json = response.json()
    return result


async def preparar(
    client: httpx.AsyncClient, tokens: Tokens, world: World, catalog: OwnCatalog, usuario_id: int
) -> Contexto:
    admin = tokens["admin"]
    integracion = await client.post(
        "/api/v1/integraciones",
        json={
            "codigo": unique("MATRIZ-"),
            "nombre": "Receptor de la matriz",
            "url": "http://93.184.215.14/matriz",
            "secreto": "s" * 24,
            "timeout_s": 1,
            "max_reintentos": 0,
        },
        headers=admin,
    )
    assert integracion.status_code == 201, integracion.text
    reporte = await client.post("/api/v1/reportes", json=_reporte_body(), headers=tokens["mesa"])
    assert reporte.status_code == 202, reporte.text
    ctx = Contexto(
        client,
        tokens,
        world,
        catalog,
        usuario_id,
        {},
        0,
        integracion.json()["id"],
        reporte.json()["reporte_id"],
        {},
        0,
    )
    ctx.doc = await ctx.en_estado("recibido")
    anexo = await client.post(
        f"/api/v1/documentos/{ctx.doc['id']}/anexos", files=_archivo(), headers=tokens["oaj"]
    )
    assert anexo.status_code == 202, anexo.text
    ctx.anexo_id = anexo.json()["id"]
    ctx.sondas = {estado: await ctx.en_estado(estado) for estado in ("derivado", "recibido", "atendido")}
    ctx.copia_id = await ctx.copia_pendiente()
    return ctx


def _archivo() -> dict[str, tuple[str, bytes, str]]:
    return {"archivo": ("Informe.pdf", pdf_bytes(1), "application/pdf")}


def _reporte_body() -> Json:
    return {"tipo": "estadisticas", "parametros": {}}


# ---- request builders: (context, role, allowed) -> the request ----------------------------------------

Builder = Callable[[Contexto, str, bool], Awaitable[Solicitud]]


def fijo(url: str, **kwargs: Any) -> Builder:
    async def build(ctx: Contexto, role: str, allowed: bool) -> Solicitud:
        return Solicitud(url, **kwargs)

    return build


def con(make: Callable[[Contexto], Solicitud]) -> Builder:
    async def build(ctx: Contexto, role: str, allowed: bool) -> Solicitud:
        return make(ctx)

    return build


def en(url: str, **kwargs: Any) -> Builder:
    """`url` formatted with the context (`{ctx.usuario_id}`, `{ctx.doc[id]}`)."""
    return con(lambda ctx: Solicitud(url.format(ctx=ctx), **kwargs))


def del_doc(suffix: str = "", **kwargs: Any) -> Builder:
    return en("/api/v1/documentos/{ctx.doc[id]}" + suffix, **kwargs)


# The states an action accepts (workflow.TRANSICIONES), the first one the refusals' probe's.
ESTADOS_PREVIOS = {
    "actualizar": ("derivado", "recibido", "en_proceso", "atendido", "observado"),
    "recibir": ("derivado",),
    "anular": ("derivado", "recibido", "en_proceso", "observado"),
    "procesar": ("recibido",),
    "derivar": ("recibido", "en_proceso", "observado"),
    "atender": ("recibido", "en_proceso"),
    "observar": ("recibido", "en_proceso"),
    "archivar": ("atendido", "observado"),
}


def accion(nombre: str) -> Builder:
    """The action on a document in a state it accepts: when allowed one of the pool's (it changes
    it), when refused the shared probe (nothing changes)."""

    async def build(ctx: Contexto, role: str, allowed: bool) -> Solicitud:
        estados = ESTADOS_PREVIOS[nombre]
        doc = await ctx.para(estados) if allowed else ctx.sondas[estados[0]]
        _, url, body = accion_request(nombre, doc["id"], doc["version"], ctx.world)
        return Solicitud(url, json=body, reusable=True)

    return build


async def _recibir_copia(ctx: Contexto, role: str, allowed: bool) -> Solicitud:
    copia = await ctx.copia_pendiente() if allowed else ctx.copia_id
    return Solicitud(f"/api/v1/derivaciones/{copia}/recibir")


async def _registrar(ctx: Contexto, role: str, allowed: bool) -> Solicitud:
    return Solicitud("/api/v1/documentos", json=documento_payload(ctx.world))


async def _registrar_idempotente(ctx: Contexto, role: str, allowed: bool) -> Solicitud:
    return Solicitud(
        "/api/v1/documentos",
        json=documento_payload(ctx.world),
        headers={"Idempotency-Key": unique("matriz-")},
    )


async def _login(ctx: Contexto, role: str, allowed: bool) -> Solicitud:
    return Solicitud("/api/v1/auth/login", json={"username": "mesa", "password": PASSWORD})


def catalogo(ruta: str, item: str, cambio: Json) -> list[Row]:
    base = f"/api/v1/catalogos/{ruta}"

    async def crear(ctx: Contexto, role: str, allowed: bool) -> Solicitud:
        return Solicitud(base, json=catalog_payload(ruta, ctx.world))

    return [
        ("GET", base, "ok ok ok ok ok ok", fijo(base)),
        ("GET", base + "/{item_id}", "401 ok ok ok ok ok", en(base + f"/{{ctx.catalog.{item}}}")),
        ("POST", base, "401 403 403 403 403 ok", crear),
        ("PATCH", base + "/{item_id}", "401 403 403 403 403 ok",
         en(base + f"/{{ctx.catalog.{item}}}", json=cambio)),
    ]  # fmt: skip


async def _crear_usuario(ctx: Contexto, role: str, allowed: bool) -> Solicitud:
    return Solicitud("/api/v1/usuarios", json=usuario_payload(ctx.world))


async def _crear_integracion(ctx: Contexto, role: str, allowed: bool) -> Solicitud:
    body = {
        "codigo": unique("MZ-"),
        "nombre": "Otra",
        "url": "http://93.184.215.14/otra",
        "secreto": "s" * 24,
    }
    return Solicitud("/api/v1/integraciones", json=body)


async def _reporte(ctx: Contexto, role: str, allowed: bool) -> Solicitud:
    return Solicitud("/api/v1/reportes", json=_reporte_body())


def _seguimiento(ctx: Contexto) -> Solicitud:
    params = {"numero": ctx.doc["numero_expediente"], "codigo": ctx.doc["codigo_verificacion"]}
    return Solicitud("/api/v1/seguimiento", params=params)


def _seguimiento_pagina(ctx: Contexto) -> Solicitud:
    """The citizen's HTML page (app/seguimiento/pagina.py) for the same document."""
    params = {"numero": ctx.doc["numero_expediente"], "codigo": ctx.doc["codigo_verificacion"]}
    return Solicitud("/seguimiento", params=params)


Row = tuple[str, str, str, Builder]
READ = "401 ok ok 404 ok ok"  # whoever sees the document (not the especialista of another area)
ANYONE = "ok ok ok ok ok ok"
STAFF = "401 ok ok ok ok ok"
ADMIN = "401 403 403 403 403 ok"
# Changing a document: its area's especialista, admin; mesa de partes only in MP (the document is in
# OAJ); the auditor never; the other area's especialista does not see it.
ACT = "401 403 ok 404 403 ok"
DOC = "/api/v1/documentos/{documento_id}"

TABLE: list[Row] = [
    # operations and docs: public (probes of an orchestrator, a scraper)
    ("GET", "/openapi.json", ANYONE, fijo("/openapi.json")),
    ("GET", "/docs", ANYONE, fijo("/docs")),
    ("GET", "/docs/oauth2-redirect", ANYONE, fijo("/docs/oauth2-redirect")),
    ("GET", "/redoc", ANYONE, fijo("/redoc")),
    ("GET", "/livez", ANYONE, fijo("/livez")),
    ("GET", "/readyz", ANYONE, fijo("/readyz")),
    ("GET", "/health", ANYONE, fijo("/health")),
    ("GET", "/metrics", ANYONE, fijo("/metrics")),
    # auth
    ("POST", "/api/v1/auth/login", ANYONE, _login),
    ("GET", "/api/v1/auth/me", STAFF, fijo("/api/v1/auth/me")),
    # documents
    ("GET", "/api/v1/documentos", STAFF, fijo("/api/v1/documentos")),
    ("POST", "/api/v1/documentos", "401 ok 403 403 403 ok", _registrar),
    ("POST", "/api/v1/documentos", "401 ok 403 403 403 ok", _registrar_idempotente),
    ("GET", DOC, READ, del_doc()),
    ("PATCH", DOC, ACT, accion("actualizar")),
    ("POST", DOC + "/derivar", ACT, accion("derivar")),
    ("POST", DOC + "/recibir", ACT, accion("recibir")),
    ("POST", DOC + "/procesar", ACT, accion("procesar")),
    ("POST", DOC + "/atender", ACT, accion("atender")),
    ("POST", DOC + "/archivar", ACT, accion("archivar")),
    ("POST", DOC + "/observar", ACT, accion("observar")),
    # annulment is mesa de partes' (in its area) and admin's: every especialista is 403 by role
    ("POST", DOC + "/anular", "401 403 403 403 403 ok", accion("anular")),
    ("GET", DOC + "/historial", READ, del_doc("/historial")),
    ("GET", DOC + "/cargo", READ, del_doc("/cargo")),
    # attachments: adding one is acting on the document; reading follows its visibility
    ("POST", DOC + "/anexos", ACT, del_doc("/anexos", files=_archivo())),
    ("GET", DOC + "/anexos", READ, del_doc("/anexos")),
    ("GET", DOC + "/anexos/{anexo_id}", READ, del_doc("/anexos/{ctx.anexo_id}")),
    ("GET", DOC + "/anexos/{anexo_id}/descarga", READ, del_doc("/anexos/{ctx.anexo_id}/descarga")),
    # deliveries to integrations: a desk action (admin, mesa in its area); reading follows visibility
    ("POST", DOC + "/envios", "401 403 403 403 403 ok",
     con(lambda ctx: Solicitud(f"/api/v1/documentos/{ctx.doc['id']}/envios",
                               json={"integracion_id": ctx.integracion_id}))),
    ("GET", DOC + "/envios", READ, del_doc("/envios")),
    # trays; a copy is acknowledged by its destination area (mesa sees it, but it is not MP's)
    ("GET", "/api/v1/derivaciones", STAFF, fijo("/api/v1/derivaciones")),
    ("POST", "/api/v1/derivaciones/{derivacion_id}/recibir", "401 403 ok 404 403 ok", _recibir_copia),
    # the audit trail across documents
    ("GET", "/api/v1/historial", "401 403 403 403 ok ok", fijo("/api/v1/historial")),
    # senders: personal data, no especialista
    ("GET", "/api/v1/remitentes", "401 ok 403 403 ok ok", fijo("/api/v1/remitentes", params={"q": "Mar"})),
    ("GET", "/api/v1/remitentes/{remitente_id}", "401 ok 403 403 ok ok",
     en("/api/v1/remitentes/{ctx.doc[remitente][id]}")),
    # public tracking by number and code
    ("GET", "/api/v1/seguimiento", ANYONE, con(_seguimiento)),
    ("GET", "/seguimiento", ANYONE, con(_seguimiento_pagina)),
    ("GET", "/seguimiento/estilos.css", ANYONE, fijo("/seguimiento/estilos.css")),
    ("GET", "/seguimiento/logo", ANYONE, fijo("/seguimiento/logo")),
    # catalogs: lists public, items for staff, writes admin's
    *catalogo("areas", "areas", {"nombre": "Área de la matriz"}),
    *catalogo("tipos-documento", "tipos_documento", {"nombre": "Tipo de la matriz"}),
    *catalogo("procedimientos", "procedimientos", {"plazo_dias": 8}),
    *catalogo("indicaciones", "indicaciones", {"nombre": "Indicación de la matriz"}),
    ("GET", "/api/v1/catalogos/monedas", ANYONE, fijo("/api/v1/catalogos/monedas")),
    ("GET", "/api/v1/catalogos/paises", ANYONE, fijo("/api/v1/catalogos/paises")),
    ("GET", "/api/v1/catalogos/paises/{codigo}", STAFF, fijo("/api/v1/catalogos/paises/PE")),
    ("GET", "/api/v1/estadisticas", STAFF, fijo("/api/v1/estadisticas")),
    # staff accounts: admin only (and no role escalation by anyone else)
    ("GET", "/api/v1/usuarios", ADMIN, fijo("/api/v1/usuarios")),
    ("POST", "/api/v1/usuarios", ADMIN, _crear_usuario),
    ("GET", "/api/v1/usuarios/{usuario_id}", ADMIN, en("/api/v1/usuarios/{ctx.usuario_id}")),
    ("PATCH", "/api/v1/usuarios/{usuario_id}", ADMIN,
     en("/api/v1/usuarios/{ctx.usuario_id}", json={"nombre_completo": "Nombre Matriz"})),
    ("PATCH", "/api/v1/usuarios/{usuario_id}", "401 403 403 403 403 -",
     en("/api/v1/usuarios/{ctx.usuario_id}", json={"rol": "admin"})),
    # reports: anyone on staff asks for one; each sees its own (mesa's here), admin every one
    ("POST", "/api/v1/reportes", STAFF, _reporte),
    ("GET", "/api/v1/reportes", STAFF, fijo("/api/v1/reportes")),
    ("GET", "/api/v1/reportes/{reporte_id}", "401 ok 404 404 404 ok",
     en("/api/v1/reportes/{ctx.reporte_id}")),
    ("GET", "/api/v1/reportes/{reporte_id}/descarga", "401 ok 404 404 404 ok",
     en("/api/v1/reportes/{ctx.reporte_id}/descarga")),
    # integrations: read by the desk, the auditor and admin; configured by admin
    ("GET", "/api/v1/integraciones", "401 ok 403 403 ok ok", fijo("/api/v1/integraciones")),
    ("POST", "/api/v1/integraciones", ADMIN, _crear_integracion),
    ("GET", "/api/v1/integraciones/{integracion_id}", "401 ok 403 403 ok ok",
     en("/api/v1/integraciones/{ctx.integracion_id}")),
    ("PATCH", "/api/v1/integraciones/{integracion_id}", ADMIN,
     en("/api/v1/integraciones/{ctx.integracion_id}", json={"nombre": "Matriz"})),
    # operators' endpoints
    ("GET", "/api/v1/admin/cache", ADMIN, fijo("/api/v1/admin/cache")),
    ("POST", "/api/v1/admin/cache/invalidate", ADMIN,
     fijo("/api/v1/admin/cache/invalidate", json={"namespaces": ["catalogos"]})),
    ("GET", "/api/v1/admin/slow-queries", ADMIN, fijo("/api/v1/admin/slow-queries")),
    ("GET", "/api/v1/admin/indexes", ADMIN, fijo("/api/v1/admin/indexes")),
    ("GET", "/api/v1/admin/explain", ADMIN, fijo("/api/v1/admin/explain")),
    ("GET", "/api/v1/admin/explain/{name}", ADMIN, fijo("/api/v1/admin/explain/areas.alta")),
]  # fmt: skip

# Allowed answers other than 2xx: the report is not generated yet while no worker runs (409).
OK_OTHER: dict[tuple[str, str], frozenset[int]] = {
    ("GET", "/api/v1/reportes/{reporte_id}/descarga"): frozenset({200, 409}),
}


def expectations(row: Row) -> dict[str, str]:
    """Role -> `ok`, `401`, `403`, `404` or `-` (not tried: the row's variant is about the others)."""
    tokens = row[2].split()
    assert len(tokens) == len(ROLES), row[:3]
    return dict(zip(ROLES, tokens, strict=True))


def headers_for(tokens: Tokens, role: str) -> Headers:
    return {} if role == "anon" else dict(tokens[role])
