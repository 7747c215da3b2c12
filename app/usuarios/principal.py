"""Who makes a request: the principal the services act for, resolved without a database round
trip on most requests.

An access token names the user and carries a stamp of the password and the session version it was
issued under. The principal (role, area, whether the account is active, that stamp) is cached per
user in the `usuarios` namespace for the HOT tier; every change to an account invalidates the
namespace after its commit. A new password, a new role or área and a deactivation raise the session
version (`UsuarioService.actualizar`), so every token issued before stops working at the next
request in every process, and reactivating the account does not bring them back.
"""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, ConfigDict

from app.usuarios.models import Rol


class Principal(BaseModel):
    """What the services need to know of the user: who, which role, which area."""

    model_config = ConfigDict(frozen=True)

    id: int
    rol: Rol
    area_id: int | None


# Reads run as a principal; operator tooling (warm-up, named queries) uses these ones.
ADMINISTRADOR = Principal(id=0, rol=Rol.ADMIN, area_id=None)
AUDITOR = Principal(id=0, rol=Rol.AUDITOR, area_id=None)


def especialista_de(area_id: int) -> Principal:
    return Principal(id=0, rol=Rol.ESPECIALISTA, area_id=area_id)


class Cuenta(BaseModel):
    """The cached account behind a principal."""

    id: int
    rol: Rol
    area_id: int | None
    activo: bool
    sello: str

    def principal(self) -> Principal:
        return Principal(id=self.id, rol=self.rol, area_id=self.area_id)


def sello_de(password_hash: str, version_sesion: int) -> str:
    """A short stamp of the password and session version a token was issued under (never the hash
    itself)."""
    return hashlib.sha256(f"{version_sesion}:{password_hash}".encode()).hexdigest()[:16]
