"""`verify_optimizations.py`: each optimization checked live against the configured services.

- `runner`: `Check`, the time limit of each, what a check needs from earlier ones, `in_thread`;
- `esquema`: the Alembic revision, drift from the models and the secondary indexes (shared with
  tests/test_schema.py);
- `base_datos`: database, indexes, index_usage, pg_stat_statements, slow_query_log, statement_budget;
- `cache`: redis, cache_hit;
- `colas`: broker, worker, queues, beat, flower;
- `api`: with `--api URL`, the same through a running API (api_livez, api_readyz, api_catalog_304,
  api_server_timing);
- `cli`: the arguments, the table and the JSON;
- `entorno`: what `setup_performance.sh` needs to know of the settings.
"""
