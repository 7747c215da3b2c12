"""Rows made in Python: remitentes, then each document's life (registration, derivaciones,
receptions, attention, archive...) simulated from seeded `random.Random`s.

The same seed, `until` and slices give the same rows. Draws use `rnd()` and index arithmetic rather
than `random.choice` and friends: this is the load's hot loop, and their Python-level overhead shows.
"""

from __future__ import annotations

import itertools
import math
import random
import unicodedata
from bisect import bisect_right as bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any, TypeAlias

from app.documentos.models import ESTADOS_ABIERTOS
from app.documentos.plazos import calcular_fecha_limite
from app.ops.seed import catalog_data as cat
from app.ops.seed.context import SeedContext
from app.ops.seed.plan import DAY_S, HOUR_S, LIMA, Slice
from app.remitentes.identidad import ruc_check_digit

Row: TypeAlias = Sequence[Any]
# A timestamp as the COPY connection encodes it: a datetime, or microseconds since 2000-01-01 UTC.
EncodedTimestamp: TypeAlias = Any

# Column order of the rows below, as COPY takes them.
REMITENTES_COLUMNS = (
    "id", "tipo_persona", "tipo_documento_identidad", "numero_documento_identidad", "nombre", "email",
    "telefono", "direccion", "pais_codigo", "created_at", "updated_at",
)  # fmt: skip
DOCUMENTOS_COLUMNS = (
    "id", "numero_expediente", "codigo_verificacion", "tipo_documento_id", "numero_documento", "asunto",
    "folios", "remitente_id", "procedimiento_id", "canal", "prioridad", "estado", "area_actual_id",
    "registrado_por_id", "fecha_recepcion", "fecha_limite", "fecha_atencion", "observacion", "version",
    "created_at", "updated_at",
)  # fmt: skip
DERIVACIONES_COLUMNS = (
    "id", "documento_id", "area_origen_id", "area_destino_id", "enviado_por_id", "recibido_por_id",
    "indicacion_id", "prioridad", "proveido", "estado", "es_copia", "fecha_envio", "fecha_recepcion",
    "fecha_atencion", "plazo_dias", "fecha_limite", "created_at", "updated_at",
)  # fmt: skip
ANEXOS_COLUMNS = (
    "id", "documento_id", "nombre_archivo", "content_type", "tamano_bytes", "sha256", "ruta", "paginas",
    "estado_procesamiento", "subido_por_id", "created_at", "updated_at",
)  # fmt: skip
HISTORIAL_COLUMNS = (
    "id", "documento_id", "evento", "usuario_id", "area_id", "estado_anterior", "estado_nuevo", "detalle",
    "created_at",
)  # fmt: skip

_LIMA_OFFSET_S = 5 * 3600
_ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_PAIRS = [a + b for a in _ALPHANUMERIC for b in _ALPHANUMERIC]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _slug(text: str) -> str:
    return "".join(ch for ch in _ascii(text).lower() if ch.isalnum())[:24] or "empresa"


def _initials(text: str) -> str:
    return "".join(p[0] for p in _ascii(text).upper().split() if p[0].isalpha() and len(p) > 2)[:6] or "X"


def _cumulative(weights: Sequence[float]) -> list[float]:
    """Cumulative weights for `bisect_right(cumulative, random())`: an index drawn by weight."""
    total = sum(weights)
    cumulative = [x / total for x in itertools.accumulate(weights)]
    cumulative[-1] = 1.0  # random() < 1.0, so the last index is the largest bisect can return
    return cumulative


# Kinds of remitente.
_NATURAL, _EMPRESA, _ENTIDAD = 0, 1, 2

_TIPOS_BY_KIND: dict[int, tuple[tuple[str, ...], list[float]]] = {
    _NATURAL: (
        ("SOL", "FUT", "ESC", "CAR", "QUE", "REC", "DEN", "RAP", "RRC", "SAIP", "DJ"),
        _cumulative((30, 24, 8, 5, 5, 6, 5, 3, 3, 6, 5)),
    ),
    _EMPRESA: (
        ("SOL", "CAR", "FUT", "EXP", "ESC", "REC", "RAP", "RRC", "SAIP", "DJ", "INV"),
        _cumulative((24, 25, 10, 10, 5, 5, 4, 4, 3, 5, 5)),
    ),
    _ENTIDAD: (
        ("OFI", "OFM", "INF", "MEM", "RES", "NOT", "CED", "INV"),
        _cumulative((55, 14, 6, 3, 7, 6, 5, 4)),
    ),
}
# Where a document goes first when no procedure names the area.
_AREA_BY_TIPO = {
    "QUE": "OAC", "REC": "OAC", "SAIP": "OAC", "DEN": "SGFT", "RAP": "OAJ", "RRC": "OAJ", "CED": "PPM",
    "NOT": "OAJ", "OFI": "GM", "OFM": "GM", "INV": "ALC", "RES": "SG", "INF": "GM", "MEM": "GM",
}  # fmt: skip
# Procedures about a place (an establishment, a building, a plot): their asunto names one.
_PROCEDIMIENTOS_DE_PREDIO = frozenset(f"TUPA-{numero:03d}" for numero in range(2, 22))
_TIPO_BY_PROCEDIMIENTO = {"TUPA-001": "SAIP", "TUPA-023": "REC", "TUPA-031": "RRC", "TUPA-032": "RAP"}
_ABBREVIATION_BY_TIPO = {
    "OFI": "OFICIO", "OFM": "OFICIO MÚLTIPLE", "INF": "INFORME", "MEM": "MEMORANDO", "RES": "RESOLUCIÓN",
    "NOT": "NOTIFICACIÓN", "CAR": "CARTA", "INV": "INVITACIÓN", "EXP": "EXPEDIENTE", "SOL": "SOLICITUD",
    "FUT": "FUT", "ESC": "ESCRITO", "REC": "RECLAMO", "DJ": "DECLARACIÓN JURADA",
}  # fmt: skip

# Final estado the simulation aims at; newer documents stop earlier because events cannot be in
# the future. Documents under a TUPA procedure stay open more often: they are the overdue ones.
_TARGET_ESTADOS = (
    "registrado", "derivado", "recibido", "en_proceso", "observado", "anulado", "atendido", "archivado",
)  # fmt: skip
_TARGET_WITHOUT_PROCEDIMIENTO = _cumulative((0.5, 2.5, 2.5, 4.0, 2.0, 2.0, 38.0, 48.5))
_TARGET_WITH_PROCEDIMIENTO = _cumulative((0.5, 5.0, 5.0, 10.5, 6.0, 1.5, 37.0, 34.5))
_N_PRINCIPALES = _cumulative((20, 30, 25, 15, 10))  # 1..5 main derivaciones
_N_ANEXOS = _cumulative((30, 35, 20, 15))  # 0..3 anexos
_PRIORIDADES = ("normal", "alta", "baja", "urgente")
_PRIORIDAD_WEIGHTS = _cumulative((80, 10, 6, 4))
_PLAZOS_DERIVACION = (2, 3, 5, 5, 7, 10)
_FOREIGN_PAISES = ("VE", "VE", "VE", "VE", "CO", "CO", "EC", "BO", "AR", "CL", "CN", "ES", "US", "MX")
_EMAIL_DOMAINS = ("gmail.com", "gmail.com", "gmail.com", "hotmail.com", "outlook.com", "yahoo.es")
# A set of plain strings: membership is tested once per document.
_ESTADOS_ABIERTOS = frozenset(estado.value for estado in ESTADOS_ABIERTOS)


@dataclass(frozen=True)
class Remitentes:
    """What the document generator needs to know of the senders it may pick."""

    ids: list[int]
    kind: list[int]
    sigla: list[str]
    entidades: list[int]  # indexes of the public bodies
    others: list[int]  # indexes of everyone else


def generate_remitentes(
    ctx: SeedContext, count: int, seed: int, first_day: date
) -> tuple[list[Row], Remitentes]:
    """`count` new senders with unique (numero, tipo), none clashing with those already there."""
    rng = random.Random(f"{seed}/remitentes")
    rnd = rng.random
    used = set(ctx.existing_remitentes)
    created = datetime.combine(first_day, datetime.min.time(), LIMA).astimezone(UTC)
    next_id = ctx.max_ids["remitentes"] + 1
    names_by_gender = (cat.NOMBRES_MASCULINOS, cat.NOMBRES_FEMENINOS)
    ascii_names = {n: _ascii(n).lower() for n in (*names_by_gender[0], *names_by_gender[1], *cat.APELLIDOS)}
    rows: list[Row] = []
    ids: list[int] = []
    kinds: list[int] = []
    siglas: list[str] = []
    entidades: list[int] = []
    others: list[int] = []
    n_entidades = min(len(cat.ENTIDADES_PUBLICAS), max(1, count // 100))
    foreign = _FOREIGN_PAISES

    def unique_numero(tipo: str, make: Callable[[], str]) -> str:
        while True:
            numero = make()
            if (numero, tipo) not in used:
                used.add((numero, tipo))
                return numero

    def pasaporte() -> str:
        return _ALPHANUMERIC[int(rnd() * 26)] + _ALPHANUMERIC[int(rnd() * 26)] + f"{rng.randrange(10**7):07d}"

    def ruc(prefix: str) -> str:
        body = f"{prefix}{rng.randrange(10**8):08d}"
        return f"{body}{ruc_check_digit(body)}"

    def person_name() -> tuple[str, str, str]:
        """A full name, and the first name and first surname in lowercase ASCII."""
        names = names_by_gender[rnd() < 0.5]
        first = names[int(rnd() * len(names))]
        surname1 = cat.APELLIDOS[int(rnd() * len(cat.APELLIDOS))]
        surname2 = cat.APELLIDOS[int(rnd() * len(cat.APELLIDOS))]
        if rnd() < 0.55:
            second = names[int(rnd() * len(names))]
            full = f"{first} {second} {surname1} {surname2}"
        else:
            full = f"{first} {surname1} {surname2}"
        return full, ascii_names[first], ascii_names[surname1]

    def telefono() -> str | None:
        r = rnd()
        if r < 0.72:
            return f"9{rng.randrange(10**8):08d}"
        if r < 0.9:
            return f"(01) {rng.randrange(2_000_000, 8_000_000)}"
        return None

    def direccion() -> str | None:
        if rnd() < 0.15:
            return None
        via = cat.VIAS[int(rnd() * len(cat.VIAS))]
        distrito = cat.DISTRITOS[int(rnd() * len(cat.DISTRITOS))]
        return f"{via} {rng.randrange(1, 3000)}, {distrito}, Lima"

    for i in range(count):
        id_ = next_id + i
        pais = "PE"
        if i < n_entidades:
            kind = _ENTIDAD
            nombre = cat.ENTIDADES_PUBLICAS[i]
            tipo_persona, tipo_doc = "juridica", "RUC"
            numero = unique_numero("RUC", lambda: ruc("20"))
            sigla = _initials(nombre)
            email: str | None = f"mesadepartes@{sigla.lower()}.gob.pe"
        else:
            r = rnd()
            if r < 0.30:
                kind, tipo_persona, tipo_doc = _EMPRESA, "juridica", "RUC"
                prefix = cat.EMPRESA_PREFIJOS[int(rnd() * len(cat.EMPRESA_PREFIJOS))]
                base = cat.EMPRESA_NOMBRES[int(rnd() * len(cat.EMPRESA_NOMBRES))]
                suffix = cat.EMPRESA_SUFIJOS[int(rnd() * len(cat.EMPRESA_SUFIJOS))]
                nombre = f"{prefix} {base} {suffix}"
                numero = unique_numero("RUC", lambda: ruc("20"))
                sigla = _initials(f"{prefix} {base}")
                mailbox = ("contacto", "gerencia", "ventas", "administracion", "legal")[int(rnd() * 5)]
                email = f"{mailbox}@{_slug(base)}{rng.randrange(10, 99)}.com.pe" if rnd() < 0.9 else None
            else:
                kind = _NATURAL
                tipo_persona = "natural"
                nombre, first_ascii, surname_ascii = person_name()
                if r < 0.86:
                    tipo_doc = "DNI"
                    numero = unique_numero("DNI", lambda: f"{rng.randrange(10_000_000, 80_000_000)}")
                elif r < 0.94:
                    tipo_doc = "RUC"  # persona natural con negocio
                    numero = unique_numero("RUC", lambda: ruc("10"))
                elif r < 0.98:
                    tipo_doc = "CE"
                    numero = unique_numero("CE", lambda: f"{rng.randrange(10**8, 10**9):09d}")
                    pais = foreign[int(rnd() * len(foreign))]
                else:
                    tipo_doc = "PASAPORTE"
                    numero = unique_numero("PASAPORTE", pasaporte)
                    pais = foreign[int(rnd() * len(foreign))]
                sigla = _initials(nombre)
                domain = _EMAIL_DOMAINS[int(rnd() * len(_EMAIL_DOMAINS))]
                email = (
                    f"{first_ascii}.{surname_ascii}{rng.randrange(1, 999)}@{domain}" if rnd() < 0.85 else None
                )
        row = (
            id_,
            tipo_persona,
            tipo_doc,
            numero,
            nombre,
            email,
            telefono(),
            direccion(),
            pais,
            created,
            created,
        )
        rows.append(row)
        ids.append(id_)
        kinds.append(kind)
        siglas.append(sigla)
        (entidades if kind == _ENTIDAD else others).append(i)
    return rows, Remitentes(ids, kinds, siglas, entidades, others)


class RowGenerator:
    """Deterministic rows for one slice of a load; documents come out in reception order."""

    def __init__(
        self,
        ctx: SeedContext,
        remitentes: Remitentes,
        slice_: Slice,
        seed: int,
        until: datetime,
        stamp: Callable[[int], EncodedTimestamp],
    ) -> None:
        self.ctx = ctx
        self.remitentes = remitentes
        self.slice = slice_
        self.stamp = stamp
        self.rng = random.Random(f"{seed}/{slice_.number}")
        self.until_ts = int(until.timestamp())
        self.today = until.astimezone(LIMA).date()
        self.next_ids = dict(slice_.first_ids)
        self.correlativos = dict(slice_.correlativos)
        self.fecha_limite_cache: dict[tuple[int, int], date] = {}
        self.overdue = 0
        self.receptions = self._receptions()

    def check_id_range(self) -> None:
        """A slice must not spill into the ids reserved for the next one."""
        if self.slice.id_limits is None:
            return
        for table, limit in self.slice.id_limits.items():
            if self.next_ids[table] > limit:
                raise RuntimeError(f"slice {self.slice.number} ran out of {table} ids")

    # -- reception times ----------------------------------------------------------------------

    def _receptions(self) -> Iterator[tuple[int, int, str, int, int]]:
        """(reception ts, sender index, canal, local year, local month) per document, in reception order."""
        rnd = self.rng.random
        entidades, others = self.remitentes.entidades, self.remitentes.others
        for day in self.slice.days:
            business_day, open_s, start = day.business_day, day.open_s, day.start
            of_the_day: list[tuple[int, int, str, int, int]] = []
            for _ in range(day.documentos):
                if entidades and rnd() < 0.08:
                    remitente = entidades[int(rnd() * len(entidades))]
                    r = rnd()
                    if r < 0.45:
                        canal = "interoperabilidad"
                    else:
                        canal = "virtual" if r < 0.8 or not business_day else "presencial"
                else:
                    # Skewed: a few frequent senders (gestores, companies) bring many documents.
                    remitente = others[int(len(others) * rnd() ** 1.7)]
                    r = rnd()
                    if r < 0.58 and business_day:
                        canal = "presencial"
                    else:
                        canal = "virtual" if r < 0.97 else "interoperabilidad"
                if canal == "presencial":
                    second = 8 * HOUR_S + 1800 + int(rnd() * 8 * HOUR_S)  # 08:30-16:30 at the counter
                elif rnd() < 0.85:
                    second = 7 * HOUR_S + int(rnd() * 14 * HOUR_S)
                else:
                    second = int(rnd() * DAY_S)
                if second >= open_s:
                    second = int(rnd() * open_s)
                of_the_day.append(
                    (start + second, remitente, canal, day.local_date.year, day.local_date.month)
                )
            of_the_day.sort(key=itemgetter(0))
            yield from of_the_day

    def _fecha_limite(self, ts: int, plazo: int) -> date:
        key = ((ts - _LIMA_OFFSET_S) // DAY_S, plazo)
        fecha_limite = self.fecha_limite_cache.get(key)
        if fecha_limite is None:
            fecha_limite = calcular_fecha_limite(datetime.fromtimestamp(ts, UTC), plazo)
            self.fecha_limite_cache[key] = fecha_limite
        return fecha_limite

    # -- documents ----------------------------------------------------------------------------

    def batch(self, count: int) -> tuple[list[Row], list[Row], list[Row], list[Row]]:
        """The next `count` documents with their derivaciones, anexos and historial."""
        ctx = self.ctx
        rng = self.rng
        rnd = rng.random
        log = math.log
        getrandbits = rng.getrandbits
        stamp = self.stamp
        fecha_limite_of = self._fecha_limite
        now = self.until_ts
        mp = ctx.mp_id
        destinos = ctx.destinos
        n_destinos = len(destinos)
        nearby_areas = ctx.nearby_areas
        usuarios_by_area = ctx.usuarios_by_area
        registradores = ctx.registradores
        indicaciones_principal, indicaciones_copia = ctx.indicaciones_principal, ctx.indicaciones_copia
        procedimientos = ctx.procedimientos
        tipos = ctx.tipos
        default_tipo = next(iter(tipos.values()))
        area_id_by_codigo = {codigo: id_ for id_, codigo in ctx.area_codigo.items()}
        area_by_tipo = {
            tipo: area_id_by_codigo[codigo]
            for tipo, codigo in _AREA_BY_TIPO.items()
            if area_id_by_codigo.get(codigo) in nearby_areas
        }
        remitente_ids = self.remitentes.ids
        remitente_kind = self.remitentes.kind
        remitente_sigla = self.remitentes.sigla
        correlativos = self.correlativos
        pairs = _PAIRS

        documentos: list[Row] = []
        derivaciones: list[Row] = []
        anexos: list[Row] = []
        eventos: list[list[Any]] = []  # [ts (the id once sorted), documento_id, ...]
        append_derivacion = derivaciones.append
        documento_id = self.next_ids["documentos"]
        derivacion_id = self.next_ids["derivaciones"]
        anexo_id = self.next_ids["anexos"]

        # Per-document state the helpers below read and update.
        estado = "registrado"
        last_stamp: EncodedTimestamp = None
        id_principal = origen = destino = enviado_por = 0
        indicacion: int | None = None
        prioridad = ""
        proveido: str | None = None
        plazo_derivacion: int | None = None
        limite_derivacion: date | None = None
        envio = last_stamp

        def wait(mean: float) -> int:
            """An exponential wait (random.expovariate without its Python-level overhead)."""
            return int(-log(1.0 - rnd()) * mean)

        def pick_usuario(area: int) -> int:
            usuarios = usuarios_by_area[area]
            return usuarios[int(rnd() * len(usuarios))]

        def transicion(
            ts: int, estado_nuevo: str, actor: int, area: int, detalle: str, evento: str = ""
        ) -> EncodedTimestamp:
            """Record an event that moves the document to `estado_nuevo`; returns the event's stamp."""
            nonlocal estado, last_stamp
            event_stamp = stamp(ts)
            eventos.append(
                [
                    ts,
                    documento_id,
                    evento or estado_nuevo,
                    actor,
                    area,
                    estado,
                    estado_nuevo,
                    detalle,
                    event_stamp,
                ]
            )
            estado, last_stamp = estado_nuevo, event_stamp
            return event_stamp

        def add_principal(
            estado_derivacion: str,
            receptor: int | None,
            recepcion: EncodedTimestamp,
            atencion: EncodedTimestamp,
            updated: EncodedTimestamp,
        ) -> None:
            append_derivacion(
                (
                    id_principal,
                    documento_id,
                    origen,
                    destino,
                    enviado_por,
                    receptor,
                    indicacion,
                    prioridad,
                    proveido,
                    estado_derivacion,
                    False,
                    envio,
                    recepcion,
                    atencion,
                    plazo_derivacion,
                    limite_derivacion,
                    envio,
                    updated,
                )
            )

        def add_copia(area: int, ts: int) -> None:
            """A derivación "para conocimiento" that travels beside the main one."""
            t_recepcion = ts + 300 + wait(8 * HOUR_S)
            indicacion_copia = indicaciones_copia[int(rnd() * len(indicaciones_copia))]
            if t_recepcion > now:
                estado_copia, receptor, recepcion, atencion = "pendiente", None, None, None
            else:
                receptor, recepcion = pick_usuario(area), stamp(t_recepcion)
                t_atencion = t_recepcion + HOUR_S + wait(2 * DAY_S)
                atencion = stamp(t_atencion) if t_atencion <= now and rnd() < 0.5 else None
                estado_copia = "atendida" if atencion else "recibida"
            append_derivacion(
                (
                    derivacion_id,
                    documento_id,
                    origen,
                    area,
                    enviado_por,
                    receptor,
                    indicacion_copia,
                    prioridad,
                    None,
                    estado_copia,
                    True,
                    envio,
                    recepcion,
                    atencion,
                    None,
                    None,
                    envio,
                    atencion or recepcion or envio,
                )
            )

        for t0, remitente, canal, anio, month in itertools.islice(self.receptions, count):
            fecha_recepcion = stamp(t0)
            correlativo = correlativos.get(anio, 0) + 1
            correlativos[anio] = correlativo
            numero_expediente = f"{anio}-{correlativo:06d}"
            codigo_verificacion = (
                pairs[int(rnd() * 1296)]
                + pairs[int(rnd() * 1296)]
                + pairs[int(rnd() * 1296)]
                + pairs[int(rnd() * 1296)]
            )
            kind = remitente_kind[remitente]
            registrador = registradores[int(rnd() * len(registradores))]
            prioridad = _PRIORIDADES[bisect(_PRIORIDAD_WEIGHTS, rnd())]

            procedimiento: tuple[int, str, int, int, str] | None = None
            if procedimientos and rnd() < (0.05 if kind == _ENTIDAD else 0.44):
                procedimiento = procedimientos[int(rnd() * len(procedimientos))]
                tipo_codigo = _TIPO_BY_PROCEDIMIENTO.get(procedimiento[1]) or (
                    "FUT" if rnd() < 0.5 else "SOL"
                )
            else:
                codigos, weights = _TIPOS_BY_KIND[kind]
                tipo_codigo = codigos[bisect(weights, rnd())]
            asunto = self._asunto(tipo_codigo, procedimiento, anio)
            if kind != _NATURAL or rnd() < 0.3:
                if tipo_codigo == "CED":
                    numero_documento: str | None = (
                        f"EXP. {rng.randrange(1, 30000):05d}-{anio}-0-1801-JR-CI-{rng.randrange(1, 40):02d}"
                    )
                else:
                    abbreviation = _ABBREVIATION_BY_TIPO.get(tipo_codigo, "DOCUMENTO")
                    numero_documento = (
                        f"{abbreviation} N° {rng.randrange(1, 2500):04d}-{anio}-{remitente_sigla[remitente]}"
                    )
            else:
                numero_documento = None
            folios = 1 + wait(8.0 if procedimiento else 4.0)
            fecha_limite = fecha_limite_of(t0, procedimiento[2]) if procedimiento else None
            target = _TARGET_ESTADOS[
                bisect(_TARGET_WITH_PROCEDIMIENTO if procedimiento else _TARGET_WITHOUT_PROCEDIMIENTO, rnd())
            ]

            estado = "registrado"
            last_stamp = fecha_recepcion
            eventos.append(
                [
                    t0,
                    documento_id,
                    "registrado",
                    registrador,
                    mp,
                    None,
                    "registrado",
                    f'{{"numero_expediente": "{numero_expediente}", "canal": "{canal}"}}',
                    fecha_recepcion,
                ]
            )
            area_actual = mp
            fecha_atencion: EncodedTimestamp = None
            observacion: str | None = None

            if target == "anulado" and rnd() < 0.5:
                t = t0 + 600 + wait(DAY_S)
                if t <= now:
                    observacion = cat.MOTIVOS_ANULACION[int(rnd() * len(cat.MOTIVOS_ANULACION))]
                    transicion(t, "anulado", registrador, mp, f'{{"motivo": "{observacion}"}}')
            elif target != "registrado":
                n_principales = 1 if target == "anulado" else 1 + bisect(_N_PRINCIPALES, rnd())
                origen, enviado_por = mp, registrador
                t = t0 + 600 + wait(3 * HOUR_S)
                previous_origen = mp
                devolucion = False
                for k in range(n_principales):
                    if t > now:
                        break
                    last = k == n_principales - 1
                    # The procedure's area first, back to the sender area after a devolución, else
                    # an area near the current one or any other.
                    if devolucion:
                        destino = previous_origen
                    elif k == 0:
                        if procedimiento is not None and procedimiento[3] in nearby_areas and rnd() < 0.8:
                            destino = procedimiento[3]
                        elif tipo_codigo in area_by_tipo and rnd() < 0.6:
                            destino = area_by_tipo[tipo_codigo]
                        else:
                            destino = destinos[int(rnd() * n_destinos)]
                    elif (
                        last
                        and procedimiento is not None
                        and procedimiento[3] != origen
                        and procedimiento[3] in nearby_areas
                        and rnd() < 0.5
                    ):
                        destino = procedimiento[3]
                    else:
                        near = nearby_areas.get(origen) or destinos
                        if rnd() < 0.5:
                            destino = near[int(rnd() * len(near))]
                        else:
                            destino = destinos[int(rnd() * n_destinos)]
                        if destino == origen:
                            destino = near[0] if near[0] != origen else mp
                    envio = stamp(t)
                    indicacion = indicaciones_principal[int(rnd() * len(indicaciones_principal))]
                    proveido = cat.PROVEIDOS[int(rnd() * len(cat.PROVEIDOS))] if rnd() < 0.8 else None
                    if rnd() < 0.3:
                        plazo_derivacion = _PLAZOS_DERIVACION[int(rnd() * len(_PLAZOS_DERIVACION))]
                        limite_derivacion = fecha_limite_of(t, plazo_derivacion)
                    else:
                        plazo_derivacion = limite_derivacion = None
                    id_principal = derivacion_id
                    derivacion_id += 1
                    n_copias = 0
                    if rnd() < 0.13:
                        seen = {origen, destino, mp}
                        for _ in range(2 if rnd() < 0.2 else 1):
                            area_copia = destinos[int(rnd() * n_destinos)]
                            if area_copia not in seen:
                                seen.add(area_copia)
                                add_copia(area_copia, t)
                                derivacion_id += 1
                                n_copias += 1
                    detalle = (
                        f'{{"derivacion_id": {id_principal}, "area_destino_id": {destino}, '
                        f'"copias": {n_copias}' + (', "devolucion": true}' if devolucion else "}")
                    )
                    transicion(t, "derivado", enviado_por, origen, detalle)
                    area_actual = destino

                    t_recepcion = t + 300 + wait(8 * HOUR_S)
                    if (last and target == "derivado") or t_recepcion > now:
                        add_principal("pendiente", None, None, None, envio)
                        break
                    if target == "anulado":
                        observacion = cat.MOTIVOS_ANULACION[int(rnd() * len(cat.MOTIVOS_ANULACION))]
                        anulacion = transicion(
                            t_recepcion, "anulado", registrador, mp, f'{{"motivo": "{observacion}"}}'
                        )
                        add_principal("anulada", None, None, None, anulacion)
                        area_actual = mp
                        break
                    receptor = pick_usuario(destino)
                    recepcion = transicion(
                        t_recepcion, "recibido", receptor, destino, f'{{"derivacion_id": {id_principal}}}'
                    )

                    if not last:
                        # The area works on it and routes it on (or, rarely, sends it back).
                        t_atencion = t_recepcion + HOUR_S + wait(3 * DAY_S)
                        if t_atencion > now:
                            add_principal("recibida", receptor, recepcion, None, recepcion)
                            break
                        atencion = stamp(t_atencion)
                        devolucion = k > 0 and rnd() < 0.03
                        if devolucion:
                            add_principal("devuelta", receptor, recepcion, None, atencion)
                        else:
                            add_principal("atendida", receptor, recepcion, atencion, atencion)
                        previous_origen = origen
                        origen, enviado_por, t = destino, receptor, t_atencion
                        continue

                    # The last main derivación: the receiving area works on the document.
                    t = t_recepcion
                    if target == "en_proceso" or (
                        target in ("atendido", "archivado", "observado") and rnd() < 0.5
                    ):
                        t_proceso = t + 600 + wait(6 * HOUR_S)
                        if t_proceso <= now:
                            transicion(t_proceso, "en_proceso", receptor, destino, "{}")
                            t = t_proceso
                    atendida: EncodedTimestamp = None
                    if target == "observado":
                        t_observacion = t + HOUR_S + wait(2 * DAY_S)
                        if t_observacion <= now:
                            observacion = cat.MOTIVOS_OBSERVACION[int(rnd() * len(cat.MOTIVOS_OBSERVACION))]
                            transicion(
                                t_observacion,
                                "observado",
                                receptor,
                                destino,
                                f'{{"motivo": "{observacion}"}}',
                            )
                    elif target in ("atendido", "archivado"):
                        t_atencion = t + HOUR_S + wait(6 * DAY_S)
                        if t_atencion <= now:
                            detalle = f'{{"derivacion_id": {id_principal}}}'
                            atendida = fecha_atencion = transicion(
                                t_atencion, "atendido", receptor, destino, detalle
                            )
                            t_archivo = t_atencion + HOUR_S + wait(5 * DAY_S)
                            if target == "archivado" and t_archivo <= now:
                                motivo = cat.MOTIVOS_ARCHIVO[int(rnd() * len(cat.MOTIVOS_ARCHIVO))]
                                transicion(
                                    t_archivo, "archivado", receptor, destino, f'{{"motivo": "{motivo}"}}'
                                )
                    if atendida is not None:
                        add_principal("atendida", receptor, recepcion, atendida, atendida)
                    else:
                        add_principal("recibida", receptor, recepcion, None, recepcion)

            if fecha_limite is not None and estado in _ESTADOS_ABIERTOS and fecha_limite < self.today:
                self.overdue += 1
            documentos.append(
                (
                    documento_id,
                    numero_expediente,
                    codigo_verificacion,
                    tipos.get(tipo_codigo, default_tipo),
                    numero_documento,
                    asunto,
                    folios,
                    remitente_ids[remitente],
                    procedimiento[0] if procedimiento else None,
                    canal,
                    prioridad,
                    estado,
                    area_actual,
                    registrador,
                    fecha_recepcion,
                    fecha_limite,
                    fecha_atencion,
                    observacion,
                    1,
                    fecha_recepcion,
                    last_stamp,
                )
            )

            # Attachments go in at the counter with the document.
            for _ in range(bisect(_N_ANEXOS, rnd())):
                base, content_type, ext = cat.ARCHIVOS[int(rnd() * len(cat.ARCHIVOS))]
                sha = f"{getrandbits(256):064x}"
                if ext == "pdf":
                    tamano_bytes, paginas = 20_000 + wait(600_000), 1 + wait(8)
                elif ext == "docx":
                    tamano_bytes, paginas = 15_000 + wait(80_000), None
                else:
                    tamano_bytes, paginas = 60_000 + wait(900_000), 1
                ruta = f"anexos/{anio}/{month:02d}/{sha}.{ext}"
                anexos.append(
                    (
                        anexo_id,
                        documento_id,
                        f"{base}.{ext}",
                        content_type,
                        tamano_bytes,
                        sha,
                        ruta,
                        paginas,
                        "procesado",
                        registrador,
                        fecha_recepcion,
                        fecha_recepcion,
                    )
                )
                anexo_id += 1
            documento_id += 1

        # Within a batch, historial ids follow event time, as an append-only log's would.
        eventos.sort(key=itemgetter(0))
        first_historial_id = self.next_ids["historial"]
        for i, evento in enumerate(eventos, start=first_historial_id):
            evento[0] = i
        historial: list[Row] = list(eventos)
        self.next_ids.update(
            documentos=documento_id,
            derivaciones=derivacion_id,
            anexos=anexo_id,
            historial=first_historial_id + len(eventos),
        )
        return documentos, derivaciones, anexos, historial

    def _asunto(self, tipo: str, procedimiento: tuple[int, str, int, int, str] | None, anio: int) -> str:
        rnd = self.rng.random

        def pick(options: Sequence[str]) -> str:
            return options[int(rnd() * len(options))]

        def place() -> str:
            return f"{pick(cat.VIAS)} {int(rnd() * 2900) + 1}, {pick(cat.DISTRITOS)}"

        n = int(rnd() * 900) + 1
        if procedimiento is not None and procedimiento[1] in _PROCEDIMIENTOS_DE_PREDIO:
            nombre = procedimiento[4][0].lower() + procedimiento[4][1:]
            r = rnd()
            if r < 0.4:
                asunto = f"Solicito {nombre} para {pick(cat.GIROS)} ubicado en {place()}"
            elif r < 0.7:
                asunto = f"Trámite de {nombre} del predio ubicado en {place()}"
            elif r < 0.9:
                asunto = f"Presento expediente de {nombre} ({pick(cat.GIROS)})"
            else:
                asunto = f"Subsanación de observaciones: {nombre}"
        elif procedimiento is not None and procedimiento[1] not in _TIPO_BY_PROCEDIMIENTO:
            nombre = procedimiento[4][0].lower() + procedimiento[4][1:]
            asunto = (
                f"Solicito {nombre}"
                if rnd() < 0.7
                else f"Trámite de {nombre}, expediente previo N° {n}-{anio}"
            )
        elif tipo in ("SOL", "FUT", "ESC", "CAR", "DJ", "EXP"):
            pedido = pick(cat.PEDIDOS).format(n=n, anio=anio, lugar=place(), distrito=pick(cat.DISTRITOS))
            asunto = f"Solicito {pedido}" if tipo != "CAR" or rnd() < 0.5 else f"Carta sobre {pedido}"
        elif tipo == "QUE":
            asunto = f"Queja por defecto de tramitación: {pick(cat.MOTIVOS_RECLAMO)}"
        elif tipo == "REC":
            asunto = f"Reclamo por {pick(cat.MOTIVOS_RECLAMO)}"
        elif tipo == "DEN":
            asunto = f"Denuncia por {pick(cat.INFRACCIONES)} en {place()}"
        elif tipo in ("RAP", "RRC"):
            recurso = "apelación" if tipo == "RAP" else "reconsideración"
            asunto = f"Interpongo recurso de {recurso} contra la Resolución Gerencial N° {n}-{anio}"
        elif tipo == "SAIP":
            asunto = (
                f"Solicito acceso a la información pública sobre {pick(cat.TEMAS).format(n=n, anio=anio)}"
            )
        elif tipo == "INV":
            asunto = f"Invitación a {pick(cat.EVENTOS)}"
        elif tipo in ("NOT", "CED"):
            asunto = f"Notificación sobre {pick(cat.TEMAS).format(n=n, anio=anio)}"
        else:
            asunto = f"Remito información sobre {pick(cat.TEMAS).format(n=n, anio=anio)}"
        if rnd() < 0.002:
            asunto += f", con referencia a {pick(cat.RAREZAS)}"
        return asunto
