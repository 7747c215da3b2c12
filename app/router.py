"""The /api/v1 router: every domain's router, in the order the API document lists them."""

from app.anexos.router import router as anexos
from app.cargos.router import router as cargos
from app.catalogos.router import router as catalogos
from app.core.routing import PrefixRouter, include
from app.derivaciones.router import router as derivaciones
from app.documentos.historial_router import router as historial
from app.documentos.router import router as documentos
from app.estadisticas.router import router as estadisticas
from app.integraciones.router import router as integraciones
from app.ops.router import router as admin
from app.remitentes.router import router as remitentes
from app.reportes.router import router as reportes
from app.seguimiento.router import router as seguimiento
from app.usuarios.auth_router import router as auth
from app.usuarios.router import router as usuarios

api_router = PrefixRouter(prefix="/api/v1")
for router in (
    auth,
    documentos,
    anexos,
    cargos,
    derivaciones,
    historial,
    remitentes,
    seguimiento,
    catalogos,
    estadisticas,
    usuarios,
    reportes,
    integraciones,
    admin,
):
    include(api_router, router)

# The API document's text for people (Spanish): its description and its tags, in the order of the
# desk's work (Swagger UI and ReDoc list the tags in this order). Every operation's tag is one of
# these (tests/test_openapi_documento.py).
DESCRIPCION_API = """\
API de la mesa de partes: registro de los documentos que ingresan, su derivación de área en área,
recepción, atención y archivo; consulta pública del estado de un expediente; cargos de recepción
en PDF, reportes en Excel, estadísticas e integraciones con otros sistemas.

**Autenticación.** Salvo la consulta pública de seguimiento, las listas de los catálogos y las sondas
de operación, cada operación exige un token: obténgalo con `POST /api/v1/auth/login` y envíelo en la
cabecera `Authorization: Bearer <token>` (botón «Authorize»).

**Roles.** `admin` administra catálogos, usuarios e integraciones y actúa sobre todo; `mesa_partes`
registra, deriva desde su área, observa y anula; `especialista` ve y tramita solo los documentos
derivados a su área; `auditor` lee todo y no modifica nada.

**Versiones.** Cada acción sobre un documento lleva la `version` que se leyó: si otro usuario lo
cambió antes, la respuesta es 409 y hay que volver a leerlo.

**Errores.** Toda respuesta de error es `application/problem+json` (RFC 9457): `detail` explica qué
pasó, en español, y `code` es un código estable para programas.

**Plazos.** Se cuentan en días hábiles (sin fines de semana ni feriados del Perú), según la fecha de
recepción en la oficina.
"""

OPENAPI_TAGS: list[dict[str, str]] = [
    {
        "name": "autenticación",
        "description": "Inicio de sesión del personal y datos de la cuenta en uso.",
    },
    {
        "name": "documentos",
        "description": "Registro de documentos en mesa de partes, búsqueda, detalle y corrección; su trámite "
        "(derivar, recibir, procesar, atender, archivar, observar, anular) y su historial.",
    },
    {
        "name": "anexos",
        "description": "Archivos adjuntos de un documento: subida, consulta y descarga.",
    },
    {
        "name": "derivaciones",
        "description": "Bandejas de cada área: lo derivado a ella y lo que envió; recepción de copias.",
    },
    {
        "name": "seguimiento",
        "description": "Consulta pública del estado de un expediente con su número y código de "
        "verificación, sin iniciar sesión y sin datos personales.",
    },
    {
        "name": "cargos",
        "description": "Cargo de recepción en PDF, con el código QR de la consulta pública de seguimiento.",
    },
    {
        "name": "catálogos",
        "description": "Áreas, tipos de documento, procedimientos del TUPA, indicaciones, monedas y países. "
        "Las listas son públicas; solo un administrador crea o modifica.",
    },
    {
        "name": "remitentes",
        "description": "Personas y entidades que presentan documentos: búsqueda por nombre o número "
        "de documento de identidad.",
    },
    {
        "name": "reportes",
        "description": "Reportes en Excel preparados en segundo plano: solicitud, avance y descarga.",
    },
    {
        "name": "estadísticas",
        "description": "Cifras de los documentos que el usuario puede ver: por estado, área, tipo y plazo.",
    },
    {
        "name": "integraciones",
        "description": "Sistemas externos que reciben documentos, y los envíos de cada documento a ellos.",
    },
    {
        "name": "auditoría",
        "description": "Historial de eventos de todos los documentos, para administradores y auditores.",
    },
    {
        "name": "usuarios",
        "description": "Cuentas del personal: alta, consulta y modificación (solo administradores).",
    },
    {
        "name": "operación",
        "description": "Estado del servicio para balanceadores y monitoreo, métricas de Prometheus y "
        "herramientas de rendimiento para administradores.",
    },
]
