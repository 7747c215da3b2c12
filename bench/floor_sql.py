"""The floor's SQL and row shapes: plain statements (asyncpg prepares and caches each text), rows
turned into the service's JSON shapes as plain dicts. No ORM, no validation models.

Kept beside `floor_app.py` (the routes): what is here is the minimum a hand-written app needs to
answer the same bytes as the service for the benchmark's scenarios.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import orjson
from asyncpg import Record

OPEN_STATES = ("registrado", "derivado", "recibido", "en_proceso", "observado")
OPEN_SQL = "d.estado IN ({})".format(", ".join(f"'{e}'" for e in OPEN_STATES))
ESTADOS = frozenset((*OPEN_STATES, "atendido", "archivado", "anulado"))

LIST_COLUMNS = """d.id, d.numero_expediente, d.asunto, d.numero_documento, d.folios, d.canal, d.prioridad,
 d.estado, d.fecha_recepcion, d.fecha_limite, d.version,
 t.id AS t_id, t.codigo AS t_codigo, t.nombre AS t_nombre,
 r.id AS r_id, r.tipo_persona, r.tipo_documento_identidad, r.numero_documento_identidad, r.nombre AS r_nombre,
 a.id AS a_id, a.codigo AS a_codigo, a.nombre AS a_nombre, a.sigla AS a_sigla"""
LINKS = """JOIN tipos_documento t ON t.id = d.tipo_documento_id
 JOIN remitentes r ON r.id = d.remitente_id JOIN areas a ON a.id = d.area_actual_id"""
JOINS = f"FROM documentos d {LINKS}"
DETAIL_SQL = f"""SELECT {LIST_COLUMNS}, d.codigo_verificacion, d.procedimiento_id, d.fecha_atencion,
 d.observacion, d.registrado_por_id, d.created_at, d.updated_at, r.email, r.telefono, r.direccion,
 r.pais_codigo {JOINS} WHERE d.id = $1"""
# What an especialista of area {a} sees: its area's documents and those ever routed to it; read
# from the `visibilidad` table (one row per document and area, kept by triggers) when the database
# has it (revision 0006), else from derivaciones.
VISIBLE_SQL = """(d.area_actual_id = {a} OR EXISTS (SELECT 1 FROM derivaciones x
 WHERE x.documento_id = d.id AND x.area_destino_id = {a}))"""
VISIBLE_TABLE_SQL = "EXISTS (SELECT 1 FROM visibilidad w WHERE w.documento_id = d.id AND w.area_id = {a})"
DERIVACIONES_SQL = """SELECT v.id, v.prioridad, v.proveido, v.estado, v.es_copia, v.fecha_envio,
 v.fecha_recepcion, v.fecha_atencion, v.plazo_dias, v.fecha_limite, v.enviado_por_id, v.recibido_por_id,
 o.id AS o_id, o.codigo AS o_codigo, o.nombre AS o_nombre, o.sigla AS o_sigla,
 z.id AS z_id, z.codigo AS z_codigo, z.nombre AS z_nombre, z.sigla AS z_sigla,
 i.id AS i_id, i.codigo AS i_codigo, i.nombre AS i_nombre, i.activo AS i_activo
 FROM derivaciones v JOIN areas o ON o.id = v.area_origen_id JOIN areas z ON z.id = v.area_destino_id
 LEFT JOIN indicaciones i ON i.id = v.indicacion_id WHERE v.documento_id = $1 ORDER BY v.id"""
ANEXOS_SQL = """SELECT id, nombre_archivo, content_type, tamano_bytes, sha256, paginas, estado_procesamiento,
 created_at FROM anexos WHERE documento_id = $1 ORDER BY id"""
SEGUIMIENTO_SQL = """SELECT d.id, d.numero_expediente, d.codigo_verificacion, d.asunto, d.estado,
 d.fecha_recepcion, d.fecha_limite, d.fecha_atencion, t.nombre AS tipo, a.nombre AS area,
 (SELECT coalesce(json_agg(json_build_array(z.nombre, v.estado, v.es_copia, v.fecha_envio, v.fecha_recepcion)
   ORDER BY v.id), '[]') FROM derivaciones v JOIN areas z ON z.id = v.area_destino_id
   WHERE v.documento_id = d.id) AS derivaciones
 FROM documentos d JOIN tipos_documento t ON t.id = d.tipo_documento_id
 JOIN areas a ON a.id = d.area_actual_id WHERE d.numero_expediente = $1"""
STATS_SQL = """SELECT g.estado, g.area_id, g.tipo_id, g.mes, g.grupo, g.total, g.vencidos, g.segundos,
 a.sigla, t.nombre FROM (
 SELECT d.estado, d.area_actual_id AS area_id, d.tipo_documento_id AS tipo_id,
  date_trunc('month', d.fecha_recepcion) AS mes,
  GROUPING(d.estado, d.area_actual_id, d.tipo_documento_id, date_trunc('month', d.fecha_recepcion)) AS grupo,
  count(*) AS total, count(*) FILTER (WHERE {open} AND d.fecha_limite < current_date) AS vencidos,
  avg(extract(epoch FROM d.fecha_atencion - d.fecha_recepcion)) FILTER (WHERE d.fecha_atencion IS NOT NULL)
   AS segundos
 FROM documentos d WHERE {where}
 GROUP BY GROUPING SETS ((d.estado), (d.area_actual_id), (d.tipo_documento_id),
  (date_trunc('month', d.fecha_recepcion)), ())) g
 LEFT JOIN areas a ON a.id = g.area_id LEFT JOIN tipos_documento t ON t.id = g.tipo_id"""
AREAS_SQL = "SELECT id, codigo, nombre, sigla, parent_id, activo FROM areas ORDER BY nombre, id"
USER_SQL = "SELECT id, rol, area_id, activo, password_hash, version_sesion FROM usuarios WHERE id = $1"
# Registration: the catalog rows it needs, in one statement.
CATALOGOS_REGISTRO_SQL = """SELECT
 (SELECT row(t.activo, t.codigo, t.nombre) FROM tipos_documento t WHERE t.id = $1) AS tipo,
 (SELECT row(p.activo, p.plazo_dias) FROM procedimientos p WHERE p.id = $2) AS procedimiento,
 (SELECT row(a.id, a.codigo, a.nombre, a.sigla) FROM areas a
   WHERE a.id = coalesce($3, (SELECT m.id FROM areas m WHERE m.codigo = 'MP'))) AS area"""
REMITENTE_UPSERT_SQL = """INSERT INTO remitentes AS r (tipo_persona, tipo_documento_identidad,
 numero_documento_identidad, nombre, email, telefono, direccion, pais_codigo)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
 ON CONFLICT (numero_documento_identidad, tipo_documento_identidad) DO UPDATE SET
 email = coalesce(excluded.email, r.email), telefono = coalesce(excluded.telefono, r.telefono),
 direccion = coalesce(excluded.direccion, r.direccion), pais_codigo = excluded.pais_codigo, updated_at = now()
 RETURNING id, tipo_persona, tipo_documento_identidad, numero_documento_identidad, nombre, email, telefono,
 direccion, pais_codigo"""
CORRELATIVO_SQL = """INSERT INTO expediente_correlativos (anio, ultimo) VALUES ($1, 1)
 ON CONFLICT (anio) DO UPDATE SET ultimo = expediente_correlativos.ultimo + 1 RETURNING ultimo"""
DOCUMENTO_INSERT_SQL = """INSERT INTO documentos (numero_expediente, codigo_verificacion, tipo_documento_id,
 numero_documento, asunto, folios, remitente_id, procedimiento_id, canal, prioridad, estado, area_actual_id,
 registrado_por_id, fecha_recepcion, fecha_limite, observacion, idempotency_key)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'registrado', $11, $12, $13, $14, $15, $16)
 RETURNING id, version, created_at, updated_at"""
HISTORIAL_INSERT_SQL = """INSERT INTO historial (documento_id, evento, usuario_id, area_id, estado_anterior,
 estado_nuevo, detalle) VALUES ($1, 'registrado', $2, $3, NULL, 'registrado', $4::jsonb)"""
IDEMPOTENCIA_SQL = "SELECT id FROM documentos WHERE idempotency_key = $1"


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_UTC_Z)


def encode_cursor(moment: datetime, row_id: int) -> str:
    raw = orjson.dumps([moment.isoformat(), row_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    moment, row_id = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return datetime.fromisoformat(moment).astimezone(UTC), int(row_id)


def list_item(r: Record) -> dict[str, Any]:
    return {
        "id": r["id"],
        "numero_expediente": r["numero_expediente"],
        "asunto": r["asunto"],
        "numero_documento": r["numero_documento"],
        "folios": r["folios"],
        "canal": r["canal"],
        "prioridad": r["prioridad"],
        "estado": r["estado"],
        "fecha_recepcion": r["fecha_recepcion"],
        "fecha_limite": r["fecha_limite"],
        "version": r["version"],
        "tipo_documento": {"id": r["t_id"], "codigo": r["t_codigo"], "nombre": r["t_nombre"]},
        "remitente": {
            "id": r["r_id"],
            "tipo_persona": r["tipo_persona"],
            "tipo_documento_identidad": r["tipo_documento_identidad"],
            "numero_documento_identidad": r["numero_documento_identidad"],
            "nombre": r["r_nombre"],
        },
        "area_actual": {
            "id": r["a_id"],
            "codigo": r["a_codigo"],
            "nombre": r["a_nombre"],
            "sigla": r["a_sigla"],
        },
    }


def list_sql(
    where: Sequence[str], *, cursor: bool, ascending: bool, offset: int | None, area: int | None = None
) -> str:
    """The page statement: $1 is the limit; with a cursor $2/$3 are its instant and id. With `area`
    (an especialista's, when the database has `visibilidad`), the page is read in the order of
    that table's key (area, fecha_recepcion, documento_id)."""
    conditions = list(where)
    order = "ASC" if ascending else "DESC"
    moment, row_id = (
        ("w.fecha_recepcion", "w.documento_id") if area is not None else ("d.fecha_recepcion", "d.id")
    )
    if cursor:
        conditions.append(f"({moment}, {row_id}) {'>' if ascending else '<'} ($2, $3)")
    if area is not None:
        conditions.insert(0, f"w.area_id = {int(area)}")
        sql = f"SELECT {LIST_COLUMNS} FROM visibilidad w JOIN documentos d ON d.id = w.documento_id {LINKS}"
    else:
        sql = f"SELECT {LIST_COLUMNS} {JOINS}"
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    sql += f" ORDER BY {moment} {order}, {row_id} {order} LIMIT $1"
    return sql + (f" OFFSET {offset}" if offset else "")


def page(rows: Sequence[Record], page_size: int, page_number: int | None) -> dict[str, Any]:
    has_more = len(rows) > page_size
    items = [list_item(r) for r in rows[:page_size]]
    last = rows[page_size - 1] if has_more else None
    return {
        "items": items,
        "next_cursor": encode_cursor(last["fecha_recepcion"], last["id"]) if last is not None else None,
        "page": page_number,
        "page_size": page_size,
        "has_more": has_more,
    }


def area_ref(prefix: str, r: Record) -> dict[str, Any]:
    return {
        "id": r[f"{prefix}_id"],
        "codigo": r[f"{prefix}_codigo"],
        "nombre": r[f"{prefix}_nombre"],
        "sigla": r[f"{prefix}_sigla"],
    }


def detail(r: Record, derivaciones: Sequence[Record], anexos: Sequence[Record]) -> dict[str, Any]:
    body = list_item(r)
    body["remitente"].update(
        email=r["email"], telefono=r["telefono"], direccion=r["direccion"], pais_codigo=r["pais_codigo"]
    )
    body.update(
        codigo_verificacion=r["codigo_verificacion"],
        procedimiento_id=r["procedimiento_id"],
        fecha_atencion=r["fecha_atencion"],
        observacion=r["observacion"],
        registrado_por_id=r["registrado_por_id"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        derivaciones=[
            {
                "id": v["id"],
                "area_origen": area_ref("o", v),
                "area_destino": area_ref("z", v),
                "indicacion": None
                if v["i_id"] is None
                else {
                    "id": v["i_id"],
                    "codigo": v["i_codigo"],
                    "nombre": v["i_nombre"],
                    "activo": v["i_activo"],
                },
                "prioridad": v["prioridad"],
                "proveido": v["proveido"],
                "estado": v["estado"],
                "es_copia": v["es_copia"],
                "fecha_envio": v["fecha_envio"],
                "fecha_recepcion": v["fecha_recepcion"],
                "fecha_atencion": v["fecha_atencion"],
                "plazo_dias": v["plazo_dias"],
                "fecha_limite": v["fecha_limite"],
                "enviado_por_id": v["enviado_por_id"],
                "recibido_por_id": v["recibido_por_id"],
            }
            for v in derivaciones
        ],
        anexos=[dict(a) for a in anexos],
    )
    return body


def seguimiento(r: Record) -> dict[str, Any]:
    return {
        "numero_expediente": r["numero_expediente"],
        "tipo_documento": r["tipo"],
        "asunto": r["asunto"],
        "estado": r["estado"],
        "area_actual": r["area"],
        "fecha_recepcion": r["fecha_recepcion"],
        "fecha_limite": r["fecha_limite"],
        "fecha_atencion": r["fecha_atencion"],
        "derivaciones": [
            {
                "area_destino": area,
                "estado": estado,
                "es_copia": es_copia,
                # json_agg writes timestamptz in the session's zone: the same instants, in UTC.
                "fecha_envio": _utc(envio),
                "fecha_recepcion": _utc(recepcion),
            }
            for area, estado, es_copia, envio, recepcion in orjson.loads(r["derivaciones"])
        ],
    }


def _utc(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


def day_range(desde: date | None, hasta: date | None, zone: ZoneInfo) -> tuple[list[str], list[Any]]:
    """`fecha_recepcion` within whole office days: conditions with $1.. and their arguments."""
    conditions: list[str] = []
    args: list[Any] = []
    if desde is not None:
        args.append(datetime.combine(desde, time.min, tzinfo=zone))
        conditions.append(f"d.fecha_recepcion >= ${len(args)}")
    if hasta is not None:
        args.append(datetime.combine(hasta + timedelta(days=1), time.min, tzinfo=zone))
        conditions.append(f"d.fecha_recepcion < ${len(args)}")
    return conditions, args


def estadisticas(rows: Sequence[Record], zone: ZoneInfo) -> dict[str, Any]:
    by: dict[int, list[Record]] = {g: [] for g in (0b0111, 0b1011, 0b1101, 0b1110)}
    resto = None
    for row in rows:
        if row["grupo"] == 0b1111:
            resto = row
        elif row["grupo"] in by:
            by[row["grupo"]].append(row)

    def mayor_primero(items: list[tuple[str, int, int]]) -> list[dict[str, Any]]:
        return [{"clave": c, "total": n} for c, n, _ in sorted(items, key=lambda f: (-f[1], f[0], f[2]))]

    segundos = resto["segundos"] if resto is not None else None
    return {
        "total": resto["total"] if resto is not None else 0,
        "por_estado": [
            {"clave": f["estado"], "total": f["total"]} for f in sorted(by[0b0111], key=lambda f: f["estado"])
        ],
        "por_area": mayor_primero([(f["sigla"], f["total"], f["area_id"]) for f in by[0b1011]]),
        "por_tipo": mayor_primero([(f["nombre"], f["total"], f["tipo_id"]) for f in by[0b1101]]),
        "por_mes": [
            {"clave": f["mes"].astimezone(zone).strftime("%Y-%m"), "total": f["total"]}
            for f in sorted(by[0b1110], key=lambda f: f["mes"])
        ],
        "vencidos": int(resto["vencidos"]) if resto is not None else 0,
        "tiempo_medio_atencion_dias": round(float(segundos) / 86400, 2) if segundos is not None else None,
    }


@lru_cache(maxsize=64)
def _feriados(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("PE", years=year).keys())


def _habil(day: date) -> bool:
    return day.weekday() < 5 and day not in _feriados(day.year)


def fecha_limite(recibido: datetime, plazo: int, zone: ZoneInfo) -> date:
    """Business days (Peruvian holidays) from the business day the document counts as received."""
    day = recibido.astimezone(zone).date()
    while not _habil(day):
        day += timedelta(days=1)
    while plazo > 0:
        day += timedelta(days=1)
        if _habil(day):
            plazo -= 1
    return day
