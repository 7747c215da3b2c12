"""Reference data of the office: areas, tipos de documento, TUPA procedures, indicaciones, ISO lists.

The organisation chart is that of a typical Peruvian municipality (Ley 27972 structure: alta
dirección, órganos de asesoría, de apoyo and de línea). Currencies and countries come from
`pycountry` so that they follow ISO 4217 / ISO 3166 without a hand-kept copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import pycountry

AREA_MESA_PARTES = "MP"


@dataclass(frozen=True, slots=True)
class AreaData:
    codigo: str
    nombre: str
    sigla: str
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class TipoDocumentoData:
    codigo: str
    nombre: str


@dataclass(frozen=True, slots=True)
class ProcedimientoData:
    codigo: str
    nombre: str
    plazo_dias: int
    costo: Decimal
    area: str
    moneda: str = "PEN"


@dataclass(frozen=True, slots=True)
class IndicacionData:
    codigo: str
    nombre: str


@dataclass(frozen=True, slots=True)
class MonedaData:
    codigo: str
    nombre: str


@dataclass(frozen=True, slots=True)
class PaisData:
    codigo: str
    codigo_alpha3: str
    nombre: str


# Parents come before their children: the loader resolves `parent` in one pass.
AREAS: tuple[AreaData, ...] = (
    AreaData("ALC", "Alcaldía", "ALC"),
    AreaData("GM", "Gerencia Municipal", "GM", "ALC"),
    AreaData("OCI", "Órgano de Control Institucional", "OCI", "ALC"),
    AreaData("PPM", "Procuraduría Pública Municipal", "PPM", "ALC"),
    AreaData("SG", "Secretaría General", "SG", "GM"),
    AreaData(AREA_MESA_PARTES, "Mesa de Partes y Trámite Documentario", "MP", "SG"),
    AreaData("ARC", "Archivo Central", "AC", "SG"),
    AreaData("OCII", "Oficina de Comunicaciones e Imagen Institucional", "OCII", "SG"),
    AreaData("OAJ", "Oficina de Asesoría Jurídica", "OAJ", "GM"),
    AreaData("OPP", "Oficina de Planeamiento y Presupuesto", "OPP", "GM"),
    AreaData("OGA", "Oficina General de Administración", "OGA", "GM"),
    AreaData("LOG", "Unidad de Logística", "UL", "OGA"),
    AreaData("TES", "Unidad de Tesorería", "UT", "OGA"),
    AreaData("CON", "Unidad de Contabilidad", "UC", "OGA"),
    AreaData("RRHH", "Unidad de Recursos Humanos", "URH", "OGA"),
    AreaData("CPA", "Unidad de Control Patrimonial", "UCP", "OGA"),
    AreaData("OTI", "Oficina de Tecnologías de la Información", "OTI", "GM"),
    AreaData("OAC", "Oficina de Atención al Ciudadano y Transparencia", "OAC", "SG"),
    AreaData("GDU", "Gerencia de Desarrollo Urbano", "GDU", "GM"),
    AreaData("SGOP", "Subgerencia de Obras Privadas y Edificaciones", "SGOP", "GDU"),
    AreaData("SGCAT", "Subgerencia de Catastro y Habilitaciones Urbanas", "SGCHU", "GDU"),
    AreaData("GDE", "Gerencia de Desarrollo Económico", "GDE", "GM"),
    AreaData("SGLC", "Subgerencia de Licencias y Comercialización", "SGLC", "GDE"),
    AreaData("GAT", "Gerencia de Administración Tributaria", "GAT", "GM"),
    AreaData("SGFT", "Subgerencia de Fiscalización Tributaria", "SGFT", "GAT"),
    AreaData("EC", "Ejecutoría Coactiva", "EC", "GAT"),
    AreaData("GDS", "Gerencia de Desarrollo Social", "GDS", "GM"),
    AreaData("GSC", "Gerencia de Seguridad Ciudadana y Gestión del Riesgo", "GSCGR", "GM"),
    AreaData("SGTT", "Subgerencia de Tránsito y Transporte", "SGTT", "GSC"),
)

TIPOS_DOCUMENTO: tuple[TipoDocumentoData, ...] = (
    TipoDocumentoData("SOL", "Solicitud"),
    TipoDocumentoData("FUT", "Formulario Único de Trámite"),
    TipoDocumentoData("CAR", "Carta"),
    TipoDocumentoData("OFI", "Oficio"),
    TipoDocumentoData("OFM", "Oficio múltiple"),
    TipoDocumentoData("MEM", "Memorando"),
    TipoDocumentoData("INF", "Informe"),
    TipoDocumentoData("RES", "Resolución"),
    TipoDocumentoData("EXP", "Expediente"),
    TipoDocumentoData("ESC", "Escrito"),
    TipoDocumentoData("QUE", "Queja"),
    TipoDocumentoData("REC", "Reclamo"),
    TipoDocumentoData("DEN", "Denuncia"),
    TipoDocumentoData("RAP", "Recurso de apelación"),
    TipoDocumentoData("RRC", "Recurso de reconsideración"),
    TipoDocumentoData("SAIP", "Solicitud de acceso a la información pública"),
    TipoDocumentoData("DJ", "Declaración jurada"),
    TipoDocumentoData("INV", "Invitación"),
    TipoDocumentoData("NOT", "Notificación"),
    TipoDocumentoData("CED", "Cédula de notificación judicial"),
)

# Plazos in business days as a municipal TUPA states them (0 = automatic approval); costo in soles.
_TUPA: tuple[tuple[str, int, str, str], ...] = (
    ("Acceso a la información pública", 10, "0.10", "OAC"),
    ("Licencia de funcionamiento para establecimientos de riesgo bajo", 2, "139.40", "SGLC"),
    ("Licencia de funcionamiento para establecimientos de riesgo medio", 2, "166.20", "SGLC"),
    ("Licencia de funcionamiento para establecimientos de riesgo alto", 8, "361.90", "SGLC"),
    ("Autorización de anuncio publicitario", 5, "85.60", "SGLC"),
    ("Autorización temporal para el uso de la vía pública", 10, "52.30", "SGLC"),
    ("Autorización para espectáculos públicos no deportivos", 10, "118.00", "SGLC"),
    ("Licencia de edificación modalidad A (aprobación automática)", 0, "98.70", "SGOP"),
    ("Licencia de edificación modalidad B (aprobación con evaluación previa)", 15, "265.30", "SGOP"),
    ("Licencia de edificación modalidad C (evaluación por comisión técnica)", 25, "512.80", "SGOP"),
    ("Conformidad de obra y declaratoria de edificación", 10, "204.10", "SGOP"),
    ("Licencia de demolición total o parcial", 15, "233.50", "SGOP"),
    ("Certificado de parámetros urbanísticos y edificatorios", 5, "74.20", "SGCAT"),
    ("Certificado de compatibilidad de uso", 5, "45.90", "SGCAT"),
    ("Certificado de numeración de inmueble", 5, "38.60", "SGCAT"),
    ("Subdivisión de lote urbano", 10, "187.30", "SGCAT"),
    ("Habilitación urbana modalidad B", 20, "642.00", "SGCAT"),
    ("Visación de planos para prescripción adquisitiva de dominio", 10, "96.40", "SGCAT"),
    ("Constancia de posesión", 10, "57.80", "SGCAT"),
    ("Inspección técnica de seguridad en edificaciones de riesgo bajo o medio", 7, "168.70", "GSC"),
    ("Inspección técnica de seguridad en edificaciones de riesgo alto", 9, "604.10", "GSC"),
    ("Permiso de operación para vehículos menores (mototaxis)", 30, "71.50", "SGTT"),
    ("Reclamo contra la determinación de deuda tributaria", 30, "0", "GAT"),
    ("Prescripción de deuda tributaria", 30, "0", "GAT"),
    ("Fraccionamiento de deuda tributaria", 15, "0", "GAT"),
    ("Devolución o compensación de pagos indebidos", 30, "0", "GAT"),
    ("Suspensión del procedimiento de ejecución coactiva", 8, "0", "EC"),
    ("Reconocimiento e inscripción de organizaciones sociales", 15, "0", "GDS"),
    ("Copia certificada de documentos del archivo municipal", 3, "1.20", "ARC"),
    ("Constancia o certificado de trabajo", 5, "12.50", "RRHH"),
    ("Recurso de reconsideración", 30, "0", "OAJ"),
    ("Recurso de apelación", 30, "0", "OAJ"),
)
PROCEDIMIENTOS: tuple[ProcedimientoData, ...] = tuple(
    ProcedimientoData(f"TUPA-{numero:03d}", nombre, plazo, Decimal(costo), area)
    for numero, (nombre, plazo, costo, area) in enumerate(_TUPA, start=1)
)

INDICACIONES: tuple[IndicacionData, ...] = (
    IndicacionData("01", "Acción necesaria"),
    IndicacionData("02", "Estudio e informe"),
    IndicacionData("03", "Conocimiento y fines"),
    IndicacionData("04", "Formular respuesta"),
    IndicacionData("05", "Por corresponderle"),
    IndicacionData("06", "Proyectar dispositivo"),
    IndicacionData("07", "Firmar y/o revisar"),
    IndicacionData("08", "Archivar"),
    IndicacionData("09", "Para comentarios"),
    IndicacionData("10", "Coordinar"),
    IndicacionData("11", "Atender"),
    IndicacionData("12", "Revisar y opinar"),
    IndicacionData("13", "Trámite correspondiente"),
    IndicacionData("14", "Notificar al interesado"),
    IndicacionData("15", "Seguimiento y control"),
    IndicacionData("16", "Devolver al remitente"),
)

# Spanish names where users of this office read them; pycountry's English names elsewhere.
NOMBRES_MONEDA_ES = {
    "PEN": "Sol",
    "USD": "Dólar estadounidense",
    "EUR": "Euro",
}
NOMBRES_PAIS_ES = {
    "PE": "Perú",
    "AR": "Argentina",
    "BO": "Bolivia",
    "BR": "Brasil",
    "CL": "Chile",
    "CN": "China",
    "CO": "Colombia",
    "EC": "Ecuador",
    "ES": "España",
    "US": "Estados Unidos",
    "MX": "México",
    "VE": "Venezuela",
}


@lru_cache(maxsize=1)
def monedas() -> tuple[MonedaData, ...]:
    """Every ISO 4217 currency."""
    return tuple(
        MonedaData(c.alpha_3, NOMBRES_MONEDA_ES.get(c.alpha_3, c.name))
        for c in sorted(pycountry.currencies, key=lambda c: c.alpha_3)
    )


@lru_cache(maxsize=1)
def paises() -> tuple[PaisData, ...]:
    """Every ISO 3166-1 country."""
    return tuple(
        PaisData(c.alpha_2, c.alpha_3, NOMBRES_PAIS_ES.get(c.alpha_2, c.name))
        for c in sorted(pycountry.countries, key=lambda c: c.alpha_2)
    )
