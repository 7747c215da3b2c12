"""What happens to a document after registration, simulated: a chain of derivaciones from area to
area (with copies "para conocimiento" and the odd devolución), each one received and worked on,
until the document is observed, attended, archived or annulled, or until `until` stops it.
Every step writes its historial event, and every routing its derivación row.
"""

from __future__ import annotations

from bisect import bisect_right as bisect
from collections.abc import Callable
from datetime import date
from typing import Any, Protocol, TypeAlias

from app.ops.seed import catalog_data as cat
from app.ops.seed.context import ProcedimientoRow, SeedContext
from app.ops.seed.draws import cumulative, waits
from app.ops.seed.plan import DAY_S, HOUR_S
from app.ops.seed.rows import EncodedTimestamp, Row

# Where a document goes first when no procedure names the area.
_AREA_BY_TIPO = {
    "QUE": "OAC", "REC": "OAC", "SAIP": "OAC", "DEN": "SGFT", "RAP": "OAJ", "RRC": "OAJ", "CED": "PPM",
    "NOT": "OAJ", "OFI": "GM", "OFM": "GM", "INV": "ALC", "RES": "SG", "INF": "GM", "MEM": "GM",
}  # fmt: skip
_N_PRINCIPALES = cumulative((20, 30, 25, 15, 10))  # 1..5 main derivaciones
_PLAZOS_DERIVACION = (2, 3, 5, 5, 7, 10)

# What a document's life leaves on its row: estado, area_actual, fecha_atencion, observacion and
# the stamp of its last event (updated_at); then the next free derivación id.
Tramite: TypeAlias = tuple[str, int, EncodedTimestamp, str | None, EncodedTimestamp, int]


class Tramitar(Protocol):
    def __call__(
        self,
        id_documento: int,
        t0: int,
        fecha_recepcion: EncodedTimestamp,
        numero_expediente: str,
        canal: str,
        target: str,
        registrador: int,
        prioridad_documento: str,
        procedimiento: ProcedimientoRow | None,
        tipo_codigo: str,
    ) -> Tramite: ...


def tramitador(
    ctx: SeedContext,
    rnd: Callable[[], float],
    stamp: Callable[[int], EncodedTimestamp],
    fecha_limite_of: Callable[[int, int], date],
    now: int,
    eventos: list[list[Any]],
    derivaciones: list[Row],
    derivacion_id: int,
) -> Tramitar:
    """`tramitar` for one batch: it takes a document registered at `t0` towards `target`, appending
    its events to `eventos` (`[ts, documento_id, ...]`, numbered later) and its derivaciones, with
    ids from `derivacion_id` on, to `derivaciones`."""
    wait = waits(rnd)
    mp = ctx.mp_id
    destinos = ctx.destinos
    n_destinos = len(destinos)
    nearby_areas = ctx.nearby_areas
    usuarios_by_area = ctx.usuarios_by_area
    indicaciones_principal, indicaciones_copia = ctx.indicaciones_principal, ctx.indicaciones_copia
    area_id_by_codigo = {codigo: id_ for id_, codigo in ctx.area_codigo.items()}
    area_by_tipo = {
        tipo: area_id_by_codigo[codigo]
        for tipo, codigo in _AREA_BY_TIPO.items()
        if area_id_by_codigo.get(codigo) in nearby_areas
    }
    append_derivacion = derivaciones.append

    # Per-document state the helpers below read and update.
    documento_id = 0
    estado = "registrado"
    last_stamp: EncodedTimestamp = None
    id_principal = origen = destino = enviado_por = 0
    indicacion: int | None = None
    prioridad = ""
    proveido: str | None = None
    plazo_derivacion: int | None = None
    limite_derivacion: date | None = None
    envio = last_stamp

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

    def tramitar(
        id_documento: int,
        t0: int,
        fecha_recepcion: EncodedTimestamp,
        numero_expediente: str,
        canal: str,
        target: str,
        registrador: int,
        prioridad_documento: str,
        procedimiento: ProcedimientoRow | None,
        tipo_codigo: str,
    ) -> Tramite:
        nonlocal documento_id, prioridad, estado, last_stamp, derivacion_id
        nonlocal id_principal, origen, destino, enviado_por, indicacion, proveido, envio
        nonlocal plazo_derivacion, limite_derivacion
        documento_id, prioridad = id_documento, prioridad_documento

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
                            transicion(t_archivo, "archivado", receptor, destino, f'{{"motivo": "{motivo}"}}')
                if atendida is not None:
                    add_principal("atendida", receptor, recepcion, atendida, atendida)
                else:
                    add_principal("recibida", receptor, recepcion, None, recepcion)

        return estado, area_actual, fecha_atencion, observacion, last_stamp, derivacion_id

    return tramitar
