"""Named queries of the catalogs, users, integrations and senders: the unique keys checked on
every insert (conflict arbiters) and the sender search."""

from __future__ import annotations

from sqlalchemy import Executable, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalogos.models import Area, Indicacion, Procedimiento, TipoDocumento
from app.integraciones.models import Integracion
from app.ops.named_queries.builders import NamedQuery, unica
from app.ops.named_queries.muestreo import Muestra, scalar_or
from app.remitentes.models import Remitente, TipoDocumentoIdentidad
from app.usuarios.models import Usuario


async def _remitentes(session: AsyncSession, m: Muestra) -> Executable:
    nombre = await scalar_or(
        session, select(Remitente.nombre).where(Remitente.id == m.remitente_id), "quispe"
    )
    fragmento = str(nombre).split()[0][:6].lower()
    return (
        select(Remitente)
        .where(Remitente.nombre.ilike(f"%{fragmento}%"))
        .order_by(func.similarity(Remitente.nombre, fragmento).desc(), Remitente.id)
        .limit(20)
    )


CONSULTAS = (
    unica(
        "areas.alta", "POST /catalogos/areas (duplicate codigo → 409)", "uq_areas_codigo", Area, codigo="MP"
    ),
    unica(
        "tipos_documento.alta",
        "POST /catalogos/tipos-documento (duplicate codigo → 409)",
        "uq_tipos_documento_codigo",
        TipoDocumento,
        codigo="SOL",
    ),
    unica(
        "procedimientos.alta",
        "POST /catalogos/procedimientos (duplicate codigo → 409)",
        "uq_procedimientos_codigo",
        Procedimiento,
        codigo="TUPA-01",
    ),
    unica(
        "indicaciones.alta",
        "POST /catalogos/indicaciones (duplicate codigo → 409)",
        "uq_indicaciones_codigo",
        Indicacion,
        codigo="ACC",
    ),
    unica(
        "integraciones.alta",
        "POST/PATCH /integraciones (duplicate codigo → 409)",
        "uq_integraciones_codigo",
        Integracion,
        codigo="PIDE",
    ),
    unica(
        "usuarios.alta_username",
        "POST /usuarios (duplicate username → 409)",
        "uq_usuarios_username",
        Usuario,
        username="admin",
    ),
    unica(
        "usuarios.alta_email",
        "POST /usuarios (duplicate email → 409)",
        "uq_usuarios_email",
        Usuario,
        email="admin@mesa-partes.local",
    ),
    unica(
        "remitentes.upsert",
        "POST /documentos with an inline remitente (upsert by identity)",
        "uq_remitentes_identidad",
        Remitente,
        numero_documento_identidad="12345678",
        tipo_documento_identidad=TipoDocumentoIdentidad.DNI,
    ),
    NamedQuery("remitentes.busqueda", "GET /remitentes?q=", "ix_remitentes_nombre_trgm", _remitentes),
)
