"""Staff accounts and login."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, EmailStr, Field

from app.core.schemas import Booleano, Id, Nombre, ReadSchema, UpdateSchema, WriteSchema
from app.usuarios.models import Rol

Username = Annotated[str, Field(min_length=3, max_length=50, pattern=r"^[a-zA-Z0-9_.\-]+$")]
Password = Annotated[str, Field(min_length=8, max_length=128)]


class UsuarioRef(ReadSchema):
    id: int
    username: str
    nombre_completo: str


class Usuario(UsuarioRef):
    email: str
    rol: Rol
    area_id: int | None
    activo: bool


class UsuarioCreate(WriteSchema):
    # area_id 9: the demo data set's OAJ (app/ops/seed/catalog_data.py).
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "username": "jperez",
                    "email": "jperez@municipalidad.example.gob.pe",
                    "nombre_completo": "Juan Pérez Rojas",
                    "password": "Cambie-esta-clave-2026",
                    "rol": "especialista",
                    "area_id": 9,
                }
            ]
        }
    )

    username: Username
    email: EmailStr
    nombre_completo: Nombre
    password: Password
    rol: Rol
    area_id: Id | None = None
    activo: Booleano = True


class UsuarioUpdate(UpdateSchema):
    # area_id 6: the demo data set's MP (Mesa de Partes y Trámite Documentario).
    model_config = ConfigDict(json_schema_extra={"examples": [{"rol": "mesa_partes", "area_id": 6}]})
    nullable = frozenset({"area_id"})

    email: EmailStr | None = None
    nombre_completo: Nombre | None = None
    password: Password | None = None
    rol: Rol | None = None
    area_id: Id | None = None
    activo: Booleano | None = None


class LoginRequest(WriteSchema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"username": "admin", "password": "la-contraseña-de-admin"}]}
    )

    username: Annotated[str, Field(min_length=1, max_length=50)]
    password: Annotated[str, Field(min_length=1, max_length=128)]


class Token(ReadSchema):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    usuario: Usuario
