"""Senders (GET /remitentes): search by name or identity number, their data shown only to the desk,
admins and auditors, and identity numbers made of ASCII digits only.
"""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import World, documento_payload, nuevo_dni, registrar


async def test_sender_search(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    dni = nuevo_dni()
    apellido = f"Huamanchumo{uuid.uuid4().hex[:5]}"
    await registrar(
        client,
        tokens["mesa"],
        world,
        remitente={
            "tipo_persona": "natural",
            "tipo_documento_identidad": "DNI",
            "numero_documento_identidad": dni,
            "nombre": f"Rosa {apellido} Flores",
        },
    )
    by_name = await client.get("/api/v1/remitentes", params={"q": apellido.lower()}, headers=tokens["mesa"])
    assert by_name.status_code == 200
    assert [r["numero_documento_identidad"] for r in by_name.json()] == [dni]
    by_number = await client.get("/api/v1/remitentes", params={"numero": dni}, headers=tokens["mesa"])
    assert [r["nombre"] for r in by_number.json()] == [f"Rosa {apellido} Flores"]
    one = await client.get(f"/api/v1/remitentes/{by_number.json()[0]['id']}", headers=tokens["auditor"])
    assert one.status_code == 200
    assert (await client.get("/api/v1/remitentes/999999999", headers=tokens["mesa"])).status_code == 404


async def test_sender_data_is_for_the_desk_and_auditors(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    doc = await registrar(client, tokens["mesa"], world)
    numero = doc["remitente"]["numero_documento_identidad"]
    assert (
        await client.get("/api/v1/remitentes", params={"numero": numero}, headers=tokens["oaj"])
    ).status_code == 403
    assert (
        await client.get(f"/api/v1/remitentes/{doc['remitente']['id']}", headers=tokens["oga"])
    ).status_code == 403
    assert (await client.get("/api/v1/remitentes", headers=tokens["mesa"])).status_code == 422
    found = await client.get("/api/v1/remitentes", params={"numero": numero}, headers=tokens["auditor"])
    assert [r["id"] for r in found.json()] == [doc["remitente"]["id"]]


async def test_identity_numbers_take_ascii_digits_only(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    for tipo, numero in [("DNI", "١٢٣٤٥٦٧٨"), ("DNI", "１２３４５６７８"), ("RUC", "20١٢٣٤٥٦٧٨6")]:
        payload = documento_payload(
            world,
            remitente={
                "tipo_persona": "juridica" if tipo == "RUC" else "natural",
                "tipo_documento_identidad": tipo,
                "numero_documento_identidad": numero,
                "nombre": "Prueba",
            },
        )
        response = await client.post("/api/v1/documentos", json=payload, headers=tokens["mesa"])
        assert response.status_code == 422, (numero, response.text)
