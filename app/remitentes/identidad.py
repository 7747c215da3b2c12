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
    """Why `numero` is not a valid number of type `tipo` (a Spanish sentence for people), or None."""
    if not _PATTERNS[tipo].match(numero):
        expected = {
            TipoDocumentoIdentidad.DNI: "El DNI debe tener 8 dígitos.",
            TipoDocumentoIdentidad.RUC: "El RUC debe tener 11 dígitos.",
            TipoDocumentoIdentidad.CE: "El carné de extranjería debe tener de 8 a 12 letras o dígitos.",
            TipoDocumentoIdentidad.PASAPORTE: "El pasaporte debe tener de 6 a 12 letras o dígitos.",
        }
        return expected[tipo]
    if tipo is TipoDocumentoIdentidad.RUC and not ruc_is_valid(numero):
        return "El RUC no es válido: revise sus dos primeros dígitos y el dígito verificador."
    return None
