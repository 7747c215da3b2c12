"""The statements the admin EXPLAIN endpoint may run, by name (never SQL from a client): one for
each of the 51 secondary indexes of `docs/indexes.md`, naming the index that serves it.

Endpoint statements are built by the same service code that serves the endpoint (list, tray and
audit queries with their ORDER BY and look-ahead LIMIT). Unique constraints are shown the way
PostgreSQL uses them on a write: as the arbiter of `INSERT … ON CONFLICT`. Rows marked planned in
`docs/indexes.md` are the statements the task-queue and integration features run. Parameter values
come from the data (`muestra`), chosen to be as selective as a real request's.

- `muestreo`: `Muestra` and `muestra()`, the parameter values read from the data;
- `builders`: `NamedQuery` and the ways to build its statement (an endpoint's first page, the
  insert a unique index arbitrates, a statement of the sample alone);
- `catalogos`, `documentos`, `envios`, `reportes`, `anexos`, `derivaciones`, `historial`: the
  statements served by each table's indexes, in the order `NAMED_QUERIES` lists them.
"""

from app.ops.named_queries import (
    anexos,
    catalogos,
    derivaciones,
    documentos,
    envios,
    historial,
    reportes,
)
from app.ops.named_queries.builders import Builder, NamedQuery
from app.ops.named_queries.muestreo import Muestra, muestra

NAMED_QUERIES: dict[str, NamedQuery] = {
    q.name: q
    for q in (
        *catalogos.CONSULTAS,
        *documentos.CONSULTAS,
        *envios.CONSULTAS,
        *reportes.CONSULTAS,
        *anexos.CONSULTAS,
        *derivaciones.CONSULTAS,
        *historial.CONSULTAS,
    )
}

__all__ = ["NAMED_QUERIES", "Builder", "Muestra", "NamedQuery", "muestra"]
