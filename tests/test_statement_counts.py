"""SQL statements per endpoint, in one table: the budget of every everyday request.

Each request is counted through the real application and a real PostgreSQL
(`app.core.database.count_statements`). The counts are exact, so a change that adds a statement (an
N+1, a lost eager load, an account lookup that is not cached) fails here with the whole measured table in the
message. With STATEMENT_COUNTS_JSON set, the measured table is also written to that file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx

from app.anexos.procesamiento import procesar_anexo
from tests.anexos.archivos import pdf_bytes
from tests.conftest import World, counted, documento_payload
from tests.helpers import unique

# endpoint (as the docs name it) -> statements
EXPECTED = {
    "POST /auth/login": 2,
    "GET /auth/me": 1,
    # The checks (tipo, procedimiento, sender and its country, área, the Idempotency-Key's document)
    # are one read; the sender insert; counter + document + event (app/documentos/registro.py).
    "POST /documentos (new sender)": 3,
    "PATCH /documentos/{id}": 7,
    "POST /documentos/{id}/derivar (2 destinations)": 9,
    "POST /documentos/{id}/recibir": 8,
    "POST /documentos/{id}/atender": 8,
    "GET /documentos?page_size=100": 1,
    "GET /documentos?q= (miss)": 1,
    "GET /documentos?q= (hit)": 0,
    "GET /documentos/{id}": 3,
    "GET /documentos/{id}/historial": 2,
    "GET /seguimiento": 1,
    # The public HTML page: the document with its routings, then (code right) its public events.
    "GET /seguimiento (HTML page)": 2,
    "GET /derivaciones?area_destino_id=&estado=": 1,
    "GET /historial?usuario_id=&evento=": 1,
    "GET /catalogos/areas (miss)": 1,
    "GET /catalogos/areas (hit)": 0,
    "GET /catalogos/areas (If-None-Match)": 0,
    "GET /estadisticas (miss)": 1,
    "GET /estadisticas (hit)": 0,
    "GET /remitentes?q= (miss)": 1,
    "GET /remitentes?q= (hit)": 0,
    # The document is read twice: before the body (refused early, in a unit of work that ends before
    # the body streams) and again in the short transaction that stores the file (app/anexos/subida.py).
    "POST /documentos/{id}/anexos": 4,
    "GET /documentos/{id}/anexos": 2,
    "GET /documentos/{id}/anexos/{anexo_id}": 2,
    "GET /documentos/{id}/anexos/{anexo_id}/descarga": 1,
    "GET /documentos/{id}/cargo": 1,
    "GET /integraciones": 1,
    "POST /documentos/{id}/envios": 4,
    "GET /documentos/{id}/envios": 2,
    "POST /reportes": 1,
    "GET /reportes/{id}": 1,
}


async def test_statements_per_endpoint(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    measured: dict[str, int] = {}
    api = "/api/v1"

    async def count(label: str, request: Any, status: int) -> dict[str, Any]:
        response, stats = await counted(request)
        assert response.status_code == status, (label, response.text)
        measured[label] = stats.count
        return (
            response.json() if response.content and "json" in response.headers.get("content-type", "") else {}
        )

    mesa, admin, oaj, auditor = tokens["mesa"], tokens["admin"], tokens["oaj"], tokens["auditor"]
    # The steady state: each account behind a token is cached after its first request (the cold
    # lookup is one statement, tests/usuarios/test_principal.py).
    for headers in (mesa, admin, oaj, auditor):
        assert (await client.get(f"{api}/auth/me", headers=headers)).status_code == 200
    login = {"username": "mesa", "password": "clave-de-prueba-123"}
    await count("POST /auth/login", client.post(f"{api}/auth/login", json=login), 200)
    await count("GET /auth/me", client.get(f"{api}/auth/me", headers=mesa), 200)

    palabra = unique("conteo").replace("-", "")
    payload = documento_payload(world, asunto=f"Solicitud {palabra} de copias certificadas")
    doc = await count(
        "POST /documentos (new sender)", client.post(f"{api}/documentos", json=payload, headers=mesa), 201
    )
    doc_url = f"{api}/documentos/{doc['id']}"
    cambio = {"version": doc["version"], "folios": 4}
    doc = await count("PATCH /documentos/{id}", client.patch(doc_url, json=cambio, headers=mesa), 200)
    destinos = [{"area_id": world.areas["OAJ"]}, {"area_id": world.areas["LOG"], "es_copia": True}]
    derivar = {"version": doc["version"], "destinos": destinos}
    doc = await count(
        "POST /documentos/{id}/derivar (2 destinations)",
        client.post(f"{doc_url}/derivar", json=derivar, headers=mesa),
        200,
    )
    doc = await count(
        "POST /documentos/{id}/recibir",
        client.post(f"{doc_url}/recibir", json={"version": doc["version"]}, headers=oaj),
        200,
    )
    doc = await count(
        "POST /documentos/{id}/atender",
        client.post(f"{doc_url}/atender", json={"version": doc["version"]}, headers=oaj),
        200,
    )

    lista = client.get(f"{api}/documentos", params={"page_size": 100}, headers=admin)
    await count("GET /documentos?page_size=100", lista, 200)
    for label in ("GET /documentos?q= (miss)", "GET /documentos?q= (hit)"):
        await count(label, client.get(f"{api}/documentos", params={"q": palabra}, headers=admin), 200)
    await count("GET /documentos/{id}", client.get(doc_url, headers=admin), 200)
    await count("GET /documentos/{id}/historial", client.get(f"{doc_url}/historial", headers=admin), 200)
    publico = {"numero": doc["numero_expediente"], "codigo": doc["codigo_verificacion"]}
    await count("GET /seguimiento", client.get(f"{api}/seguimiento", params=publico), 200)
    await count("GET /seguimiento (HTML page)", client.get("/seguimiento", params=publico), 200)
    bandeja = {"area_destino_id": world.areas["OAJ"], "estado": "atendida"}
    await count(
        "GET /derivaciones?area_destino_id=&estado=",
        client.get(f"{api}/derivaciones", params=bandeja, headers=oaj),
        200,
    )
    auditoria = {"usuario_id": world.users["mesa"], "evento": "registrado"}
    await count(
        "GET /historial?usuario_id=&evento=",
        client.get(f"{api}/historial", params=auditoria, headers=auditor),
        200,
    )

    areas = f"{api}/catalogos/areas"
    await count("GET /catalogos/areas (miss)", client.get(areas), 200)
    hit, _ = await counted(client.get(areas))
    measured["GET /catalogos/areas (hit)"] = _.count
    revalidar = client.get(areas, headers={"If-None-Match": hit.headers["etag"]})
    await count("GET /catalogos/areas (If-None-Match)", revalidar, 304)
    for label in ("GET /estadisticas (miss)", "GET /estadisticas (hit)"):
        await count(label, client.get(f"{api}/estadisticas", headers=admin), 200)
    nombre = payload["remitente"]["nombre"].split()[1]
    for label in ("GET /remitentes?q= (miss)", "GET /remitentes?q= (hit)"):
        await count(label, client.get(f"{api}/remitentes", params={"q": nombre}, headers=mesa), 200)

    # Attachments and the receipt: a document still in the desk's area.
    registro = client.post(f"{api}/documentos", json=documento_payload(world), headers=mesa)
    otro = await count("POST /documentos (new sender)", registro, 201)
    otro_url = f"{api}/documentos/{otro['id']}"
    archivo = {"archivo": ("oficio.pdf", pdf_bytes(1), "application/pdf")}
    anexo = await count(
        "POST /documentos/{id}/anexos", client.post(f"{otro_url}/anexos", files=archivo, headers=mesa), 202
    )
    # Processed (as the worker would), so that the detail also looks for an identical file.
    await procesar_anexo(anexo["id"])
    await count("GET /documentos/{id}/anexos", client.get(f"{otro_url}/anexos", headers=mesa), 200)
    anexo_url = f"{otro_url}/anexos/{anexo['id']}"
    await count("GET /documentos/{id}/anexos/{anexo_id}", client.get(anexo_url, headers=mesa), 200)
    descarga = client.get(f"{anexo_url}/descarga", headers=mesa)
    await count("GET /documentos/{id}/anexos/{anexo_id}/descarga", descarga, 200)
    await count("GET /documentos/{id}/cargo", client.get(f"{otro_url}/cargo", headers=mesa), 200)

    integracion = {
        "codigo": unique("CNT-"),
        "nombre": "Sistema de trámite de prueba",
        "tipo": "webhook",
        "url": "http://127.0.0.1:9/recibir",
        "secreto": "secreto-de-prueba-1234567890",
        "timeout_s": 1,
        "max_reintentos": 0,
    }
    creada = await client.post(f"{api}/integraciones", json=integracion, headers=admin)
    assert creada.status_code == 201, creada.text
    await count("GET /integraciones", client.get(f"{api}/integraciones", headers=admin), 200)
    envio = {"integracion_id": creada.json()["id"]}
    await count(
        "POST /documentos/{id}/envios", client.post(f"{otro_url}/envios", json=envio, headers=mesa), 202
    )
    await count("GET /documentos/{id}/envios", client.get(f"{otro_url}/envios", headers=mesa), 200)

    pedido = {"tipo": "documentos", "parametros": {"q": palabra}}
    reporte = await count("POST /reportes", client.post(f"{api}/reportes", json=pedido, headers=admin), 202)
    await count(
        "GET /reportes/{id}", client.get(f"{api}/reportes/{reporte['reporte_id']}", headers=admin), 200
    )

    if path := os.environ.get("STATEMENT_COUNTS_JSON"):
        Path(path).write_text(json.dumps(measured, indent=1))  # noqa: ASYNC240 - once, at the end
    assert measured == EXPECTED, json.dumps(measured, indent=1)
