// UNLOAD: query results written as data files under an S3 prefix, with a manifest. Parquet is written by
// hyparquet-writer (DuckDB cannot write INT96, which is how Athena stores timestamps): timestamp columns
// are encoded as 12-byte fixed-length values (byte-identical to INT96's plain encoding) and relabelled
// INT96 in the footer before it is written.
import { randomUUID } from 'node:crypto'
import { gzipSync, zstdCompressSync } from 'node:zlib'
import {
  type DuckDBConnection,
  type DuckDBDateValue,
  type DuckDBDecimalValue,
  type DuckDBListValue,
  type DuckDBMapValue,
  type DuckDBStructValue,
  type DuckDBTimestampValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
} from '@duckdb/node-api'
import { ByteWriter, ParquetWriter } from 'hyparquet-writer'
import { QueryFailure } from '../failure.ts'
import { renderValue } from '../results/render.ts'
import { type ObjectStore, parseS3Uri } from '../s3/object-store.ts'
import type { SqlType } from '../sql/ast.ts'
import { HIVE_SERDE } from '../sql/hive-parser.ts'
import type { Column } from '../sql/translate.ts'
import { athenaType, transportType } from './duck.ts'
import { failureFromDuck } from './errors.ts'
import { formatTextRow, textFormat } from './hive-text.ts'

// hyparquet's schema element shape (kept loose: the writer reads plain objects)
type SchemaElement = Record<string, unknown> & { name: string }

const JULIAN_EPOCH_DAY = 2440588n
const DAY_NANOS = 86400000000000n

/** INT96 as Athena writes it: nanoseconds of the day (8 bytes LE) then the Julian day (4 bytes LE). */
export function int96(micros: bigint): Uint8Array {
  const nanos = micros * 1000n
  let day = nanos / DAY_NANOS
  let rest = nanos % DAY_NANOS
  if (rest < 0n) {
    rest += DAY_NANOS
    day -= 1n
  }
  const out = new Uint8Array(12)
  const view = new DataView(out.buffer)
  view.setBigInt64(0, rest, true)
  view.setUint32(8, Number(day + JULIAN_EPOCH_DAY), true)
  return out
}

function decimalBytes(precision: number): number {
  let n = 1
  while (2n ** BigInt(8 * n - 1) <= 10n ** BigInt(precision)) n++
  return n
}

interface Leaf {
  path: string[]
}

/** Parquet schema elements for one column; records INT96 leaves for the footer relabel. */
function schemaFor(name: string, t: DuckDBType, int96Leaves: Leaf[], path: string[]): SchemaElement[] {
  const here = [...path, name]
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return [{ name, type: 'BOOLEAN', repetition_type: 'OPTIONAL' }]
    case DuckDBTypeId.TINYINT:
      return [{ name, type: 'INT32', converted_type: 'INT_8', repetition_type: 'OPTIONAL' }]
    case DuckDBTypeId.SMALLINT:
      return [{ name, type: 'INT32', converted_type: 'INT_16', repetition_type: 'OPTIONAL' }]
    case DuckDBTypeId.INTEGER:
      return [{ name, type: 'INT32', repetition_type: 'OPTIONAL' }]
    case DuckDBTypeId.BIGINT:
      return [{ name, type: 'INT64', repetition_type: 'OPTIONAL' }]
    case DuckDBTypeId.FLOAT:
      return [{ name, type: 'FLOAT', repetition_type: 'OPTIONAL' }]
    case DuckDBTypeId.DOUBLE:
      return [{ name, type: 'DOUBLE', repetition_type: 'OPTIONAL' }]
    case DuckDBTypeId.DECIMAL: {
      const d = t as unknown as { width: number; scale: number }
      return [
        {
          name,
          type: 'FIXED_LEN_BYTE_ARRAY',
          type_length: decimalBytes(d.width),
          converted_type: 'DECIMAL',
          precision: d.width,
          scale: d.scale,
          repetition_type: 'OPTIONAL',
        },
      ]
    }
    case DuckDBTypeId.VARCHAR:
      return [{ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' }]
    case DuckDBTypeId.BLOB:
      return [{ name, type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' }]
    case DuckDBTypeId.DATE:
      return [{ name, type: 'INT32', converted_type: 'DATE', repetition_type: 'OPTIONAL' }]
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      int96Leaves.push({ path: here })
      return [{ name, type: 'FIXED_LEN_BYTE_ARRAY', type_length: 12, repetition_type: 'OPTIONAL' }]
    case DuckDBTypeId.LIST: {
      const child = (t as unknown as { valueType: DuckDBType }).valueType
      const element = schemaFor('element', child, int96Leaves, [...here, 'list'])
      return [
        { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        ...element,
      ]
    }
    case DuckDBTypeId.MAP: {
      const m = t as unknown as { keyType: DuckDBType; valueType: DuckDBType }
      const key = schemaFor('key', m.keyType, int96Leaves, [...here, 'key_value'])
      key[0]!.repetition_type = 'REQUIRED'
      const value = schemaFor('value', m.valueType, int96Leaves, [...here, 'key_value'])
      return [
        { name, repetition_type: 'OPTIONAL', converted_type: 'MAP', num_children: 1 },
        { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
        ...key,
        ...value,
      ]
    }
    case DuckDBTypeId.STRUCT: {
      const s = t as unknown as { entryNames: string[]; entryTypes: DuckDBType[] }
      const children = s.entryNames.flatMap((n, i) => schemaFor(n, s.entryTypes[i]!, int96Leaves, here))
      return [{ name, repetition_type: 'OPTIONAL', num_children: s.entryNames.length }, ...children]
    }
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIME_TZ:
      throw new QueryFailure('NOT_SUPPORTED', `Unsupported Hive type: time(3)`)
    default:
      throw new QueryFailure('NOT_SUPPORTED', `Unsupported type for UNLOAD: ${t.toString()}`)
  }
}

/** A DuckDB value as hyparquet-writer takes it. */
function toParquet(v: DuckDBValue, t: DuckDBType): unknown {
  if (v === null || v === undefined) return null
  switch (t.typeId) {
    case DuckDBTypeId.DECIMAL:
      return (v as DuckDBDecimalValue).value
    case DuckDBTypeId.BLOB:
      return (v as { bytes: Uint8Array }).bytes
    case DuckDBTypeId.DATE:
      return (v as DuckDBDateValue).days
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return int96((v as DuckDBTimestampValue).micros)
    case DuckDBTypeId.LIST: {
      const child = (t as unknown as { valueType: DuckDBType }).valueType
      return (v as DuckDBListValue).items.map((x) => toParquet(x, child))
    }
    case DuckDBTypeId.MAP: {
      const m = t as unknown as { keyType: DuckDBType; valueType: DuckDBType }
      return (v as DuckDBMapValue).entries.map((e) => ({
        key: toParquet(e.key, m.keyType),
        value: toParquet(e.value, m.valueType),
      }))
    }
    case DuckDBTypeId.STRUCT: {
      const s = t as unknown as { entryNames: string[]; entryTypes: DuckDBType[] }
      const out: Record<string, unknown> = {}
      s.entryNames.forEach((n, i) => {
        out[n] = toParquet((v as DuckDBStructValue).entries[n] ?? null, s.entryTypes[i]!)
      })
      return out
    }
    default:
      return v
  }
}

export function parquetFile(
  names: string[],
  types: DuckDBType[],
  rows: DuckDBValue[][],
  codec: string,
): Uint8Array {
  const int96Leaves: Leaf[] = []
  const schema: SchemaElement[] = [{ name: 'schema', num_children: names.length }]
  for (let i = 0; i < names.length; i++) schema.push(...schemaFor(names[i]!, types[i]!, int96Leaves, []))
  const writer = new ByteWriter()
  const compressors: Record<string, (input: Uint8Array) => Uint8Array> = {
    GZIP: (input) => gzipSync(input),
    ZSTD: (input) => zstdCompressSync(input),
  }
  const pw = new ParquetWriter({
    writer,
    schema: schema as never,
    codec: codec as never,
    compressors: compressors as never,
    statistics: false,
    createdBy: 'athena-local',
  })
  if (rows.length > 0) {
    pw.write({
      columnData: names.map((name, i) => ({
        name,
        data: rows.map((r) => toParquet(r[i] ?? null, types[i]!)) as never,
      })),
      rowGroupSize: 100000,
    })
  }
  // relabel the 12-byte columns as INT96 in the schema and in every column chunk
  const int96Paths = new Set(int96Leaves.map((l) => l.path.join('.')))
  const byPath = new Map<string, SchemaElement>()
  const walk = (start: number, prefix: string[]): number => {
    const el = schema[start]!
    const path = [...prefix, el.name]
    byPath.set(path.slice(1).join('.'), el)
    let next = start + 1
    for (let i = 0; i < ((el.num_children as number | undefined) ?? 0); i++) next = walk(next, path)
    return next
  }
  walk(0, [])
  for (const p of int96Paths) {
    const el = byPath.get(p)
    if (el) {
      el.type = 'INT96'
      delete el.type_length
    }
  }
  for (const group of pw.row_groups) {
    for (const chunk of group.columns) {
      const meta = chunk.meta_data as { path_in_schema: string[]; type: string } | undefined
      if (meta && int96Paths.has(meta.path_in_schema.join('.'))) meta.type = 'INT96'
    }
  }
  pw.finish()
  return new Uint8Array(writer.getBuffer())
}

export async function writeUnload(
  store: ObjectStore,
  c: DuckDBConnection,
  sql: string,
  hints: Column[] | null,
  location: string,
  queryId: string,
  props: Record<string, string>,
  partitionedBy: string[],
  statementSql: string,
): Promise<{ rows: number; files: string[] }> {
  const target = parseS3Uri(location)
  if (!target) throw new QueryFailure('INVALID_INPUT', `Invalid UNLOAD location: ${location}`)
  if (!store.hasBucket(target.bucket))
    throw new QueryFailure('NOT_FOUND', `The specified bucket does not exist: ${target.bucket}`)
  const prefix = target.key === '' || target.key.endsWith('/') ? target.key : `${target.key}/`
  if (store.listPrefix(target.bucket, prefix).length > 0) {
    throw new QueryFailure('HIVE_PATH_ALREADY_EXISTS', `UNLOAD target directory is not empty: ${location}`)
  }
  const format = (props.format ?? 'PARQUET').toUpperCase()
  const compression = (props.compression ?? (format === 'PARQUET' ? 'SNAPPY' : 'GZIP')).toUpperCase()
  let result: Awaited<ReturnType<DuckDBConnection['runAndReadAll']>>
  try {
    const prepared = await c.prepare(sql)
    const names = Array.from({ length: prepared.columnCount }, (_, i) => prepared.columnName(i))
    const transport = Array.from({ length: prepared.columnCount }, (_, i) =>
      transportType(prepared.columnType(i)),
    )
    prepared.destroySync()
    const finalSql = transport.some((t) => t.changed)
      ? `SELECT ${names.map((n, i) => `CAST("__q"."${n.replaceAll('"', '""')}" AS ${transport[i]!.sql}) AS "${n.replaceAll('"', '""')}"`).join(', ')} FROM (${sql}) AS "__q"`
      : sql
    result = await c.runAndReadAll(finalSql)
  } catch (err) {
    throw failureFromDuck(err, statementSql)
  }
  const names = result.columnNames()
  const types = result.columnTypes()
  const rows = result.getRows()
  const partIdx = partitionedBy.map((p) => names.findIndex((n) => n.toLowerCase() === p))
  if (partIdx.some((i) => i < 0))
    throw new QueryFailure('INVALID_TABLE_PROPERTY', 'Partition column not present in the query')
  const dataIdx = names.map((_, i) => i).filter((i) => !partIdx.includes(i))
  const groups = new Map<string, { dir: string; rows: DuckDBValue[][] }>()
  for (const row of rows) {
    const dir = partIdx
      .map(
        (i) =>
          `${names[i]}=${encodeURIComponent(renderValue(row[i] ?? null, types[i]!) ?? '__HIVE_DEFAULT_PARTITION__')}`,
      )
      .join('/')
    const g = groups.get(dir) ?? { dir, rows: [] }
    g.rows.push(dataIdx.map((i) => row[i] ?? null))
    groups.set(dir, g)
  }
  if (groups.size === 0 && partIdx.length === 0) groups.set('', { dir: '', rows: [] })
  const files: string[] = []
  const dataNames = dataIdx.map((i) => names[i]!)
  const dataTypes = dataIdx.map((i) => types[i]!)
  for (const g of groups.values()) {
    const key = `${prefix}${g.dir ? `${g.dir}/` : ''}${queryId.replaceAll('-', '')}_${randomUUID()}`
    let body: Uint8Array
    if (format === 'PARQUET') {
      body = parquetFile(dataNames, dataTypes, g.rows, compression === 'NONE' ? 'UNCOMPRESSED' : compression)
    } else if (format === 'TEXTFILE' || format === 'JSON') {
      const athenaTypes: SqlType[] = dataIdx.map((i) => hints?.[i]?.type ?? athenaType(types[i]!))
      const text =
        format === 'JSON'
          ? g.rows
              .map(
                (r) =>
                  `${JSON.stringify(Object.fromEntries(dataNames.map((n, i) => [n, renderValue(r[i] ?? null, dataTypes[i]!)])))}\n`,
              )
              .join('')
          : g.rows
              .map(
                (r) =>
                  `${formatTextRow(r, athenaTypes, textFormat(HIVE_SERDE.lazySimple, { 'field.delim': props.field_delimiter ?? '\u0001' }, {}))}\n`,
              )
              .join('')
      body = compression === 'NONE' ? Buffer.from(text) : gzipSync(Buffer.from(text))
    } else {
      throw new QueryFailure('NOT_SUPPORTED', `UNLOAD to ${format} is not supported by athena-local`)
    }
    store.write(target.bucket, key, Buffer.from(body))
    files.push(`s3://${target.bucket}/${key}`)
  }
  return { rows: rows.length, files }
}
