"""Server-side request forgery through integrations: an admin registers a receiver's URL, a worker
POSTs documents to it, and the delivery status shows what the receiver answered.

The check (app/core/network.py, app/integraciones/entrega.py) runs when the URL is registered or
changed, and again at every attempt, on freshly resolved addresses that the request is then pinned
to. The suite allow-lists 127.0.0.1 (tests/conftest.py: its receivers listen there); 127.0.0.2, also
this machine's loopback, is what "not allow-listed" looks like here.

DNS rebinding (a name public at registration, private at delivery) is tested without touching the
system resolver (its files are not ours, and the project has no resolver of its own to point at a
test DNS server): what the attack relies on is that the delivery trusts the registration's check,
and `test_a_destination_allowed_at_registration_but_not_at_delivery_is_never_reached` shows it
does not: a destination accepted at registration and refused when the attempt runs (the allow-list
changed in between, as the name's answer would) is never reached, by the real worker.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from app.core.config import Settings, get_settings
from app.core.database import db
from app.core.network import AllowList, DestinationRefused, allowed_addresses, non_public_reason
from app.core.task_queue import get_task_queue
from app.integraciones.models import EstadoEnvio, Integracion, IntegracionEnvio, TipoIntegracion
from app.integraciones.service import REINTENTAR_ENVIOS, sincronizar
from tests.conftest import World, derivar, registrar
from tests.helpers import Json, Tokens, error_code, unique
from tests.integraciones.apoyo import (
    Receptor,
    enviar,
    envio_en_bd,
    envio_nuevo,
    esperar_envio,
    nueva_integracion,
    resultado_de_tarea,
)

pytestmark = pytest.mark.usefixtures("celery_worker")

AJUSTE = "INTEGRACIONES_HOSTS_PERMITIDOS"
NO_LISTADA = "127.0.0.2"  # loopback too, but not in the suite's allow-list


@contextmanager
def lista_permitida(valor: str) -> Iterator[None]:
    """The allow-list of this process (the in-process API, and in-process tasks) for a while, read
    again by the settings; the worker keeps the suite's value it started with."""
    antes = os.environ.get(AJUSTE)
    os.environ[AJUSTE] = valor
    get_settings.cache_clear()
    try:
        yield
    finally:
        if antes is None:
            os.environ.pop(AJUSTE, None)
        else:
            os.environ[AJUSTE] = antes
        get_settings.cache_clear()


def campos(body: Any) -> set[str]:
    """Every field an error body names, whatever its shape (strings `url`, or ending in `/url`)."""
    if isinstance(body, dict):
        return set().union(*(campos(v) for v in body.values())) if body else set()
    if isinstance(body, list):
        return set().union(*(campos(v) for v in body)) if body else set()
    if isinstance(body, str) and body.rsplit("/", 1)[-1] in ("url", "codigo", "nombre"):
        return {body.rsplit("/", 1)[-1]}
    return set()


async def crear(client: httpx.AsyncClient, tokens: Tokens, url: str) -> httpx.Response:
    body = {"codigo": unique("SSRF-"), "nombre": "Receptor", "url": url, "secreto": "s" * 24}
    return await client.post("/api/v1/integraciones", json=body, headers=tokens["admin"])


async def integraciones_con(url_fragmento: str) -> int:
    async with db.sessionmaker() as session:
        query = select(func.count()).select_from(Integracion).where(Integracion.url.contains(url_fragmento))
        return int(await session.scalar(query) or 0)


# ---- the address rule --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direccion", "motivo"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "special-purpose"),  # carrier-grade NAT
        ("192.0.0.8", "special-purpose"),  # is_global says True on Python 3.11
        ("224.0.0.1", "multicast"),  # is_global says True
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("fec0::1", "site-local"),  # is_global says True
        ("ff02::1", "multicast"),  # is_global says True
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of the metadata address
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("8.8.8.8", None),
        ("93.184.215.14", None),
        ("::ffff:8.8.8.8", None),
        ("64:ff9b::808:808", None),
        ("2001:4860:4860::8888", None),
    ],
)
def test_only_public_internet_addresses_pass(direccion: str, motivo: str | None) -> None:
    assert non_public_reason(ipaddress.ip_address(direccion)) == motivo


async def test_the_allow_list_admits_its_networks_and_names_but_never_unspecified_or_multicast() -> None:
    lista = AllowList.parse(["10.20.0.0/16", "localhost", "*.intranet.example", "0.0.0.0/0"])
    assert await allowed_addresses("10.20.3.4", 80, lista) == [ipaddress.ip_address("10.20.3.4")]
    assert await allowed_addresses("[::ffff:10.20.0.1]", 80, lista)  # mapped form of a listed one
    resueltas = await allowed_addresses("localhost", 80, lista)  # a listed name, any address
    assert resueltas and all(non_public_reason(d) == "loopback" for d in resueltas)
    assert lista.admits_host("receptor.intranet.example") and not lista.admits_host("intranet.example")
    for host in ("0.0.0.0", "224.0.0.1", "[::ffff:0.0.0.0]"):
        with pytest.raises(DestinationRefused, match=r"unspecified|multicast"):
            await allowed_addresses(host, 80, lista)
    with pytest.raises(ValueError, match="http://x"):
        AllowList.parse(["http://x/"])
    with pytest.raises(ValidationError):  # a typo in the setting stops the service at start
        Settings(integraciones_hosts_permitidos="10.0.0.0/8, http://intranet/")


# ---- registration: POST and PATCH /integraciones ---------------------------------------------------


async def test_registration_refuses_urls_that_reach_this_host_private_networks_or_metadata(
    client: httpx.AsyncClient, tokens: Tokens
) -> None:
    marca = unique("p")
    refused = [
        f"http://127.0.0.1:8000/api/v1/auth/login?{marca}",  # the tester's: the API's own login
        f"http://localhost/hook?{marca}",
        f"http://10.0.0.5/hook?{marca}",
        f"http://169.254.169.254/latest/meta-data/?{marca}",
        f"http://[::1]:8000/hook?{marca}",
        f"http://0.0.0.0:8000/hook?{marca}",
        f"http://2130706433/hook?{marca}",  # decimal 127.0.0.1
        f"http://0x7f.1/hook?{marca}",  # hexadecimal, shortened
        f"http://[::ffff:127.0.0.1]/hook?{marca}",  # IPv4-mapped IPv6
        f"http://[::ffff:a9fe:a9fe]/hook?{marca}",  # IPv4-mapped metadata address
        f"http://100.64.0.1/hook?{marca}",  # carrier-grade NAT
        f"https://localhost./hook?{marca}",  # trailing dot
    ]
    with lista_permitida(""):
        for url in refused:
            response = await crear(client, tokens, url)
            assert response.status_code == 422, (url, response.text)
            assert error_code(response) == "invalid" and campos(response.json()) == {"url"}, response.text
        # Public addresses pass (literals: this machine may have no DNS to resolve a public name).
        for url in ("http://93.184.215.14/hook", "https://[2001:4860:4860::8888]:8443/hook"):
            response = await crear(client, tokens, f"{url}?{marca}")
            assert response.status_code == 201, (url, response.text)
        # A name that does not resolve cannot be checked: refused too, on `url`.
        response = await crear(client, tokens, f"https://receptor.invalid/hook?{marca}")
        assert response.status_code == 422 and campos(response.json()) == {"url"}, response.text
    assert await integraciones_con(marca) == 2


async def test_patch_checks_a_new_url_and_the_allow_list_admits_on_premises_receivers(
    client: httpx.AsyncClient, tokens: Tokens
) -> None:
    marca = unique("q")
    with lista_permitida(f"10.20.0.0/16, localhost, {NO_LISTADA}"):
        for url in (f"http://10.20.3.4:8080/hook?{marca}", f"http://localhost:9/x?{marca}"):
            response = await crear(client, tokens, url)
            assert response.status_code == 201, (url, response.text)
        integracion = response.json()
        outside = await crear(client, tokens, f"http://10.21.0.1/hook?{marca}")
        assert outside.status_code == 422 and campos(outside.json()) == {"url"}, outside.text

    url = f"/api/v1/integraciones/{integracion['id']}"
    with lista_permitida(""):
        for bad in ("http://169.254.169.254/latest/", "http://[::1]/x", "http://10.20.3.4/x"):
            response = await client.patch(url, json={"url": bad}, headers=tokens["admin"])
            assert response.status_code == 422 and campos(response.json()) == {"url"}, response.text
        # A PATCH that leaves the URL alone is not refused for it: the delivery checks it anyway.
        renamed = await client.patch(url, json={"nombre": "Renombrada"}, headers=tokens["admin"])
        assert renamed.status_code == 200, renamed.text
        moved = await client.patch(url, json={"url": "http://93.184.215.14/h"}, headers=tokens["admin"])
        assert moved.status_code == 200 and moved.json()["url"] == "http://93.184.215.14/h"


# ---- delivery --------------------------------------------------------------------------------------


async def test_a_destination_allowed_at_registration_but_not_at_delivery_is_never_reached(
    client: httpx.AsyncClient, tokens: Tokens, world: World, receptores: Callable[..., Receptor]
) -> None:
    """What DNS rebinding exploits, a check at registration trusted at delivery: the receiver on
    127.0.0.2 is accepted while the allow-list names it, and the attempt (the real worker, whose
    allow-list is the suite's) refuses it: no request, one failed attempt with the reason, no retry."""
    receptor = receptores([200], host=NO_LISTADA)
    with lista_permitida(f"127.0.0.1,{NO_LISTADA}"):
        integracion = await nueva_integracion(client, tokens, receptor, max_reintentos=5)
    documento = await registrar(client, tokens["admin"], world)
    response = await enviar(client, tokens["admin"], documento["id"], integracion["id"])
    assert response.status_code == 202, response.text
    envio = response.json()

    final = await esperar_envio(client, tokens, documento["id"], envio["id"])
    assert final["estado"] == "fallido" and final["proximo_intento"] is None, final
    assert final["intentos"] == 1 and final["codigo_respuesta"] is None
    assert final["ultimo_error"].startswith(f"Destino rechazado: {NO_LISTADA} corresponde a {NO_LISTADA}")
    assert "de bucle local (loopback)" in final["ultimo_error"]
    assert AJUSTE in final["ultimo_error"]
    # Given up for good: another copy of the message, or the sweep, attempts nothing.
    assert (await sincronizar(envio["id"]))["resultado"] == "abandonado"
    await resultado_de_tarea(get_task_queue().enqueue(REINTENTAR_ENVIOS, {}))
    await asyncio.sleep(1.0)
    row = await envio_en_bd(envio["id"])
    assert (row.estado, row.intentos, row.proximo_intento) == (EstadoEnvio.FALLIDO, 1, None)
    assert receptor.peticiones == []


async def test_a_registered_url_pointing_home_is_refused_at_every_attempt(
    client: httpx.AsyncClient, tokens: Tokens, world: World, receptores: Callable[..., Receptor]
) -> None:
    """A row written before the check existed (or straight into the database) pointing at a
    receiver on a non-listed loopback address: the task refuses it the same way."""
    receptor = receptores([200], host=NO_LISTADA)
    async with db.sessionmaker() as session, session.begin():
        integracion = Integracion(
            codigo=unique("LEGADO-"),
            nombre="Anterior al control",
            tipo=TipoIntegracion.WEBHOOK,
            url=receptor.url,
            secreto=receptor.secreto,
            timeout_s=5,
            max_reintentos=3,
        )
        session.add(integracion)
    documento = await registrar(client, tokens["admin"], world)
    envio = (await enviar(client, tokens["admin"], documento["id"], integracion.id)).json()
    resultado = await resultado_de_tarea(envio["task_id"])
    assert resultado in (None, {"envio_id": envio["id"], "resultado": "rechazado"})
    final = await esperar_envio(client, tokens, documento["id"], envio["id"])
    assert final["estado"] == "fallido" and final["proximo_intento"] is None and final["intentos"] == 1
    assert receptor.peticiones == []


async def test_redirects_are_not_followed(
    client: httpx.AsyncClient, tokens: Tokens, world: World, receptores: Callable[..., Receptor]
) -> None:
    destino = receptores([200])
    receptor = receptores([302], ubicacion=destino.url)
    _, documento, envio = await envio_nuevo(client, tokens, world, receptor, max_reintentos=0)
    final = await esperar_envio(client, tokens, documento["id"], envio["id"])
    assert final["estado"] == "fallido" and final["codigo_respuesta"] == 302, final
    assert len(receptor.peticiones) == 1 and destino.peticiones == []


async def test_the_request_goes_to_the_checked_address_under_the_urls_host_name(
    client: httpx.AsyncClient, tokens: Tokens, world: World, receptores: Callable[..., Receptor]
) -> None:
    """The connection is made to the address that was checked, and the receiver still sees the
    URL's name in `Host` (virtual hosts keep working)."""
    addresses = {info[4][0] for info in socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)}
    if addresses != {"127.0.0.1"}:
        pytest.skip(f"localhost resolves to {addresses} here, not to the allow-listed 127.0.0.1 only")
    receptor = receptores([200])
    puerto = receptor.server.server_address[1]
    url = f"http://localhost:{puerto}/hooks/mesa-partes"
    _, documento, envio = await envio_nuevo(client, tokens, world, receptor, url=url)
    final = await esperar_envio(client, tokens, documento["id"], envio["id"])
    assert final["estado"] == "entregado", final
    (peticion,) = receptor.peticiones
    assert peticion.headers["Host"] == f"localhost:{puerto}" and peticion.firma_ok


@pytest.mark.fault
async def test_tls_to_a_pinned_address_sends_the_host_name_and_verifies_the_certificate(
    client: httpx.AsyncClient,
    tokens: Tokens,
    world: World,
    receptores: Callable[..., Receptor],
    tmp_path: Path,
) -> None:
    """An HTTPS receiver with a self-signed certificate for `localhost`: the client, connected to
    127.0.0.1, names `localhost` in the TLS handshake (SNI) and refuses the certificate (it is not
    signed by a trusted authority): pinning the address did not turn verification off."""
    addresses = {info[4][0] for info in socket.getaddrinfo("localhost", 443, type=socket.SOCK_STREAM)}
    if addresses != {"127.0.0.1"}:
        pytest.skip(f"localhost resolves to {addresses} here")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    await asyncio.to_thread(
        subprocess.run,
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    servidor = ServidorTls(cert, key)
    try:
        url = f"https://localhost:{servidor.puerto}/hooks"
        _, documento, envio = await envio_nuevo(
            client, tokens, world, receptores(), url=url, max_reintentos=0
        )
        final = await esperar_envio(client, tokens, documento["id"], envio["id"])
    finally:
        servidor.stop()
    assert final["estado"] == "fallido" and final["codigo_respuesta"] is None, final
    assert (
        final["ultimo_error"] == "El certificado TLS del receptor no es válido (CERTIFICATE_VERIFY_FAILED)."
    )
    assert servidor.nombres == ["localhost"], servidor.nombres


class ServidorTls:
    """A TLS listener on 127.0.0.1 that records the server name each handshake asks for."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.nombres: list[str | None] = []
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.context.sni_callback = self._nombre
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.5)
        self.puerto = self.socket.getsockname()[1]
        self._parar = threading.Event()
        self._thread = threading.Thread(target=self._servir, daemon=True)
        self._thread.start()

    def _nombre(self, _sock: ssl.SSLObject | ssl.SSLSocket, nombre: str | None, _ctx: ssl.SSLContext) -> None:
        self.nombres.append(nombre)

    def _servir(self) -> None:
        while not self._parar.is_set():
            try:
                conexion, _ = self.socket.accept()
            except TimeoutError:
                continue
            with conexion:
                conexion.settimeout(10)
                try:
                    with self.context.wrap_socket(conexion, server_side=True):
                        pass
                except (ssl.SSLError, OSError):
                    pass  # the client refused the certificate: what this test expects

    def stop(self) -> None:
        self._parar.set()
        self._thread.join(timeout=5)
        self.socket.close()


# ---- who sees what receivers answered ------------------------------------------------------------


async def test_receivers_answers_are_shown_to_admins_only(
    client: httpx.AsyncClient, tokens: Tokens, world: World, receptores: Callable[..., Receptor]
) -> None:
    receptor = receptores([500])  # answers {"error": "scripted failure"}
    integracion = await nueva_integracion(client, tokens, receptor, max_reintentos=0)
    doc = await registrar(client, tokens["mesa"], world)
    routed = await derivar(client, tokens["mesa"], doc, [{"area_id": world.areas["OAJ"], "plazo_dias": 3}])
    assert routed.status_code == 200, routed.text
    envio = (await enviar(client, tokens["admin"], doc["id"], integracion["id"])).json()
    await esperar_envio(client, tokens, doc["id"], envio["id"])

    # A row from before answers were kept apart: the answer rode in the error after the status.
    async with db.sessionmaker() as session, session.begin():
        antiguo = await session.get(IntegracionEnvio, envio["id"])
        assert antiguo is not None
        antiguo.ultimo_error = 'HTTP 500: {"token": "legado-secreto"}'
        antiguo.intentos_detalle = [
            *antiguo.intentos_detalle,
            {**antiguo.intentos_detalle[0], "intento": 2, "error": 'HTTP 500: {"token": "legado-secreto"}'},
        ]

    async def envios(rol: str) -> tuple[Json, str]:
        response = await client.get(f"/api/v1/documentos/{doc['id']}/envios", headers=tokens[rol])
        assert response.status_code == 200, (rol, response.text)
        (item,) = response.json()
        return item, response.text

    admin, _ = await envios("admin")
    primero, legado = admin["intentos_detalle"]
    assert (
        primero["error"] == "El receptor respondió con el estado HTTP 500."
        and "scripted failure" in primero["respuesta"]
    )
    assert "legado-secreto" in legado["error"] and "legado-secreto" in admin["ultimo_error"]
    for rol in ("oaj", "mesa", "auditor"):
        item, text = await envios(rol)
        assert "scripted failure" not in text and "legado-secreto" not in text, rol
        assert [i["respuesta"] for i in item["intentos_detalle"]] == [None, None]
        # Today's attempt and the legacy one alike: the Spanish sentence, without the answer.
        assert [i["error"] for i in item["intentos_detalle"]] == [
            "El receptor respondió con el estado HTTP 500."
        ] * 2
        assert (
            item["ultimo_error"] == "El receptor respondió con el estado HTTP 500."
            and item["codigo_respuesta"] == 500
        )
