/**
 * The Db2 for i system objects, built once per PostgreSQL database: SYSIBM.SYSDUMMY1, the
 * QSYS2 catalog views, the per-schema catalog views every CREATE SCHEMA gets on IBM i, helper
 * functions the translator calls, and the `qsys` schema holding this server's own bookkeeping
 * (procedure parameters, active jobs, the job log). Names inside PostgreSQL are the case-swapped
 * Db2 names (see names.ts); the views present values with their Db2 spelling.
 */

/** Schemas PostgreSQL or this server own, hidden from the catalog views. */
export const HIDDEN_SCHEMAS = ['pg_catalog', 'information_schema', 'pg_toast', 'qsys', 'public']

const hidden = HIDDEN_SCHEMAS.map((s) => `'${s}'`).join(', ')

/** Catalog views created in every schema, as IBM i creates them for CREATE SCHEMA. */
export const PER_SCHEMA_VIEWS = [
  'syscolumns',
  'systables',
  'sysviews',
  'sysindexes',
  'syscst',
  'syskeycst',
  'sysrefcst',
]

export const BOOTSTRAP_SQL = `
CREATE SCHEMA qsys;
CREATE SCHEMA qsys2;
CREATE SCHEMA sysibm;
CREATE SCHEMA sysproc;

CREATE DOMAIN qsys.clob AS text;
CREATE DOMAIN qsys.blob AS bytea;
CREATE DOMAIN qsys.binary AS bytea;
CREATE DOMAIN qsys.varbinary AS bytea;
CREATE DOMAIN qsys.decfloat AS numeric;
CREATE DOMAIN qsys.rowid AS bytea;

CREATE FUNCTION qsys.domain_oid(name text) RETURNS oid LANGUAGE sql IMMUTABLE AS $$
  SELECT oid FROM pg_type WHERE typnamespace = 'qsys'::regnamespace AND typname = name
$$;

CREATE TABLE sysibm.sysdummy1 (ibmreqd char(1) NOT NULL);
INSERT INTO sysibm.sysdummy1 VALUES ('Y');

CREATE FUNCTION qsys.db2_name(name text) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT CASE
    WHEN name = upper(name) AND name <> lower(name) THEN lower(name)
    WHEN name = lower(name) AND name <> upper(name) THEN upper(name)
    ELSE name END
$$;
CREATE FUNCTION qsys.db2_concat(a text, b text) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT a || b $$;
CREATE FUNCTION qsys.db2_concat(a bytea, b bytea) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT a || b $$;
CREATE FUNCTION qsys.identity_val_local() RETURNS numeric(31,0) LANGUAGE plpgsql AS $$
BEGIN
  RETURN lastval();
EXCEPTION WHEN object_not_in_prerequisite_state THEN
  RETURN NULL;
END $$;

-- Db2 scalar functions PostgreSQL lacks or spells differently (on the path as QSYS).
CREATE FUNCTION qsys.year(v timestamp) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT EXTRACT(YEAR FROM v)::integer $$;
CREATE FUNCTION qsys.month(v timestamp) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT EXTRACT(MONTH FROM v)::integer $$;
CREATE FUNCTION qsys.day(v timestamp) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT EXTRACT(DAY FROM v)::integer $$;
CREATE FUNCTION qsys.hour(v time) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT EXTRACT(HOUR FROM v)::integer $$;
CREATE FUNCTION qsys.hour(v timestamp) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT EXTRACT(HOUR FROM v)::integer $$;
CREATE FUNCTION qsys.minute(v time) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT EXTRACT(MINUTE FROM v)::integer $$;
CREATE FUNCTION qsys.minute(v timestamp) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT EXTRACT(MINUTE FROM v)::integer $$;
CREATE FUNCTION qsys.second(v time) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT floor(EXTRACT(SECOND FROM v))::integer $$;
CREATE FUNCTION qsys.second(v timestamp) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT floor(EXTRACT(SECOND FROM v))::integer $$;
CREATE FUNCTION qsys.microsecond(v timestamp) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT (EXTRACT(MICROSECONDS FROM v)::integer % 1000000) $$;
CREATE FUNCTION qsys.days(v date) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT (v - DATE '0001-01-01') + 1 $$;
CREATE FUNCTION qsys.days(v timestamp) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT (v::date - DATE '0001-01-01') + 1 $$;
CREATE FUNCTION qsys.dayofweek(v date) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT EXTRACT(DOW FROM v)::integer + 1 $$;
CREATE FUNCTION qsys.dayofyear(v date) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT EXTRACT(DOY FROM v)::integer $$;
CREATE FUNCTION qsys.quarter(v date) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT EXTRACT(QUARTER FROM v)::integer $$;
CREATE FUNCTION qsys.lcase(v text) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT lower(v) $$;
CREATE FUNCTION qsys.ucase(v text) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT upper(v) $$;
CREATE FUNCTION qsys.locate(search text, source text) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT strpos(source, search) $$;
CREATE FUNCTION qsys.locate(search text, source text, start integer) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT CASE WHEN strpos(substr(source, start), search) = 0 THEN 0 ELSE strpos(substr(source, start), search) + start - 1 END
$$;
CREATE FUNCTION qsys.posstr(source text, search text) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT strpos(source, search) $$;
CREATE FUNCTION qsys.strip(v text) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT btrim(v) $$;
CREATE FUNCTION qsys.hex(v bytea) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT upper(encode(v, 'hex')) $$;
CREATE FUNCTION qsys.hex(v text) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT upper(encode(convert_to(v, 'UTF8'), 'hex')) $$;
CREATE FUNCTION qsys.timestamp_iso(v date) RETURNS timestamp LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT v::timestamp $$;

-- Db2 names of PostgreSQL types, as SYSCOLUMNS spells them.
CREATE FUNCTION qsys.catalog_type(t oid, typmod integer) RETURNS varchar(8) LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN t = qsys.domain_oid('clob') THEN 'CLOB'
    WHEN t = qsys.domain_oid('blob') THEN 'BLOB'
    WHEN t = qsys.domain_oid('binary') THEN 'BINARY'
    WHEN t = qsys.domain_oid('varbinary') THEN 'VARBIN'
    WHEN t = qsys.domain_oid('decfloat') THEN 'DECFLOAT'
    WHEN t = qsys.domain_oid('rowid') THEN 'ROWID'
    WHEN t = 21 THEN 'SMALLINT'
    WHEN t = 23 THEN 'INTEGER'
    WHEN t = 20 THEN 'BIGINT'
    WHEN t = 1700 THEN CASE WHEN typmod < 0 THEN 'DECFLOAT' ELSE 'DECIMAL' END
    WHEN t = 700 THEN 'REAL'
    WHEN t = 701 THEN 'FLOAT'
    WHEN t = 1042 THEN 'CHAR'
    WHEN t = 1043 THEN 'VARCHAR'
    WHEN t = 25 THEN 'CLOB'
    WHEN t = 17 THEN 'VARBIN'
    WHEN t = 1082 THEN 'DATE'
    WHEN t = 1083 THEN 'TIME'
    WHEN t = 1114 THEN 'TIMESTMP'
    WHEN t = 1184 THEN 'TIMESTMP'
    WHEN t = 16 THEN 'BOOLEAN'
    WHEN t = 142 THEN 'XML'
    ELSE upper(format_type(t, NULL)) END::varchar(8)
$$;

CREATE FUNCTION qsys.catalog_length(t oid, typmod integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN t IN (21) THEN 2
    WHEN t IN (23, 700, 1082) THEN 4
    WHEN t IN (20, 701) THEN 8
    WHEN t IN (1083) THEN 3
    WHEN t IN (1114, 1184) THEN 10
    WHEN t = 1700 THEN CASE WHEN typmod < 0 THEN 34 ELSE ((typmod - 4) >> 16) & 65535 END
    WHEN t IN (1042, 1043) THEN CASE WHEN typmod < 0 THEN 32739 ELSE typmod - 4 END
    WHEN t = 16 THEN 1
    WHEN t IN (qsys.domain_oid('decfloat')) THEN 34
    ELSE 1048576 END
$$;

CREATE FUNCTION qsys.catalog_scale(t oid, typmod integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN t = 1700 AND typmod >= 0 THEN (typmod - 4) & 65535
    WHEN t IN (21, 23, 20) THEN 0
    WHEN t IN (1114, 1184) THEN 6
    ELSE NULL END
$$;

CREATE FUNCTION qsys.catalog_precision(t oid, typmod integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN t = 21 THEN 5
    WHEN t = 23 THEN 10
    WHEN t = 20 THEN 19
    WHEN t = 700 THEN 24
    WHEN t = 701 THEN 53
    WHEN t = 1700 THEN CASE WHEN typmod < 0 THEN 34 ELSE ((typmod - 4) >> 16) & 65535 END
    WHEN t = qsys.domain_oid('decfloat') THEN 34
    ELSE NULL END
$$;

-- Procedure definitions as Db2 declared them (PostgreSQL does not keep CHAR lengths of parameters).
CREATE TABLE qsys.procedures (
  specific_schema text NOT NULL,
  specific_name text NOT NULL,
  routine_schema text NOT NULL,
  routine_name text NOT NULL,
  result_sets integer NOT NULL DEFAULT 0,
  routine_definition text,
  created timestamp NOT NULL DEFAULT LOCALTIMESTAMP,
  PRIMARY KEY (routine_schema, routine_name)
);
CREATE TABLE qsys.procedure_parameters (
  routine_schema text NOT NULL,
  routine_name text NOT NULL,
  ordinal_position integer NOT NULL,
  parameter_mode varchar(5) NOT NULL,
  parameter_name text NOT NULL,
  data_type text NOT NULL,
  numeric_precision integer,
  numeric_scale integer,
  character_maximum_length integer,
  PRIMARY KEY (routine_schema, routine_name, ordinal_position),
  FOREIGN KEY (routine_schema, routine_name) REFERENCES qsys.procedures ON DELETE CASCADE
);

-- Jobs of this server (one per connected socket), for WRKACTJOB and ACTIVE_JOB_INFO.
CREATE TABLE qsys.jobs (
  job_name text PRIMARY KEY,
  job_user text NOT NULL,
  job_number text NOT NULL,
  backend_pid integer,
  client_ip text,
  application text,
  started timestamp NOT NULL DEFAULT LOCALTIMESTAMP
);

CREATE VIEW qsys2.sysschemas AS
SELECT qsys.db2_name(n.nspname)::varchar(128) AS schema_name,
       'QSYS'::varchar(128) AS schema_owner,
       'QSYS'::varchar(128) AS schema_creator,
       NULL::timestamp AS creation_timestamp,
       dn.description::varchar(50) AS schema_text,
       upper(left(qsys.db2_name(n.nspname), 10))::char(10) AS system_schema_name,
       CASE WHEN n.nspname IN ('qsys2', 'sysibm', 'sysproc') THEN 'Y' ELSE 'N' END::char(1) AS system_schema
FROM pg_namespace n
LEFT JOIN pg_description dn ON dn.objoid = n.oid AND dn.classoid = 'pg_namespace'::regclass AND dn.objsubid = 0
WHERE n.nspname NOT IN (${hidden}) AND n.nspname NOT LIKE 'pg\\_%';

CREATE VIEW qsys2.systables AS
SELECT qsys.db2_name(c.relname)::varchar(128) AS table_name,
       'QSYS'::varchar(128) AS table_owner,
       (CASE c.relkind WHEN 'v' THEN 'V' WHEN 'm' THEN 'M' WHEN 'p' THEN 'P' ELSE 'T' END)::char(1) AS table_type,
       (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)::integer AS column_count,
       NULL::integer AS row_length,
       dc.description::varchar(50) AS table_text,
       dc.description::varchar(2000) AS long_comment,
       qsys.db2_name(n.nspname)::varchar(128) AS table_schema,
       NULL::timestamp AS last_altered_timestamp,
       upper(left(qsys.db2_name(c.relname), 10))::char(10) AS system_table_name,
       upper(left(qsys.db2_name(n.nspname), 10))::char(10) AS system_table_schema,
       (CASE c.relkind WHEN 'v' THEN 'L' ELSE 'P' END)::char(1) AS file_type,
       'LOCALHOST'::varchar(18) AS base_table_catalog,
       (CASE WHEN n.nspname IN ('qsys2', 'sysibm', 'sysproc') OR c.relname LIKE 'sys%' THEN 'Y' ELSE 'N' END)::char(1) AS system_table,
       (CASE WHEN c.relkind = 'v' THEN 'NO' ELSE 'YES' END)::varchar(3) AS is_insertable_into,
       NULL::char(1) AS enabled,
       NULL::char(1) AS maintenance,
       NULL::char(1) AS refresh,
       NULL::timestamp AS refresh_time,
       NULL::varchar(10000) AS mqt_definition,
       NULL::char(2) AS isolation,
       'N'::char(1) AS partitioned_table,
       'QSYS'::varchar(128) AS table_definer
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description dc ON dc.objoid = c.oid AND dc.classoid = 'pg_class'::regclass AND dc.objsubid = 0
WHERE c.relkind IN ('r', 'v', 'm', 'p') AND n.nspname NOT IN (${hidden}) AND n.nspname NOT LIKE 'pg\\_%';

CREATE VIEW qsys2.syscolumns AS
SELECT qsys.db2_name(a.attname)::varchar(128) AS column_name,
       qsys.db2_name(c.relname)::varchar(128) AS table_name,
       'QSYS'::varchar(128) AS table_owner,
       a.attnum::integer AS ordinal_position,
       qsys.catalog_type(a.atttypid, a.atttypmod) AS data_type,
       qsys.catalog_length(a.atttypid, a.atttypmod) AS length,
       qsys.catalog_scale(a.atttypid, a.atttypmod) AS numeric_scale,
       (CASE WHEN a.attnotnull THEN 'N' ELSE 'Y' END)::char(1) AS is_nullable,
       (CASE WHEN c.relkind = 'v' THEN 'N' ELSE 'Y' END)::char(1) AS is_updatable,
       dcol.description::varchar(2000) AS long_comment,
       (CASE WHEN a.atthasdef OR a.attidentity <> '' THEN 'Y' ELSE 'N' END)::char(1) AS has_default,
       NULL::varchar(60) AS column_heading,
       qsys.catalog_length(a.atttypid, a.atttypmod) AS storage,
       qsys.catalog_precision(a.atttypid, a.atttypmod) AS numeric_precision,
       (CASE WHEN a.atttypid IN (1042, 1043, 25, qsys.domain_oid('clob')) THEN 1208 ELSE NULL END)::integer AS ccsid,
       qsys.db2_name(n.nspname)::varchar(128) AS table_schema,
       pg_get_expr(d.adbin, d.adrelid)::varchar(2000) AS column_default,
       (CASE WHEN a.atttypid IN (1042, 1043) THEN qsys.catalog_length(a.atttypid, a.atttypmod) ELSE NULL END)::integer AS character_maximum_length,
       (CASE WHEN a.atttypid IN (1042, 1043) THEN qsys.catalog_length(a.atttypid, a.atttypmod) ELSE NULL END)::integer AS character_octet_length,
       (CASE WHEN qsys.catalog_precision(a.atttypid, a.atttypmod) IS NULL THEN NULL WHEN a.atttypid IN (700, 701) THEN 2 ELSE 10 END)::integer AS numeric_precision_radix,
       (CASE WHEN a.atttypid IN (1082, 1083) THEN 0 WHEN a.atttypid IN (1114, 1184) THEN 6 ELSE NULL END)::integer AS datetime_precision,
       dcol.description::varchar(50) AS column_text,
       upper(left(qsys.db2_name(a.attname), 10))::char(10) AS system_column_name,
       upper(left(qsys.db2_name(c.relname), 10))::char(10) AS system_table_name,
       upper(left(qsys.db2_name(n.nspname), 10))::char(10) AS system_table_schema,
       NULL::varchar(128) AS user_defined_type_schema,
       NULL::varchar(128) AS user_defined_type_name,
       (CASE WHEN a.attidentity <> '' THEN 'YES' ELSE 'NO' END)::varchar(3) AS is_identity,
       (CASE a.attidentity WHEN 'a' THEN 'ALWAYS' WHEN 'd' THEN 'BY DEFAULT' ELSE NULL END)::varchar(10) AS identity_generation,
       s.seqstart::numeric(31,0) AS identity_start,
       s.seqincrement::numeric(31,0) AS identity_increment,
       s.seqmin::numeric(31,0) AS identity_minimum,
       s.seqmax::numeric(31,0) AS identity_maximum,
       (CASE WHEN s.seqcycle THEN 'YES' WHEN s.seqcycle IS NOT NULL THEN 'NO' END)::varchar(3) AS identity_cycle,
       s.seqcache::integer AS identity_cache,
       (CASE WHEN s.seqstart IS NOT NULL THEN 'NO' END)::varchar(3) AS identity_order,
       NULL::varchar(128) AS column_expression,
       'N'::char(1) AS hidden,
       'N'::char(1) AS has_fldproc
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_description dcol ON dcol.objoid = c.oid AND dcol.classoid = 'pg_class'::regclass AND dcol.objsubid = a.attnum
LEFT JOIN pg_depend dep ON a.attidentity <> '' AND dep.refclassid = 'pg_class'::regclass AND dep.refobjid = c.oid
  AND dep.refobjsubid = a.attnum AND dep.classid = 'pg_class'::regclass AND dep.deptype = 'i'
LEFT JOIN pg_sequence s ON s.seqrelid = dep.objid
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'v', 'm', 'p')
  AND n.nspname NOT IN (${hidden}) AND n.nspname NOT LIKE 'pg\\_%';

CREATE VIEW qsys2.sysviews AS
SELECT qsys.db2_name(c.relname)::varchar(128) AS table_name,
       'QSYS'::varchar(128) AS view_owner,
       'N'::char(1) AS sequence_num,
       'NONE'::varchar(8) AS check_option,
       pg_get_viewdef(c.oid)::varchar(10000) AS view_definition,
       'N'::char(1) AS is_updatable,
       'N'::char(1) AS is_insertable_into,
       qsys.db2_name(n.nspname)::varchar(128) AS table_schema,
       upper(left(qsys.db2_name(c.relname), 10))::char(10) AS system_view_name,
       upper(left(qsys.db2_name(n.nspname), 10))::char(10) AS system_view_schema
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'v' AND n.nspname NOT IN (${hidden}) AND n.nspname NOT LIKE 'pg\\_%';

CREATE VIEW qsys2.sysindexes AS
SELECT qsys.db2_name(i.relname)::varchar(128) AS index_name,
       'QSYS'::varchar(128) AS index_owner,
       qsys.db2_name(t.relname)::varchar(128) AS table_name,
       'QSYS'::varchar(128) AS table_owner,
       (CASE WHEN x.indisunique THEN 'U' ELSE 'D' END)::char(1) AS is_unique,
       x.indnatts::integer AS column_count,
       qsys.db2_name(n.nspname)::varchar(128) AS index_schema,
       qsys.db2_name(n.nspname)::varchar(128) AS table_schema,
       upper(left(qsys.db2_name(i.relname), 10))::char(10) AS system_index_name,
       upper(left(qsys.db2_name(n.nspname), 10))::char(10) AS system_index_schema
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = i.relnamespace
WHERE n.nspname NOT IN (${hidden}) AND n.nspname NOT LIKE 'pg\\_%';

CREATE VIEW qsys2.syscst AS
SELECT qsys.db2_name(n.nspname)::varchar(128) AS constraint_schema,
       qsys.db2_name(k.conname)::varchar(128) AS constraint_name,
       'QSYS'::varchar(128) AS constraint_owner,
       qsys.db2_name(tn.nspname)::varchar(128) AS table_schema,
       qsys.db2_name(t.relname)::varchar(128) AS table_name,
       (CASE k.contype WHEN 'p' THEN 'PRIMARY KEY' WHEN 'u' THEN 'UNIQUE' WHEN 'f' THEN 'FOREIGN KEY' WHEN 'c' THEN 'CHECK' END)::varchar(11) AS constraint_type,
       'NO'::varchar(3) AS is_deferrable,
       'NO'::varchar(3) AS initially_deferred,
       cardinality(k.conkey)::integer AS column_count,
       'ESTABLISHED'::varchar(11) AS constraint_state,
       'YES'::varchar(3) AS enabled,
       'NO'::varchar(3) AS check_pending
FROM pg_constraint k
JOIN pg_namespace n ON n.oid = k.connamespace
JOIN pg_class t ON t.oid = k.conrelid
JOIN pg_namespace tn ON tn.oid = t.relnamespace
WHERE k.contype IN ('p', 'u', 'f', 'c') AND n.nspname NOT IN (${hidden}) AND n.nspname NOT LIKE 'pg\\_%';

CREATE VIEW qsys2.syskeycst AS
SELECT qsys.db2_name(n.nspname)::varchar(128) AS constraint_schema,
       qsys.db2_name(k.conname)::varchar(128) AS constraint_name,
       qsys.db2_name(tn.nspname)::varchar(128) AS table_schema,
       qsys.db2_name(t.relname)::varchar(128) AS table_name,
       qsys.db2_name(a.attname)::varchar(128) AS column_name,
       u.ordinality::integer AS ordinal_position,
       u.ordinality::integer AS column_position,
       upper(left(qsys.db2_name(a.attname), 10))::char(10) AS system_column_name,
       upper(left(qsys.db2_name(t.relname), 10))::char(10) AS system_table_name,
       upper(left(qsys.db2_name(tn.nspname), 10))::char(10) AS system_table_schema
FROM pg_constraint k
JOIN pg_namespace n ON n.oid = k.connamespace
JOIN pg_class t ON t.oid = k.conrelid
JOIN pg_namespace tn ON tn.oid = t.relnamespace
CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS u(attnum, ordinality)
JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
WHERE k.contype IN ('p', 'u', 'f') AND n.nspname NOT IN (${hidden}) AND n.nspname NOT LIKE 'pg\\_%';

CREATE VIEW qsys2.sysrefcst AS
SELECT qsys.db2_name(n.nspname)::varchar(128) AS constraint_schema,
       qsys.db2_name(k.conname)::varchar(128) AS constraint_name,
       qsys.db2_name(un.nspname)::varchar(128) AS unique_constraint_schema,
       qsys.db2_name(uk.conname)::varchar(128) AS unique_constraint_name,
       'NONE'::varchar(7) AS match_option,
       (CASE k.confupdtype WHEN 'r' THEN 'RESTRICT' ELSE 'NO ACTION' END)::varchar(11) AS update_rule,
       (CASE k.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' WHEN 'r' THEN 'RESTRICT' ELSE 'NO ACTION' END)::varchar(11) AS delete_rule,
       'NO'::varchar(3) AS column_count
FROM pg_constraint k
JOIN pg_namespace n ON n.oid = k.connamespace
LEFT JOIN pg_constraint uk ON uk.conrelid = k.confrelid AND uk.contype IN ('p', 'u') AND uk.conkey = k.confkey
LEFT JOIN pg_namespace un ON un.oid = uk.connamespace
WHERE k.contype = 'f' AND n.nspname NOT IN (${hidden}) AND n.nspname NOT LIKE 'pg\\_%';

CREATE VIEW qsys2.sysprocs AS
SELECT qsys.db2_name(p.specific_schema)::varchar(128) AS specific_schema,
       qsys.db2_name(p.specific_name)::varchar(128) AS specific_name,
       qsys.db2_name(p.routine_schema)::varchar(128) AS routine_schema,
       qsys.db2_name(p.routine_name)::varchar(128) AS routine_name,
       'QSYS'::varchar(128) AS routine_created,
       'SQL'::varchar(8) AS external_language,
       'SQL'::varchar(8) AS parameter_style,
       'NOT DETERMINISTIC'::varchar(20) AS is_deterministic,
       'MODIFIES SQL DATA'::varchar(20) AS sql_data_access,
       (SELECT count(*) FROM qsys.procedure_parameters q WHERE q.routine_schema = p.routine_schema AND q.routine_name = p.routine_name)::smallint AS in_parms,
       0::smallint AS out_parms,
       0::smallint AS inout_parms,
       p.result_sets::smallint AS result_sets,
       p.routine_definition::varchar(10000) AS routine_definition,
       p.created AS routine_created_timestamp
FROM qsys.procedures p;

CREATE VIEW qsys2.sysparms AS
SELECT qsys.db2_name(q.routine_schema)::varchar(128) AS specific_schema,
       qsys.db2_name(q.routine_name)::varchar(128) AS specific_name,
       q.ordinal_position::integer AS ordinal_position,
       q.parameter_mode::varchar(5) AS parameter_mode,
       q.parameter_name::varchar(128) AS parameter_name,
       q.data_type::varchar(128) AS data_type,
       q.numeric_scale::integer AS numeric_scale,
       q.numeric_precision::integer AS numeric_precision,
       q.character_maximum_length::integer AS character_maximum_length,
       'YES'::varchar(3) AS is_nullable,
       'P'::char(1) AS routine_type
FROM qsys.procedure_parameters q;

CREATE VIEW qsys2.sysroutines AS
SELECT specific_schema, specific_name, routine_schema, routine_name, 'PROCEDURE'::varchar(9) AS routine_type,
       external_language, result_sets, routine_definition, routine_created_timestamp
FROM qsys2.sysprocs;

-- Job logs, written by the server as jobs log messages; JOBLOG_INFO('*') is the calling job's.
CREATE TABLE qsys.joblog (
  qualified_job_name varchar(28) NOT NULL,
  ordinal_position integer NOT NULL,
  message_id varchar(7), message_type varchar(13), severity smallint, message_timestamp timestamp,
  from_program varchar(256), message_text varchar(1024), message_second_level_text varchar(4096),
  PRIMARY KEY (qualified_job_name, ordinal_position)
);

CREATE FUNCTION qsys2.joblog_info(job_name varchar(28), ignore_errors varchar(3) DEFAULT 'NO') RETURNS TABLE (
  ordinal_position integer, message_id varchar(7), message_type varchar(13), message_subtype varchar(22),
  severity smallint, message_timestamp timestamp, from_library varchar(10), from_program varchar(256),
  from_module varchar(10), from_procedure varchar(4096), from_instruction varchar(10),
  to_library varchar(10), to_program varchar(10), to_module varchar(10), to_procedure varchar(4096),
  to_instruction varchar(10), from_user varchar(10), message_file varchar(10), message_library varchar(10),
  message_text varchar(1024), message_second_level_text varchar(4096), message_token_length integer,
  message_tokens varchar(4096), message_key varchar(8), qualified_job_name varchar(28)
) LANGUAGE sql STABLE AS $$
  SELECT l.ordinal_position, l.message_id, l.message_type, NULL::varchar(22), l.severity, l.message_timestamp,
         'QSYS'::varchar(10), l.from_program, NULL::varchar(10), NULL::varchar(4096), NULL::varchar(10),
         'QSYS'::varchar(10), 'QZDASOINIT'::varchar(10), NULL::varchar(10), NULL::varchar(4096), NULL::varchar(10),
         split_part(l.qualified_job_name, '/', 2)::varchar(10), 'QCPFMSG'::varchar(10), 'QSYS'::varchar(10),
         l.message_text, l.message_second_level_text, 0, NULL::varchar(4096),
         lpad(l.ordinal_position::text, 8, '0')::varchar(8), l.qualified_job_name
  FROM qsys.joblog l
  WHERE l.qualified_job_name = CASE WHEN job_name = '*' THEN current_setting('mapepire.job_name') ELSE upper(job_name) END
  ORDER BY l.ordinal_position
$$;

-- Active jobs: this server's jobs, with the statement each runs (PostgreSQL's view of its session).
CREATE FUNCTION qsys2.active_job_info(
  reset_statistics varchar(3) DEFAULT 'NO', subsystem_list_filter varchar(100) DEFAULT NULL,
  job_name_filter varchar(28) DEFAULT NULL, current_user_list_filter varchar(100) DEFAULT NULL,
  detailed_info varchar(10) DEFAULT 'NONE'
) RETURNS TABLE (
  ordinal_position integer, job_name varchar(28), job_name_short varchar(10), job_user varchar(10),
  job_number varchar(6), subsystem varchar(10), subsystem_library_name varchar(10),
  authorization_name varchar(10), job_type varchar(3), function_type varchar(3), "function" varchar(10),
  job_status varchar(4), memory_pool varchar(10), run_priority integer, thread_count integer,
  temporary_storage integer, cpu_time bigint, total_disk_io_count bigint, elapsed_cpu_percentage numeric(10,1),
  elapsed_time numeric(10,3), client_ip_address varchar(45), job_active_time timestamp,
  sql_statement_text varchar(10000), sql_statement_status varchar(8), sql_statement_start_timestamp timestamp
) LANGUAGE sql STABLE AS $$
  SELECT (row_number() OVER (ORDER BY j.started))::integer, j.job_name::varchar(28), 'QZDASOINIT'::varchar(10),
         j.job_user::varchar(10), j.job_number::varchar(6), 'QUSRWRK'::varchar(10), 'QSYS'::varchar(10),
         j.job_user::varchar(10), 'PJ'::varchar(3), NULL::varchar(3), NULL::varchar(10),
         (CASE WHEN a.state = 'active' THEN 'RUN' ELSE 'TIMW' END)::varchar(4), '*BASE'::varchar(10),
         20, 1, 0, 0::bigint, 0::bigint, 0.0::numeric(10,1),
         EXTRACT(EPOCH FROM LOCALTIMESTAMP - j.started)::numeric(10,3), j.client_ip::varchar(45), j.started,
         (CASE WHEN upper(detailed_info) IN ('ALL', 'WORK') THEN a.query END)::varchar(10000),
         (CASE WHEN upper(detailed_info) NOT IN ('ALL', 'WORK') THEN NULL WHEN a.state = 'active' THEN 'ACTIVE' ELSE 'COMPLETE' END)::varchar(8),
         (CASE WHEN upper(detailed_info) IN ('ALL', 'WORK') THEN a.query_start::timestamp END)
  FROM qsys.jobs j
  LEFT JOIN pg_stat_activity a ON a.pid = j.backend_pid
  WHERE (job_name_filter IS NULL OR job_name_filter = '*ALL' OR j.job_name LIKE '%/' || replace(job_name_filter, '*', '%'))
    AND (current_user_list_filter IS NULL OR j.job_user = ANY (string_to_array(upper(current_user_list_filter), ',')))
$$;

CREATE FUNCTION qsys.create_schema_catalog(schema_name text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v text;
BEGIN
  FOREACH v IN ARRAY ARRAY[${PER_SCHEMA_VIEWS.map((v) => `'${v}'`).join(', ')}] LOOP
    EXECUTE format('CREATE VIEW %I.%I AS SELECT * FROM qsys2.%I WHERE %I = %L',
      schema_name, v, v,
      CASE WHEN v IN ('syscst', 'syskeycst', 'sysrefcst') THEN 'constraint_schema'
           WHEN v = 'sysindexes' THEN 'index_schema' ELSE 'table_schema' END,
      qsys.db2_name(schema_name));
  END LOOP;
END $$;
`
