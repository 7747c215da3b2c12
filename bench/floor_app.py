"""The floor: a minimal hand-written app serving the benchmark's scenarios with the service's JSON.

    FLOOR_DSN=postgresql://... FLOOR_DATA_DIR=<the service's DATA_DIR> \
        .venv/bin/python -m uvicorn bench.floor_app:app --no-access-log

FastAPI routes returning prebuilt bytes, asyncpg (every statement text is prepared once per
connection by asyncpg's statement cache), plain dicts, orjson. Each authenticated request does the
service's check: the bearer token decoded with the service's secret (`JWT_SECRET`, else
`DATA_DIR/.jwt_secret`), then the user looked up (one statement), active, and the token's
credential stamp (`sv`, when the token has one) matching the account's password and session
version. Every response carries `X-Query-Count`: the statements this app ran for it (BEGIN/COMMIT not
counted, as the service's count does not count them).

Routes: the document list (filters estado, area_id, q; page_size, page, cursor, sort), the detail,
registration (same guarantees as the service: one transaction, the year's counter row upserted in it
so numbers are unique and gapless, the Idempotency-Key scoped per user, a historial row; the two
follow-up tasks are pushed to Redis after the commit when FLOOR_REDIS_URL is set), public
tracking, statistics (the same one-scan GROUPING SETS, never cached), the areas catalog (its body
built once at start: a cached body), `/livez` (a constant body: the bare endpoint), and FastAPI's
own 404 for anything else.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import asyncpg
import jwt
import orjson
from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

from bench import floor_sql as q

ZONE = ZoneInfo(os.environ.get("TIMEZONE", "America/Lima"))
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
NUMERO = re.compile(r"^[0-9]{4}-[0-9]{6,10}$")
CODIGO = re.compile(r"^[A-Za-z0-9]{4,12}$")
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_\-:.]{8,64}$")
JSON = "application/json"
PROBLEM = "application/problem+json"
if TYPE_CHECKING:
    Conn = PoolConnectionProxy[asyncpg.Record]


class State:
    pool: asyncpg.Pool
    secret = ""  # read on first use: the service writes its secret file when it first signs a token
    areas: bytes
    areas_etag: str
    redis: Any = None
    visibilidad = False  # the database keeps what each area may see (revision 0006)


state = State()


CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict", 422: "invalid"}
TITLES = {
    401: "No autenticado", 403: "Acceso denegado", 404: "No encontrado", 409: "Conflicto",
    422: "Datos inválidos",
}  # fmt: skip


class Fail(Exception):
    """An error answer in the service's shape: RFC 9457 problem details (`type`, `title`, `status`,
    `detail`, `code`, `instance`), and for 422 the location as `field` with one field error (the
    floor does not name fields)."""

    def __init__(self, status: int, message: str, location: str = "query") -> None:
        self.status = status
        self.message = message
        self.location = location

    def body(self, path: str) -> dict[str, Any]:
        code = CODES.get(self.status, "error")
        body: dict[str, Any] = {
            "type": f"urn:mesa-partes:problema:{code}", "title": TITLES.get(self.status, "Error"),
            "status": self.status, "detail": self.message, "code": code, "instance": path,
        }  # fmt: skip
        if self.status == 422:
            body["field"] = self.location
            body["errors"] = [
                {"field": self.location, "location": self.location, "code": code, "message": self.message}
            ]
        return body


def _secret() -> str:
    if os.environ.get("JWT_SECRET"):
        return os.environ["JWT_SECRET"]
    return (Path(os.environ["FLOOR_DATA_DIR"]) / ".jwt_secret").read_text().strip()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    state.pool = await asyncpg.create_pool(
        os.environ["FLOOR_DSN"],
        min_size=2,
        max_size=int(os.environ.get("FLOOR_POOL_SIZE", "20")),
        server_settings={
            "timezone": str(ZONE),
            "application_name": "bench-floor",
            "statement_timeout": "30000",
        },
    )
    async with state.pool.acquire() as conn:
        state.areas = q.dumps([dict(r) for r in await conn.fetch(q.AREAS_SQL)])
        state.visibilidad = bool(await conn.fetchval("SELECT to_regclass('public.visibilidad') IS NOT NULL"))
    state.areas_etag = '"' + hashlib.blake2b(state.areas, digest_size=16).hexdigest() + '"'
    if os.environ.get("FLOOR_REDIS_URL"):
        import redis.asyncio as aioredis

        state.redis = aioredis.from_url(os.environ["FLOOR_REDIS_URL"])
    yield
    if state.redis is not None:
        await state.redis.aclose()
    await state.pool.close()


app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)


def respond(body: Any, statements: int, status: int = 200, **headers: str) -> Response:
    return Response(
        q.dumps(body),
        status_code=status,
        media_type=JSON,
        headers={"x-query-count": str(statements), **headers},
    )


def _stamp(password_hash: str, version_sesion: int) -> str:
    """The service's credential stamp (app.usuarios.principal.sello_de), written out again here."""
    return hashlib.sha256(f"{version_sesion}:{password_hash}".encode()).hexdigest()[:16]


async def user(conn: Conn, request: Request) -> asyncpg.Record:
    """The bearer token's active user (one statement), or Fail(401)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Fail(401, "Falta el token de acceso; inicie sesión.")
    if not state.secret:
        state.secret = _secret()
    try:
        claims = jwt.decode(token, state.secret, algorithms=["HS256"], options={"require": ["exp", "sub"]})
        user_id = int(claims["sub"])
    except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
        raise Fail(401, "El token de acceso no es válido o expiró; inicie sesión de nuevo.") from exc
    row = await conn.fetchrow(q.USER_SQL, user_id)
    stamp = claims.get("sv")
    if (
        row is None
        or not row["activo"]
        or (stamp is not None and _stamp(row["password_hash"], row["version_sesion"]) != stamp)
    ):
        raise Fail(401, "El token de acceso no es válido o expiró; inicie sesión de nuevo.")
    return row


def visible(usuario: asyncpg.Record) -> str | None:
    """The condition on `d` for what the user may see (None: everything)."""
    if usuario["rol"] != "especialista":
        return None
    if usuario["area_id"] is None:
        return "d.id IS NULL"
    return (q.VISIBLE_TABLE_SQL if state.visibilidad else q.VISIBLE_SQL).format(a=int(usuario["area_id"]))


def _int(request: Request, name: str, default: int | None = None, high: int = 2**63 - 1) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise Fail(422, "Debe ser un número entero.") from exc
    if not 1 <= value <= high:
        raise Fail(422, "El número está fuera del rango permitido.")
    return value


def _date(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name)
    try:
        return None if raw is None else date.fromisoformat(raw)
    except ValueError as exc:
        raise Fail(422, "Debe ser una fecha AAAA-MM-DD.") from exc


@app.exception_handler(StarletteHTTPException)
async def _unknown_path(request: Request, exc: Exception) -> Response:
    """An unknown path: the service's 404 problem."""
    assert isinstance(exc, StarletteHTTPException)
    return await _fail(request, Fail(exc.status_code, "No existe el recurso solicitado."))


@app.exception_handler(Fail)
async def _fail(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Fail)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return Response(
        q.dumps(exc.body(request.url.path)), status_code=exc.status, media_type=PROBLEM, headers=headers
    )


@app.get("/livez")
async def livez() -> Response:
    return Response(b'{"status":"ok"}', media_type=JSON)


@app.get("/api/v1/catalogos/areas")
async def areas(request: Request) -> Response:
    headers = {"ETag": state.areas_etag, "Cache-Control": "public, max-age=900", "x-query-count": "0"}
    if request.headers.get("if-none-match") == state.areas_etag:
        return Response(status_code=304, headers=headers)
    return Response(state.areas, media_type=JSON, headers=headers)


@app.get("/api/v1/documentos")
async def listar(request: Request) -> Response:
    params = request.query_params
    page_size = _int(request, "page_size", 20, 100)
    page_number = _int(request, "page", None, 10_000)
    cursor = params.get("cursor")
    ascending = params.get("sort", "-fecha_recepcion") == "fecha_recepcion"
    assert page_size is not None
    async with state.pool.acquire() as conn:
        usuario = await user(conn, request)
        where: list[str] = []
        area_key = None  # an especialista's page read through visibilidad's key
        if usuario["rol"] == "especialista" and usuario["area_id"] is not None and state.visibilidad:
            area_key = int(usuario["area_id"])
        else:
            condition = visible(usuario)
            if condition is not None:
                where.append(condition)
        estados = params.getlist("estado")
        if estados:
            if not set(estados) <= q.ESTADOS:
                raise Fail(422, "El estado indicado no existe.")
            where.append("d.estado IN ({})".format(", ".join(f"'{e}'" for e in estados)))
        area_id = _int(request, "area_id")
        if area_id is not None:
            where.append(f"d.area_actual_id = {area_id}")
        args: list[Any] = [page_size + 1]
        if cursor is not None:
            args += list(q.decode_cursor(cursor))
        termino = params.get("q")
        if termino is not None:
            termino = " ".join(termino.split()).lower()
            if not termino:
                raise Fail(422, "La búsqueda necesita al menos una palabra.")
            args.append(termino)
            where.append(f"d.busqueda @@ websearch_to_tsquery('spanish', unaccent(${len(args)}))")
        offset = (page_number - 1) * page_size if page_number is not None and cursor is None else None
        sql = q.list_sql(where, cursor=cursor is not None, ascending=ascending, offset=offset, area=area_key)
        rows = await conn.fetch(sql, *args)
    return respond(q.page(rows, page_size, page_number if cursor is None else None), 2)


async def _detail(conn: Conn, usuario: asyncpg.Record, documento_id: int) -> dict[str, Any] | None:
    sql = q.DETAIL_SQL
    condition = visible(usuario)
    if condition is not None:
        sql += " AND " + condition
    row = await conn.fetchrow(sql, documento_id)
    if row is None:
        return None
    derivaciones = await conn.fetch(q.DERIVACIONES_SQL, documento_id)
    anexos = await conn.fetch(q.ANEXOS_SQL, documento_id)
    return q.detail(row, derivaciones, anexos)


@app.get("/api/v1/documentos/{documento_id}")
async def obtener(documento_id: int, request: Request) -> Response:
    async with state.pool.acquire() as conn:
        usuario = await user(conn, request)
        body = await _detail(conn, usuario, documento_id)
    if body is None:
        raise Fail(404, f"No existe el documento {documento_id}.")
    return respond(body, 4)


@app.get("/api/v1/seguimiento")
async def seguimiento(request: Request) -> Response:
    numero, codigo = request.query_params.get("numero", ""), request.query_params.get("codigo", "")
    if not NUMERO.match(numero) or not CODIGO.match(codigo):
        raise Fail(422, "Indique el número de expediente y el código de verificación.")
    async with state.pool.acquire() as conn:
        row = await conn.fetchrow(q.SEGUIMIENTO_SQL, numero)
    expected = row["codigo_verificacion"] if row is not None else "x" * len(codigo)
    if row is None or not hmac.compare_digest(expected.upper(), codigo.upper()):
        raise Fail(404, "No existe un expediente con ese número y código de verificación.")
    return respond(q.seguimiento(row), 1)


@app.get("/api/v1/estadisticas")
async def estadisticas(request: Request) -> Response:
    desde, hasta = _date(request, "fecha_desde"), _date(request, "fecha_hasta")
    if desde and hasta and desde > hasta:
        raise Fail(422, "La fecha_desde no puede ser posterior a la fecha_hasta.")
    async with state.pool.acquire() as conn:
        usuario = await user(conn, request)
        conditions, args = q.day_range(desde, hasta, ZONE)
        condition = visible(usuario)
        if condition is not None:
            conditions.append(condition)
        sql = q.STATS_SQL.format(open=q.OPEN_SQL, where=" AND ".join(conditions) or "true")
        rows = await conn.fetch(sql, *args)
    return respond(q.estadisticas(rows, ZONE), 2)


def _text(data: dict[str, Any], name: str, low: int, high: int, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not low <= len(value.strip()) <= high or "\x00" in value:
        raise Fail(422, "Falta este dato o no es válido.", "body")
    return value.strip()


@app.post("/api/v1/documentos")
async def registrar(request: Request) -> Response:
    try:
        data = orjson.loads(await request.body())
        tipo_id, folios = int(data["tipo_documento_id"]), int(data["folios"])
        procedimiento_id = None if data.get("procedimiento_id") is None else int(data["procedimiento_id"])
        remitente = data["remitente"]
        assert isinstance(remitente, dict) and folios > 0
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AssertionError) as exc:
        raise Fail(422, "El cuerpo de la solicitud no es un JSON válido.", "body") from exc
    asunto = _text(data, "asunto", 3, 1000)
    numero_documento = _text(data, "numero_documento", 1, 100, required=False)
    observacion = _text(data, "observacion", 1, 4000, required=False)
    canal, prioridad = data.get("canal", "presencial"), data.get("prioridad", "normal")
    rem = [
        _text(remitente, "tipo_persona", 1, 20),
        _text(remitente, "tipo_documento_identidad", 1, 20),
        (_text(remitente, "numero_documento_identidad", 1, 20) or "").upper(),
        _text(remitente, "nombre", 1, 300),
        _text(remitente, "email", 3, 254, required=False),
        _text(remitente, "telefono", 6, 30, required=False),
        _text(remitente, "direccion", 0, 300, required=False),
        _text(remitente, "pais_codigo", 2, 2, required=False) or "PE",
    ]
    key = request.headers.get("idempotency-key")
    if key is not None and not IDEMPOTENCY_KEY.match(key):
        raise Fail(422, "La Idempotency-Key no es válida.", "header")
    statements = 0
    async with state.pool.acquire() as conn:
        usuario = await user(conn, request)
        statements += 1
        if usuario["rol"] not in ("admin", "mesa_partes"):
            raise Fail(403, "Su rol no permite esta acción.")
        scoped = f"{usuario['id']}:{key}" if key else None
        if scoped is not None:
            existing = await conn.fetchval(q.IDEMPOTENCIA_SQL, scoped)
            statements += 1
            if existing is not None:
                body = await _detail(conn, usuario, existing)
                assert body is not None
                same = (body["asunto"], body["folios"], body["tipo_documento"]["id"]) == (
                    asunto,
                    folios,
                    tipo_id,
                )
                if not same or body["remitente"]["numero_documento_identidad"] != rem[2]:
                    raise Fail(
                        422, "Esta Idempotency-Key ya se usó para registrar otro documento.", "header"
                    )
                return respond(body, statements + 3, 200, **{"Idempotent-Replayed": "true"})
        ahora = datetime.now(UTC)
        try:
            async with conn.transaction():
                cat = await conn.fetchrow(
                    q.CATALOGOS_REGISTRO_SQL, tipo_id, procedimiento_id, usuario["area_id"]
                )
                assert cat is not None  # one row, always
                tipo, procedimiento, area = cat["tipo"], cat["procedimiento"], cat["area"]
                if tipo is None or not tipo[0]:
                    raise Fail(422, f"No existe el tipo de documento {tipo_id}, o está inactivo.", "body")
                if procedimiento_id is not None and (procedimiento is None or not procedimiento[0]):
                    raise Fail(
                        422, f"No existe el procedimiento {procedimiento_id}, o está inactivo.", "body"
                    )
                sender = await conn.fetchrow(q.REMITENTE_UPSERT_SQL, *rem)
                assert sender is not None  # INSERT ... RETURNING
                anio = ahora.astimezone(ZONE).year
                numero = f"{anio}-{await conn.fetchval(q.CORRELATIVO_SQL, anio):06d}"
                codigo = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
                limite = (
                    q.fecha_limite(ahora, procedimiento[1], ZONE) if procedimiento_id is not None else None
                )
                doc = await conn.fetchrow(
                    q.DOCUMENTO_INSERT_SQL, numero, codigo, tipo_id, numero_documento, asunto, folios,
                    sender["id"], procedimiento_id, canal, prioridad, area[0], usuario["id"], ahora, limite,
                    observacion, scoped,
                )  # fmt: skip
                assert doc is not None
                detalle = orjson.dumps({"numero_expediente": numero}).decode()
                await conn.execute(
                    q.HISTORIAL_INSERT_SQL, doc["id"], usuario["id"], usuario["area_id"], detalle
                )
                statements += 5
        except asyncpg.UniqueViolationError as exc:
            raise Fail(
                409, "Se está procesando una solicitud con esta Idempotency-Key; reintente en unos segundos."
            ) from exc
        except asyncpg.ForeignKeyViolationError as exc:
            raise Fail(422, "El código de país no figura en el catálogo de países.", "body") from exc
    if state.redis is not None:  # the receipt and the email, queued after the commit
        task = orjson.dumps({"documento_id": doc["id"]})
        await state.redis.rpush("bench:floor:tasks", b"cargo:" + task, b"notificacion:" + task)
    body = {
        "id": doc["id"],
        "numero_expediente": numero,
        "asunto": asunto,
        "numero_documento": numero_documento,
        "folios": folios,
        "canal": canal,
        "prioridad": prioridad,
        "estado": "registrado",
        "fecha_recepcion": ahora,
        "fecha_limite": limite,
        "version": doc["version"],
        "tipo_documento": {"id": tipo_id, "codigo": tipo[1], "nombre": tipo[2]},
        "remitente": dict(sender),
        "area_actual": {"id": area[0], "codigo": area[1], "nombre": area[2], "sigla": area[3]},
        "codigo_verificacion": codigo,
        "procedimiento_id": procedimiento_id,
        "fecha_atencion": None,
        "observacion": observacion,
        "registrado_por_id": usuario["id"],
        "created_at": doc["created_at"],
        "updated_at": doc["updated_at"],
        "derivaciones": [],
        "anexos": [],
    }
    return respond(body, statements, 201)
