"""Email templates: a plain-text body and its HTML alternative per notification.

`string.Template` keeps them dependency-free; every value put into the HTML is escaped here, so
a subject typed by a citizen (`<script>`, `&`) reaches the inbox as text, never as markup. Only
fragments built by this module (`_Html`) are inserted as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape
from string import Template


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


_MARCO = Template(
    """<!DOCTYPE html>
<html lang="es"><head><meta charset="utf-8"><title>$titulo</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; color: #1f2933; line-height: 1.4">
<h2 style="color: #0b4f8a">$titulo</h2>
$cuerpo
<p style="color: #6b7280; font-size: 12px">Mesa de Partes — mensaje automático, no responda a este correo.</p>
</body></html>
"""
)
_FILA = Template('<tr><th align="left" style="padding: 2px 12px 2px 0">$campo</th><td>$valor</td></tr>')
_PIE_TEXTO = "\n--\nMesa de Partes — mensaje automático, no responda a este correo.\n"


def _ficha(filas: list[tuple[str, str]]) -> _Html:
    cuerpo = "\n".join(_html(_FILA, campo=campo, valor=valor) for campo, valor in filas)
    return _Html(f"<table>\n{cuerpo}\n</table>")


def _ficha_texto(filas: list[tuple[str, str]]) -> str:
    ancho = max(len(campo) for campo, _ in filas)
    return "\n".join(f"{campo + ':':<{ancho + 1}} {valor}" for campo, valor in filas)


# ---- registration: to the sender ------------------------------------------------------------

_TEXTO_REGISTRADO = Template(
    """Estimado(a) $remitente:

Su documento fue registrado en la Mesa de Partes.

$ficha

Consulte el estado de su trámite en:
$url
"""
)
_HTML_REGISTRADO = Template(
    """<p>Estimado(a) $remitente:</p>
<p>Su documento fue registrado en la Mesa de Partes.</p>
$ficha
<p>Consulte el estado de su trámite en: <a href="$url">$url</a></p>
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
) -> Correo:
    filas = [
        ("Expediente", numero_expediente),
        ("Código de verificación", codigo_verificacion),
        ("Fecha de recepción", fecha_recepcion),
        ("Asunto", asunto),
    ]
    titulo = f"Mesa de Partes — Expediente {numero_expediente} registrado"
    texto = _TEXTO_REGISTRADO.substitute(remitente=remitente, ficha=_ficha_texto(filas), url=url_seguimiento)
    cuerpo = _html(_HTML_REGISTRADO, remitente=remitente, ficha=_ficha(filas), url=url_seguimiento)
    return Correo(
        asunto=_una_linea(titulo),
        texto=texto + _PIE_TEXTO,
        html=_html(_MARCO, titulo=titulo, cuerpo=_Html(cuerpo)),
    )


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
) -> Correo:
    if es_copia:
        titulo = f"Mesa de Partes — Copia para conocimiento: expediente {numero_expediente}"
        introduccion = (
            f"{area_origen} envió a {area_destino} una copia del expediente {numero_expediente}, "
            "solo para su conocimiento: el trámite lo atiende otra área."
        )
    else:
        titulo = f"Mesa de Partes — Expediente {numero_expediente} derivado a {area_destino}"
        introduccion = (
            f"{area_origen} derivó a {area_destino} el expediente {numero_expediente} para su atención."
        )
    filas = [
        ("Expediente", numero_expediente),
        ("Asunto", asunto),
        ("De", area_origen),
        ("Para", area_destino + (" (copia para conocimiento)" if es_copia else "")),
        ("Indicación", indicacion or "—"),
        ("Proveído", proveido or "—"),
        ("Plazo", plazo),
        ("Prioridad", prioridad),
    ]
    texto = _TEXTO_DERIVADO.substitute(introduccion=introduccion, ficha=_ficha_texto(filas))
    cuerpo = _html(_HTML_DERIVADO, introduccion=introduccion, ficha=_ficha(filas))
    return Correo(
        asunto=_una_linea(titulo),
        texto=texto + _PIE_TEXTO,
        html=_html(_MARCO, titulo=titulo, cuerpo=_Html(cuerpo)),
    )


# ---- daily overdue alert: to the users of each area -----------------------------------------


@dataclass(frozen=True)
class FilaVencido:
    numero_expediente: str
    asunto: str
    fecha_limite: date
    dias_vencido: int


_TEXTO_VENCIDOS = Template(
    """$resumen

$tabla
$nota"""
)
_HTML_VENCIDOS = Template(
    """<p>$resumen</p>
<table border="1" cellspacing="0" cellpadding="4" style="border-collapse: collapse">
<thead><tr><th>Expediente</th><th>Asunto</th><th>Fecha límite</th><th>Días vencido</th></tr></thead>
<tbody>
$filas
</tbody>
</table>
<p>$nota</p>
"""
)
_FILA_VENCIDO = Template(
    '<tr><td>$expediente</td><td>$asunto</td><td>$fecha</td><td align="right">$dias</td></tr>'
)
_ASUNTO_CORTO = 80


def vencidos(*, area: str, fecha: date, total: int, filas: list[FilaVencido]) -> Correo:
    """`filas` are the most overdue first, at most the ones worth listing; `total` counts them all."""
    plural = "documento vencido" if total == 1 else "documentos vencidos"
    titulo = f"Mesa de Partes — {total} {plural} en {area} al {fecha:%d/%m/%Y}"
    resumen = f"{area} tiene {total} {plural} (abiertos y con la fecha límite pasada)."
    nota = (
        f"Se muestran los {len(filas)} más atrasados; el reporte de vencidos los lista todos.\n"
        if len(filas) < total
        else ""
    )
    filas_texto = [
        (f.numero_expediente, f"{f.fecha_limite:%d/%m/%Y}", str(f.dias_vencido), _recorte(f.asunto))
        for f in filas
    ]
    cabecera = ("Expediente", "Fecha límite", "Días", "Asunto")
    anchos = [max(len(c[i]) for c in [cabecera, *filas_texto]) for i in range(3)]
    tabla = "\n".join(
        f"{a:<{anchos[0]}}  {b:<{anchos[1]}}  {c:>{anchos[2]}}  {d}"
        for a, b, c, d in [cabecera, *filas_texto]
    )
    filas_html = "\n".join(
        _html(
            _FILA_VENCIDO,
            expediente=f.numero_expediente,
            asunto=_recorte(f.asunto),
            fecha=f"{f.fecha_limite:%d/%m/%Y}",
            dias=str(f.dias_vencido),
        )
        for f in filas
    )
    cuerpo = _html(_HTML_VENCIDOS, resumen=resumen, filas=_Html(filas_html), nota=nota.strip())
    return Correo(
        asunto=_una_linea(titulo),
        texto=_TEXTO_VENCIDOS.substitute(resumen=resumen, tabla=tabla + "\n", nota=nota) + _PIE_TEXTO,
        html=_html(_MARCO, titulo=titulo, cuerpo=_Html(cuerpo)),
    )


def _recorte(asunto: str) -> str:
    asunto = " ".join(asunto.split())
    return asunto if len(asunto) <= _ASUNTO_CORTO else asunto[: _ASUNTO_CORTO - 1] + "…"
