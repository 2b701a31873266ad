// Table data. Hive tables live as files under their S3 location (and partition locations): before a query
// reads one, its files are loaded into DuckDB (text formats) or exposed through read_parquet (Parquet),
// again only when the file list changed. Iceberg tables are DuckDB tables. Writes go the other way:
// INSERT and CTAS into Hive tables write files in the table's format under its location.
import { randomUUID } from 'node:crypto'
import { gunzipSync, gzipSync } from 'node:zlib'
import type { DuckDBConnection, DuckDBType, DuckDBValue } from '@duckdb/node-api'
import { QueryFailure } from '../failure.ts'
import { type ObjectMeta, type ObjectStore, parseS3Uri } from '../s3/object-store.ts'
import type { SqlType } from '../sql/ast.ts'
import { HIVE_SERDE } from '../sql/hive-parser.ts'
import { duckType, quoteDuck } from '../sql/types.ts'
import { columnType, type TableEntry } from './catalog.ts'
import { formatTextRow, parseTextRows, textFormat } from './hive-text.ts'

interface DataFile {
  bucket: string
  key: string
  meta: ObjectMeta
  partition: string[]
}

export const PARQUET_INPUT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'
export const PARQUET_OUTPUT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat'
export const TEXT_INPUT = 'org.apache.hadoop.mapred.TextInputFormat'
export const TEXT_OUTPUT = 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'

export function tableFormat(entry: TableEntry): 'parquet' | 'text' | 'orc' | 'avro' {
  const s = entry.storage
  if (!s) return 'text'
  if (s.serde === HIVE_SERDE.parquet || s.inputFormat.includes('Parquet')) return 'parquet'
  if (s.serde === HIVE_SERDE.orc || s.inputFormat.includes('Orc')) return 'orc'
  if (s.inputFormat.includes('Avro')) return 'avro'
  return 'text'
}

const withSlash = (p: string) => (p.endsWith('/') ? p : `${p}/`)

function hidden(key: string, prefix: string): boolean {
  const rest = key.slice(prefix.length)
  if (rest === '' || rest.endsWith('/') || key.endsWith('_$folder$')) return true
  return rest.split('/').some((part) => part.startsWith('_') || part.startsWith('.'))
}

export class TableData {
  private readonly store: ObjectStore
  private readonly signatures = new Map<string, string>()

  constructor(store: ObjectStore) {
    this.store = store
  }

  /** The DuckDB relation holding a table's rows. */
  duckName(entry: TableEntry): string {
    if (entry.kind === 'iceberg') return entry.duckTable!
    return `"__hive".${quoteDuck(`${entry.database}.${entry.name}`)}`
  }

  files(entry: TableEntry): DataFile[] {
    const out: DataFile[] = []
    const collect = (location: string, partition: string[], recursive: boolean) => {
      const loc = parseS3Uri(withSlash(location))
      if (!loc) return
      for (const meta of this.store.listPrefix(loc.bucket, loc.key)) {
        if (hidden(meta.key, loc.key)) continue
        if (!recursive && meta.key.slice(loc.key.length).includes('/')) continue
        out.push({ bucket: loc.bucket, key: meta.key, meta, partition })
      }
    }
    if (entry.partitionKeys.length === 0) {
      if (entry.location) collect(entry.location, [], false)
    } else {
      for (const p of entry.partitions) collect(p.location, p.values, false)
    }
    return out
  }

  /** Loads a Hive table's files into DuckDB when they changed; returns the bytes read. */
  async prepare(entry: TableEntry, c: DuckDBConnection): Promise<number> {
    if (entry.kind !== 'hive') return 0
    const files = this.files(entry)
    const bytes = files.reduce((n, f) => n + f.meta.size, 0)
    const name = this.duckName(entry)
    const signature = JSON.stringify([
      entry.columns,
      entry.partitionKeys,
      entry.storage,
      entry.parameters,
      files.map((f) => [f.key, f.meta.etag, f.partition]),
    ])
    if (this.signatures.get(name) === signature) return bytes
    const format = tableFormat(entry)
    if (format === 'orc' || format === 'avro') {
      throw new QueryFailure(
        'HIVE_UNSUPPORTED_FORMAT',
        `Reading ${format.toUpperCase()} tables is not supported by athena-local`,
      )
    }
    const columns = entry.columns.map((col) => ({ name: col.name, type: columnType(col) }))
    const partitionColumns = entry.partitionKeys.map((col) => ({ name: col.name, type: columnType(col) }))
    const all = [...columns, ...partitionColumns]
    if (format === 'parquet') await this.exposeParquet(c, name, files, columns, partitionColumns)
    else await this.loadText(c, name, entry, files, columns, all)
    this.signatures.set(name, signature)
    return bytes
  }

  private async exposeParquet(
    c: DuckDBConnection,
    name: string,
    files: DataFile[],
    columns: { name: string; type: SqlType }[],
    partitionColumns: { name: string; type: SqlType }[],
  ): Promise<void> {
    const byPartition = new Map<string, DataFile[]>()
    for (const f of files) {
      const k = JSON.stringify(f.partition)
      byPartition.set(k, [...(byPartition.get(k) ?? []), f])
    }
    const selects: string[] = []
    for (const group of byPartition.values()) {
      const paths = group.map((f) => `'${this.store.bodyPath(f.bucket, f.key).replaceAll("'", "''")}'`)
      const source = `read_parquet([${paths.join(', ')}], union_by_name = true)`
      const described = await c.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)
      const present = new Map(described.getRowsJS().map((r) => [String(r[0]).toLowerCase(), String(r[0])]))
      const cols = columns.map((col) => {
        const actual = present.get(col.name)
        return actual === undefined
          ? `CAST(NULL AS ${duckType(col.type)}) AS ${quoteDuck(col.name)}`
          : `CAST(${quoteDuck(actual)} AS ${duckType(col.type)}) AS ${quoteDuck(col.name)}`
      })
      partitionColumns.forEach((p, i) => {
        cols.push(
          `CAST(${sqlString(group[0]!.partition[i] ?? '')} AS ${duckType(p.type)}) AS ${quoteDuck(p.name)}`,
        )
      })
      selects.push(`SELECT ${cols.join(', ')} FROM ${source}`)
    }
    if (selects.length === 0) {
      const cols = [...columns, ...partitionColumns].map(
        (col) => `CAST(NULL AS ${duckType(col.type)}) AS ${quoteDuck(col.name)}`,
      )
      selects.push(`SELECT ${cols.join(', ')} WHERE false`)
    }
    await c.run(`CREATE OR REPLACE VIEW ${name} AS ${selects.join(' UNION ALL ')}`)
  }

  private async loadText(
    c: DuckDBConnection,
    name: string,
    entry: TableEntry,
    files: DataFile[],
    columns: { name: string; type: SqlType }[],
    all: { name: string; type: SqlType }[],
  ): Promise<void> {
    const definition = all.map((col) => `${quoteDuck(col.name)} ${duckType(col.type)}`).join(', ')
    await c.run(`CREATE OR REPLACE TABLE ${name} (${definition})`)
    if (files.length === 0) return
    const storage = entry.storage!
    const format = textFormat(storage.serde, storage.serdeParameters, entry.parameters)
    const [schema, table] = splitName(name)
    const appender = await c.createAppender(table, schema)
    const types = (await c.runAndReadAll(`SELECT * FROM ${name} LIMIT 0`)).columnTypes()
    try {
      for (const f of files) {
        let data = this.store.read(f.bucket, f.key)
        if (f.key.endsWith('.gz') || (data[0] === 0x1f && data[1] === 0x8b)) data = gunzipSync(data)
        const rows = parseTextRows(data.toString('utf8'), columns, format, storage.serdeParameters)
        const partitionValues = entry.partitionKeys.map((p, i) =>
          partitionValue(f.partition[i] ?? null, columnType(p)),
        )
        for (const row of rows) {
          const values = [...row, ...partitionValues]
          for (let i = 0; i < values.length; i++) appendValue(appender, values[i] ?? null, types[i]!)
          appender.endRow()
        }
      }
      appender.flushSync()
    } finally {
      appender.closeSync()
    }
  }

  /** Writes rows into a Hive table's location (partition directories for partitioned tables). */
  async writeRows(
    entry: TableEntry,
    queryId: string,
    c: DuckDBConnection,
    selectSql: string,
  ): Promise<{ count: number; files: string[]; partitions: string[][] }> {
    const columns = entry.columns.map((col) => ({ name: col.name, type: columnType(col) }))
    const partitionColumns = entry.partitionKeys.map((col) => ({ name: col.name, type: columnType(col) }))
    const location = parseS3Uri(withSlash(entry.location ?? ''))
    if (!location)
      throw new QueryFailure('HIVE_INVALID_METADATA', `Table location is not an S3 path: ${entry.location}`)
    if (!this.store.hasBucket(location.bucket)) {
      throw new QueryFailure(
        'HIVE_PATH_ALREADY_EXISTS',
        `The specified bucket does not exist: ${location.bucket}`,
        { category: 1 },
      )
    }
    const format = tableFormat(entry)
    const written: string[] = []
    const partitions: string[][] = []
    let count = 0
    const groups: { values: string[]; where: string }[] = []
    if (partitionColumns.length === 0) {
      groups.push({ values: [], where: 'true' })
    } else {
      const distinct = await c.runAndReadAll(
        `SELECT DISTINCT ${partitionColumns.map((p) => `CAST(${quoteDuck(p.name)} AS VARCHAR)`).join(', ')} FROM (${selectSql}) AS "__rows"`,
      )
      for (const row of distinct.getRowsJS()) {
        const values = row.map((v) => (v === null ? '__HIVE_DEFAULT_PARTITION__' : String(v)))
        const where = partitionColumns
          .map((p, i) =>
            row[i] === null
              ? `${quoteDuck(p.name)} IS NULL`
              : `CAST(${quoteDuck(p.name)} AS VARCHAR) = ${sqlString(String(row[i]))}`,
          )
          .join(' AND ')
        groups.push({ values, where })
      }
    }
    const fileName = `${queryId.replaceAll('-', '')}_${randomUUID()}`
    for (const group of groups) {
      const dir =
        group.values.length === 0
          ? location.key
          : `${location.key}${partitionColumns.map((p, i) => `${p.name}=${encodeURIComponent(group.values[i]!)}`).join('/')}/`
      const rowsSql = `SELECT ${columns.map((col) => quoteDuck(col.name)).join(', ')} FROM (${selectSql}) AS "__rows" WHERE ${group.where}`
      let key: string
      let n: number
      if (format === 'parquet') {
        key = `${dir}${fileName}`
        const tmp = this.store.tempPath()
        const res = await c.run(
          `COPY (${rowsSql}) TO '${tmp.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION snappy)`,
        )
        n = Number(res.rowsChanged)
        this.store.putFile(location.bucket, key, tmp)
      } else if (format === 'text') {
        key = `${dir}${fileName}.gz`
        const result = await c.runAndReadAll(rowsSql)
        const storage = entry.storage!
        const tf = textFormat(storage.serde, storage.serdeParameters, {})
        const rows = result.getRows()
        const lines = rows.map(
          (r) =>
            `${formatTextRow(
              r,
              columns.map((col) => col.type),
              tf,
            )}\n`,
        )
        n = rows.length
        this.store.write(location.bucket, key, gzipSync(Buffer.from(lines.join(''))))
      } else {
        throw new QueryFailure(
          'NOT_SUPPORTED',
          `Writing ${format.toUpperCase()} tables is not supported by athena-local`,
        )
      }
      count += n
      written.push(`s3://${location.bucket}/${key}`)
      if (group.values.length > 0) partitions.push(group.values)
    }
    this.signatures.delete(this.duckName(entry))
    return { count, files: written, partitions }
  }

  forget(entry: TableEntry): void {
    this.signatures.delete(this.duckName(entry))
  }
}

function partitionValue(text: string | null, type: SqlType): DuckDBValue {
  if (text === null || text === '__HIVE_DEFAULT_PARTITION__') return null
  return (
    parseTextRows(text, [{ name: 'p', type }], textFormat(HIVE_SERDE.lazySimple, {}, {}), {})[0]?.[0] ?? null
  )
}

function splitName(name: string): [string, string] {
  const m = /^"((?:[^"]|"")*)"\."((?:[^"]|"")*)"$/.exec(name)!
  return [m[1]!.replaceAll('""', '"'), m[2]!.replaceAll('""', '"')]
}

function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`
}

function appendValue(
  appender: { appendValue(v: DuckDBValue, t?: DuckDBType): void; appendNull(): void },
  v: DuckDBValue,
  t: DuckDBType,
): void {
  if (v === null) appender.appendNull()
  else appender.appendValue(v, t)
}
