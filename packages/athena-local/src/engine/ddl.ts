// Athena's Hive DDL statements over the catalog: databases, tables (Hive and Iceberg), partitions
// (ALTER TABLE … ADD/DROP PARTITION, MSCK REPAIR TABLE), SHOW … and DESCRIBE, with Hive's output shapes.
import type { DuckDBConnection } from '@duckdb/node-api'
import { CATEGORY_SYSTEM, QueryFailure } from '../failure.ts'
import { columnInfo } from '../results/column-info.ts'
import { parseS3Uri } from '../s3/object-store.ts'
import type { Ident, SqlType } from '../sql/ast.ts'
import { HIVE_SERDE, type HiveColumn, type HiveStatement, type PartitionSpec } from '../sql/hive-parser.ts'
import { parseStatement } from '../sql/trino-parser.ts'
import { duckType, hiveTypeToString, quoteDuck, simple } from '../sql/types.ts'
import { catalogColumn, columnType, type TableEntry } from './catalog.ts'
import { type ExecutionContext, type ExecutionOutcome, type Executor, emptyOutcome } from './executor.ts'
import { PARQUET_INPUT, PARQUET_OUTPUT, TEXT_INPUT, TEXT_OUTPUT } from './tables.ts'

export interface DdlContext {
  executor: Executor
  ctx: ExecutionContext
  c: DuckDBConnection
}

const STRING = simple('string')
const lower = (i: Ident) => i.name.toLowerCase()

/** Hive DDL failures read `FAILED: …` and are system errors (recorded for DESCRIBE parse errors). */
function hiveFailure(message: string, errorName = 'HIVE_METASTORE_ERROR'): QueryFailure {
  return new QueryFailure(errorName, `FAILED: ${message}`, {
    bare: true,
    category: CATEGORY_SYSTEM,
    errorType: 1003,
  })
}

function stringRows(names: string[], rows: string[][]): Pick<ExecutionOutcome, 'columns' | 'rows'> {
  return { columns: names.map((n) => columnInfo(n, STRING)), rows }
}

/** Hive's SHOW … LIKE patterns: `*` any run, `|` alternatives, case-insensitive. */
function hivePattern(pattern: string | null): (name: string) => boolean {
  if (!pattern) return () => true
  const alternatives = pattern.split('|').map(
    (p) =>
      new RegExp(
        `^${p
          .trim()
          .replace(/[.+?^${}()[\]\\]/g, '\\$&')
          .replaceAll('*', '.*')}$`,
        'i',
      ),
  )
  return (name) => alternatives.some((re) => re.test(name))
}

function storageFor(s: Extract<HiveStatement, { kind: 'create-table' }>): NonNullable<TableEntry['storage']> {
  const stored = s.storedAs ?? (s.inputFormat ? null : 'TEXTFILE')
  if (stored === 'PARQUET') {
    return {
      inputFormat: PARQUET_INPUT,
      outputFormat: PARQUET_OUTPUT,
      serde: s.rowFormat?.serde ?? HIVE_SERDE.parquet,
      serdeParameters: { 'serialization.format': '1', ...s.rowFormat?.properties },
    }
  }
  if (stored === 'ORC') {
    return {
      inputFormat: 'org.apache.hadoop.hive.ql.io.orc.OrcInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat',
      serde: HIVE_SERDE.orc,
      serdeParameters: {},
    }
  }
  if (stored === 'AVRO') {
    return {
      inputFormat: 'org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat',
      serde: 'org.apache.hadoop.hive.serde2.avro.AvroSerDe',
      serdeParameters: {},
    }
  }
  const serde = s.rowFormat?.serde ?? HIVE_SERDE.lazySimple
  const params = { ...s.rowFormat?.properties }
  if (serde === HIVE_SERDE.lazySimple && params['field.delim'] !== undefined)
    params['serialization.format'] = params['field.delim']
  if (serde === HIVE_SERDE.lazySimple && params['serialization.format'] === undefined)
    params['serialization.format'] = '1'
  return {
    inputFormat: s.inputFormat ?? TEXT_INPUT,
    outputFormat: s.outputFormat ?? TEXT_OUTPUT,
    serde,
    serdeParameters: params,
  }
}

/** Iceberg tables being created, per catalog: their names are taken before they are in the catalog. */
const CREATING = new WeakMap<object, Set<string>>()

function creatingTables(catalog: object): Set<string> {
  let names = CREATING.get(catalog)
  if (!names) {
    names = new Set()
    CREATING.set(catalog, names)
  }
  return names
}

function toColumns(cols: HiveColumn[]) {
  return cols.map((c) => catalogColumn(c.name, c.type, c.comment))
}

export async function runHive(s: HiveStatement, d: DdlContext): Promise<ExecutionOutcome> {
  const { executor, ctx } = d
  const catalog = executor.catalog
  const tableName = (name: Ident[]) => {
    const parts = name.map(lower)
    if (parts.length === 3 && parts[0] === 'awsdatacatalog') parts.shift()
    const [database, table] =
      parts.length === 2 ? [parts[0]!, parts[1]!] : [ctx.database.toLowerCase(), parts[0]!]
    return { database, table }
  }
  const existing = (name: Ident[]) => {
    const n = tableName(name)
    const entry = catalog.getTable(n.database, n.table)
    if (!entry)
      throw hiveFailure(
        `SemanticException [Error 10001]: Table not found ${n.database}.${n.table}`,
        'TABLE_NOT_FOUND',
      )
    return entry
  }
  switch (s.kind) {
    case 'create-database': {
      const name = lower(s.name)
      if (catalog.getDatabase(name)) {
        if (s.ifNotExists) return emptyOutcome()
        throw hiveFailure(
          `Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. AlreadyExistsException(message:Database ${name} already exists)`,
          'SCHEMA_ALREADY_EXISTS',
        )
      }
      catalog.createDatabase({
        name,
        description: s.comment,
        location: s.location,
        parameters: s.properties,
        created: Date.now(),
      })
      return emptyOutcome()
    }
    case 'drop-database': {
      const name = lower(s.name)
      if (!catalog.getDatabase(name)) {
        if (s.ifExists) return emptyOutcome()
        throw hiveFailure(
          `SemanticException [Error 10072]: Database does not exist: ${name}`,
          'SCHEMA_NOT_FOUND',
        )
      }
      if (catalog.tables(name).length > 0 && !s.cascade) {
        throw hiveFailure(
          `Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. InvalidOperationException(message:Database ${name} is not empty. One or more tables exist.)`,
        )
      }
      for (const t of catalog.dropDatabase(name)) await dropData(d, t)
      await d.c.run(`DROP SCHEMA IF EXISTS ${quoteDuck(name)} CASCADE`)
      return emptyOutcome()
    }
    case 'create-table': {
      const n = tableName(s.name)
      if (!catalog.getDatabase(n.database))
        throw hiveFailure(
          `SemanticException [Error 10072]: Database does not exist: ${n.database}`,
          'SCHEMA_NOT_FOUND',
        )
      const key = `${n.database}.${n.table}`
      if (catalog.getTable(n.database, n.table) || creatingTables(catalog).has(key)) {
        if (s.ifNotExists) return emptyOutcome()
        throw hiveFailure(
          `Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. AlreadyExistsException(message:Table ${n.database}.${n.table} already exists)`,
          'TABLE_ALREADY_EXISTS',
        )
      }
      if (s.location && !parseS3Uri(s.location)) throw hiveFailure(`${s.location} is not a valid S3 path.`)
      const iceberg = (s.properties.table_type ?? '').toUpperCase() === 'ICEBERG'
      if (!iceberg && s.partitionTransforms.length > 0) {
        throw hiveFailure(
          `SemanticException [Error 10043]: Partition columns need types: ${s.partitionTransforms.join(', ')}`,
        )
      }
      if (iceberg) {
        if (s.external)
          throw new QueryFailure('NOT_SUPPORTED', 'External keyword not supported for table type ICEBERG')
        const columns = [...s.columns, ...s.partitionedBy]
        const entry = executor.newTable(n.database, n.table, 'iceberg', columns, [], s.location!, null, {
          table_type: 'ICEBERG',
          ...Object.fromEntries(Object.entries(s.properties).filter(([k]) => k !== 'table_type')),
        })
        entry.columns = toColumns(columns)
        entry.duckTable = `${quoteDuck(n.database)}.${quoteDuck(n.table)}`
        // Creation is atomic in Glue: while this table is being created, a concurrent CREATE of the same
        // name fails AlreadyExists (migration locks rely on it).
        creatingTables(catalog).add(key)
        try {
          await d.c.run(`CREATE SCHEMA IF NOT EXISTS ${quoteDuck(n.database)}`)
          await d.c.run(
            `CREATE OR REPLACE TABLE ${entry.duckTable} (${columns.map((c) => `${quoteDuck(c.name)} ${duckType(c.type)}`).join(', ')})`,
          )
          catalog.putTable(entry)
        } finally {
          creatingTables(catalog).delete(key)
        }
        return emptyOutcome()
      }
      const entry = executor.newTable(
        n.database,
        n.table,
        'hive',
        [],
        [],
        s.location!.replace(/\/$/, ''),
        storageFor(s),
        s.properties,
      )
      entry.columns = toColumns(s.columns)
      entry.partitionKeys = toColumns(s.partitionedBy)
      entry.comment = s.comment
      if (!s.external) delete entry.parameters.EXTERNAL
      catalog.putTable(entry)
      return emptyOutcome()
    }
    case 'drop-table': {
      const n = tableName(s.name)
      const entry = catalog.getTable(n.database, n.table)
      if (!entry) {
        if (s.ifExists) return emptyOutcome()
        throw hiveFailure(
          `SemanticException [Error 10001]: Table not found ${n.database}.${n.table}`,
          'TABLE_NOT_FOUND',
        )
      }
      catalog.dropTable(n.database, n.table)
      await dropData(d, entry)
      return emptyOutcome({ updateType: entry.kind === 'iceberg' ? 'DROP TABLE' : null })
    }
    case 'add-partitions': {
      const entry = existing(s.name)
      const added: string[][] = []
      for (const p of s.partitions) {
        const values = partitionValues(entry, p.spec)
        if (entry.partitions.some((x) => x.values.join('\u0000') === values.join('\u0000'))) {
          if (s.ifNotExists) continue
          throw hiveFailure(
            'Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. AlreadyExistsException(message:Partition already exists)',
            'ALREADY_EXISTS',
          )
        }
        const location =
          p.location ??
          `${entry.location}/${entry.partitionKeys.map((k, i) => `${k.name}=${encodeURIComponent(values[i]!)}`).join('/')}`
        entry.partitions.push({ values, location: location.replace(/\/$/, ''), created: Date.now() })
        added.push(values)
      }
      catalog.touch()
      executor.data.forget(entry)
      return emptyOutcome()
    }
    case 'drop-partitions': {
      const entry = existing(s.name)
      for (const spec of s.partitions) {
        const values = partitionValues(entry, spec)
        const before = entry.partitions.length
        entry.partitions = entry.partitions.filter((x) => x.values.join('\u0000') !== values.join('\u0000'))
        if (entry.partitions.length === before && !s.ifExists) {
          throw hiveFailure('SemanticException [Error 10006]: Partition not found', 'PARTITION_NOT_FOUND')
        }
      }
      catalog.touch()
      executor.data.forget(entry)
      return emptyOutcome()
    }
    case 'add-columns': {
      const entry = existing(s.name)
      const columns = toColumns(s.columns)
      if (s.replace) entry.columns = columns
      else {
        for (const c of columns) {
          if (entry.columns.some((x) => x.name === c.name))
            throw hiveFailure(
              `Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. Duplicate column name: ${c.name}`,
            )
        }
        entry.columns.push(...columns)
        if (entry.kind === 'iceberg') {
          for (const c of s.columns)
            await d.c.run(
              `ALTER TABLE ${entry.duckTable} ADD COLUMN ${quoteDuck(c.name)} ${duckType(c.type)}`,
            )
        }
      }
      catalog.touch()
      executor.data.forget(entry)
      return emptyOutcome({ metadataQueryId: 'execution' })
    }
    case 'set-properties': {
      const entry = existing(s.name)
      Object.assign(entry.parameters, s.properties)
      catalog.touch()
      executor.data.forget(entry)
      return emptyOutcome()
    }
    case 'set-location': {
      const entry = existing(s.name)
      entry.location = s.location.replace(/\/$/, '')
      catalog.touch()
      executor.data.forget(entry)
      return emptyOutcome()
    }
    case 'msck': {
      const entry = existing(s.name)
      const rows = repairPartitions(d, entry)
      return emptyOutcome(
        stringRows(
          ['result'],
          rows.map((r) => [r]),
        ),
      )
    }
    case 'show-tables':
    case 'show-views': {
      const database = s.database ? lower(s.database) : ctx.database.toLowerCase()
      if (!catalog.getDatabase(database))
        throw hiveFailure(
          `SemanticException [Error 10072]: Database does not exist: ${database}`,
          'SCHEMA_NOT_FOUND',
        )
      const match = hivePattern(s.pattern)
      const names = catalog
        .tables(database)
        .filter((t) => (s.kind === 'show-views' ? t.kind === 'view' : true))
        .map((t) => t.name)
        .filter(match)
      return emptyOutcome(
        stringRows(
          ['tab_name'],
          names.map((n) => [n]),
        ),
      )
    }
    case 'show-databases': {
      const match = hivePattern(s.pattern)
      return emptyOutcome(
        stringRows(
          ['database_name'],
          catalog
            .databases()
            .map((db) => db.name)
            .filter(match)
            .map((n) => [n]),
        ),
      )
    }
    case 'show-columns': {
      const name = s.database ? [s.database, ...s.name.slice(-1)] : s.name
      const entry = existing(name)
      const cols = [...entry.columns, ...entry.partitionKeys].map((c) => [
        entry.kind === 'iceberg' ? c.name : c.name.padEnd(20, ' '),
      ])
      return emptyOutcome(stringRows(['field'], cols))
    }
    case 'show-partitions': {
      const entry = existing(s.name)
      if (entry.partitionKeys.length === 0) {
        throw hiveFailure(
          `Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. Table ${entry.name} is not a partitioned table`,
        )
      }
      const rows = entry.partitions
        .map((p) => [entry.partitionKeys.map((k, i) => `${k.name}=${p.values[i]}`).join('/')])
        .sort((a, b) => (a[0]! < b[0]! ? -1 : 1))
      return emptyOutcome(stringRows(['partition'], rows))
    }
    case 'show-tblproperties': {
      const entry = existing(s.name)
      const props = Object.entries(entry.parameters).filter(([k]) => s.property === null || k === s.property)
      return emptyOutcome(
        stringRows(
          ['prpt_name', 'prpt_value'],
          props.map(([k, v]) => [k, v]),
        ),
      )
    }
    case 'show-create-table': {
      const entry = existing(s.name)
      return {
        ...emptyOutcome(
          stringRows(
            ['createtab_stmt'],
            showCreateTable(entry).map((l) => [l]),
          ),
        ),
        metadataQueryId: 'execution',
      }
    }
    case 'show-create-view': {
      const n = tableName(s.name)
      const entry = catalog.getTable(n.database, n.table)
      if (entry?.kind !== 'view') {
        throw new QueryFailure(
          'TABLE_NOT_FOUND',
          `line 1:18: View 'awsdatacatalog.${n.database}.${n.table}' does not exist`,
        )
      }
      const text = `CREATE VIEW ${entry.database}.${entry.name} AS\n${formatViewQuery(entry.viewSql!)}`
      return emptyOutcome(
        stringRows(
          ['Create View'],
          text.split('\n').map((l) => [l]),
        ),
      )
    }
    case 'describe': {
      const entry = existing(s.name)
      const cols = entry.columns.map((c) => [c.name, hiveTypeToString(columnType(c)), c.comment ?? ''])
      const parts = entry.partitionKeys.map((c) => [c.name, hiveTypeToString(columnType(c)), c.comment ?? ''])
      let rows = [...cols, ...parts]
      if (s.column) rows = rows.filter((r) => r[0] === s.column)
      else if (parts.length > 0)
        rows.push(
          ['', '', ''],
          ['# Partition Information', '', ''],
          ['# col_name', 'data_type', 'comment'],
          ['', '', ''],
          ...parts,
        )
      if (s.mode !== 'plain') {
        rows.push(
          ['', '', ''],
          [
            'Detailed Table Information',
            `Table(tableName:${entry.name}, dbName:${entry.database}, location:${entry.location ?? ''})`,
            '',
          ],
        )
      }
      const padded = rows.map((r) =>
        r.map((v, i) => (i < 2 && entry.kind !== 'iceberg' ? v.padEnd(20, ' ') : v)),
      )
      return {
        ...emptyOutcome(stringRows(['col_name', 'data_type', 'comment'], padded)),
        metadataQueryId: 'execution',
        updateCount: entry.kind === 'iceberg' ? 0 : null,
      }
    }
  }
}

function partitionValues(entry: TableEntry, spec: PartitionSpec): string[] {
  if (entry.partitionKeys.length === 0)
    throw hiveFailure(
      `SemanticException table is not partitioned but partition spec exists: {${spec.map(([k, v]) => `${k}=${v}`).join(', ')}}`,
    )
  return entry.partitionKeys.map((k) => {
    const v = spec.find(([name]) => name === k.name)
    if (!v)
      throw hiveFailure(
        `SemanticException [Error 10006]: Partition not found {${spec.map(([a, b]) => `${a}=${b}`).join(', ')}}`,
      )
    return v[1]
  })
}

/** MSCK REPAIR TABLE: adds partitions found as `key=value/` directories under the table location. */
function repairPartitions(d: DdlContext, entry: TableEntry): string[] {
  if (entry.partitionKeys.length === 0 || !entry.location) return []
  const loc = parseS3Uri(`${entry.location}/`)
  if (!loc) return []
  const found = new Map<string, string[]>()
  for (const meta of d.executor.store.listPrefix(loc.bucket, loc.key)) {
    const dirs = meta.key.slice(loc.key.length).split('/').slice(0, -1)
    if (dirs.length < entry.partitionKeys.length) continue
    const values: string[] = []
    let ok = true
    entry.partitionKeys.forEach((k, i) => {
      const m = /^([^=]+)=(.*)$/.exec(dirs[i] ?? '')
      if (!m || m[1]!.toLowerCase() !== k.name) ok = false
      else values.push(decodeURIComponent(m[2]!))
    })
    if (ok) found.set(values.join('\u0000'), values)
  }
  const missing = [...found.values()].filter(
    (v) => !entry.partitions.some((p) => p.values.join('\u0000') === v.join('\u0000')),
  )
  if (missing.length === 0) return []
  const specs = missing.map((v) => entry.partitionKeys.map((k, i) => `${k.name}=${v[i]}`).join('/'))
  d.executor.addPartitions(entry, missing)
  d.executor.data.forget(entry)
  return [
    `Partitions not in metastore:\t${specs.map((s) => `${entry.name}:${s}`).join('\t')}`,
    ...specs.map((s) => `Repair: Added partition to metastore ${entry.name}:${s}`),
  ]
}

async function dropData(d: DdlContext, entry: TableEntry): Promise<void> {
  if (entry.kind === 'iceberg' && entry.duckTable) await d.c.run(`DROP TABLE IF EXISTS ${entry.duckTable}`)
  if (entry.kind === 'hive') d.executor.data.forget(entry)
}

function showCreateTable(t: TableEntry): string[] {
  const cols = (list: typeof t.columns) =>
    list.map(
      (c, i) =>
        `  \`${c.name}\` ${hiveTypeToString(columnType(c))}${c.comment ? ` COMMENT '${c.comment}'` : ''}${i < list.length - 1 ? ', ' : ')'}`,
    )
  if (t.kind === 'iceberg') {
    return [
      `CREATE TABLE ${t.database}.${t.name} (`,
      ...t.columns.map(
        (c, i) => `  ${c.name} ${hiveTypeToString(columnType(c))}${i < t.columns.length - 1 ? ',' : ')'}`,
      ),
      `LOCATION '${t.location}'`,
      'TBLPROPERTIES (',
      "  'table_type'='iceberg'",
      ')',
    ]
  }
  const lines = [
    `CREATE ${t.parameters.EXTERNAL === 'TRUE' ? 'EXTERNAL ' : ''}TABLE \`${t.database}.${t.name}\`(`,
    ...cols(t.columns),
  ]
  if (t.comment) lines.push(`COMMENT '${t.comment}'`)
  if (t.partitionKeys.length > 0) lines.push('PARTITIONED BY ( ', ...cols(t.partitionKeys))
  const s = t.storage!
  const esc = (v: string) =>
    [...v]
      .map((ch) => {
        if (ch === '\t') return '\\t'
        if (ch === '\n') return '\\n'
        const code = ch.charCodeAt(0)
        return code < 0x20 ? `\\u${code.toString(16).padStart(4, '0')}` : ch
      })
      .join('')
  if (s.serde === HIVE_SERDE.lazySimple && s.serdeParameters['field.delim'] !== undefined) {
    lines.push('ROW FORMAT DELIMITED ', `  FIELDS TERMINATED BY '${esc(s.serdeParameters['field.delim'])}' `)
    if (s.serdeParameters['line.delim'])
      lines.push(`  LINES TERMINATED BY '${esc(s.serdeParameters['line.delim'])}' `)
  } else {
    lines.push('ROW FORMAT SERDE ', `  '${s.serde}' `)
  }
  lines.push(
    'STORED AS INPUTFORMAT ',
    `  '${s.inputFormat}' `,
    'OUTPUTFORMAT ',
    `  '${s.outputFormat}'`,
    'LOCATION',
    `  '${t.location}'`,
  )
  const props = Object.entries(t.parameters).filter(([k]) => k !== 'EXTERNAL')
  if (props.length > 0)
    lines.push(
      'TBLPROPERTIES (',
      ...props.map(([k, v], i) => `  '${k}'='${v}'${i < props.length - 1 ? ', ' : ')'}`),
    )
  return lines
}

/**
 * Trino prints a view's query with its SQL formatter; the simple shape (a select list of names or `*` from
 * one table) is laid out the same way here, anything else is returned as written.
 */
export function formatViewQuery(sql: string): string {
  try {
    const { statement } = parseStatement(sql)
    if (statement.kind !== 'query') return sql
    const q = statement.query
    const b = q.body
    if (q.with || q.orderBy.length > 0 || q.limit || q.offset || q.fetch || b.kind !== 'select') return sql
    if (b.distinct || b.where || b.groupBy || b.having || b.windows.length > 0 || b.from.length !== 1)
      return sql
    const rel = b.from[0]!
    if (rel.kind !== 'table' || rel.alias) return sql
    const items: string[] = []
    for (const item of b.items) {
      if (item.kind === 'star' && !item.qualifier) items.push('*')
      else if (item.kind === 'expr' && item.expr.k === 'ident' && !item.alias)
        items.push(item.expr.parts.map((p) => (p.quoted ? `"${p.name}"` : p.name)).join('.'))
      else return sql
    }
    const table = rel.name.map((p) => (p.quoted ? `"${p.name}"` : p.name)).join('.')
    return `SELECT ${items.join(', ')}\nFROM\n  ${table}`
  } catch {
    return sql
  }
}

export function hiveColumnType(t: SqlType): string {
  return hiveTypeToString(t)
}
