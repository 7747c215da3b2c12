"""The institution's identity (INSTITUCION_* settings): who the office is, printed on the receipt,
the emails, the public tracking page and the reports' headers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app.core.config import get_settings
from app.remitentes.identidad import ruc_is_valid

LOGO_EJEMPLO = Path(__file__).with_name("logo_ejemplo.png")
# The desk's name under the institution's, on the receipt, the emails and the page.
OFICINA = "Mesa de Partes"
_FIRMAS = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


@dataclass(frozen=True, slots=True)
class Institucion:
    nombre: str
    ruc: str
    direccion: str
    telefono: str
    email: str
    horario: str
    logo: Path
    logo_tipo: str  # image/png or image/jpeg

    @property
    def logo_bytes(self) -> bytes:
        return self.logo.read_bytes()


def _tipo_de_imagen(path: Path) -> str:
    try:
        cabecera = path.read_bytes()[:8]
    except OSError as exc:
        raise ValueError(f"INSTITUCION_LOGO cannot be read: {path} ({exc.strerror})") from exc
    for firma, tipo in _FIRMAS.items():
        if cabecera.startswith(firma):
            return tipo
    raise ValueError(f"INSTITUCION_LOGO must be a PNG or JPEG file: {path}")


@lru_cache(maxsize=1)
def institucion() -> Institucion:
    """The identity from the settings, checked once (a wrong RUC or logo fails at start, in
    `app.main`'s lifespan, rather than on the first receipt)."""
    settings = get_settings()
    if not ruc_is_valid(settings.institucion_ruc):
        raise ValueError(f"INSTITUCION_RUC is not a valid RUC (check digit): {settings.institucion_ruc}")
    logo = settings.institucion_logo or LOGO_EJEMPLO
    return Institucion(
        nombre=settings.institucion_nombre.strip(),
        ruc=settings.institucion_ruc,
        direccion=settings.institucion_direccion.strip(),
        telefono=settings.institucion_telefono.strip(),
        email=settings.institucion_email.strip(),
        horario=settings.institucion_horario.strip(),
        logo=logo,
        logo_tipo=_tipo_de_imagen(logo),
    )
