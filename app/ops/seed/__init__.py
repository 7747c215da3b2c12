"""Seeding: catalogs, staff accounts, demo data and the bulk loader for benchmark-size data sets.

- `reference`: catalogs (`seed_catalogos`), the admin and staff accounts, the demo data set;
- `loader`: `seed_documentos`, COPY from one or several processes, and the failure cleanup;
- `schema`: dropping indexes and constraints before a large load and rebuilding them after it;
- `generator`: `RowGenerator`, a slice's documents with their anexos, derivaciones and historial, made
  with `remitentes` (senders), `recepciones` (arrivals), `asuntos` and `tramitacion` (each
  document's life after registration); `draws` and `rows`: fast random draws and the COPY row layout;
- `plan`, `context`: how a load is split, and what the generator needs from the database;
- `report`: `SeedReport`, phase timing and progress lines; `catalog_data`: the office's reference data.
"""

from app.ops.seed.loader import REBUILD_INDEXES_THRESHOLD, seed_documentos
from app.ops.seed.reference import (
    ALL_ESPECIALISTA_AREAS,
    DEMO_ESPECIALISTA_AREAS,
    StaffUser,
    ensure_admin,
    ensure_staff,
    seed_catalogos,
    seed_demo,
    staff_users,
)
from app.ops.seed.report import ProgressFn, SeedReport
from app.ops.seed.schema import count_secondary_indexes

__all__ = [
    "ALL_ESPECIALISTA_AREAS",
    "DEMO_ESPECIALISTA_AREAS",
    "REBUILD_INDEXES_THRESHOLD",
    "ProgressFn",
    "SeedReport",
    "StaffUser",
    "count_secondary_indexes",
    "ensure_admin",
    "ensure_staff",
    "seed_catalogos",
    "seed_demo",
    "seed_documentos",
    "staff_users",
]
