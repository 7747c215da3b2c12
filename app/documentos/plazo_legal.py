"""A document's legal deadline as people read it: "15/12/2026 (7 días hábiles)", or "Sin plazo
legal" when its procedure sets none (the receipt and the emails show it the same way)."""

from __future__ import annotations

from datetime import date, datetime

from app.core.office_time import format_date
from app.documentos.plazos import dias_habiles_entre, fecha_recepcion_efectiva

SIN_PLAZO_LEGAL = "Sin plazo legal"


def dias_habiles_del_plazo(recibido: datetime, fecha_limite: date) -> int:
    """The business days from the (effective) reception to `fecha_limite`: the plazo the date was
    computed with, counted from the stored date (so it matches the date even if the procedure's
    plazo changed since). Never negative (a date before the reception can only be a data fix)."""
    return max(0, dias_habiles_entre(fecha_recepcion_efectiva(recibido), fecha_limite))


def texto_dias_habiles(dias: int) -> str:
    return "1 día hábil" if dias == 1 else f"{dias} días hábiles"


def texto_fecha_limite(recibido: datetime, fecha_limite: date | None) -> str:
    """The deadline as "15/12/2026 (7 días hábiles)"; "Sin plazo legal" without one."""
    if fecha_limite is None:
        return SIN_PLAZO_LEGAL
    dias = dias_habiles_del_plazo(recibido, fecha_limite)
    return f"{format_date(fecha_limite)} ({texto_dias_habiles(dias)})"
