"""Peruvian identity numbers: DNI (8 digits) and RUC (11 digits with a modulo-11 check digit)."""

from __future__ import annotations

import re

from app.remitentes.models import TipoDocumentoIdentidad

RUC_FACTORS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
RUC_PREFIXES = ("10", "15", "16", "17", "20")
_PATTERNS = {
    TipoDocumentoIdentidad.DNI: re.compile(r"^[0-9]{8}$"),
    TipoDocumentoIdentidad.RUC: re.compile(r"^[0-9]{11}$"),
    TipoDocumentoIdentidad.CE: re.compile(r"^[A-Z0-9]{8,12}$"),
    TipoDocumentoIdentidad.PASAPORTE: re.compile(r"^[A-Z0-9]{6,12}$"),
}


def ruc_check_digit(first_ten: str) -> int:
    total = sum(int(digit) * factor for digit, factor in zip(first_ten, RUC_FACTORS, strict=True))
    digit = 11 - total % 11
    return {10: 0, 11: 1}.get(digit, digit)


def ruc_is_valid(ruc: str) -> bool:
    return (
        len(ruc) == 11
        and ruc.isascii()
        and ruc.isdigit()
        and ruc[:2] in RUC_PREFIXES
        and ruc_check_digit(ruc[:10]) == int(ruc[10])
    )


def identity_number_error(tipo: TipoDocumentoIdentidad, numero: str) -> str | None:
    """Why `numero` is not a valid number of type `tipo`, or None when it is."""
    if not _PATTERNS[tipo].match(numero):
        expected = {
            TipoDocumentoIdentidad.DNI: "8 digits",
            TipoDocumentoIdentidad.RUC: "11 digits",
            TipoDocumentoIdentidad.CE: "8 to 12 letters or digits",
            TipoDocumentoIdentidad.PASAPORTE: "6 to 12 letters or digits",
        }[tipo]
        return f"a {tipo.value} has {expected}"
    if tipo is TipoDocumentoIdentidad.RUC and not ruc_is_valid(numero):
        return "RUC prefix or check digit is wrong"
    return None
