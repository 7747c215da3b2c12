"""The asunto of a generated document: what a sender of its tipo asks for, about a place or a
procedure when it has one, in the words a real desk receives."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.ops.seed import catalog_data as cat
from app.ops.seed.context import ProcedimientoRow

# Procedures about a place (an establishment, a building, a plot): their asunto names one.
_PROCEDIMIENTOS_DE_PREDIO = frozenset(f"TUPA-{numero:03d}" for numero in range(2, 22))
# Procedures whose documents are of a tipo of their own (else a FUT or a solicitud).
TIPO_BY_PROCEDIMIENTO = {"TUPA-001": "SAIP", "TUPA-023": "REC", "TUPA-031": "RRC", "TUPA-032": "RAP"}


def asunto(rnd: Callable[[], float], tipo: str, procedimiento: ProcedimientoRow | None, anio: int) -> str:
    """One asunto, drawn from `rnd`."""

    def pick(options: Sequence[str]) -> str:
        return options[int(rnd() * len(options))]

    def place() -> str:
        return f"{pick(cat.VIAS)} {int(rnd() * 2900) + 1}, {pick(cat.DISTRITOS)}"

    n = int(rnd() * 900) + 1
    if procedimiento is not None and procedimiento[1] in _PROCEDIMIENTOS_DE_PREDIO:
        nombre = procedimiento[4][0].lower() + procedimiento[4][1:]
        r = rnd()
        if r < 0.4:
            texto = f"Solicito {nombre} para {pick(cat.GIROS)} ubicado en {place()}"
        elif r < 0.7:
            texto = f"Trámite de {nombre} del predio ubicado en {place()}"
        elif r < 0.9:
            texto = f"Presento expediente de {nombre} ({pick(cat.GIROS)})"
        else:
            texto = f"Subsanación de observaciones: {nombre}"
    elif procedimiento is not None and procedimiento[1] not in TIPO_BY_PROCEDIMIENTO:
        nombre = procedimiento[4][0].lower() + procedimiento[4][1:]
        texto = (
            f"Solicito {nombre}" if rnd() < 0.7 else f"Trámite de {nombre}, expediente previo N° {n}-{anio}"
        )
    elif tipo in ("SOL", "FUT", "ESC", "CAR", "DJ", "EXP"):
        pedido = pick(cat.PEDIDOS).format(n=n, anio=anio, lugar=place(), distrito=pick(cat.DISTRITOS))
        texto = f"Solicito {pedido}" if tipo != "CAR" or rnd() < 0.5 else f"Carta sobre {pedido}"
    elif tipo == "QUE":
        texto = f"Queja por defecto de tramitación: {pick(cat.MOTIVOS_RECLAMO)}"
    elif tipo == "REC":
        texto = f"Reclamo por {pick(cat.MOTIVOS_RECLAMO)}"
    elif tipo == "DEN":
        texto = f"Denuncia por {pick(cat.INFRACCIONES)} en {place()}"
    elif tipo in ("RAP", "RRC"):
        recurso = "apelación" if tipo == "RAP" else "reconsideración"
        texto = f"Interpongo recurso de {recurso} contra la Resolución Gerencial N° {n}-{anio}"
    elif tipo == "SAIP":
        texto = f"Solicito acceso a la información pública sobre {pick(cat.TEMAS).format(n=n, anio=anio)}"
    elif tipo == "INV":
        texto = f"Invitación a {pick(cat.EVENTOS)}"
    elif tipo in ("NOT", "CED"):
        texto = f"Notificación sobre {pick(cat.TEMAS).format(n=n, anio=anio)}"
    else:
        texto = f"Remito información sobre {pick(cat.TEMAS).format(n=n, anio=anio)}"
    if rnd() < 0.002:
        texto += f", con referencia a {pick(cat.RAREZAS)}"
    return texto
