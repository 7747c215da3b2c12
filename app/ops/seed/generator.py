"""Rows made in Python for one slice of a load: documents in reception order, each with its
anexos, derivaciones and historial, simulated from seeded `random.Random`s. Senders come from
`remitentes`, arrivals from `recepciones`, asuntos from `asuntos`, and what happens to a document
after registration from `tramitacion`.

The same seed, `until` and slices give the same rows. Draws use `rnd()` and index arithmetic rather
than `random.choice` and friends: this is the load's hot loop, and their Python-level overhead shows.
"""

from __future__ import annotations

import itertools
import random
from bisect import bisect_right as bisect
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

from app.documentos.models import ESTADOS_ABIERTOS
from app.documentos.plazos import calcular_fecha_limite
from app.ops.seed import catalog_data as cat
from app.ops.seed.asuntos import TIPO_BY_PROCEDIMIENTO, asunto
from app.ops.seed.context import ProcedimientoRow, SeedContext
from app.ops.seed.copy_binary import timestamp
from app.ops.seed.draws import cumulative, waits
from app.ops.seed.plan import DAY_S, LIMA, Slice
from app.ops.seed.recepciones import recepciones
from app.ops.seed.remitentes import EMPRESA, ENTIDAD, NATURAL, Remitentes
from app.ops.seed.rows import Row
from app.ops.seed.tramitacion import tramitador

_LIMA_OFFSET_S = 5 * 3600
_ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_PAIRS = [a + b for a in _ALPHANUMERIC for b in _ALPHANUMERIC]

_TIPOS_BY_KIND: dict[int, tuple[tuple[str, ...], list[float]]] = {
    NATURAL: (
        ("SOL", "FUT", "ESC", "CAR", "QUE", "REC", "DEN", "RAP", "RRC", "SAIP", "DJ"),
        cumulative((30, 24, 8, 5, 5, 6, 5, 3, 3, 6, 5)),
    ),
    EMPRESA: (
        ("SOL", "CAR", "FUT", "EXP", "ESC", "REC", "RAP", "RRC", "SAIP", "DJ", "INV"),
        cumulative((24, 25, 10, 10, 5, 5, 4, 4, 3, 5, 5)),
    ),
    ENTIDAD: (
        ("OFI", "OFM", "INF", "MEM", "RES", "NOT", "CED", "INV"),
        cumulative((55, 14, 6, 3, 7, 6, 5, 4)),
    ),
}
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
_TARGET_WITHOUT_PROCEDIMIENTO = cumulative((0.5, 2.5, 2.5, 4.0, 2.0, 2.0, 38.0, 48.5))
_TARGET_WITH_PROCEDIMIENTO = cumulative((0.5, 5.0, 5.0, 10.5, 6.0, 1.5, 37.0, 34.5))
_N_ANEXOS = cumulative((30, 35, 20, 15))  # 0..3 anexos
_PRIORIDADES = ("normal", "alta", "baja", "urgente")
_PRIORIDAD_WEIGHTS = cumulative((80, 10, 6, 4))
# A set of plain strings: membership is tested once per document.
_ESTADOS_ABIERTOS = frozenset(estado.value for estado in ESTADOS_ABIERTOS)


class RowGenerator:
    """Deterministic rows for one slice of a load; documents come out in reception order."""

    def __init__(
        self,
        ctx: SeedContext,
        remitentes: Remitentes,
        slice_: Slice,
        seed: int,
        until: datetime,
    ) -> None:
        self.ctx = ctx
        self.remitentes = remitentes
        self.slice = slice_
        self.rng = random.Random(f"{seed}/{slice_.number}")
        self.until_ts = int(until.timestamp())
        self.today = until.astimezone(LIMA).date()
        self.next_ids = dict(slice_.first_ids)
        self.correlativos = dict(slice_.correlativos)
        self.fecha_limite_cache: dict[tuple[int, int], date] = {}
        self.overdue = 0
        self.receptions = recepciones(self.rng.random, slice_.days, remitentes)

    def check_id_range(self) -> None:
        """A slice must not spill into the ids reserved for the next one."""
        if self.slice.id_limits is None:
            return
        for table, limit in self.slice.id_limits.items():
            if self.next_ids[table] > limit:
                raise RuntimeError(f"slice {self.slice.number} ran out of {table} ids")

    def _fecha_limite(self, ts: int, plazo: int) -> date:
        key = ((ts - _LIMA_OFFSET_S) // DAY_S, plazo)
        fecha_limite = self.fecha_limite_cache.get(key)
        if fecha_limite is None:
            fecha_limite = calcular_fecha_limite(datetime.fromtimestamp(ts, UTC), plazo)
            self.fecha_limite_cache[key] = fecha_limite
        return fecha_limite

    def batch(self, count: int) -> tuple[list[Row], list[Row], list[Row], list[Row]]:
        """The next `count` documents with their derivaciones, anexos and historial."""
        ctx = self.ctx
        rng = self.rng
        rnd = rng.random
        wait = waits(rnd)
        getrandbits = rng.getrandbits
        stamp = timestamp
        fecha_limite_of = self._fecha_limite
        registradores, registrador_weights = ctx.registradores, ctx.registrador_weights
        procedimientos = ctx.procedimientos
        tipos = ctx.tipos
        default_tipo = next(iter(tipos.values()))
        remitente_ids = self.remitentes.ids
        remitente_kind = self.remitentes.kind
        remitente_sigla = self.remitentes.sigla
        correlativos = self.correlativos
        pairs = _PAIRS

        documentos: list[Row] = []
        derivaciones: list[Row] = []
        anexos: list[Row] = []
        eventos: list[list[Any]] = []  # [ts (the id once sorted), documento_id, ...]
        documento_id = self.next_ids["documentos"]
        derivacion_id = self.next_ids["derivaciones"]
        anexo_id = self.next_ids["anexos"]
        tramitar = tramitador(
            ctx, rnd, stamp, fecha_limite_of, self.until_ts, eventos, derivaciones, derivacion_id
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
            registrador = registradores[bisect(registrador_weights, rnd())]
            prioridad = _PRIORIDADES[bisect(_PRIORIDAD_WEIGHTS, rnd())]

            procedimiento: ProcedimientoRow | None = None
            if procedimientos and rnd() < (0.05 if kind == ENTIDAD else 0.44):
                procedimiento = procedimientos[int(rnd() * len(procedimientos))]
                tipo_codigo = TIPO_BY_PROCEDIMIENTO.get(procedimiento[1]) or ("FUT" if rnd() < 0.5 else "SOL")
            else:
                codigos, weights = _TIPOS_BY_KIND[kind]
                tipo_codigo = codigos[bisect(weights, rnd())]
            texto_asunto = asunto(rnd, tipo_codigo, procedimiento, anio)
            if kind != NATURAL or rnd() < 0.3:
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
            estado, area_actual, fecha_atencion, observacion, last_stamp, derivacion_id = tramitar(
                documento_id,
                t0,
                fecha_recepcion,
                numero_expediente,
                canal,
                target,
                registrador,
                prioridad,
                procedimiento,
                tipo_codigo,
            )

            if fecha_limite is not None and estado in _ESTADOS_ABIERTOS and fecha_limite < self.today:
                self.overdue += 1
            documentos.append(
                (
                    documento_id,
                    numero_expediente,
                    codigo_verificacion,
                    tipos.get(tipo_codigo, default_tipo),
                    numero_documento,
                    texto_asunto,
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
