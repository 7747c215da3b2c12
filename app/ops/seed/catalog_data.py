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


# ---------------------------------------------------------------------------------------------
# Vocabulary for generated data (demo and benchmark loads). Not catalogs: nothing reads these
# from the database; they only make generated senders and asuntos look like a real desk's.
# ---------------------------------------------------------------------------------------------

# fmt: off
NOMBRES_MASCULINOS: tuple[str, ...] = (
    "Juan", "José", "Luis", "Carlos", "Jorge", "Miguel", "César", "Víctor", "Manuel", "Pedro",
    "Julio", "Alberto", "Raúl", "Fernando", "Ricardo", "Eduardo", "Walter", "Héctor", "Alejandro",
    "Edwin", "Wilfredo", "Percy", "Segundo", "Jhon", "Kevin", "Brayan", "Diego", "Renzo", "Álvaro",
    "Christian",
)
NOMBRES_FEMENINOS: tuple[str, ...] = (
    "María", "Rosa", "Ana", "Carmen", "Juana", "Elena", "Luz", "Gladys", "Milagros", "Patricia",
    "Sonia", "Yolanda", "Norma", "Flor", "Maritza", "Roxana", "Lucía", "Sofía", "Valeria", "Camila",
    "Daniela", "Fiorella", "Katherine", "Marleny", "Rocío", "Susana", "Teresa", "Nelly", "Isabel",
    "Ximena",
)
APELLIDOS: tuple[str, ...] = (
    "Quispe", "Flores", "Sánchez", "Rodríguez", "García", "Rojas", "Mamani", "Huamán", "Chávez",
    "Ramírez", "Torres", "Vásquez", "Díaz", "Mendoza", "Castillo", "Ramos", "López", "Gonzales",
    "Espinoza", "Pérez", "Vargas", "Cruz", "Gutiérrez", "Reyes", "Fernández", "Castro", "Ruiz",
    "Condori", "Ccahuana", "Huanca", "Apaza", "Ticona", "Chambi", "Yupanqui", "Mayta", "Villanueva",
    "Salazar", "Paredes", "Romero", "Herrera", "Medina", "Aguilar", "Silva", "Morales", "Córdova",
    "Cárdenas", "Zapata", "Alvarado", "Benites", "Carrasco", "Palomino", "Tineo", "Llanos", "Ñahui",
    "Calderón", "Valdivia", "Pacheco", "Zevallos", "Cueva", "Inga",
)
EMPRESA_PREFIJOS: tuple[str, ...] = (
    "Constructora", "Inversiones", "Corporación", "Consorcio", "Comercializadora", "Distribuidora",
    "Transportes", "Servicios Generales", "Inmobiliaria", "Agroindustrias", "Consultora",
    "Grupo", "Textil", "Importaciones", "Ferretería", "Clínica", "Negociaciones", "Representaciones",
    "Minera", "Ingeniería y Proyectos", "Estación de Servicios", "Multiservicios", "Laboratorios",
    "Restaurante", "Hotel",
)
EMPRESA_NOMBRES: tuple[str, ...] = (
    "Los Andes", "del Sur", "Santa Rosa", "San Martín", "Inca", "del Pacífico", "Amazonas",
    "Huascarán", "Misti", "El Sol", "Nuevo Horizonte", "Miraflores", "Señor de los Milagros", "Kallpa",
    "Inti", "Wari", "Chavín", "Moche", "Paracas", "Titicaca", "Cóndor", "Vilcanota", "Mantaro",
    "Rímac", "Pachacámac", "Chan Chan", "Sipán", "Qhapaq Ñan", "San Judas Tadeo", "Virgen de la Candelaria",
    "Tres Hermanos", "Hermanos Quispe", "La Perla", "Costa Verde", "Sierra Azul", "Valle Sagrado",
    "Mi Perú", "Progreso", "Unión", "Del Norte",
)
# Repeated entries weigh the draw: most small Peruvian companies are S.A.C. or E.I.R.L.
EMPRESA_SUFIJOS: tuple[str, ...] = (
    "S.A.C.", "S.A.C.", "S.A.C.", "E.I.R.L.", "E.I.R.L.", "S.R.L.", "S.A.", "S.A.A.",
)
ENTIDADES_PUBLICAS: tuple[str, ...] = (
    "Gobierno Regional de Lima", "Municipalidad Metropolitana de Lima", "Municipalidad Distrital de Ate",
    "Municipalidad Distrital de Comas", "Municipalidad Distrital de San Juan de Lurigancho",
    "Superintendencia Nacional de Aduanas y de Administración Tributaria",
    "Superintendencia Nacional de los Registros Públicos", "Contraloría General de la República",
    "Defensoría del Pueblo", "Ministerio de Economía y Finanzas",
    "Ministerio de Vivienda, Construcción y Saneamiento",
    "Ministerio del Interior", "Ministerio de Salud", "Ministerio de Educación", "Poder Judicial del Perú",
    "Ministerio Público - Fiscalía de la Nación", "Policía Nacional del Perú - Comisaría Sectorial",
    "Servicio de Administración Tributaria de Lima", "Instituto Nacional de Defensa Civil",
    "Organismo de Evaluación y Fiscalización Ambiental", "Autoridad Nacional del Agua",
    "Registro Nacional de Identificación y Estado Civil", "Seguro Social de Salud",
    "Unidad de Gestión Educativa Local 05",
    "Dirección Regional de Salud Lima Este", "Servicio de Agua Potable y Alcantarillado de Lima",
    "Ministerio de Cultura", "Autoridad de Transporte Urbano para Lima y Callao",
)
DISTRITOS: tuple[str, ...] = (
    "Cercado de Lima", "San Juan de Lurigancho", "Ate", "Comas", "Los Olivos", "San Martín de Porres",
    "Villa El Salvador", "Villa María del Triunfo", "San Juan de Miraflores", "Santa Anita", "El Agustino",
    "La Victoria", "Breña", "Rímac", "Independencia", "Carabayllo", "Puente Piedra", "Chorrillos",
    "Surquillo", "Lince", "Jesús María", "Pueblo Libre", "Magdalena del Mar", "San Miguel", "Miraflores",
    "San Isidro", "Santiago de Surco", "La Molina", "Chaclacayo", "Lurigancho-Chosica",
)
VIAS: tuple[str, ...] = (
    "Av. Los Próceres", "Av. Túpac Amaru", "Jr. Junín", "Jr. Huallaga", "Av. Grau", "Av. Abancay",
    "Calle Los Pinos", "Calle Las Begonias", "Av. Próceres de la Independencia", "Jr. Ucayali",
    "Av. Universitaria", "Av. Naranjal", "Av. Perú", "Jr. Amazonas", "Psje. San Martín", "Av. Wiesse",
    "Av. Flores de Primavera", "Av. El Sol", "Jr. Cusco", "Av. Separadora Industrial", "Calle Los Cedros",
    "Av. Central", "Mz. B Lt. 12 A.H. Santa Rosa", "Mz. K Lt. 7 Urb. Los Jardines", "Av. Las Torres",
)
GIROS: tuple[str, ...] = (
    "bodega", "restaurante", "ferretería", "farmacia", "botica", "taller de mecánica automotriz",
    "academia preuniversitaria", "lavandería", "cabina de internet", "minimarket", "panadería",
    "consultorio odontológico", "vivienda unifamiliar", "edificio multifamiliar de cinco pisos",
    "local comercial", "almacén de productos no perecibles", "institución educativa privada", "hostal",
    "gimnasio", "peluquería y spa", "veterinaria", "librería y bazar", "óptica", "pollería", "chifa",
    "cevichería", "taller de carpintería metálica", "depósito de materiales de construcción",
    "playa de estacionamiento", "centro de salud privado",
)
PEDIDOS: tuple[str, ...] = (
    "copia certificada de la Resolución de Gerencia N° {n}-{anio}",
    "información sobre el estado de mi expediente",
    "duplicado del recibo de arbitrios municipales del año {anio}",
    "constancia de no adeudo tributario",
    "reprogramación de la inspección técnica programada",
    "audiencia con el Gerente Municipal",
    "apoyo social para gastos de sepelio",
    "autorización para actividad pro fondos en el parque zonal",
    "poda de árboles frente a mi domicilio en {lugar}",
    "instalación de reductores de velocidad en {lugar}",
    "limpieza del buzón de desagüe colapsado en {lugar}",
    "mantenimiento de áreas verdes del parque de {distrito}",
    "rectificación de datos en la declaración jurada de autoavalúo",
    "exoneración del pago de arbitrios por condición de pensionista",
    "nulidad de la papeleta de infracción N° {n}",
    "devolución de la garantía de fiel cumplimiento",
    "inscripción en el padrón de beneficiarios del Programa de Vaso de Leche",
    "certificado de posesión para trámite de servicios básicos",
    "ampliación de plazo para subsanar observaciones",
    "desistimiento del procedimiento iniciado",
    "cambio de titularidad del predio ubicado en {lugar}",
    "retiro de vehículo abandonado en {lugar}",
    "señalización de zona rígida en {lugar}",
    "evaluación de árbol en riesgo de caída en {lugar}",
    "reubicación de poste de alumbrado público en {lugar}",
)
INFRACCIONES: tuple[str, ...] = (
    "ruidos molestos", "construcción sin licencia", "ocupación indebida de la vía pública",
    "acumulación de basura y desmonte", "comercio ambulatorio no autorizado",
    "venta de bebidas alcohólicas a menores", "tala de árboles", "crianza de animales en la azotea",
    "obstrucción de la vereda", "quema de residuos sólidos",
    "funcionamiento de local sin licencia", "filtración de agua desde el inmueble vecino",
    "invasión de área de aporte", "taller de mecánica en la vía pública", "emisión de humos y olores",
)
MOTIVOS_RECLAMO: tuple[str, ...] = (
    "cobro indebido de arbitrios", "error en el cálculo del impuesto predial", "mala atención en ventanilla",
    "demora en la atención de mi solicitud", "deficiente recojo de residuos sólidos",
    "falta de alumbrado público", "doble cobro de derecho de trámite", "multa administrativa mal aplicada",
    "falta de respuesta a mi pedido", "daños ocasionados por obra municipal",
)
TEMAS: tuple[str, ...] = (
    "la ejecución del presupuesto participativo {anio}", "el plan de seguridad ciudadana {anio}",
    "la campaña de vacunación en la jurisdicción", "el cronograma de recojo de residuos sólidos",
    "las acciones de fiscalización realizadas en el mes", "la transferencia de partidas presupuestales",
    "el requerimiento de información por control concurrente", "el mantenimiento de pistas y veredas",
    "el convenio de cooperación interinstitucional", "la rendición de cuentas del ejercicio {anio}",
    "el proceso de selección CAS N° {n}-{anio}", "la actualización del catastro urbano",
    "la emergencia por lluvias intensas", "el simulacro nacional multipeligro",
    "la liquidación de la obra de saneamiento", "la programación de la feria agropecuaria",
    "el padrón de comerciantes del mercado", "la supervisión del Programa de Complementación Alimentaria",
    "la implementación del gobierno digital", "el informe de control específico N° {n}-{anio}",
)
EVENTOS: tuple[str, ...] = (
    "la ceremonia por el aniversario del distrito", "la mesa de trabajo sobre seguridad ciudadana",
    "el taller de formalización de negocios", "la audiencia pública de rendición de cuentas",
    "la feria de servicios del Estado", "la sesión del Comité Distrital de Seguridad Ciudadana",
)
# Words almost no asunto contains: a full-text search for them returns a handful of documents.
RAREZAS: tuple[str, ...] = (
    "hallazgo arqueológico prehispánico", "nidificación de lechuzas de campanario",
    "réplica del sismo en la quebrada", "palmeras ornamentales centenarias", "restos de un quipu",
    "guacamayos decomisados", "mural de la huaca", "colmena de abejas africanizadas",
    "meteorito caído en el arenal", "tortugas charapa en cautiverio", "zepelín publicitario",
    "órgano de tubos de la parroquia",
)
PROVEIDOS: tuple[str, ...] = (
    "Atender conforme a sus atribuciones.",
    "Evaluar y emitir informe técnico en el plazo de ley.",
    "Para su conocimiento y fines pertinentes.",
    "Proyectar respuesta al administrado.",
    "Se remite para opinión legal.",
    "Verificar el cumplimiento de requisitos del TUPA y notificar al administrado.",
    "Coordinar con la subgerencia competente y dar cuenta.",
    "Agregar al expediente principal.",
    "Priorizar: el plazo vence esta semana.",
    "Revisar los antecedentes y opinar.",
    "Programar inspección ocular.",
    "Elevar con proyecto de resolución.",
)
MOTIVOS_OBSERVACION: tuple[str, ...] = (
    "Falta copia del DNI del representante legal.",
    "No adjunta el comprobante de pago del derecho de trámite.",
    "Los planos no están firmados por profesional colegiado.",
    "La vigencia de poder tiene más de 30 días de antigüedad.",
    "No precisa la dirección del predio.",
    "Falta la declaración jurada de cumplimiento de condiciones de seguridad.",
    "El formulario está incompleto.",
)
MOTIVOS_ANULACION: tuple[str, ...] = (
    "Registro duplicado.",
    "Error en los datos del remitente.",
    "Desistimiento del administrado.",
    "Documento ingresado a la entidad equivocada.",
)
MOTIVOS_ARCHIVO: tuple[str, ...] = (
    "Trámite concluido.",
    "Atendido con oficio de respuesta.",
    "Abandono del procedimiento.",
    "Se agrega al expediente principal.",
)
ARCHIVOS: tuple[tuple[str, str, str], ...] = (
    # nombre base, content type, extensión
    ("solicitud_firmada", "application/pdf", "pdf"),
    ("documento_principal", "application/pdf", "pdf"),
    ("anexo", "application/pdf", "pdf"),
    ("plano_ubicacion", "application/pdf", "pdf"),
    ("memoria_descriptiva", "application/pdf", "pdf"),
    ("vigencia_poder", "application/pdf", "pdf"),
    ("comprobante_pago", "application/pdf", "pdf"),
    ("informe_tecnico", "application/pdf", "pdf"),
    ("dni_escaneado", "image/jpeg", "jpg"),
    ("foto_fachada", "image/jpeg", "jpg"),
    ("captura_pantalla", "image/png", "png"),
    (
        "declaracion_jurada",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
)
# fmt: on
