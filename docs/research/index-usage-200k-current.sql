-- EXPLAIN inputs for the 51 rows of docs/indexes.md (run with SET timezone = 'America/Lima').
-- The first statement of each row is the primary one; the others are variants.
-- Statements marked (app) were captured from the application's own service code (before_cursor_execute
-- listener, parameters inlined), so they are exactly what the app sends, bind values aside.
-- How they were run (run.py): each one as  EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) <stmt>  inside
-- BEGIN … ROLLBACK (INSERTs included; #29's INSERT with plain EXPLAIN: its FK target does not exist).
-- Data: seeded with  app.cli seed --documentos 200000  then VACUUM (ANALYZE).

-- ===== #1 uq_areas_codigo: SELECT id FROM areas WHERE codigo='MP' (registration without clerk area)
-- [uq_areas_codigo] select codigo=MP (app)
SELECT areas.id 
FROM areas 
WHERE areas.codigo = 'MP'::VARCHAR;

-- [uq_areas_codigo] INSERT ... ON CONFLICT (codigo) DO NOTHING
INSERT INTO areas (codigo, nombre, sigla) VALUES ('MP', 'dup', 'dup') ON CONFLICT (codigo) DO NOTHING;

-- ===== #2 ix_areas_parent_id: children of an area: WHERE parent_id=? (planned) / RESTRICT check
-- [ix_areas_parent_id] WHERE parent_id=2
SELECT * FROM areas WHERE parent_id = 2 ORDER BY nombre;

-- [ix_areas_parent_id] RI check form
SELECT 1 FROM ONLY public.areas x WHERE 2 OPERATOR(pg_catalog.=) parent_id FOR KEY SHARE OF x;

-- ===== #3 uq_tipos_documento_codigo: insert of a duplicate codigo (409)
-- [uq_tipos_documento_codigo] INSERT ... ON CONFLICT (codigo) DO NOTHING
INSERT INTO tipos_documento (codigo, nombre) SELECT codigo, nombre FROM tipos_documento WHERE id = 1 ON CONFLICT (codigo) DO NOTHING;

-- [uq_tipos_documento_codigo] select by codigo
SELECT id FROM tipos_documento WHERE codigo = (SELECT codigo FROM tipos_documento WHERE id = 1);

-- ===== #4 uq_procedimientos_codigo: insert of a duplicate TUPA codigo (409)
-- [uq_procedimientos_codigo] INSERT ... ON CONFLICT (codigo) DO NOTHING
INSERT INTO procedimientos (codigo, nombre, plazo_dias, area_id) VALUES ('TUPA-001', 'dup', 1, 1) ON CONFLICT (codigo) DO NOTHING;

-- [uq_procedimientos_codigo] select by codigo
SELECT id FROM procedimientos WHERE codigo = 'TUPA-001';

-- ===== #5 ix_procedimientos_area_id: TUPA procedures of an area (planned) / RESTRICT check
-- [ix_procedimientos_area_id] WHERE area_id=23
SELECT * FROM procedimientos WHERE area_id = 23 ORDER BY nombre;

-- [ix_procedimientos_area_id] RI check form
SELECT 1 FROM ONLY public.procedimientos x WHERE 23 OPERATOR(pg_catalog.=) area_id FOR KEY SHARE OF x;

-- ===== #6 uq_indicaciones_codigo: insert of a duplicate codigo (409)
-- [uq_indicaciones_codigo] INSERT ... ON CONFLICT (codigo) DO NOTHING
INSERT INTO indicaciones (codigo, nombre) SELECT codigo, nombre FROM indicaciones WHERE id = 1 ON CONFLICT (codigo) DO NOTHING;

-- [uq_indicaciones_codigo] select by codigo
SELECT id FROM indicaciones WHERE codigo = (SELECT codigo FROM indicaciones WHERE id = 1);

-- ===== #7 uq_integraciones_codigo: WHERE codigo=? (planned); duplicate (409) — table empty
-- [uq_integraciones_codigo] select by codigo
SELECT * FROM integraciones WHERE codigo = 'pide';

-- [uq_integraciones_codigo] INSERT ... ON CONFLICT (codigo) DO NOTHING
INSERT INTO integraciones (codigo, nombre, tipo, url, secreto) VALUES ('pide', 'PIDE', 'pide', 'https://x', 's') ON CONFLICT (codigo) DO NOTHING;

-- ===== #8 uq_usuarios_username: login: SELECT … FROM usuarios WHERE username=?
-- [uq_usuarios_username] login (app)
SELECT usuarios.username, usuarios.email, usuarios.nombre_completo, usuarios.password_hash, usuarios.rol, usuarios.area_id, usuarios.activo, usuarios.ultimo_acceso, usuarios.id, usuarios.created_at, usuarios.updated_at 
FROM usuarios 
WHERE usuarios.username = 'esp.sgcat'::VARCHAR;

-- [uq_usuarios_username] INSERT ... ON CONFLICT (username) DO NOTHING
INSERT INTO usuarios (username, email, nombre_completo, password_hash, rol) VALUES ('admin', 'x@y.z', 'x', 'x', 'admin') ON CONFLICT (username) DO NOTHING;

-- ===== #9 uq_usuarios_email: duplicate email (409); planned lookup by email
-- [uq_usuarios_email] INSERT ... ON CONFLICT (email) DO NOTHING
INSERT INTO usuarios (username, email, nombre_completo, password_hash, rol) VALUES ('nuevo', 'admin@mesa-partes.local', 'x', 'x', 'admin') ON CONFLICT (email) DO NOTHING;

-- [uq_usuarios_email] select by email
SELECT * FROM usuarios WHERE email = 'esp.sgcat@mesa-partes.local';

-- ===== #10 ix_usuarios_area_id: users of an area (planned notifications) / RESTRICT check
-- [ix_usuarios_area_id] WHERE area_id=21 AND activo
SELECT * FROM usuarios WHERE area_id = 21 AND activo;

-- [ix_usuarios_area_id] RI check form
SELECT 1 FROM ONLY public.usuarios x WHERE 21 OPERATOR(pg_catalog.=) area_id FOR KEY SHARE OF x;

-- ===== #11 uq_remitentes_identidad: POST /documentos inline remitente: INSERT … ON CONFLICT DO UPDATE (app)
-- [uq_remitentes_identidad] upsert (app)
INSERT INTO remitentes (tipo_persona, tipo_documento_identidad, numero_documento_identidad, nombre, email, telefono, direccion, pais_codigo) VALUES ('natural', 'DNI', '16422940'::VARCHAR, 'Raúl Cárdenas Benites'::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, 'PE'::VARCHAR) ON CONFLICT (numero_documento_identidad, tipo_documento_identidad) DO UPDATE SET email = coalesce(excluded.email, remitentes.email), telefono = coalesce(excluded.telefono, remitentes.telefono), direccion = coalesce(excluded.direccion, remitentes.direccion), pais_codigo = excluded.pais_codigo, updated_at = now() RETURNING remitentes.id;

-- [uq_remitentes_identidad] GET /remitentes?numero= (app)
SELECT remitentes.tipo_persona, remitentes.tipo_documento_identidad, remitentes.numero_documento_identidad, remitentes.nombre, remitentes.email, remitentes.telefono, remitentes.direccion, remitentes.pais_codigo, remitentes.id, remitentes.created_at, remitentes.updated_at 
FROM remitentes 
WHERE remitentes.numero_documento_identidad = '16422940'::VARCHAR ORDER BY remitentes.nombre, remitentes.id 
 LIMIT 20::INTEGER;

-- ===== #12 ix_remitentes_nombre_trgm: GET /remitentes?q=quispe (app)
-- [ix_remitentes_nombre_trgm] q=quispe (app)
SELECT remitentes.tipo_persona, remitentes.tipo_documento_identidad, remitentes.numero_documento_identidad, remitentes.nombre, remitentes.email, remitentes.telefono, remitentes.direccion, remitentes.pais_codigo, remitentes.id, remitentes.created_at, remitentes.updated_at 
FROM remitentes 
WHERE remitentes.nombre ILIKE '%quispe%'::VARCHAR ESCAPE '\' ORDER BY similarity(remitentes.nombre, 'quispe'::VARCHAR) DESC, remitentes.id 
 LIMIT 20::INTEGER;

-- [ix_remitentes_nombre_trgm] q=raul
SELECT remitentes.tipo_persona, remitentes.tipo_documento_identidad, remitentes.numero_documento_identidad, remitentes.nombre, remitentes.email, remitentes.telefono, remitentes.direccion, remitentes.pais_codigo, remitentes.id, remitentes.created_at, remitentes.updated_at 
FROM remitentes 
WHERE remitentes.nombre ILIKE '%raul%'::VARCHAR ESCAPE '\' ORDER BY similarity(remitentes.nombre, 'raul'::VARCHAR) DESC, remitentes.id 
 LIMIT 20::INTEGER;

-- ===== #13 uq_documentos_numero_expediente: GET /seguimiento: WHERE numero_expediente=? (app)
-- [uq_documentos_numero_expediente] seguimiento (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_1, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_2, areas_1.created_at AS created_at_2, areas_1.updated_at AS updated_at_2 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.numero_expediente = '2026-021637'::VARCHAR;

-- ===== #14 ix_documentos_idempotency_key: POST /documentos with Idempotency-Key: replay lookup (app)
-- [ix_documentos_idempotency_key] idempotency lookup (app)
SELECT documentos.id 
FROM documentos 
WHERE documentos.idempotency_key = '2:key-12345678'::VARCHAR;

-- ===== #15 ix_documentos_fecha_recepcion_id: GET /documentos first page, newest first (app)
-- [ix_documentos_fecha_recepcion_id] no filter (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE true ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_documentos_fecha_recepcion_id] cursor (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE (documentos.fecha_recepcion, documentos.id) < ('2026-11-13T20:53:07+00:00'::timestamptz::TIMESTAMP WITH TIME ZONE, 198000::INTEGER) ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_documentos_fecha_recepcion_id] sort asc (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE true ORDER BY documentos.fecha_recepcion ASC, documentos.id ASC 
 LIMIT 21::INTEGER;

-- [ix_documentos_fecha_recepcion_id] fecha range 30d (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.fecha_recepcion >= '2026-10-24T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE AND documentos.fecha_recepcion < '2026-11-24T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_documentos_fecha_recepcion_id] estadisticas 30d: por_estado (app)
SELECT documentos.estado, count(*) AS count_1 
FROM documentos 
WHERE documentos.fecha_recepcion >= '2026-10-24T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE AND documentos.fecha_recepcion < '2026-11-24T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE GROUP BY documentos.estado ORDER BY documentos.estado;

-- [ix_documentos_fecha_recepcion_id] estadisticas 30d: por_mes (app)
SELECT to_char(date_trunc('month'::VARCHAR, documentos.fecha_recepcion), 'YYYY-MM'::VARCHAR) AS to_char_1, count(*) AS count_1 
FROM documentos 
WHERE documentos.fecha_recepcion >= '2026-10-24T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE AND documentos.fecha_recepcion < '2026-11-24T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE GROUP BY to_char(date_trunc('month'::VARCHAR, documentos.fecha_recepcion), 'YYYY-MM'::VARCHAR) ORDER BY to_char(date_trunc('month'::VARCHAR, documentos.fecha_recepcion), 'YYYY-MM'::VARCHAR);

-- ===== #16 ix_documentos_estado_fecha: GET /documentos?estado=registrado (app)
-- [ix_documentos_estado_fecha] estado=registrado (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.estado IN ('registrado') ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_documentos_estado_fecha] estado=derivado (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.estado IN ('derivado') ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- ===== #17 ix_documentos_area_estado_fecha: GET /documentos?area_id=21&estado=recibido (app)
-- [ix_documentos_area_estado_fecha] area 21 + recibido (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.estado IN ('recibido') AND documentos.area_actual_id = 21::BIGINT ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_documentos_area_estado_fecha] newest doc's area (6) + recibido (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.estado IN ('recibido') AND documentos.area_actual_id = 6::BIGINT ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- ===== #18 ix_documentos_area_fecha: GET /documentos?area_id=21 (app)
-- [ix_documentos_area_fecha] area_id=21 (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.area_actual_id = 21::BIGINT ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_documentos_area_fecha] area_id=6 newest doc's area (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.area_actual_id = 6::BIGINT ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_documentos_area_fecha] especialista area 21 visibility (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.area_actual_id = 21::BIGINT OR (EXISTS (SELECT derivaciones.id 
FROM derivaciones 
WHERE derivaciones.documento_id = documentos.id AND derivaciones.area_destino_id = 21::BIGINT)) ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- ===== #19 ix_documentos_remitente_fecha: GET /documentos?remitente_id=21625 (app)
-- [ix_documentos_remitente_fecha] remitente (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.remitente_id = 21625::BIGINT ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- ===== #20 ix_documentos_tipo_fecha: GET /documentos?tipo_documento_id=1 (newest doc's tipo, 32% of rows) (app)
-- [ix_documentos_tipo_fecha] tipo=1 common (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.tipo_documento_id = 1::BIGINT ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_documentos_tipo_fecha] tipo=6 rare (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.tipo_documento_id = 6::BIGINT ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- ===== #21 ix_documentos_procedimiento_id: GET /documentos?procedimiento_id=21 (app)
-- [ix_documentos_procedimiento_id] procedimiento=21 (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.procedimiento_id = 21::BIGINT ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_documentos_procedimiento_id] RI check form
SELECT 1 FROM ONLY public.documentos x WHERE 21 OPERATOR(pg_catalog.=) procedimiento_id FOR KEY SHARE OF x;

-- ===== #22 ix_documentos_registrado_por_fecha: GET /documentos?registrado_por_id=2 (the only clerk in the seed) (app)
-- [ix_documentos_registrado_por_fecha] registrado_por=2 (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.registrado_por_id = 2::BIGINT ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_documentos_registrado_por_fecha] registrado_por=1 (no rows) (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.registrado_por_id = 1::BIGINT ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_documentos_registrado_por_fecha] RI check form
SELECT 1 FROM ONLY public.documentos x WHERE 1 OPERATOR(pg_catalog.=) registrado_por_id FOR KEY SHARE OF x;

-- ===== #23 ix_documentos_canal_fecha: GET /documentos?canal=interoperabilidad&fecha_desde=-7d (app)
-- [ix_documentos_canal_fecha] interop + 7d (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.fecha_recepcion >= '2026-11-16T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE AND documentos.canal = 'interoperabilidad' ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_documentos_canal_fecha] virtual + 30d (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.fecha_recepcion >= '2026-10-24T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE AND documentos.canal = 'virtual' ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_documentos_canal_fecha] interop, no date (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.canal = 'interoperabilidad' ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- ===== #24 ix_documentos_vencimiento: GET /documentos?vencidos=true (app)
-- [ix_documentos_vencimiento] vencidos=true (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.estado IN ('registrado', 'derivado', 'recibido', 'en_proceso', 'observado') AND coalesce(documentos.fecha_limite < CURRENT_DATE, false::BOOLEAN) ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_documentos_vencimiento] doc'd predicate: fecha_limite < current_date, no coalesce
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.estado IN ('registrado', 'derivado', 'recibido', 'en_proceso', 'observado') AND documentos.fecha_limite < CURRENT_DATE ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- ===== #25 ix_documentos_prioritarios: GET /documentos?prioridad=alta&prioridad=urgente&estado=<5 open> (app)
-- [ix_documentos_prioritarios] alta,urgente + 5 open (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.estado IN ('registrado', 'derivado', 'recibido', 'en_proceso', 'observado') AND documentos.prioridad IN ('alta', 'urgente') ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_documentos_prioritarios] alta,urgente + 3 open (app, as named_queries)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.estado IN ('registrado', 'derivado', 'recibido') AND documentos.prioridad IN ('alta', 'urgente') ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- ===== #26 ix_documentos_atendidos: attended in a date range (planned report)
-- [ix_documentos_atendidos] fecha_atencion in Oct 2026
SELECT id, numero_expediente, fecha_recepcion, fecha_atencion FROM documentos WHERE fecha_atencion >= '2026-10-01 00:00-05' AND fecha_atencion < '2026-11-01 00:00-05' ORDER BY fecha_atencion;

-- [ix_documentos_atendidos] fecha_atencion one week
SELECT id, numero_expediente, fecha_recepcion, fecha_atencion FROM documentos WHERE fecha_atencion >= '2026-11-09 00:00-05' AND fecha_atencion < '2026-11-16 00:00-05' ORDER BY fecha_atencion;

-- ===== #27 ix_documentos_busqueda: GET /documentos?q= (app)
-- [ix_documentos_busqueda] q=edificaciones (named_queries' word, 10k docs) (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.busqueda @@ websearch_to_tsquery('spanish'::REGCONFIG, unaccent('edificaciones'::VARCHAR)) ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_documentos_busqueda] q=solicitud common (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.busqueda @@ websearch_to_tsquery('spanish'::REGCONFIG, unaccent('solicitud'::VARCHAR)) ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_documentos_busqueda] q=tortuga rare (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.busqueda @@ websearch_to_tsquery('spanish'::REGCONFIG, unaccent('tortuga'::VARCHAR)) ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- ===== #28 ix_documentos_numero_documento_trgm: GET /documentos?numero_documento=001-2026 (app)
-- [ix_documentos_numero_documento_trgm] 001-2026 (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.numero_documento ILIKE '%001-2026%'::VARCHAR ESCAPE '\' ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_documentos_numero_documento_trgm] 0701-2026-GDP (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.numero_documento ILIKE '%0701-2026-GDP%'::VARCHAR ESCAPE '\' ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- ===== #29 uq_integracion_envios_integracion_id_documento_id: INSERT … ON CONFLICT (integracion_id, documento_id) (planned) — table empty
-- [uq_integracion_envios_integracion_id_documento_id] INSERT ... ON CONFLICT DO UPDATE
INSERT INTO integracion_envios (integracion_id, documento_id, estado) VALUES (1, 150001, 'pendiente') ON CONFLICT (integracion_id, documento_id) DO UPDATE SET estado = excluded.estado, updated_at = now();

-- [uq_integracion_envios_integracion_id_documento_id] WHERE integracion_id=1
SELECT * FROM integracion_envios WHERE integracion_id = 1 ORDER BY documento_id LIMIT 50;

-- ===== #30 ix_integracion_envios_documento_id: delivery status of a document (planned) — table empty
-- [ix_integracion_envios_documento_id] WHERE documento_id=?
SELECT * FROM integracion_envios WHERE documento_id = 150001;

-- ===== #31 ix_integracion_envios_pendientes: retry poller (planned) — table empty
-- [ix_integracion_envios_pendientes] poller
SELECT * FROM integracion_envios WHERE estado IN ('pendiente', 'fallido') AND proximo_intento <= now() ORDER BY proximo_intento LIMIT 10 FOR UPDATE SKIP LOCKED;

-- ===== #32 ix_reportes_solicitante_fecha: my reports (planned) — table empty
-- [ix_reportes_solicitante_fecha] WHERE solicitado_por_id=? ORDER BY created_at DESC
SELECT * FROM reportes WHERE solicitado_por_id = 1 ORDER BY created_at DESC LIMIT 20;

-- ===== #33 ix_reportes_task_id: report by task id (planned) — table empty
-- [ix_reportes_task_id] WHERE task_id=?
SELECT * FROM reportes WHERE task_id = '5f0c6f9e-6f7b-4c1e-9a55-1f6a2f0a9b11';

-- ===== #34 ix_reportes_activos: stuck reports sweep (planned) — table empty
-- [ix_reportes_activos] sweep
SELECT * FROM reportes WHERE estado IN ('pendiente', 'procesando') AND created_at < now() - interval '30 minutes';

-- ===== #35 ix_anexos_documento_id: GET /documentos/{id}: selectinload anexos (app)
-- [ix_anexos_documento_id] selectinload anexos (app)
SELECT anexos.documento_id, anexos.nombre_archivo, anexos.content_type, anexos.tamano_bytes, anexos.sha256, anexos.ruta, anexos.paginas, anexos.estado_procesamiento, anexos.error, anexos.subido_por_id, anexos.id, anexos.created_at, anexos.updated_at 
FROM anexos 
WHERE anexos.documento_id IN (150001::BIGINT) ORDER BY anexos.id;

-- ===== #36 ix_anexos_sha256: dedupe upload by sha256 (planned)
-- [ix_anexos_sha256] WHERE sha256=?
SELECT id, documento_id, ruta FROM anexos WHERE sha256 = '9cce318a4098be88a5552cf06b84282b551297ead5575fa214427a0df1fd793b';

-- ===== #37 ix_anexos_pendientes: attachment worker queue (planned) — no pendiente rows
-- [ix_anexos_pendientes] queue
SELECT * FROM anexos WHERE estado_procesamiento = 'pendiente' ORDER BY created_at LIMIT 10 FOR UPDATE SKIP LOCKED;

-- ===== #38 ix_derivaciones_documento_id_fecha_envio: GET /documentos/{id}: selectinload derivaciones (app)
-- [ix_derivaciones_documento_id_fecha_envio] detail selectinload (app)
SELECT derivaciones.documento_id, derivaciones.area_origen_id, derivaciones.area_destino_id, derivaciones.enviado_por_id, derivaciones.recibido_por_id, derivaciones.indicacion_id, derivaciones.prioridad, derivaciones.proveido, derivaciones.estado, derivaciones.es_copia, derivaciones.fecha_envio, derivaciones.fecha_recepcion, derivaciones.fecha_atencion, derivaciones.plazo_dias, derivaciones.fecha_limite, derivaciones.id, derivaciones.created_at, derivaciones.updated_at, areas_1.codigo, areas_1.nombre, areas_1.sigla, areas_1.parent_id, areas_1.activo, areas_1.id, areas_1.created_at, areas_1.updated_at, areas_2.codigo, areas_2.nombre, areas_2.sigla, areas_2.parent_id, areas_2.activo, areas_2.id, areas_2.created_at, areas_2.updated_at, indicaciones_1.codigo, indicaciones_1.nombre, indicaciones_1.activo, indicaciones_1.id, indicaciones_1.created_at, indicaciones_1.updated_at 
FROM derivaciones LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = derivaciones.area_origen_id LEFT OUTER JOIN areas AS areas_2 ON areas_2.id = derivaciones.area_destino_id LEFT OUTER JOIN indicaciones AS indicaciones_1 ON indicaciones_1.id = derivaciones.indicacion_id 
WHERE derivaciones.documento_id IN (150001::BIGINT) ORDER BY derivaciones.id;

-- [ix_derivaciones_documento_id_fecha_envio] seguimiento selectinload (app)
SELECT derivaciones.documento_id, derivaciones.area_origen_id, derivaciones.area_destino_id, derivaciones.enviado_por_id, derivaciones.recibido_por_id, derivaciones.indicacion_id, derivaciones.prioridad, derivaciones.proveido, derivaciones.estado, derivaciones.es_copia, derivaciones.fecha_envio, derivaciones.fecha_recepcion, derivaciones.fecha_atencion, derivaciones.plazo_dias, derivaciones.fecha_limite, derivaciones.id, derivaciones.created_at, derivaciones.updated_at, areas_1.codigo, areas_1.nombre, areas_1.sigla, areas_1.parent_id, areas_1.activo, areas_1.id, areas_1.created_at, areas_1.updated_at 
FROM derivaciones LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = derivaciones.area_destino_id 
WHERE derivaciones.documento_id IN (150001::BIGINT) ORDER BY derivaciones.id;

-- ===== #39 ix_derivaciones_area_destino_id_documento_id: GET /documentos as especialista: visibility EXISTS (app)
-- [ix_derivaciones_area_destino_id_documento_id] especialista area 21 (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.area_actual_id = 21::BIGINT OR (EXISTS (SELECT derivaciones.id 
FROM derivaciones 
WHERE derivaciones.documento_id = documentos.id AND derivaciones.area_destino_id = 21::BIGINT)) ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_derivaciones_area_destino_id_documento_id] especialista area 29 (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.area_actual_id = 29::BIGINT OR (EXISTS (SELECT derivaciones.id 
FROM derivaciones 
WHERE derivaciones.documento_id = documentos.id AND derivaciones.area_destino_id = 29::BIGINT)) ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_derivaciones_area_destino_id_documento_id] especialista area 6 (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE documentos.area_actual_id = 6::BIGINT OR (EXISTS (SELECT derivaciones.id 
FROM derivaciones 
WHERE derivaciones.documento_id = documentos.id AND derivaciones.area_destino_id = 6::BIGINT)) ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_derivaciones_area_destino_id_documento_id] especialista + estado=recibido (app)
SELECT documentos.numero_expediente, documentos.codigo_verificacion, documentos.tipo_documento_id, documentos.numero_documento, documentos.asunto, documentos.folios, documentos.remitente_id, documentos.procedimiento_id, documentos.canal, documentos.prioridad, documentos.estado, documentos.area_actual_id, documentos.registrado_por_id, documentos.fecha_recepcion, documentos.fecha_limite, documentos.fecha_atencion, documentos.observacion, documentos.idempotency_key, documentos.version, documentos.id, documentos.created_at, documentos.updated_at, tipos_documento_1.codigo, tipos_documento_1.nombre, tipos_documento_1.activo, tipos_documento_1.id AS id_1, tipos_documento_1.created_at AS created_at_1, tipos_documento_1.updated_at AS updated_at_1, remitentes_1.tipo_persona, remitentes_1.tipo_documento_identidad, remitentes_1.numero_documento_identidad, remitentes_1.nombre AS nombre_1, remitentes_1.email, remitentes_1.telefono, remitentes_1.direccion, remitentes_1.pais_codigo, remitentes_1.id AS id_2, remitentes_1.created_at AS created_at_2, remitentes_1.updated_at AS updated_at_2, areas_1.codigo AS codigo_1, areas_1.nombre AS nombre_2, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_3, areas_1.created_at AS created_at_3, areas_1.updated_at AS updated_at_3 
FROM documentos LEFT OUTER JOIN tipos_documento AS tipos_documento_1 ON tipos_documento_1.id = documentos.tipo_documento_id LEFT OUTER JOIN remitentes AS remitentes_1 ON remitentes_1.id = documentos.remitente_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = documentos.area_actual_id 
WHERE (documentos.area_actual_id = 21::BIGINT OR (EXISTS (SELECT derivaciones.id 
FROM derivaciones 
WHERE derivaciones.documento_id = documentos.id AND derivaciones.area_destino_id = 21::BIGINT))) AND documentos.estado IN ('recibido') ORDER BY documentos.fecha_recepcion DESC, documentos.id DESC 
 LIMIT 21::INTEGER;

-- [ix_derivaciones_area_destino_id_documento_id] estadisticas especialista, all time: por_estado (app)
SELECT documentos.estado, count(*) AS count_1 
FROM documentos 
WHERE documentos.area_actual_id = 21::BIGINT OR (EXISTS (SELECT derivaciones.id 
FROM derivaciones 
WHERE derivaciones.documento_id = documentos.id AND derivaciones.area_destino_id = 21::BIGINT)) GROUP BY documentos.estado ORDER BY documentos.estado;

-- [ix_derivaciones_area_destino_id_documento_id] estadisticas especialista 30d: por_estado (app)
SELECT documentos.estado, count(*) AS count_1 
FROM documentos 
WHERE (documentos.area_actual_id = 21::BIGINT OR (EXISTS (SELECT derivaciones.id 
FROM derivaciones 
WHERE derivaciones.documento_id = documentos.id AND derivaciones.area_destino_id = 21::BIGINT))) AND documentos.fecha_recepcion >= '2026-10-24T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE AND documentos.fecha_recepcion < '2026-11-24T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE GROUP BY documentos.estado ORDER BY documentos.estado;

-- ===== #40 ix_derivaciones_bandeja: GET /derivaciones?area_destino_id=21&estado=pendiente (app)
-- [ix_derivaciones_bandeja] admin (app)
SELECT derivaciones.documento_id, derivaciones.area_origen_id, derivaciones.area_destino_id, derivaciones.enviado_por_id, derivaciones.recibido_por_id, derivaciones.indicacion_id, derivaciones.prioridad, derivaciones.proveido, derivaciones.estado, derivaciones.es_copia, derivaciones.fecha_envio, derivaciones.fecha_recepcion, derivaciones.fecha_atencion, derivaciones.plazo_dias, derivaciones.fecha_limite, derivaciones.id, derivaciones.created_at, derivaciones.updated_at, documentos_1.numero_expediente, documentos_1.codigo_verificacion, documentos_1.tipo_documento_id, documentos_1.numero_documento, documentos_1.asunto, documentos_1.folios, documentos_1.remitente_id, documentos_1.procedimiento_id, documentos_1.canal, documentos_1.prioridad AS prioridad_1, documentos_1.estado AS estado_1, documentos_1.area_actual_id, documentos_1.registrado_por_id, documentos_1.fecha_recepcion AS fecha_recepcion_1, documentos_1.fecha_limite AS fecha_limite_1, documentos_1.fecha_atencion AS fecha_atencion_1, documentos_1.observacion, documentos_1.idempotency_key, documentos_1.version, documentos_1.id AS id_1, documentos_1.created_at AS created_at_1, documentos_1.updated_at AS updated_at_1, areas_1.codigo, areas_1.nombre, areas_1.sigla, areas_1.parent_id, areas_1.activo, areas_1.id AS id_2, areas_1.created_at AS created_at_2, areas_1.updated_at AS updated_at_2, areas_2.codigo AS codigo_1, areas_2.nombre AS nombre_1, areas_2.sigla AS sigla_1, areas_2.parent_id AS parent_id_1, areas_2.activo AS activo_1, areas_2.id AS id_3, areas_2.created_at AS created_at_3, areas_2.updated_at AS updated_at_3, indicaciones_1.codigo AS codigo_2, indicaciones_1.nombre AS nombre_2, indicaciones_1.activo AS activo_2, indicaciones_1.id AS id_4, indicaciones_1.created_at AS created_at_4, indicaciones_1.updated_at AS updated_at_4 
FROM derivaciones LEFT OUTER JOIN documentos AS documentos_1 ON documentos_1.id = derivaciones.documento_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = derivaciones.area_origen_id LEFT OUTER JOIN areas AS areas_2 ON areas_2.id = derivaciones.area_destino_id LEFT OUTER JOIN indicaciones AS indicaciones_1 ON indicaciones_1.id = derivaciones.indicacion_id 
WHERE derivaciones.id IS NOT NULL AND derivaciones.area_destino_id = 21::BIGINT AND derivaciones.estado IN ('pendiente') ORDER BY derivaciones.fecha_envio DESC, derivaciones.id DESC 
 LIMIT 21::INTEGER;

-- [ix_derivaciones_bandeja] especialista (app)
SELECT derivaciones.documento_id, derivaciones.area_origen_id, derivaciones.area_destino_id, derivaciones.enviado_por_id, derivaciones.recibido_por_id, derivaciones.indicacion_id, derivaciones.prioridad, derivaciones.proveido, derivaciones.estado, derivaciones.es_copia, derivaciones.fecha_envio, derivaciones.fecha_recepcion, derivaciones.fecha_atencion, derivaciones.plazo_dias, derivaciones.fecha_limite, derivaciones.id, derivaciones.created_at, derivaciones.updated_at, documentos_1.numero_expediente, documentos_1.codigo_verificacion, documentos_1.tipo_documento_id, documentos_1.numero_documento, documentos_1.asunto, documentos_1.folios, documentos_1.remitente_id, documentos_1.procedimiento_id, documentos_1.canal, documentos_1.prioridad AS prioridad_1, documentos_1.estado AS estado_1, documentos_1.area_actual_id, documentos_1.registrado_por_id, documentos_1.fecha_recepcion AS fecha_recepcion_1, documentos_1.fecha_limite AS fecha_limite_1, documentos_1.fecha_atencion AS fecha_atencion_1, documentos_1.observacion, documentos_1.idempotency_key, documentos_1.version, documentos_1.id AS id_1, documentos_1.created_at AS created_at_1, documentos_1.updated_at AS updated_at_1, areas_1.codigo, areas_1.nombre, areas_1.sigla, areas_1.parent_id, areas_1.activo, areas_1.id AS id_2, areas_1.created_at AS created_at_2, areas_1.updated_at AS updated_at_2, areas_2.codigo AS codigo_1, areas_2.nombre AS nombre_1, areas_2.sigla AS sigla_1, areas_2.parent_id AS parent_id_1, areas_2.activo AS activo_1, areas_2.id AS id_3, areas_2.created_at AS created_at_3, areas_2.updated_at AS updated_at_3, indicaciones_1.codigo AS codigo_2, indicaciones_1.nombre AS nombre_2, indicaciones_1.activo AS activo_2, indicaciones_1.id AS id_4, indicaciones_1.created_at AS created_at_4, indicaciones_1.updated_at AS updated_at_4 
FROM derivaciones LEFT OUTER JOIN documentos AS documentos_1 ON documentos_1.id = derivaciones.documento_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = derivaciones.area_origen_id LEFT OUTER JOIN areas AS areas_2 ON areas_2.id = derivaciones.area_destino_id LEFT OUTER JOIN indicaciones AS indicaciones_1 ON indicaciones_1.id = derivaciones.indicacion_id 
WHERE (derivaciones.area_destino_id = 21::BIGINT OR derivaciones.area_origen_id = 21::BIGINT) AND derivaciones.area_destino_id = 21::BIGINT AND derivaciones.estado IN ('pendiente') ORDER BY derivaciones.fecha_envio DESC, derivaciones.id DESC 
 LIMIT 21::INTEGER;

-- ===== #41 ix_derivaciones_area_origen_fecha: GET /derivaciones?area_origen_id=21&fecha_desde=-30d (app)
-- [ix_derivaciones_area_origen_fecha] origen + 30d (app)
SELECT derivaciones.documento_id, derivaciones.area_origen_id, derivaciones.area_destino_id, derivaciones.enviado_por_id, derivaciones.recibido_por_id, derivaciones.indicacion_id, derivaciones.prioridad, derivaciones.proveido, derivaciones.estado, derivaciones.es_copia, derivaciones.fecha_envio, derivaciones.fecha_recepcion, derivaciones.fecha_atencion, derivaciones.plazo_dias, derivaciones.fecha_limite, derivaciones.id, derivaciones.created_at, derivaciones.updated_at, documentos_1.numero_expediente, documentos_1.codigo_verificacion, documentos_1.tipo_documento_id, documentos_1.numero_documento, documentos_1.asunto, documentos_1.folios, documentos_1.remitente_id, documentos_1.procedimiento_id, documentos_1.canal, documentos_1.prioridad AS prioridad_1, documentos_1.estado AS estado_1, documentos_1.area_actual_id, documentos_1.registrado_por_id, documentos_1.fecha_recepcion AS fecha_recepcion_1, documentos_1.fecha_limite AS fecha_limite_1, documentos_1.fecha_atencion AS fecha_atencion_1, documentos_1.observacion, documentos_1.idempotency_key, documentos_1.version, documentos_1.id AS id_1, documentos_1.created_at AS created_at_1, documentos_1.updated_at AS updated_at_1, areas_1.codigo, areas_1.nombre, areas_1.sigla, areas_1.parent_id, areas_1.activo, areas_1.id AS id_2, areas_1.created_at AS created_at_2, areas_1.updated_at AS updated_at_2, areas_2.codigo AS codigo_1, areas_2.nombre AS nombre_1, areas_2.sigla AS sigla_1, areas_2.parent_id AS parent_id_1, areas_2.activo AS activo_1, areas_2.id AS id_3, areas_2.created_at AS created_at_3, areas_2.updated_at AS updated_at_3, indicaciones_1.codigo AS codigo_2, indicaciones_1.nombre AS nombre_2, indicaciones_1.activo AS activo_2, indicaciones_1.id AS id_4, indicaciones_1.created_at AS created_at_4, indicaciones_1.updated_at AS updated_at_4 
FROM derivaciones LEFT OUTER JOIN documentos AS documentos_1 ON documentos_1.id = derivaciones.documento_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = derivaciones.area_origen_id LEFT OUTER JOIN areas AS areas_2 ON areas_2.id = derivaciones.area_destino_id LEFT OUTER JOIN indicaciones AS indicaciones_1 ON indicaciones_1.id = derivaciones.indicacion_id 
WHERE derivaciones.id IS NOT NULL AND derivaciones.area_origen_id = 21::BIGINT AND derivaciones.fecha_envio >= '2026-10-24T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE ORDER BY derivaciones.fecha_envio DESC, derivaciones.id DESC 
 LIMIT 21::INTEGER;

-- [ix_derivaciones_area_origen_fecha] origen, no date (app)
SELECT derivaciones.documento_id, derivaciones.area_origen_id, derivaciones.area_destino_id, derivaciones.enviado_por_id, derivaciones.recibido_por_id, derivaciones.indicacion_id, derivaciones.prioridad, derivaciones.proveido, derivaciones.estado, derivaciones.es_copia, derivaciones.fecha_envio, derivaciones.fecha_recepcion, derivaciones.fecha_atencion, derivaciones.plazo_dias, derivaciones.fecha_limite, derivaciones.id, derivaciones.created_at, derivaciones.updated_at, documentos_1.numero_expediente, documentos_1.codigo_verificacion, documentos_1.tipo_documento_id, documentos_1.numero_documento, documentos_1.asunto, documentos_1.folios, documentos_1.remitente_id, documentos_1.procedimiento_id, documentos_1.canal, documentos_1.prioridad AS prioridad_1, documentos_1.estado AS estado_1, documentos_1.area_actual_id, documentos_1.registrado_por_id, documentos_1.fecha_recepcion AS fecha_recepcion_1, documentos_1.fecha_limite AS fecha_limite_1, documentos_1.fecha_atencion AS fecha_atencion_1, documentos_1.observacion, documentos_1.idempotency_key, documentos_1.version, documentos_1.id AS id_1, documentos_1.created_at AS created_at_1, documentos_1.updated_at AS updated_at_1, areas_1.codigo, areas_1.nombre, areas_1.sigla, areas_1.parent_id, areas_1.activo, areas_1.id AS id_2, areas_1.created_at AS created_at_2, areas_1.updated_at AS updated_at_2, areas_2.codigo AS codigo_1, areas_2.nombre AS nombre_1, areas_2.sigla AS sigla_1, areas_2.parent_id AS parent_id_1, areas_2.activo AS activo_1, areas_2.id AS id_3, areas_2.created_at AS created_at_3, areas_2.updated_at AS updated_at_3, indicaciones_1.codigo AS codigo_2, indicaciones_1.nombre AS nombre_2, indicaciones_1.activo AS activo_2, indicaciones_1.id AS id_4, indicaciones_1.created_at AS created_at_4, indicaciones_1.updated_at AS updated_at_4 
FROM derivaciones LEFT OUTER JOIN documentos AS documentos_1 ON documentos_1.id = derivaciones.documento_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = derivaciones.area_origen_id LEFT OUTER JOIN areas AS areas_2 ON areas_2.id = derivaciones.area_destino_id LEFT OUTER JOIN indicaciones AS indicaciones_1 ON indicaciones_1.id = derivaciones.indicacion_id 
WHERE derivaciones.id IS NOT NULL AND derivaciones.area_origen_id = 21::BIGINT ORDER BY derivaciones.fecha_envio DESC, derivaciones.id DESC 
 LIMIT 21::INTEGER;

-- ===== #42 ix_derivaciones_enviado_por_id: GET /derivaciones?enviado_por_id=22 (app)
-- [ix_derivaciones_enviado_por_id] enviado_por=22 (app)
SELECT derivaciones.documento_id, derivaciones.area_origen_id, derivaciones.area_destino_id, derivaciones.enviado_por_id, derivaciones.recibido_por_id, derivaciones.indicacion_id, derivaciones.prioridad, derivaciones.proveido, derivaciones.estado, derivaciones.es_copia, derivaciones.fecha_envio, derivaciones.fecha_recepcion, derivaciones.fecha_atencion, derivaciones.plazo_dias, derivaciones.fecha_limite, derivaciones.id, derivaciones.created_at, derivaciones.updated_at, documentos_1.numero_expediente, documentos_1.codigo_verificacion, documentos_1.tipo_documento_id, documentos_1.numero_documento, documentos_1.asunto, documentos_1.folios, documentos_1.remitente_id, documentos_1.procedimiento_id, documentos_1.canal, documentos_1.prioridad AS prioridad_1, documentos_1.estado AS estado_1, documentos_1.area_actual_id, documentos_1.registrado_por_id, documentos_1.fecha_recepcion AS fecha_recepcion_1, documentos_1.fecha_limite AS fecha_limite_1, documentos_1.fecha_atencion AS fecha_atencion_1, documentos_1.observacion, documentos_1.idempotency_key, documentos_1.version, documentos_1.id AS id_1, documentos_1.created_at AS created_at_1, documentos_1.updated_at AS updated_at_1, areas_1.codigo, areas_1.nombre, areas_1.sigla, areas_1.parent_id, areas_1.activo, areas_1.id AS id_2, areas_1.created_at AS created_at_2, areas_1.updated_at AS updated_at_2, areas_2.codigo AS codigo_1, areas_2.nombre AS nombre_1, areas_2.sigla AS sigla_1, areas_2.parent_id AS parent_id_1, areas_2.activo AS activo_1, areas_2.id AS id_3, areas_2.created_at AS created_at_3, areas_2.updated_at AS updated_at_3, indicaciones_1.codigo AS codigo_2, indicaciones_1.nombre AS nombre_2, indicaciones_1.activo AS activo_2, indicaciones_1.id AS id_4, indicaciones_1.created_at AS created_at_4, indicaciones_1.updated_at AS updated_at_4 
FROM derivaciones LEFT OUTER JOIN documentos AS documentos_1 ON documentos_1.id = derivaciones.documento_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = derivaciones.area_origen_id LEFT OUTER JOIN areas AS areas_2 ON areas_2.id = derivaciones.area_destino_id LEFT OUTER JOIN indicaciones AS indicaciones_1 ON indicaciones_1.id = derivaciones.indicacion_id 
WHERE derivaciones.id IS NOT NULL AND derivaciones.enviado_por_id = 22::BIGINT ORDER BY derivaciones.fecha_envio DESC, derivaciones.id DESC 
 LIMIT 21::INTEGER;

-- [ix_derivaciones_enviado_por_id] RI check form
SELECT 1 FROM ONLY public.derivaciones x WHERE 22 OPERATOR(pg_catalog.=) enviado_por_id FOR KEY SHARE OF x;

-- ===== #43 ix_derivaciones_recibido_por_id: GET /derivaciones?recibido_por_id=22 (app)
-- [ix_derivaciones_recibido_por_id] recibido_por=22 (app)
SELECT derivaciones.documento_id, derivaciones.area_origen_id, derivaciones.area_destino_id, derivaciones.enviado_por_id, derivaciones.recibido_por_id, derivaciones.indicacion_id, derivaciones.prioridad, derivaciones.proveido, derivaciones.estado, derivaciones.es_copia, derivaciones.fecha_envio, derivaciones.fecha_recepcion, derivaciones.fecha_atencion, derivaciones.plazo_dias, derivaciones.fecha_limite, derivaciones.id, derivaciones.created_at, derivaciones.updated_at, documentos_1.numero_expediente, documentos_1.codigo_verificacion, documentos_1.tipo_documento_id, documentos_1.numero_documento, documentos_1.asunto, documentos_1.folios, documentos_1.remitente_id, documentos_1.procedimiento_id, documentos_1.canal, documentos_1.prioridad AS prioridad_1, documentos_1.estado AS estado_1, documentos_1.area_actual_id, documentos_1.registrado_por_id, documentos_1.fecha_recepcion AS fecha_recepcion_1, documentos_1.fecha_limite AS fecha_limite_1, documentos_1.fecha_atencion AS fecha_atencion_1, documentos_1.observacion, documentos_1.idempotency_key, documentos_1.version, documentos_1.id AS id_1, documentos_1.created_at AS created_at_1, documentos_1.updated_at AS updated_at_1, areas_1.codigo, areas_1.nombre, areas_1.sigla, areas_1.parent_id, areas_1.activo, areas_1.id AS id_2, areas_1.created_at AS created_at_2, areas_1.updated_at AS updated_at_2, areas_2.codigo AS codigo_1, areas_2.nombre AS nombre_1, areas_2.sigla AS sigla_1, areas_2.parent_id AS parent_id_1, areas_2.activo AS activo_1, areas_2.id AS id_3, areas_2.created_at AS created_at_3, areas_2.updated_at AS updated_at_3, indicaciones_1.codigo AS codigo_2, indicaciones_1.nombre AS nombre_2, indicaciones_1.activo AS activo_2, indicaciones_1.id AS id_4, indicaciones_1.created_at AS created_at_4, indicaciones_1.updated_at AS updated_at_4 
FROM derivaciones LEFT OUTER JOIN documentos AS documentos_1 ON documentos_1.id = derivaciones.documento_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = derivaciones.area_origen_id LEFT OUTER JOIN areas AS areas_2 ON areas_2.id = derivaciones.area_destino_id LEFT OUTER JOIN indicaciones AS indicaciones_1 ON indicaciones_1.id = derivaciones.indicacion_id 
WHERE derivaciones.id IS NOT NULL AND derivaciones.recibido_por_id = 22::BIGINT ORDER BY derivaciones.fecha_envio DESC, derivaciones.id DESC 
 LIMIT 21::INTEGER;

-- [ix_derivaciones_recibido_por_id] RI check form
SELECT 1 FROM ONLY public.derivaciones x WHERE 22 OPERATOR(pg_catalog.=) recibido_por_id FOR KEY SHARE OF x;

-- ===== #44 ix_derivaciones_indicacion_id: GET /derivaciones?indicacion_id=12 (app)
-- [ix_derivaciones_indicacion_id] indicacion=12 (app)
SELECT derivaciones.documento_id, derivaciones.area_origen_id, derivaciones.area_destino_id, derivaciones.enviado_por_id, derivaciones.recibido_por_id, derivaciones.indicacion_id, derivaciones.prioridad, derivaciones.proveido, derivaciones.estado, derivaciones.es_copia, derivaciones.fecha_envio, derivaciones.fecha_recepcion, derivaciones.fecha_atencion, derivaciones.plazo_dias, derivaciones.fecha_limite, derivaciones.id, derivaciones.created_at, derivaciones.updated_at, documentos_1.numero_expediente, documentos_1.codigo_verificacion, documentos_1.tipo_documento_id, documentos_1.numero_documento, documentos_1.asunto, documentos_1.folios, documentos_1.remitente_id, documentos_1.procedimiento_id, documentos_1.canal, documentos_1.prioridad AS prioridad_1, documentos_1.estado AS estado_1, documentos_1.area_actual_id, documentos_1.registrado_por_id, documentos_1.fecha_recepcion AS fecha_recepcion_1, documentos_1.fecha_limite AS fecha_limite_1, documentos_1.fecha_atencion AS fecha_atencion_1, documentos_1.observacion, documentos_1.idempotency_key, documentos_1.version, documentos_1.id AS id_1, documentos_1.created_at AS created_at_1, documentos_1.updated_at AS updated_at_1, areas_1.codigo, areas_1.nombre, areas_1.sigla, areas_1.parent_id, areas_1.activo, areas_1.id AS id_2, areas_1.created_at AS created_at_2, areas_1.updated_at AS updated_at_2, areas_2.codigo AS codigo_1, areas_2.nombre AS nombre_1, areas_2.sigla AS sigla_1, areas_2.parent_id AS parent_id_1, areas_2.activo AS activo_1, areas_2.id AS id_3, areas_2.created_at AS created_at_3, areas_2.updated_at AS updated_at_3, indicaciones_1.codigo AS codigo_2, indicaciones_1.nombre AS nombre_2, indicaciones_1.activo AS activo_2, indicaciones_1.id AS id_4, indicaciones_1.created_at AS created_at_4, indicaciones_1.updated_at AS updated_at_4 
FROM derivaciones LEFT OUTER JOIN documentos AS documentos_1 ON documentos_1.id = derivaciones.documento_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = derivaciones.area_origen_id LEFT OUTER JOIN areas AS areas_2 ON areas_2.id = derivaciones.area_destino_id LEFT OUTER JOIN indicaciones AS indicaciones_1 ON indicaciones_1.id = derivaciones.indicacion_id 
WHERE derivaciones.id IS NOT NULL AND derivaciones.indicacion_id = 12::BIGINT ORDER BY derivaciones.fecha_envio DESC, derivaciones.id DESC 
 LIMIT 21::INTEGER;

-- [ix_derivaciones_indicacion_id] RI check form
SELECT 1 FROM ONLY public.derivaciones x WHERE 12 OPERATOR(pg_catalog.=) indicacion_id FOR KEY SHARE OF x;

-- ===== #45 ix_derivaciones_fecha_envio: GET /derivaciones?fecha_desde=-7d&fecha_hasta=today (app)
-- [ix_derivaciones_fecha_envio] 7-day range (app)
SELECT derivaciones.documento_id, derivaciones.area_origen_id, derivaciones.area_destino_id, derivaciones.enviado_por_id, derivaciones.recibido_por_id, derivaciones.indicacion_id, derivaciones.prioridad, derivaciones.proveido, derivaciones.estado, derivaciones.es_copia, derivaciones.fecha_envio, derivaciones.fecha_recepcion, derivaciones.fecha_atencion, derivaciones.plazo_dias, derivaciones.fecha_limite, derivaciones.id, derivaciones.created_at, derivaciones.updated_at, documentos_1.numero_expediente, documentos_1.codigo_verificacion, documentos_1.tipo_documento_id, documentos_1.numero_documento, documentos_1.asunto, documentos_1.folios, documentos_1.remitente_id, documentos_1.procedimiento_id, documentos_1.canal, documentos_1.prioridad AS prioridad_1, documentos_1.estado AS estado_1, documentos_1.area_actual_id, documentos_1.registrado_por_id, documentos_1.fecha_recepcion AS fecha_recepcion_1, documentos_1.fecha_limite AS fecha_limite_1, documentos_1.fecha_atencion AS fecha_atencion_1, documentos_1.observacion, documentos_1.idempotency_key, documentos_1.version, documentos_1.id AS id_1, documentos_1.created_at AS created_at_1, documentos_1.updated_at AS updated_at_1, areas_1.codigo, areas_1.nombre, areas_1.sigla, areas_1.parent_id, areas_1.activo, areas_1.id AS id_2, areas_1.created_at AS created_at_2, areas_1.updated_at AS updated_at_2, areas_2.codigo AS codigo_1, areas_2.nombre AS nombre_1, areas_2.sigla AS sigla_1, areas_2.parent_id AS parent_id_1, areas_2.activo AS activo_1, areas_2.id AS id_3, areas_2.created_at AS created_at_3, areas_2.updated_at AS updated_at_3, indicaciones_1.codigo AS codigo_2, indicaciones_1.nombre AS nombre_2, indicaciones_1.activo AS activo_2, indicaciones_1.id AS id_4, indicaciones_1.created_at AS created_at_4, indicaciones_1.updated_at AS updated_at_4 
FROM derivaciones LEFT OUTER JOIN documentos AS documentos_1 ON documentos_1.id = derivaciones.documento_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = derivaciones.area_origen_id LEFT OUTER JOIN areas AS areas_2 ON areas_2.id = derivaciones.area_destino_id LEFT OUTER JOIN indicaciones AS indicaciones_1 ON indicaciones_1.id = derivaciones.indicacion_id 
WHERE derivaciones.id IS NOT NULL AND derivaciones.fecha_envio >= '2026-11-16T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE AND derivaciones.fecha_envio < '2026-11-24T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE ORDER BY derivaciones.fecha_envio DESC, derivaciones.id DESC 
 LIMIT 21::INTEGER;

-- [ix_derivaciones_fecha_envio] planned Excel report: range ORDER BY fecha_envio
SELECT * FROM derivaciones WHERE fecha_envio >= '2026-10-01 00:00-05' AND fecha_envio < '2026-11-01 00:00-05' ORDER BY fecha_envio;

-- ===== #46 ix_derivaciones_vencimiento: GET /derivaciones?vencidas=true (app)
-- [ix_derivaciones_vencimiento] vencidas=true (app)
SELECT derivaciones.documento_id, derivaciones.area_origen_id, derivaciones.area_destino_id, derivaciones.enviado_por_id, derivaciones.recibido_por_id, derivaciones.indicacion_id, derivaciones.prioridad, derivaciones.proveido, derivaciones.estado, derivaciones.es_copia, derivaciones.fecha_envio, derivaciones.fecha_recepcion, derivaciones.fecha_atencion, derivaciones.plazo_dias, derivaciones.fecha_limite, derivaciones.id, derivaciones.created_at, derivaciones.updated_at, documentos_1.numero_expediente, documentos_1.codigo_verificacion, documentos_1.tipo_documento_id, documentos_1.numero_documento, documentos_1.asunto, documentos_1.folios, documentos_1.remitente_id, documentos_1.procedimiento_id, documentos_1.canal, documentos_1.prioridad AS prioridad_1, documentos_1.estado AS estado_1, documentos_1.area_actual_id, documentos_1.registrado_por_id, documentos_1.fecha_recepcion AS fecha_recepcion_1, documentos_1.fecha_limite AS fecha_limite_1, documentos_1.fecha_atencion AS fecha_atencion_1, documentos_1.observacion, documentos_1.idempotency_key, documentos_1.version, documentos_1.id AS id_1, documentos_1.created_at AS created_at_1, documentos_1.updated_at AS updated_at_1, areas_1.codigo, areas_1.nombre, areas_1.sigla, areas_1.parent_id, areas_1.activo, areas_1.id AS id_2, areas_1.created_at AS created_at_2, areas_1.updated_at AS updated_at_2, areas_2.codigo AS codigo_1, areas_2.nombre AS nombre_1, areas_2.sigla AS sigla_1, areas_2.parent_id AS parent_id_1, areas_2.activo AS activo_1, areas_2.id AS id_3, areas_2.created_at AS created_at_3, areas_2.updated_at AS updated_at_3, indicaciones_1.codigo AS codigo_2, indicaciones_1.nombre AS nombre_2, indicaciones_1.activo AS activo_2, indicaciones_1.id AS id_4, indicaciones_1.created_at AS created_at_4, indicaciones_1.updated_at AS updated_at_4 
FROM derivaciones LEFT OUTER JOIN documentos AS documentos_1 ON documentos_1.id = derivaciones.documento_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = derivaciones.area_origen_id LEFT OUTER JOIN areas AS areas_2 ON areas_2.id = derivaciones.area_destino_id LEFT OUTER JOIN indicaciones AS indicaciones_1 ON indicaciones_1.id = derivaciones.indicacion_id 
WHERE derivaciones.id IS NOT NULL AND derivaciones.estado IN ('pendiente', 'recibida') AND derivaciones.fecha_limite < CURRENT_DATE ORDER BY derivaciones.fecha_envio DESC, derivaciones.id DESC 
 LIMIT 21::INTEGER;

-- ===== #47 ix_historial_documento_id_created_at: GET /documentos/{id}/historial (app)
-- [ix_historial_documento_id_created_at] historial of doc 150001 (app)
SELECT historial.documento_id, historial.evento, historial.usuario_id, historial.area_id, historial.estado_anterior, historial.estado_nuevo, historial.detalle, historial.created_at, historial.id, usuarios_1.username, usuarios_1.email, usuarios_1.nombre_completo, usuarios_1.password_hash, usuarios_1.rol, usuarios_1.area_id AS area_id_1, usuarios_1.activo, usuarios_1.ultimo_acceso, usuarios_1.id AS id_1, usuarios_1.created_at AS created_at_1, usuarios_1.updated_at, areas_1.codigo, areas_1.nombre, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_2, areas_1.created_at AS created_at_2, areas_1.updated_at AS updated_at_1 
FROM historial LEFT OUTER JOIN usuarios AS usuarios_1 ON usuarios_1.id = historial.usuario_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = historial.area_id 
WHERE historial.documento_id = 150001::BIGINT ORDER BY historial.created_at, historial.id;

-- ===== #48 ix_historial_usuario_id_created_at: GET /historial?usuario_id=22&fecha 30d (app)
-- [ix_historial_usuario_id_created_at] usuario + 30d (app)
SELECT historial.documento_id, historial.evento, historial.usuario_id, historial.area_id, historial.estado_anterior, historial.estado_nuevo, historial.detalle, historial.created_at, historial.id, usuarios_1.username, usuarios_1.email, usuarios_1.nombre_completo, usuarios_1.password_hash, usuarios_1.rol, usuarios_1.area_id AS area_id_1, usuarios_1.activo, usuarios_1.ultimo_acceso, usuarios_1.id AS id_1, usuarios_1.created_at AS created_at_1, usuarios_1.updated_at, areas_1.codigo, areas_1.nombre, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_2, areas_1.created_at AS created_at_2, areas_1.updated_at AS updated_at_1 
FROM historial LEFT OUTER JOIN usuarios AS usuarios_1 ON usuarios_1.id = historial.usuario_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = historial.area_id 
WHERE historial.usuario_id = 22::BIGINT AND historial.created_at >= '2026-10-24T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE AND historial.created_at < '2026-11-24T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE ORDER BY historial.created_at DESC, historial.id DESC 
 LIMIT 51::INTEGER;

-- [ix_historial_usuario_id_created_at] usuario, no date (app)
SELECT historial.documento_id, historial.evento, historial.usuario_id, historial.area_id, historial.estado_anterior, historial.estado_nuevo, historial.detalle, historial.created_at, historial.id, usuarios_1.username, usuarios_1.email, usuarios_1.nombre_completo, usuarios_1.password_hash, usuarios_1.rol, usuarios_1.area_id AS area_id_1, usuarios_1.activo, usuarios_1.ultimo_acceso, usuarios_1.id AS id_1, usuarios_1.created_at AS created_at_1, usuarios_1.updated_at, areas_1.codigo, areas_1.nombre, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_2, areas_1.created_at AS created_at_2, areas_1.updated_at AS updated_at_1 
FROM historial LEFT OUTER JOIN usuarios AS usuarios_1 ON usuarios_1.id = historial.usuario_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = historial.area_id 
WHERE historial.usuario_id = 22::BIGINT ORDER BY historial.created_at DESC, historial.id DESC 
 LIMIT 51::INTEGER;

-- ===== #49 ix_historial_area_id_created_at: GET /historial?area_id=21&fecha 30d (app)
-- [ix_historial_area_id_created_at] area + 30d (app)
SELECT historial.documento_id, historial.evento, historial.usuario_id, historial.area_id, historial.estado_anterior, historial.estado_nuevo, historial.detalle, historial.created_at, historial.id, usuarios_1.username, usuarios_1.email, usuarios_1.nombre_completo, usuarios_1.password_hash, usuarios_1.rol, usuarios_1.area_id AS area_id_1, usuarios_1.activo, usuarios_1.ultimo_acceso, usuarios_1.id AS id_1, usuarios_1.created_at AS created_at_1, usuarios_1.updated_at, areas_1.codigo, areas_1.nombre, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_2, areas_1.created_at AS created_at_2, areas_1.updated_at AS updated_at_1 
FROM historial LEFT OUTER JOIN usuarios AS usuarios_1 ON usuarios_1.id = historial.usuario_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = historial.area_id 
WHERE historial.area_id = 21::BIGINT AND historial.created_at >= '2026-10-24T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE AND historial.created_at < '2026-11-24T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE ORDER BY historial.created_at DESC, historial.id DESC 
 LIMIT 51::INTEGER;

-- ===== #50 ix_historial_evento_created_at: GET /historial?evento=anulado&fecha_desde=-30d (app)
-- [ix_historial_evento_created_at] anulado + 30d (app)
SELECT historial.documento_id, historial.evento, historial.usuario_id, historial.area_id, historial.estado_anterior, historial.estado_nuevo, historial.detalle, historial.created_at, historial.id, usuarios_1.username, usuarios_1.email, usuarios_1.nombre_completo, usuarios_1.password_hash, usuarios_1.rol, usuarios_1.area_id AS area_id_1, usuarios_1.activo, usuarios_1.ultimo_acceso, usuarios_1.id AS id_1, usuarios_1.created_at AS created_at_1, usuarios_1.updated_at, areas_1.codigo, areas_1.nombre, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_2, areas_1.created_at AS created_at_2, areas_1.updated_at AS updated_at_1 
FROM historial LEFT OUTER JOIN usuarios AS usuarios_1 ON usuarios_1.id = historial.usuario_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = historial.area_id 
WHERE historial.evento = 'anulado' AND historial.created_at >= '2026-10-24T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE ORDER BY historial.created_at DESC, historial.id DESC 
 LIMIT 51::INTEGER;

-- [ix_historial_evento_created_at] anulado, no date (app)
SELECT historial.documento_id, historial.evento, historial.usuario_id, historial.area_id, historial.estado_anterior, historial.estado_nuevo, historial.detalle, historial.created_at, historial.id, usuarios_1.username, usuarios_1.email, usuarios_1.nombre_completo, usuarios_1.password_hash, usuarios_1.rol, usuarios_1.area_id AS area_id_1, usuarios_1.activo, usuarios_1.ultimo_acceso, usuarios_1.id AS id_1, usuarios_1.created_at AS created_at_1, usuarios_1.updated_at, areas_1.codigo, areas_1.nombre, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_2, areas_1.created_at AS created_at_2, areas_1.updated_at AS updated_at_1 
FROM historial LEFT OUTER JOIN usuarios AS usuarios_1 ON usuarios_1.id = historial.usuario_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = historial.area_id 
WHERE historial.evento = 'anulado' ORDER BY historial.created_at DESC, historial.id DESC 
 LIMIT 51::INTEGER;

-- ===== #51 ix_historial_created_at_brin: GET /historial?fecha_desde=&fecha_hasta= (one week, app)
-- [ix_historial_created_at_brin] recent week (app)
SELECT historial.documento_id, historial.evento, historial.usuario_id, historial.area_id, historial.estado_anterior, historial.estado_nuevo, historial.detalle, historial.created_at, historial.id, usuarios_1.username, usuarios_1.email, usuarios_1.nombre_completo, usuarios_1.password_hash, usuarios_1.rol, usuarios_1.area_id AS area_id_1, usuarios_1.activo, usuarios_1.ultimo_acceso, usuarios_1.id AS id_1, usuarios_1.created_at AS created_at_1, usuarios_1.updated_at, areas_1.codigo, areas_1.nombre, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_2, areas_1.created_at AS created_at_2, areas_1.updated_at AS updated_at_1 
FROM historial LEFT OUTER JOIN usuarios AS usuarios_1 ON usuarios_1.id = historial.usuario_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = historial.area_id 
WHERE historial.created_at >= '2026-10-24T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE AND historial.created_at < '2026-11-01T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE ORDER BY historial.created_at DESC, historial.id DESC 
 LIMIT 51::INTEGER;

-- [ix_historial_created_at_brin] week of June 2024 (app)
SELECT historial.documento_id, historial.evento, historial.usuario_id, historial.area_id, historial.estado_anterior, historial.estado_nuevo, historial.detalle, historial.created_at, historial.id, usuarios_1.username, usuarios_1.email, usuarios_1.nombre_completo, usuarios_1.password_hash, usuarios_1.rol, usuarios_1.area_id AS area_id_1, usuarios_1.activo, usuarios_1.ultimo_acceso, usuarios_1.id AS id_1, usuarios_1.created_at AS created_at_1, usuarios_1.updated_at, areas_1.codigo, areas_1.nombre, areas_1.sigla, areas_1.parent_id, areas_1.activo AS activo_1, areas_1.id AS id_2, areas_1.created_at AS created_at_2, areas_1.updated_at AS updated_at_1 
FROM historial LEFT OUTER JOIN usuarios AS usuarios_1 ON usuarios_1.id = historial.usuario_id LEFT OUTER JOIN areas AS areas_1 ON areas_1.id = historial.area_id 
WHERE historial.created_at >= '2024-06-01T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE AND historial.created_at < '2024-06-08T00:00:00-05:00'::timestamptz::TIMESTAMP WITH TIME ZONE ORDER BY historial.created_at DESC, historial.id DESC 
 LIMIT 51::INTEGER;


-- ===== Extra: the docs' bare 'query it serves' forms (no ORDER BY … LIMIT). They DO use the indexes,
-- but they are not what the endpoints run; see report.md, 'Test design'.
SET timezone='America/Lima';
-- #21 bare
EXPLAIN (COSTS OFF) SELECT * FROM documentos WHERE procedimiento_id = 21;
-- #24 bare
EXPLAIN (COSTS OFF) SELECT * FROM documentos WHERE estado IN ('registrado','derivado','recibido','en_proceso','observado') AND fecha_limite < current_date;
-- #25 docs form (ORDER BY, no LIMIT)
EXPLAIN (COSTS OFF) SELECT * FROM documentos WHERE prioridad IN ('alta','urgente') AND estado IN ('registrado','derivado','recibido','en_proceso','observado') ORDER BY fecha_recepcion DESC;
-- #42 bare
EXPLAIN (COSTS OFF) SELECT * FROM derivaciones WHERE enviado_por_id = 22;
-- #43 bare
EXPLAIN (COSTS OFF) SELECT * FROM derivaciones WHERE recibido_por_id = 22;
-- #44 bare
EXPLAIN (COSTS OFF) SELECT * FROM derivaciones WHERE indicacion_id = 12;
-- #46 bare
EXPLAIN (COSTS OFF) SELECT * FROM derivaciones WHERE estado IN ('pendiente','recibida') AND fecha_limite < current_date;
-- #20 bare tipo=1
EXPLAIN (COSTS OFF) SELECT * FROM documentos WHERE tipo_documento_id = 1 ORDER BY fecha_recepcion DESC, id DESC LIMIT 21;
-- #27 docs form common word no order
EXPLAIN (COSTS OFF) SELECT * FROM documentos WHERE busqueda @@ websearch_to_tsquery('spanish', unaccent('edificaciones'));

-- ===== Proposed index set: see queries_proposed.sql (same statements, run against the proposed DDL).
