"""Email templates: a plain-text body and its HTML alternative per notification, both framed by the
institution's identity (name and RUC on top; address, phone, email and office hours at the foot).

`string.Template` keeps them dependency-free; every value put into the HTML is escaped here, so
a subject typed by a citizen (`<script>`, `&`) reaches the inbox as text, never as markup. Only
fragments built by this module (`_Html`) are inserted as they are. The callers pass what people
read: words for codes, dates as dd/mm/yyyy and times followed by "(hora de Lima)".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape
from string import Template
from textwrap import fill

from app.core.office_time import format_date
from app.institucion.identidad import OFICINA, Institucion, institucion

NO_RESPONDER = "Mensaje automático: por favor, no responda a este correo."


@dataclass(frozen=True)
class Correo:
    asunto: str
    texto: str
    html: str


class _Html(str):
    """Markup built (and escaped) by this module: inserted into a template unescaped."""


def _html(template: Template, **values: str) -> str:
    return template.substitute(
        {key: value if isinstance(value, _Html) else escape(value) for key, value in values.items()}
    )


def _una_linea(value: str) -> str:
    """Header values cannot span lines (an area name with a newline must not break the subject)."""
    return " ".join(value.split())


# ---- the frame: the institution on top and at the foot ----------------------------------------

_MARCO = Template(
    """<!DOCTYPE html>
<html lang="es"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>$titulo</title></head>
<body style="margin: 0; padding: 0; background: #f3f4f6; font-family: Arial, Helvetica, sans-serif;
 color: #1f2933; line-height: 1.45">
<table role="presentation" width="100%" cellspacing="0" cellpadding="0" style="background: #f3f4f6">
<tr><td align="center" style="padding: 24px 12px">
<table role="presentation" width="600" cellspacing="0" cellpadding="0"
 style="max-width: 600px; width: 100%; background: #ffffff; border: 1px solid #d1d5db">
<tr><td style="background: #0b4f8a; color: #ffffff; padding: 16px 24px">
<div style="font-size: 18px; font-weight: bold">$institucion</div>
<div style="font-size: 13px">$oficina · RUC $ruc</div>
</td></tr>
<tr><td style="padding: 24px">
<h1 style="font-size: 20px; color: #0b4f8a; margin: 0 0 16px">$titulo</h1>
$cuerpo
</td></tr>
<tr><td style="padding: 16px 24px; background: #f9fafb; border-top: 1px solid #e5e7eb;
 font-size: 12px; color: #4b5563">
$pie
</td></tr>
</table>
</td></tr>
</table>
</body></html>
"""
)
_LINEA_PIE = Template('<p style="margin: 0 0 4px">$linea</p>')


def _lineas_pie(inst: Institucion) -> list[str]:
    contacto = " · ".join(
        parte
        for parte in (
            f"Teléfono: {inst.telefono}" if inst.telefono else "",
            f"Correo: {inst.email}" if inst.email else "",
        )
        if parte
    )
    lineas = [f"{inst.nombre} — RUC {inst.ruc}", inst.direccion, contacto]
    if inst.horario:
        lineas.append(f"Horario de atención: {inst.horario}")
    return [linea for linea in lineas if linea]


def _correo(asunto: str, titulo: str, texto: str, cuerpo_html: str) -> Correo:
    """The email with the institution's header and footer around the body (both parts)."""
    inst = institucion()
    pie = _lineas_pie(inst)
    cabecera_texto = f"{inst.nombre} — {OFICINA}\nRUC {inst.ruc}\n\n{titulo}\n{'=' * len(titulo)}\n\n"
    pie_texto = "\n--\n" + "\n".join([*pie, NO_RESPONDER]) + "\n"
    pie_html = "\n".join(_html(_LINEA_PIE, linea=linea) for linea in [*pie, NO_RESPONDER])
    return Correo(
        asunto=_una_linea(asunto),
        texto=cabecera_texto + texto.rstrip("\n") + "\n" + pie_texto,
        html=_html(
            _MARCO,
            titulo=titulo,
            institucion=inst.nombre,
            oficina=OFICINA,
            ruc=inst.ruc,
            cuerpo=_Html(cuerpo_html),
            pie=_Html(pie_html),
        ),
    )


_FILA = Template(
    '<tr><th align="left" valign="top" style="padding: 3px 12px 3px 0">$campo</th>'
    '<td style="padding: 3px 0">$valor</td></tr>'
)


def _ficha(filas: list[tuple[str, str]]) -> _Html:
    cuerpo = "\n".join(_html(_FILA, campo=campo, valor=valor) for campo, valor in filas)
    return _Html(f'<table role="presentation" cellspacing="0" cellpadding="0">\n{cuerpo}\n</table>')


def _ficha_texto(filas: list[tuple[str, str]]) -> str:
    ancho = max(len(campo) for campo, _ in filas)
    return "\n".join(f"{campo + ':':<{ancho + 1}} {valor}" for campo, valor in filas)


# ---- registration: to the sender ------------------------------------------------------------

_TEXTO_REGISTRADO = Template(
    """Estimado(a) $remitente:

$introduccion

$ficha

Consulte el estado de su trámite en:
$url
"""
)
_HTML_REGISTRADO = Template(
    """<p>Estimado(a) $remitente:</p>
<p>Su documento fue registrado en la Mesa de Partes de $institucion. Guarde este correo: con el
número de expediente y el código de verificación puede consultar el estado de su trámite.</p>
$ficha
<p style="margin: 24px 0 8px"><a href="$url" style="display: inline-block; background: #0b4f8a;
 color: #ffffff; padding: 10px 18px; text-decoration: none; border-radius: 4px; font-weight: bold"
>Consultar el estado de mi trámite</a></p>
<p style="font-size: 13px; color: #4b5563">O copie esta dirección en su navegador:
<a href="$url">$url</a></p>
"""
)


def registrado(
    *,
    numero_expediente: str,
    codigo_verificacion: str,
    fecha_recepcion: str,
    asunto: str,
    remitente: str,
    url_seguimiento: str,
    procedimiento: str | None,
    fecha_limite: str,
) -> Correo:
    """`fecha_recepcion`: "06/12/2026 18:44 (hora de Lima)"; `procedimiento`: "código — nombre";
    `fecha_limite`: "15/12/2026 (7 días hábiles)" or "Sin plazo legal"."""
    filas = [
        ("Expediente", numero_expediente),
        ("Código de verificación", codigo_verificacion),
        ("Fecha de recepción", fecha_recepcion),
        ("Asunto", asunto),
    ]
    if procedimiento:
        filas.append(("Procedimiento", procedimiento))
    filas.append(("Fecha límite de atención", fecha_limite))
    nombre = institucion().nombre
    introduccion = fill(
        f"Su documento fue registrado en la Mesa de Partes de {nombre}. Guarde este correo: con el "
        "número de expediente y el código de verificación puede consultar el estado de su trámite.",
        width=76,
    )
    texto = _TEXTO_REGISTRADO.substitute(
        remitente=remitente, introduccion=introduccion, ficha=_ficha_texto(filas), url=url_seguimiento
    )
    cuerpo = _html(
        _HTML_REGISTRADO,
        remitente=remitente,
        institucion=nombre,
        ficha=_ficha(filas),
        url=url_seguimiento,
    )
    titulo = f"Expediente {numero_expediente} registrado"
    return _correo(f"{OFICINA} — {titulo}", titulo, texto, cuerpo)


# ---- routing: to the users of each receiving area -------------------------------------------

_TEXTO_DERIVADO = Template(
    """$introduccion

$ficha
"""
)
_HTML_DERIVADO = Template(
    """<p>$introduccion</p>
$ficha
"""
)


def derivado(
    *,
    numero_expediente: str,
    asunto: str,
    area_origen: str,
    area_destino: str,
    es_copia: bool,
    indicacion: str | None,
    proveido: str | None,
    plazo: str,
    prioridad: str,
    estado: str,
    fecha_envio: str,
    procedimiento: str | None,
) -> Correo:
    """`prioridad` and `estado` are words ("Alta", "Pendiente de recepción"), `fecha_envio`
    "06/12/2026 18:44 (hora de Lima)", `plazo` the routing's own or the document's legal one."""
    if es_copia:
        titulo = f"Copia para conocimiento: expediente {numero_expediente}"
        introduccion = (
            f"{area_origen} envió a {area_destino} una copia del expediente {numero_expediente}, "
            "solo para su conocimiento: el trámite lo atiende otra área."
        )
    else:
        titulo = f"Expediente {numero_expediente} derivado a {area_destino}"
        introduccion = (
            f"{area_origen} derivó a {area_destino} el expediente {numero_expediente} para su atención."
        )
    filas = [
        ("Expediente", numero_expediente),
        ("Asunto", asunto),
        ("Procedimiento", procedimiento or "—"),
        ("De", area_origen),
        ("Para", area_destino + (" (copia para conocimiento)" if es_copia else "")),
        ("Enviado el", fecha_envio),
        ("Estado", estado),
        ("Indicación", indicacion or "—"),
        ("Proveído", proveido or "—"),
        ("Plazo", plazo),
        ("Prioridad", prioridad),
    ]
    texto = _TEXTO_DERIVADO.substitute(introduccion=introduccion, ficha=_ficha_texto(filas))
    cuerpo = _html(_HTML_DERIVADO, introduccion=introduccion, ficha=_ficha(filas))
    return _correo(f"{OFICINA} — {titulo}", titulo, texto, cuerpo)


# ---- daily overdue alert: to the users of each area -----------------------------------------


@dataclass(frozen=True)
class FilaVencido:
    numero_expediente: str
    asunto: str
    fecha_limite: date
    dias_atraso: int  # calendar days past the deadline (DIAS_ATRASO), as the overdue report counts
    estado: str = ""  # the word ("En proceso"), not the code


_TEXTO_VENCIDOS = Template(
    """$resumen

$tabla
$nota"""
)
_HTML_VENCIDOS = Template(
    """<p>$resumen</p>
<table border="1" cellspacing="0" cellpadding="4" style="border-collapse: collapse; font-size: 14px">
<thead><tr><th>Expediente</th><th>Asunto</th><th>Estado</th><th>Fecha límite</th>
<th>$dias_atraso</th></tr></thead>
<tbody>
$filas
</tbody>
</table>
<p>$nota</p>
"""
)
_FILA_VENCIDO = Template(
    "<tr><td>$expediente</td><td>$asunto</td><td>$estado</td><td>$fecha</td>"
    '<td align="right">$dias</td></tr>'
)
_ASUNTO_CORTO = 80
# The column's title, here and in the overdue report (app/reportes/listados.py): calendar days.
DIAS_ATRASO = "Días calendario de atraso"


def vencidos(*, area: str, fecha: date, total: int, filas: list[FilaVencido]) -> Correo:
    """`filas` are the most overdue first, at most the ones worth listing; `total` counts them all."""
    plural = "documento vencido" if total == 1 else "documentos vencidos"
    titulo = f"{total} {plural} en {area} al {format_date(fecha)}"
    resumen = f"{area} tiene {total} {plural} (abiertos y con la fecha límite pasada)."
    nota = (
        f"Se muestran los {len(filas)} más atrasados; el reporte de vencidos los lista todos.\n"
        if len(filas) < total
        else ""
    )
    filas_texto = [
        (
            f.numero_expediente,
            format_date(f.fecha_limite),
            str(f.dias_atraso),
            f.estado or "—",
            _recorte(f.asunto),
        )
        for f in filas
    ]
    cabecera = ("Expediente", "Fecha límite", DIAS_ATRASO, "Estado", "Asunto")
    anchos = [max(len(c[i]) for c in [cabecera, *filas_texto]) for i in range(4)]
    tabla = "\n".join(
        f"{a:<{anchos[0]}}  {b:<{anchos[1]}}  {c:>{anchos[2]}}  {d:<{anchos[3]}}  {e}"
        for a, b, c, d, e in [cabecera, *filas_texto]
    )
    filas_html = "\n".join(
        _html(
            _FILA_VENCIDO,
            expediente=f.numero_expediente,
            asunto=_recorte(f.asunto),
            estado=f.estado or "—",
            fecha=format_date(f.fecha_limite),
            dias=str(f.dias_atraso),
        )
        for f in filas
    )
    cuerpo = _html(
        _HTML_VENCIDOS, resumen=resumen, filas=_Html(filas_html), nota=nota.strip(), dias_atraso=DIAS_ATRASO
    )
    texto = _TEXTO_VENCIDOS.substitute(resumen=resumen, tabla=tabla + "\n", nota=nota)
    return _correo(f"{OFICINA} — {titulo}", titulo, texto, cuerpo)


def _recorte(asunto: str) -> str:
    asunto = " ".join(asunto.split())
    return asunto if len(asunto) <= _ASUNTO_CORTO else asunto[: _ASUNTO_CORTO - 1] + "…"
