// The DuckDB instance queries run on: settings that give Trino's integer division, the macros the
// translation emits, and the mapping from DuckDB result types back to Athena types.
import { createRequire } from 'node:module'
import { type DuckDBConnection, DuckDBInstance, type DuckDBType, DuckDBTypeId } from '@duckdb/node-api'
import type { SqlType } from '../sql/ast.ts'
import {
  BIGINT,
  BOOLEAN,
  DATE,
  DOUBLE,
  INTEGER,
  JSON_TYPE,
  quoteDuck,
  simple,
  timestamp,
  UNKNOWN,
  VARBINARY,
  VARCHAR,
} from '../sql/types.ts'

const MACROS = [
  // Trino: integer and decimal division by zero fails; floating point gives ±Infinity / NaN. The failure is a
  // failing cast (not error(), which is volatile) so that TRY can catch it as Trino's TRY does.
  `CREATE OR REPLACE MACRO athena_divide(a, b) AS CASE WHEN b = 0 THEN cast_to_type(CASE WHEN typeof(a) IN ('DOUBLE', 'FLOAT') OR typeof(b) IN ('DOUBLE', 'FLOAT') THEN (a * 'inf'::DOUBLE) ELSE CAST('DIVISION_BY_ZERO: Division by zero' AS INTEGER) END, a / b) ELSE a / b END`,
  `CREATE OR REPLACE MACRO athena_mod(a, b) AS CASE WHEN b = 0 THEN cast_to_type(CASE WHEN typeof(a) IN ('DOUBLE', 'FLOAT') OR typeof(b) IN ('DOUBLE', 'FLOAT') THEN 'nan'::DOUBLE ELSE CAST('DIVISION_BY_ZERO: Division by zero' AS INTEGER) END, a % b) ELSE a % b END`,
  `CREATE OR REPLACE MACRO athena_cbrt(x) AS CASE WHEN round(cbrt(x)) * round(cbrt(x)) * round(cbrt(x)) = x THEN round(cbrt(x)) ELSE cbrt(x) END`,
  `CREATE OR REPLACE MACRO athena_round_timestamp(ts, p) AS CASE WHEN ts IS NULL THEN NULL ELSE make_timestamp(CAST(round(epoch_us(ts) / (10.0 ** (6 - p))) * (10.0 ** (6 - p)) AS BIGINT)) END`,
  `CREATE OR REPLACE MACRO athena_at_time_zone(ts, zone) AS CAST(ts AS TIMESTAMPTZ)`,
  `CREATE OR REPLACE MACRO athena_typeof(x) AS CASE typeof(x) WHEN 'INTEGER' THEN 'integer' WHEN 'VARCHAR' THEN 'varchar' WHEN 'FLOAT' THEN 'real' WHEN 'BLOB' THEN 'varbinary' WHEN 'TIMESTAMP' THEN 'timestamp(3)' WHEN 'TIMESTAMP WITH TIME ZONE' THEN 'timestamp(3) with time zone' WHEN 'HUGEINT' THEN 'bigint' ELSE lower(typeof(x)) END`,
]

/**
 * @duckdb/node-api turns VARCHAR bytes into strings with a default `TextDecoder`, which takes a leading U+FEFF
 * for a byte order mark and drops it, so `chr(65279) || 'x'` read back as `x` (Trino keeps the character).
 * Its string reader looks the decoder up on its module's exports at every call, so a decoder that keeps the
 * character takes its place. The dependency is pinned; test/strings.test.ts fails if this stops holding.
 */
function keepLeadingByteOrderMarks(): void {
  const require = createRequire(import.meta.url)
  const accessors = require('@duckdb/node-api/lib/vectors/dataAccessors.js') as { textDecoder?: unknown }
  if (accessors.textDecoder instanceof TextDecoder && !accessors.textDecoder.ignoreBOM)
    accessors.textDecoder = new TextDecoder('utf-8', { ignoreBOM: true })
}

export async function openDuck(path: string): Promise<DuckDBInstance> {
  keepLeadingByteOrderMarks()
  const instance = await DuckDBInstance.create(path, {
    threads: '2',
    integer_division: 'true',
    default_null_order: 'nulls_last',
    enable_external_access: 'true',
  })
  const c = await instance.connect()
  try {
    for (const m of MACROS) await c.run(m)
    await c.run('CREATE SCHEMA IF NOT EXISTS "__hive"')
  } finally {
    c.closeSync()
  }
  return instance
}

/** The Athena type for a DuckDB result column, when the translation did not know it. */
export function athenaType(t: DuckDBType): SqlType {
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return BOOLEAN
    case DuckDBTypeId.TINYINT:
      return simple('tinyint')
    case DuckDBTypeId.SMALLINT:
      return simple('smallint')
    case DuckDBTypeId.INTEGER:
      return INTEGER
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UINTEGER:
      return BIGINT
    case DuckDBTypeId.FLOAT:
      return simple('real')
    case DuckDBTypeId.DOUBLE:
      return DOUBLE
    case DuckDBTypeId.DECIMAL: {
      const d = t as unknown as { width: number; scale: number }
      return simple('decimal', [d.width, d.scale])
    }
    case DuckDBTypeId.VARCHAR:
      return t.alias === 'JSON' ? JSON_TYPE : VARCHAR
    case DuckDBTypeId.BLOB:
      return VARBINARY
    case DuckDBTypeId.DATE:
      return DATE
    case DuckDBTypeId.TIME:
      return simple('time', [3])
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_S:
      return timestamp(3)
    case DuckDBTypeId.TIMESTAMP_NS:
      return timestamp(9)
    case DuckDBTypeId.TIMESTAMP_TZ:
      return timestamp(3, true)
    case DuckDBTypeId.INTERVAL:
      return { kind: 'interval', from: 'day', to: 'second' }
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return { kind: 'array', element: athenaType((t as unknown as { valueType: DuckDBType }).valueType) }
    case DuckDBTypeId.MAP: {
      const m = t as unknown as { keyType: DuckDBType; valueType: DuckDBType }
      return { kind: 'map', key: athenaType(m.keyType), value: athenaType(m.valueType) }
    }
    case DuckDBTypeId.STRUCT: {
      const s = t as unknown as { entryNames: string[]; entryTypes: DuckDBType[] }
      return {
        kind: 'row',
        fields: s.entryNames.map((n, i) => ({
          name: n === '' || /^__\d+$/.test(n) ? null : n,
          type: athenaType(s.entryTypes[i]!),
        })),
      }
    }
    case DuckDBTypeId.UUID:
      return simple('uuid')
    case DuckDBTypeId.SQLNULL:
      return UNKNOWN
    default:
      return VARCHAR
  }
}

/**
 * The DuckDB type a result column is read as: HUGEINT becomes BIGINT (Trino's integer sum; overflow fails)
 * and unnamed struct fields get positional names, which the value reader needs to tell them apart.
 */
export function transportType(t: DuckDBType): { sql: string; changed: boolean } {
  switch (t.typeId) {
    case DuckDBTypeId.HUGEINT:
      return { sql: 'BIGINT', changed: true }
    case DuckDBTypeId.LIST: {
      const inner = transportType((t as unknown as { valueType: DuckDBType }).valueType)
      return { sql: `${inner.sql}[]`, changed: inner.changed }
    }
    case DuckDBTypeId.MAP: {
      const m = t as unknown as { keyType: DuckDBType; valueType: DuckDBType }
      const k = transportType(m.keyType)
      const v = transportType(m.valueType)
      return { sql: `MAP(${k.sql}, ${v.sql})`, changed: k.changed || v.changed }
    }
    case DuckDBTypeId.STRUCT: {
      const s = t as unknown as { entryNames: string[]; entryTypes: DuckDBType[] }
      let changed = false
      const fields = s.entryNames.map((n, i) => {
        const inner = transportType(s.entryTypes[i]!)
        if (inner.changed || n === '') changed = true
        return `${quoteDuck(n === '' ? `__${i}` : n)} ${inner.sql}`
      })
      return { sql: `STRUCT(${fields.join(', ')})`, changed }
    }
    default:
      return { sql: t.toString(), changed: false }
  }
}

/** Runs `fn` on a fresh connection, closing it afterwards. */
export async function withConnection<T>(
  instance: DuckDBInstance,
  fn: (c: DuckDBConnection) => Promise<T>,
): Promise<T> {
  const c = await instance.connect()
  try {
    return await fn(c)
  } finally {
    c.closeSync()
  }
}
