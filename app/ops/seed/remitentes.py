"""Senders: people, companies and public bodies with unique, well-formed identity numbers (DNI, RUC
with its check digit, carné de extranjería, passport), names, e-mail, phone and address."""

from __future__ import annotations

import random
import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from app.ops.seed import catalog_data as cat
from app.ops.seed.context import SeedContext
from app.ops.seed.copy_binary import timestamp
from app.ops.seed.plan import LIMA
from app.ops.seed.rows import Row
from app.remitentes.identidad import ruc_check_digit

# Kinds of remitente: they send different tipos de documento.
NATURAL, EMPRESA, ENTIDAD = 0, 1, 2

_LETRAS = string.ascii_uppercase
_FOREIGN_PAISES = ("VE", "VE", "VE", "VE", "CO", "CO", "EC", "BO", "AR", "CL", "CN", "ES", "US", "MX")
_EMAIL_DOMAINS = ("gmail.com", "gmail.com", "gmail.com", "hotmail.com", "outlook.com", "yahoo.es")


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _slug(text: str) -> str:
    return "".join(ch for ch in _ascii(text).lower() if ch.isalnum())[:24] or "empresa"


def _initials(text: str) -> str:
    return "".join(p[0] for p in _ascii(text).upper().split() if p[0].isalpha() and len(p) > 2)[:6] or "X"


@dataclass(frozen=True)
class Remitentes:
    """What the document generator needs to know of the senders it may pick."""

    ids: list[int]
    kind: list[int]
    sigla: list[str]
    entidades: list[int]  # indexes of the public bodies
    others: list[int]  # indexes of everyone else


def generate_remitentes(
    ctx: SeedContext, count: int, seed: int, first_day: date
) -> tuple[list[Row], Remitentes]:
    """`count` new senders with unique (numero, tipo), none clashing with those already there."""
    rng = random.Random(f"{seed}/remitentes")
    rnd = rng.random
    used = set(ctx.existing_remitentes)
    created = timestamp(int(datetime.combine(first_day, datetime.min.time(), LIMA).timestamp()))
    next_id = ctx.max_ids["remitentes"] + 1
    names_by_gender = (cat.NOMBRES_MASCULINOS, cat.NOMBRES_FEMENINOS)
    ascii_names = {n: _ascii(n).lower() for n in (*names_by_gender[0], *names_by_gender[1], *cat.APELLIDOS)}
    rows: list[Row] = []
    ids: list[int] = []
    kinds: list[int] = []
    siglas: list[str] = []
    entidades: list[int] = []
    others: list[int] = []
    n_entidades = min(len(cat.ENTIDADES_PUBLICAS), max(1, count // 100))
    foreign = _FOREIGN_PAISES

    def unique_numero(tipo: str, make: Callable[[], str]) -> str:
        while True:
            numero = make()
            if (numero, tipo) not in used:
                used.add((numero, tipo))
                return numero

    def pasaporte() -> str:
        return _LETRAS[int(rnd() * 26)] + _LETRAS[int(rnd() * 26)] + f"{rng.randrange(10**7):07d}"

    def ruc(prefix: str) -> str:
        body = f"{prefix}{rng.randrange(10**8):08d}"
        return f"{body}{ruc_check_digit(body)}"

    def person_name() -> tuple[str, str, str]:
        """A full name, and the first name and first surname in lowercase ASCII."""
        names = names_by_gender[rnd() < 0.5]
        first = names[int(rnd() * len(names))]
        surname1 = cat.APELLIDOS[int(rnd() * len(cat.APELLIDOS))]
        surname2 = cat.APELLIDOS[int(rnd() * len(cat.APELLIDOS))]
        if rnd() < 0.55:
            second = names[int(rnd() * len(names))]
            full = f"{first} {second} {surname1} {surname2}"
        else:
            full = f"{first} {surname1} {surname2}"
        return full, ascii_names[first], ascii_names[surname1]

    def telefono() -> str | None:
        r = rnd()
        if r < 0.72:
            return f"9{rng.randrange(10**8):08d}"
        if r < 0.9:
            return f"(01) {rng.randrange(2_000_000, 8_000_000)}"
        return None

    def direccion() -> str | None:
        if rnd() < 0.15:
            return None
        via = cat.VIAS[int(rnd() * len(cat.VIAS))]
        distrito = cat.DISTRITOS[int(rnd() * len(cat.DISTRITOS))]
        return f"{via} {rng.randrange(1, 3000)}, {distrito}, Lima"

    for i in range(count):
        id_ = next_id + i
        pais = "PE"
        if i < n_entidades:
            kind = ENTIDAD
            nombre = cat.ENTIDADES_PUBLICAS[i]
            tipo_persona, tipo_doc = "juridica", "RUC"
            numero = unique_numero("RUC", lambda: ruc("20"))
            sigla = _initials(nombre)
            email: str | None = f"mesadepartes@{sigla.lower()}.gob.pe"
        else:
            r = rnd()
            if r < 0.30:
                kind, tipo_persona, tipo_doc = EMPRESA, "juridica", "RUC"
                prefix = cat.EMPRESA_PREFIJOS[int(rnd() * len(cat.EMPRESA_PREFIJOS))]
                base = cat.EMPRESA_NOMBRES[int(rnd() * len(cat.EMPRESA_NOMBRES))]
                suffix = cat.EMPRESA_SUFIJOS[int(rnd() * len(cat.EMPRESA_SUFIJOS))]
                nombre = f"{prefix} {base} {suffix}"
                numero = unique_numero("RUC", lambda: ruc("20"))
                sigla = _initials(f"{prefix} {base}")
                mailbox = ("contacto", "gerencia", "ventas", "administracion", "legal")[int(rnd() * 5)]
                email = f"{mailbox}@{_slug(base)}{rng.randrange(10, 99)}.com.pe" if rnd() < 0.9 else None
            else:
                kind = NATURAL
                tipo_persona = "natural"
                nombre, first_ascii, surname_ascii = person_name()
                if r < 0.86:
                    tipo_doc = "DNI"
                    numero = unique_numero("DNI", lambda: f"{rng.randrange(10_000_000, 80_000_000)}")
                elif r < 0.94:
                    tipo_doc = "RUC"  # persona natural con negocio
                    numero = unique_numero("RUC", lambda: ruc("10"))
                elif r < 0.98:
                    tipo_doc = "CE"
                    numero = unique_numero("CE", lambda: f"{rng.randrange(10**8, 10**9):09d}")
                    pais = foreign[int(rnd() * len(foreign))]
                else:
                    tipo_doc = "PASAPORTE"
                    numero = unique_numero("PASAPORTE", pasaporte)
                    pais = foreign[int(rnd() * len(foreign))]
                sigla = _initials(nombre)
                domain = _EMAIL_DOMAINS[int(rnd() * len(_EMAIL_DOMAINS))]
                email = (
                    f"{first_ascii}.{surname_ascii}{rng.randrange(1, 999)}@{domain}" if rnd() < 0.85 else None
                )
        row = (
            id_,
            tipo_persona,
            tipo_doc,
            numero,
            nombre,
            email,
            telefono(),
            direccion(),
            pais,
            created,
            created,
        )
        rows.append(row)
        ids.append(id_)
        kinds.append(kind)
        siglas.append(sigla)
        (entidades if kind == ENTIDAD else others).append(i)
    return rows, Remitentes(ids, kinds, siglas, entidades, others)
