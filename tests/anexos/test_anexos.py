"""Attachments: upload streamed under a size limit, types sniffed from the bytes, storage that never
follows the client's name, background processing (sha256, type, pages) that records one outcome,
downloads with a safe Content-Disposition, and the document's visibility rules throughout.

Runs against the real worker (first pass) or the in-process fallback (Redis down): outcomes are
polled from the API."""

from __future__ import annotations

import asyncio
import hashlib
import io
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pypdf
import pytest
from sqlalchemy import func, select, text

from app.anexos import contenido
from app.anexos.archivos import directorio_anexos
from app.anexos.models import Anexo, EstadoProcesamiento
from app.anexos.procesamiento import PROCESAR_ANEXO, procesar_anexo, reencolar_pendientes
from app.anexos.service import CAMPO, AnexoService
from app.core import uploads
from app.core.config import get_settings
from app.core.database import db, session_scope
from app.core.task_queue import celery_app, get_task_queue
from app.documentos.models import EventoHistorial, Historial
from app.usuarios.models import Usuario
from tests.anexos.archivos import (
    corromper_miembro,
    docx_bytes,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    subir,
    url,
    xlsx_bytes,
)
from tests.celery_worker import Worker
from tests.conftest import World, registrar
from tests.helpers import UNKNOWN_ID, Tokens, assert_max_queries, changed_tables, fingerprint

pytestmark = pytest.mark.usefixtures("celery_worker")
WAIT_S = 60.0
DOCX_CT = contenido.DOCX
XLSX_CT = contenido.XLSX


# ---- helpers ---------------------------------------------------------------------------------------


async def esperar(
    client: httpx.AsyncClient, headers: dict[str, str], documento_id: int, anexo_id: int
) -> dict[str, Any]:
    """Poll the attachment until its processing has an outcome."""
    deadline = time.monotonic() + WAIT_S
    while True:
        response = await client.get(url(documento_id, anexo_id), headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["estado_procesamiento"] != "pendiente":
            return body
        assert time.monotonic() < deadline, f"anexo {anexo_id} still pending after {WAIT_S} s"
        await asyncio.sleep(0.1)


async def esperar_tarea(task_id: str, celery_worker: Worker | None) -> Any:
    """The result of task `task_id`, run on the worker or (no broker) in this process."""
    future = get_task_queue().local_runs.get(task_id)
    if future is not None:
        result = await asyncio.wrap_future(future)
        assert result.successful(), result.traceback
        return result.result
    if celery_worker is not None:
        return await asyncio.to_thread(celery_app.AsyncResult(task_id).get, timeout=WAIT_S)
    return None  # it already ran in-process (finished runs leave `local_runs`)


def archivos(documento_id: int) -> list[Path]:
    """Every file (temporary ones included) stored for a document's attachments."""
    directorio = get_settings().storage_dir / "anexos" / str(documento_id)
    return sorted(p for p in directorio.rglob("*") if p.is_file()) if directorio.exists() else []


async def filas(documento_id: int) -> int:
    async with db.sessionmaker() as session:
        return int(
            await session.scalar(select(func.count(Anexo.id)).where(Anexo.documento_id == documento_id)) or 0
        )


def anexo_pendiente(documento_id: int, nombre: str, data: bytes | None, **extra: Any) -> Anexo:
    """A pending PDF attachment row written behind the service (no task is queued for it), with
    its file stored under `nombre` unless `data` is None (a missing file)."""
    if data is not None:
        destino = get_settings().storage_dir / "anexos" / str(documento_id) / nombre
        destino.parent.mkdir(parents=True, exist_ok=True)
        destino.write_bytes(data)
    return Anexo(
        documento_id=documento_id,
        nombre_archivo=nombre,
        content_type="application/pdf",
        tamano_bytes=len(data) if data is not None else 10,
        ruta=f"anexos/{documento_id}/{nombre}",
        **extra,
    )


async def fila(anexo_id: int) -> Anexo:
    async with db.sessionmaker() as session:
        anexo = await session.get(Anexo, anexo_id)
        assert anexo is not None
        return anexo


@pytest.fixture
async def doc(client: httpx.AsyncClient, tokens: Tokens, world: World) -> dict[str, Any]:
    """A fresh document registered by the desk (area MP)."""
    return await registrar(client, tokens["mesa"], world)


# ---- the happy path --------------------------------------------------------------------------------


async def test_a_three_page_pdf_is_stored_processed_listed_and_downloaded(
    client: httpx.AsyncClient, tokens: Tokens, doc: dict[str, Any]
) -> None:
    data = pdf_bytes(3)
    with assert_max_queries(4):  # user, document (access), insert anexo (RETURNING its defaults), audit event
        response = await subir(
            client, tokens["mesa"], doc["id"], "Solicitud firmada.pdf", data, "application/pdf"
        )
    assert response.status_code == 202, response.text
    aceptado = response.json()
    assert aceptado["estado_procesamiento"] == "pendiente" and len(aceptado["task_id"]) == 32
    assert aceptado["tamano_bytes"] == len(data) and aceptado["nombre_archivo"] == "Solicitud firmada.pdf"
    assert aceptado["content_type"] == "application/pdf" and "ruta" not in aceptado

    anexo = await esperar(client, tokens["mesa"], doc["id"], aceptado["id"])
    assert anexo["estado_procesamiento"] == "procesado", anexo
    assert anexo["sha256"] == hashlib.sha256(data).hexdigest()
    assert (anexo["content_type"], anexo["paginas"], anexo["error"]) == ("application/pdf", 3, None)

    # Stored under a server-chosen name, with the bytes uploaded.
    (stored,) = archivos(doc["id"])
    assert stored.suffix == ".pdf" and "Solicitud" not in stored.name and stored.read_bytes() == data
    assert (await fila(anexo["id"])).ruta == f"anexos/{doc['id']}/{stored.name}"

    detalle = (await client.get(f"/api/v1/documentos/{doc['id']}", headers=tokens["mesa"])).json()
    assert [(a["id"], a["estado_procesamiento"], a["paginas"]) for a in detalle["anexos"]] == [
        (anexo["id"], "procesado", 3)
    ]

    with assert_max_queries(3):  # user, document (visibility), its attachments
        listado = await client.get(url(doc["id"]), headers=tokens["mesa"])
    assert [a["id"] for a in listado.json()] == [anexo["id"]]
    with assert_max_queries(3):  # user, attachment of a visible document, identical earlier file
        assert (await client.get(url(doc["id"], anexo["id"]), headers=tokens["mesa"])).status_code == 200
    with assert_max_queries(2):  # user, attachment of a visible document
        descarga = await client.get(url(doc["id"], anexo["id"], "descarga"), headers=tokens["mesa"])
    assert descarga.status_code == 200 and descarga.content == data
    assert descarga.headers["content-type"] == "application/pdf"
    assert descarga.headers["x-content-type-options"] == "nosniff"
    assert descarga.headers["content-disposition"] == (
        "attachment; filename=\"Solicitud firmada.pdf\"; filename*=UTF-8''Solicitud%20firmada.pdf"
    )

    async with db.sessionmaker() as session:
        eventos = list(
            await session.scalars(
                select(Historial).where(
                    Historial.documento_id == doc["id"], Historial.evento == EventoHistorial.ANEXO_AGREGADO
                )
            )
        )
    assert [e.detalle["anexo_id"] for e in eventos] == [anexo["id"]]


async def test_images_and_office_files_get_their_sniffed_types(
    client: httpx.AsyncClient, tokens: Tokens, doc: dict[str, Any]
) -> None:
    casos = [
        ("foto.png", png_bytes(), "image/png", contenido.PNG, 1),
        ("escaneo.JPG", jpeg_bytes(), "image/jpeg", contenido.JPEG, 1),
        ("informe.docx", docx_bytes(), DOCX_CT, contenido.DOCX, None),
        ("sin-extension", docx_bytes(), None, contenido.DOCX, None),  # nothing declared: the bytes decide
        ("cuadro.xlsx", xlsx_bytes(), "application/octet-stream", contenido.XLSX, None),
    ]
    ids = []
    for nombre, data, declarado, _, _ in casos:
        response = await subir(client, tokens["mesa"], doc["id"], nombre, data, declarado)
        assert response.status_code == 202, (nombre, response.text)
        ids.append(response.json()["id"])
    for anexo_id, (nombre, data, _, esperado, paginas) in zip(ids, casos, strict=True):
        anexo = await esperar(client, tokens["mesa"], doc["id"], anexo_id)
        assert anexo["estado_procesamiento"] == "procesado", (nombre, anexo)
        assert (anexo["content_type"], anexo["paginas"]) == (esperado, paginas), nombre
        assert anexo["sha256"] == hashlib.sha256(data).hexdigest()
        descarga = await client.get(url(doc["id"], anexo_id, "descarga"), headers=tokens["mesa"])
        assert descarga.headers["content-type"] == esperado and descarga.content == data
    # The same DOCX twice: the second is reported as a copy of the first (ix_anexos_sha256).
    primero, segundo = ids[2], ids[3]
    assert (await client.get(url(doc["id"], segundo), headers=tokens["mesa"])).json()[
        "duplicado_de"
    ] == primero
    listado = {
        a["id"]: a["duplicado_de"] for a in (await client.get(url(doc["id"]), headers=tokens["mesa"])).json()
    }
    assert listado == {ids[0]: None, ids[1]: None, primero: None, segundo: primero, ids[4]: None}


# ---- refused uploads -------------------------------------------------------------------------------

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
REFUSED = [
    ("programa.pdf", ELF, "application/pdf", "application/x-executable"),
    ("setup.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100, "application/pdf", "application/x-msdownload"),
    (
        "pagina.pdf",
        b"  <!DOCTYPE html><html><script>alert(1)</script></html>",
        "application/pdf",
        "text/html",
    ),
    ("notas.pdf", "Sólo texto, sin formato: año 2026.".encode(), "application/pdf", "text/plain"),
    ("imagen.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>', None, "svg"),
    ("paquete.docx", b"PK\x03\x04" + b"\x00" * 60, DOCX_CT, "application/zip"),
    ("macros.docx", docx_bytes(extra={"word/vbaProject.bin": b"\x00" * 64}), DOCX_CT, "macroEnabled"),
    ("foto.pdf", png_bytes(), "image/png", "su nombre termina en .pdf, pero su contenido es PNG"),
    ("foto.png", png_bytes(), "application/pdf", "se declaró como application/pdf, pero su contenido es PNG"),
    ("vacio.pdf", b"", "application/pdf", "El archivo está vacío."),
]


@pytest.mark.parametrize(("nombre", "data", "declarado", "motivo"), REFUSED, ids=[r[0] for r in REFUSED])
async def test_a_file_whose_bytes_are_not_an_allowed_type_is_refused_and_leaves_nothing(
    client: httpx.AsyncClient,
    tokens: Tokens,
    doc: dict[str, Any],
    nombre: str,
    data: bytes,
    declarado: str | None,
    motivo: str,
) -> None:
    before = await fingerprint()
    response = await subir(client, tokens["mesa"], doc["id"], nombre, data, declarado)
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert (error["location"], error["field"]) == ("body", "archivo") and motivo in error["message"], error
    assert not changed_tables(before, await fingerprint())
    assert archivos(doc["id"]) == [] and await filas(doc["id"]) == 0


async def test_malformed_multipart_bodies_get_422_naming_archivo(
    client: httpx.AsyncClient, tokens: Tokens, doc: dict[str, Any]
) -> None:
    boundary = "limite123"
    ct = {"content-type": f"multipart/form-data; boundary={boundary}"}

    def parte(disposicion: str, data: bytes = b"%PDF-1.4 x") -> bytes:
        return (
            f"--{boundary}\r\nContent-Disposition: form-data; {disposicion}\r\n\r\n".encode() + data + b"\r\n"
        )

    cierre = f"--{boundary}--\r\n".encode()
    casos: list[tuple[str, dict[str, str], bytes, str]] = [
        ("json", {"content-type": "application/json"}, b'{"archivo": 1}', "multipart/form-data"),
        ("no boundary", {"content-type": "multipart/form-data"}, b"x", "multipart/form-data"),
        ("no file", ct, cierre, "Falta el archivo en el campo archivo."),
        ("text field", ct, parte('name="archivo"') + cierre, "debe contener un archivo"),
        (
            "other field",
            ct,
            parte('name="otro"; filename="a.pdf"') + cierre,
            "Campo de formulario no esperado",
        ),
        ("two files", ct, parte('name="archivo"; filename="a.pdf"') * 2 + cierre, "un solo archivo"),
        ("cut short", ct, parte('name="archivo"; filename="a.pdf"')[:-2], "delimitador final"),
        ("garbage", ct, b"\xff\xfe\x00garbage", "está mal formado"),
    ]
    for etiqueta, headers, body, motivo in casos:
        before = await fingerprint()
        response = await client.post(url(doc["id"]), content=body, headers={**tokens["mesa"], **headers})
        assert response.status_code == 422, (etiqueta, response.text)
        assert motivo in response.text, (etiqueta, response.text)
        assert response.json()["errors"][0]["location"] == "body", etiqueta
        assert not changed_tables(before, await fingerprint()), etiqueta
    assert archivos(doc["id"]) == []


# ---- the size limit ----------------------------------------------------------------------------------


class Cuerpo:
    """A request body sent in chunks that records how much of it the server pulled."""

    def __init__(self, data: bytes, chunk: int = 1024) -> None:
        self.data, self.chunk, self.enviados = data, chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.data), self.chunk):
            piece = self.data[start : start + self.chunk]
            self.enviados += len(piece)
            yield piece


def multipart(
    nombre: str, data: bytes, content_type: str = "application/pdf"
) -> tuple[dict[str, str], bytes]:
    request = httpx.Request("POST", "http://x/", files={"archivo": (nombre, data, content_type)})
    return {"content-type": request.headers["content-type"]}, request.read()


async def test_a_file_over_the_limit_gets_413_and_nothing_is_stored(
    client: httpx.AsyncClient, tokens: Tokens, doc: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    limite = 4096
    monkeypatch.setattr(get_settings(), "anexo_max_bytes", limite)
    before = await fingerprint()

    def relleno(n: int) -> bytes:  # a PDF head followed by padding: n bytes in all
        return b"%PDF-1.4\n%" + b"x" * (n - 10)

    # An honest Content-Length well over the limit: refused before one byte of the body is read.
    headers, body = multipart("grande.pdf", relleno(200_000))
    cuerpo = Cuerpo(body)
    response = await client.post(
        url(doc["id"]),
        content=cuerpo,
        headers={**tokens["mesa"], **headers, "content-length": str(len(body))},
    )
    assert response.status_code == 413, response.text
    assert response.json()["detail"] == "El archivo supera el tamaño máximo de 4 KiB (4096 bytes)."
    assert response.json()["limite_bytes"] == limite and cuerpo.enviados == 0

    # No Content-Length (chunked): refused while streaming, long before the end of the body.
    headers, body = multipart("grande.pdf", relleno(200_000))
    cuerpo = Cuerpo(body)
    response = await client.post(url(doc["id"]), content=cuerpo, headers={**tokens["mesa"], **headers})
    assert "content-length" not in response.request.headers
    assert response.status_code == 413, response.text
    assert cuerpo.enviados < limite + 4 * cuerpo.chunk

    # A lying Content-Length (small) with a body over the limit: the file part is counted.
    headers, body = multipart("mentira.pdf", relleno(limite + 1))
    response = await client.post(
        url(doc["id"]), content=Cuerpo(body), headers={**tokens["mesa"], **headers, "content-length": "900"}
    )
    assert response.status_code == 413, response.text

    # One byte over is refused; exactly the limit is accepted (the framing does not count).
    headers, body = multipart("justo.pdf", relleno(limite + 1))
    assert (
        await client.post(url(doc["id"]), content=body, headers={**tokens["mesa"], **headers})
    ).status_code == 413
    assert not changed_tables(before, await fingerprint())
    assert archivos(doc["id"]) == [] and await filas(doc["id"]) == 0

    headers, body = multipart("justo.pdf", relleno(limite))
    response = await client.post(url(doc["id"]), content=Cuerpo(body), headers={**tokens["mesa"], **headers})
    assert response.status_code == 202, response.text
    assert response.json()["tamano_bytes"] == limite and len(archivos(doc["id"])) == 1


# ---- names -------------------------------------------------------------------------------------------


async def test_hostile_and_unicode_names_are_shown_but_never_used_as_paths(
    client: httpx.AsyncClient, tokens: Tokens, doc: dict[str, Any]
) -> None:
    data = pdf_bytes(1)
    boundary = "b0undary"
    crudo = (
        f"--{boundary}\r\n".encode()
        + b'Content-Disposition: form-data; name="archivo"; filename="..\\\\..\\\\win\\\\evil\\";x=1.pdf"\r\n'
        + b"Content-Type: application/pdf\r\n\r\n"
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    respuestas = [
        await subir(client, tokens["mesa"], doc["id"], '../../evil"\r\nX: y.pdf', data, "application/pdf"),
        await subir(
            client, tokens["mesa"], doc["id"], "Informe año 2026 — 中文.pdf", data, "application/pdf"
        ),
        await client.post(
            url(doc["id"]),
            content=crudo,
            headers={**tokens["mesa"], "content-type": f"multipart/form-data; boundary={boundary}"},
        ),
    ]
    for response in respuestas:
        assert response.status_code == 202, response.text
        anexo = response.json()
        nombre = anexo["nombre_archivo"]
        assert "/" not in nombre and "\\" not in nombre and not any(ord(c) < 32 for c in nombre), nombre
        descarga = await client.get(url(doc["id"], anexo["id"], "descarga"), headers=tokens["mesa"])
        assert descarga.status_code == 200 and descarga.content == data
        disposicion = descarga.headers["content-disposition"]
        assert disposicion.isascii() and "\r" not in disposicion and "\n" not in disposicion
        ascii_name, extendido = disposicion.removeprefix('attachment; filename="').split(
            "\"; filename*=UTF-8''"
        )
        assert ascii_name.endswith(".pdf") and all(c.isalnum() or c in "._-() " for c in ascii_name), (
            disposicion
        )
        assert unquote(extendido) == nombre
    nombres = [r.json()["nombre_archivo"] for r in respuestas]
    assert nombres[1] == "Informe año 2026 — 中文.pdf"
    assert nombres[2] == 'evil";x=1.pdf'
    # Every file sits directly in the document's folder under a name of the server's.
    stored = archivos(doc["id"])
    assert len(stored) == 3 and all(p.parent.name == str(doc["id"]) and len(p.stem) == 32 for p in stored)


# ---- processing outcomes -------------------------------------------------------------------------------


def truncated_png() -> bytes:
    return png_bytes(64, 64)[:-20]


def encrypted_pdf() -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_bytes(2))))
    writer.encrypt(user_password="secreto", owner_password="secreto", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


CORRUPT = [
    ("roto.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40, "El PDF no se puede leer"),
    ("cortado.png", truncated_png(), "PNG truncado"),
    ("cortado.jpg", jpeg_bytes()[:-40], "JPEG truncado"),
    ("roto.docx", corromper_miembro(docx_bytes(), "word/document.xml"), "El archivo de Office está dañado"),
    ("clave.pdf", encrypted_pdf(), "El PDF está protegido con contraseña."),
]


async def test_corrupt_files_are_accepted_then_marked_failed_with_a_reason(
    client: httpx.AsyncClient, tokens: Tokens, doc: dict[str, Any]
) -> None:
    ids = []
    for nombre, data, _ in CORRUPT:
        response = await subir(client, tokens["mesa"], doc["id"], nombre, data)
        assert response.status_code == 202, (nombre, response.text)
        ids.append(response.json()["id"])
    for anexo_id, (nombre, data, motivo) in zip(ids, CORRUPT, strict=True):
        anexo = await esperar(client, tokens["mesa"], doc["id"], anexo_id)
        assert anexo["estado_procesamiento"] == "fallido", (nombre, anexo)
        assert motivo in (anexo["error"] or ""), (nombre, anexo["error"])
        assert anexo["sha256"] == hashlib.sha256(data).hexdigest() and anexo["paginas"] is None


async def test_processing_twice_changes_nothing_and_concurrent_runs_record_one_outcome(
    client: httpx.AsyncClient, tokens: Tokens, doc: dict[str, Any], celery_worker: Worker | None
) -> None:
    response = await subir(client, tokens["mesa"], doc["id"], "dos.pdf", pdf_bytes(2))
    anexo = await esperar(client, tokens["mesa"], doc["id"], response.json()["id"])
    antes = await fila(anexo["id"])
    task_id = get_task_queue().enqueue(PROCESAR_ANEXO, {"anexo_id": anexo["id"]})
    resultado = await esperar_tarea(task_id, celery_worker)
    if resultado is not None:
        assert resultado == {"anexo_id": anexo["id"], "estado": "procesado", "cambiado": False}
    assert await procesar_anexo(anexo["id"]) == {
        "anexo_id": anexo["id"],
        "estado": "procesado",
        "cambiado": False,
    }
    despues = await fila(anexo["id"])
    campos = ("sha256", "content_type", "paginas", "estado_procesamiento", "error", "updated_at")
    assert [getattr(despues, c) for c in campos] == [getattr(antes, c) for c in campos]

    # A pending row (inserted here, so no task is queued for it) processed by two runs at once.
    async with db.sessionmaker() as session, session.begin():
        pendiente = anexo_pendiente(doc["id"], "concurrente.pdf", pdf_bytes(4))
        session.add(pendiente)
    resultados = await asyncio.gather(procesar_anexo(pendiente.id), procesar_anexo(pendiente.id))
    assert sorted(r["cambiado"] for r in resultados) == [False, True], resultados
    assert (await fila(pendiente.id)).paginas == 4


async def test_a_missing_file_marks_the_attachment_failed(doc: dict[str, Any]) -> None:
    async with db.sessionmaker() as session, session.begin():
        anexo = anexo_pendiente(doc["id"], "no-existe.pdf", None)
        session.add(anexo)
    resultado = await procesar_anexo(anexo.id)
    assert resultado["estado"] == "fallido" and resultado["cambiado"] is True
    guardado = await fila(anexo.id)
    assert guardado.estado_procesamiento is EstadoProcesamiento.FALLIDO
    assert guardado.error == "Falta el archivo guardado."


async def test_a_rolled_back_upload_removes_its_stored_file(
    client: httpx.AsyncClient, tokens: Tokens, world: World, doc: dict[str, Any]
) -> None:
    headers, body = multipart("revertido.pdf", pdf_bytes(1))

    async def cuerpo() -> AsyncIterator[bytes]:
        yield body

    class Abortar(Exception):
        pass

    with pytest.raises(Abortar):
        async with session_scope() as session:
            usuario = await session.get(Usuario, world.users["mesa"])
            assert usuario is not None
            service = AnexoService(session)
            documento = await service.para_anexar(usuario, doc["id"])
            archivo = await uploads.receive_file(
                headers["content-type"],
                cuerpo(),
                field_name=CAMPO,
                limit=get_settings().anexo_max_bytes,
                directory=directorio_anexos(doc["id"]),
            )
            subida = await service.subir(usuario, documento, archivo)
            assert len(archivos(doc["id"])) == 1 and subida.anexo.id  # in place, row flushed
            raise Abortar  # e.g. the commit fails
    assert archivos(doc["id"]) == [] and await filas(doc["id"]) == 0


# ---- who may do what ---------------------------------------------------------------------------------


async def test_visibility_and_roles(client: httpx.AsyncClient, tokens: Tokens, world: World) -> None:
    doc = await registrar(client, tokens["mesa"], world)
    ok = await subir(client, tokens["mesa"], doc["id"], "a.pdf", pdf_bytes(1))
    assert ok.status_code == 202
    anexo_id = ok.json()["id"]
    otro = await registrar(client, tokens["mesa"], world)
    otro_anexo = (await subir(client, tokens["mesa"], otro["id"], "b.pdf", pdf_bytes(1))).json()["id"]

    # The auditor reads everything but writes nothing.
    assert (await subir(client, tokens["auditor"], doc["id"], "c.pdf", pdf_bytes(1))).status_code == 403
    for path in (url(doc["id"]), url(doc["id"], anexo_id), url(doc["id"], anexo_id, "descarga")):
        assert (await client.get(path, headers=tokens["auditor"])).status_code == 200, path
    # An especialista of another area does not see the document at all.
    assert (await subir(client, tokens["oga"], doc["id"], "c.pdf", pdf_bytes(1))).status_code == 404
    for path in (url(doc["id"]), url(doc["id"], anexo_id), url(doc["id"], anexo_id, "descarga")):
        assert (await client.get(path, headers=tokens["oga"])).status_code == 404, path
    # Unknown ids, and an attachment asked for under another document.
    for path in (url(UNKNOWN_ID), url(doc["id"], UNKNOWN_ID), url(doc["id"], otro_anexo, "descarga")):
        assert (await client.get(path, headers=tokens["admin"])).status_code == 404, path
    assert (await subir(client, tokens["admin"], UNKNOWN_ID, "c.pdf", pdf_bytes(1))).status_code == 404
    assert (await client.get(url(doc["id"]))).status_code == 401
    assert (await client.post(url(doc["id"]), files={"archivo": ("a.pdf", b"%PDF-")})).status_code == 401

    # Routed to OAJ: the desk still sees it but may not attach any more (403); OAJ may.
    derivado = await client.post(
        f"/api/v1/documentos/{doc['id']}/derivar",
        json={"version": doc["version"], "destinos": [{"area_id": world.areas["OAJ"]}]},
        headers=tokens["mesa"],
    )
    assert derivado.status_code == 200, derivado.text
    # The fingerprint covers every attachment: let this test's own uploads finish processing first.
    await esperar(client, tokens["admin"], doc["id"], anexo_id)
    await esperar(client, tokens["admin"], otro["id"], otro_anexo)
    before = await fingerprint()
    assert (await subir(client, tokens["mesa"], doc["id"], "c.pdf", pdf_bytes(1))).status_code == 403
    assert not changed_tables(before, await fingerprint())
    assert (await subir(client, tokens["oaj"], doc["id"], "c.pdf", pdf_bytes(1))).status_code == 202
    assert (await client.get(url(doc["id"]), headers=tokens["oaj"])).status_code == 200


async def test_attachments_left_pending_are_queued_again_by_the_sweep(doc: dict[str, Any]) -> None:
    async with db.sessionmaker() as session, session.begin():
        olvidado = anexo_pendiente(
            doc["id"], "olvidado.pdf", pdf_bytes(2), created_at=func.now() - text("interval '1 hour'")
        )
        reciente = anexo_pendiente(doc["id"], "reciente.pdf", pdf_bytes(2))
        session.add_all([olvidado, reciente])
    assert olvidado.id in await reencolar_pendientes()
    deadline = time.monotonic() + WAIT_S
    while (await fila(olvidado.id)).estado_procesamiento is EstadoProcesamiento.PENDIENTE:
        assert time.monotonic() < deadline, "the swept attachment was not processed"
        await asyncio.sleep(0.1)
    assert (await fila(olvidado.id)).paginas == 2
    assert (await fila(reciente.id)).estado_procesamiento is EstadoProcesamiento.PENDIENTE  # too recent
