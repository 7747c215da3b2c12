"""Who may see and act on which documents.

The rule: an especialista of area X sees a document iff it is in X (`area_actual_id`) or some
routing of it went to X; every other role sees everything. The triggers of revision 0006 keep it
in the table `visibilidad`, one row per (area, document) it allows, so every check is a look-up
there: one document by `ix_visibilidad_documento_area`, a list page by the primary key
(area, fecha_recepcion, documento_id), which is the list's order (docs/indexes.md, "The
especialista's list").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, select, true
from sqlalchemy.orm import InstrumentedAttribute

from app.core.errors import Forbidden
from app.documentos.models import Documento, Visibilidad
from app.usuarios.models import Rol
from app.usuarios.permisos import exigir_escritura
from app.usuarios.principal import Principal


def filtro_visibilidad(usuario: Principal) -> ColumnElement[bool]:
    """Documents the user may see: an especialista only those routed to their area."""
    if usuario.rol is not Rol.ESPECIALISTA:
        return true()
    if usuario.area_id is None:
        return Documento.id.is_(None)
    return exists(
        select(Visibilidad.documento_id).where(
            Visibilidad.documento_id == Documento.id, Visibilidad.area_id == usuario.area_id
        )
    )


# A list's keyset: the (fecha_recepcion, id) it is ordered and paged by.
Orden = tuple[InstrumentedAttribute[datetime], InstrumentedAttribute[int]]


def _por_area(usuario: Principal) -> bool:
    return usuario.rol is Rol.ESPECIALISTA and usuario.area_id is not None


def visibles_en_lista(query: Select[Any], usuario: Principal) -> Select[Any]:
    """`query` (over documentos) narrowed to what the user may see, for a list paged by
    `orden_de_lista(usuario)`: an especialista's joined with the area's `visibilidad` rows, which
    PostgreSQL reads backward in key order, one page at a time, fetching each row's document by
    its id (or, when a selective filter finds few documents first, probes by
    `ix_visibilidad_documento_area`).

    The join is on the id alone: the row's fecha_recepcion is the document's (the triggers keep it
    so), but a second equality would make the planner multiply the selectivities of what is one
    condition, expect a single row and sort the whole area instead of reading one page."""
    if not _por_area(usuario):
        return query.where(filtro_visibilidad(usuario))
    return query.join(
        Visibilidad,
        and_(Visibilidad.area_id == usuario.area_id, Visibilidad.documento_id == Documento.id),
    )


def orden_de_lista(usuario: Principal) -> Orden:
    """The keyset of `visibles_en_lista(query, usuario)`: the same values as the document's
    (fecha_recepcion, id), taken from the visibility row so that the cursor is a range of its key."""
    if _por_area(usuario):
        return (Visibilidad.fecha_recepcion, Visibilidad.documento_id)
    return (Documento.fecha_recepcion, Documento.id)


def visibles(usuario: Principal) -> Select[Documento]:
    """The documents the user may see, as a statement to narrow down."""
    return select(Documento).where(filtro_visibilidad(usuario))


def exigir_area_actual(usuario: Principal, documento: Documento) -> None:
    """Acting on a document needs it to be in the user's area (admins act anywhere)."""
    exigir_escritura(usuario)
    if usuario.rol is Rol.ADMIN:
        return
    if usuario.area_id != documento.area_actual_id:
        raise Forbidden("El documento no está en su área.")
