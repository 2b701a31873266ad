// Runs one parsed statement on DuckDB and returns what Athena reports for it: result rows in Athena's text
// forms with their ColumnInfo, the update count, the data files written and the bytes scanned.
import type { DuckDBConnection, DuckDBInstance, DuckDBType } from '@duckdb/node-api'
import { QueryFailure } from '../failure.ts'
import { type ColumnInfo, columnInfo } from '../results/column-info.ts'
import { renderValue } from '../results/render.ts'
import type { ObjectStore } from '../s3/object-store.ts'
import { parseS3Uri } from '../s3/object-store.ts'
import type { Expr, Ident, Pos, Property, Query, SqlType, Statement } from '../sql/ast.ts'
import { bindExpressions } from '../sql/parameters.ts'
import type { ParsedStatement } from '../sql/parse.ts'
import { type Column, type ResolvedRelation, type Resolver, Translator } from '../sql/translate.ts'
import { parseStatement } from '../sql/trino-parser.ts'
import { duckType, quoteDuck, typeToString, VARCHAR } from '../sql/types.ts'
import { type Catalog, type CatalogColumn, catalogColumn, columnType, type TableEntry } from './catalog.ts'
import { type DdlContext, runHive } from './ddl.ts'
import { athenaType, transportType } from './duck.ts'
import { failureFromDuck } from './errors.ts'
import { PARQUET_INPUT, PARQUET_OUTPUT, TableData, TEXT_INPUT, TEXT_OUTPUT } from './tables.ts'
import { writeUnload } from './unload.ts'

export interface ExecutionContext {
  /** The statement as the client sent it (positions in error messages refer to it). */
  sql: string
  queryId: string
  engineQueryId: string
  database: string
  /** OutputLocation prefix (`s3://bucket/prefix/`). */
  outputBase: string
  workGroup: string
  /** Called with the connection running the statement, so Stop can interrupt it. */
  onConnection: (c: DuckDBConnection) => void
  prepared: Map<string, { statement: Statement; parameterCount: number }>
}

export interface ExecutionOutcome {
  columns: ColumnInfo[]
  rows: (string | null)[][]
  updateCount: number | null
  /** Field 2 of the `.metadata` file (Trino's update type). */
  updateType: string | null
  bytesScanned: number
  /** Data files written (the manifest), for INSERT, CTAS and UNLOAD. */
  written: string[] | null
  /** Whether the `.metadata` file starts with the execution id (DESCRIBE, SHOW CREATE TABLE) or the engine's. */
  metadataQueryId: 'engine' | 'execution'
}

const lower = (i: Ident) => i.name.toLowerCase()

export function emptyOutcome(partial: Partial<ExecutionOutcome> = {}): ExecutionOutcome {
  return {
    columns: [],
    rows: [],
    updateCount: null,
    updateType: null,
    bytesScanned: 0,
    written: null,
    metadataQueryId: 'engine',
    ...partial,
  }
}

export class Executor {
  readonly instance: DuckDBInstance
  readonly catalog: Catalog
  readonly store: ObjectStore
  readonly data: TableData

  constructor(instance: DuckDBInstance, catalog: Catalog, store: ObjectStore) {
    this.instance = instance
    this.catalog = catalog
    this.store = store
    this.data = new TableData(store)
  }

  async run(parsed: ParsedStatement, ctx: ExecutionContext): Promise<ExecutionOutcome> {
    const c = await this.instance.connect()
    ctx.onConnection(c)
    try {
      if (parsed.dialect === 'hive') return await runHive(parsed.statement, this.ddlContext(ctx, c))
      return await this.statement(parsed.statement, ctx, c)
    } catch (err) {
      throw failureFromDuck(err, ctx.sql)
    } finally {
      c.closeSync()
    }
  }

  private ddlContext(ctx: ExecutionContext, c: DuckDBConnection): DdlContext {
    return { executor: this, ctx, c }
  }

  /** Looks up a table for a statement, Athena-style: `[awsdatacatalog.][db.]name`. */
  resolveName(
    name: Ident[],
    pos: Pos,
    database: string,
  ): { database: string; table: string; entry: TableEntry | undefined } {
    let parts = name.map(lower)
    if (parts.length === 3) {
      if (parts[0] !== 'awsdatacatalog') {
        throw new QueryFailure(
          'CATALOG_NOT_FOUND',
          `line ${pos.line}:${pos.column}: Catalog '${parts[0]}' not found`,
        )
      }
      parts = parts.slice(1)
    }
    if (parts.length > 3)
      throw new QueryFailure(
        'SYNTAX_ERROR',
        `line ${pos.line}:${pos.column}: Too many dots in table name: ${name.map((p) => p.name).join('.')}`,
      )
    const [db, table] = parts.length === 2 ? [parts[0]!, parts[1]!] : [database.toLowerCase(), parts[0]!]
    if (!this.catalog.getDatabase(db)) {
      throw new QueryFailure(
        'SCHEMA_NOT_FOUND',
        `line ${pos.line}:${pos.column}: Schema '${db}' does not exist`,
      )
    }
    return { database: db, table, entry: this.catalog.getTable(db, table) }
  }

  private resolver(needed: TableEntry[]): Resolver {
    return {
      relation: (name: Ident[], pos: Pos, database: string): ResolvedRelation => {
        const info = this.informationSchema(name, pos, database)
        if (info) return info
        const r = this.resolveName(name, pos, database)
        if (!r.entry) {
          throw new QueryFailure(
            'TABLE_NOT_FOUND',
            `line ${pos.line}:${pos.column}: Table 'awsdatacatalog.${r.database}.${r.table}' does not exist`,
          )
        }
        const entry = r.entry
        if (entry.kind === 'view') {
          const parsed = parseStatement(entry.viewSql!)
          if (parsed.statement.kind !== 'query')
            throw new QueryFailure('VIEW_IS_STALE', `View '${entry.name}' is invalid`)
          return { kind: 'view', query: parsed.statement.query, database: entry.database }
        }
        needed.push(entry)
        const columns: Column[] = [...entry.columns, ...entry.partitionKeys].map((col) => ({
          name: col.name,
          type: columnType(col),
        }))
        return { kind: 'table', sql: this.data.duckName(entry), columns }
      },
    }
  }

  /** `information_schema.tables / columns / schemata / views`, built from the catalog when read. */
  private informationSchema(name: Ident[], pos: Pos, database: string): ResolvedRelation | null {
    const parts = name.map(lower)
    if (parts.length === 3 && parts[0] === 'awsdatacatalog') parts.shift()
    const [schema, table] = parts.length === 2 ? [parts[0]!, parts[1]!] : [database.toLowerCase(), parts[0]!]
    if (schema !== 'information_schema') return null
    const text = (n: string): Column => ({ name: n, type: VARCHAR })
    const layouts: Record<string, Column[]> = {
      tables: ['table_catalog', 'table_schema', 'table_name', 'table_type'].map(text),
      columns: [
        ...['table_catalog', 'table_schema', 'table_name', 'column_name'].map(text),
        { name: 'ordinal_position', type: { kind: 'simple', name: 'bigint', params: [] } },
        ...['column_default', 'is_nullable', 'data_type', 'comment', 'extra_info'].map(text),
      ],
      schemata: ['catalog_name', 'schema_name'].map(text),
      views: ['table_catalog', 'table_schema', 'table_name', 'view_definition'].map(text),
    }
    const columns = layouts[table]
    if (!columns)
      throw new QueryFailure(
        'TABLE_NOT_FOUND',
        `line ${pos.line}:${pos.column}: Table 'awsdatacatalog.information_schema.${table}' does not exist`,
      )
    const rows: (string | number | null)[][] = []
    const dbs = this.catalog.databases()
    for (const db of dbs) {
      if (table === 'schemata') rows.push(['awsdatacatalog', db.name])
      for (const t of this.catalog.tables(db.name)) {
        if (table === 'tables')
          rows.push(['awsdatacatalog', db.name, t.name, t.kind === 'view' ? 'VIEW' : 'BASE TABLE'])
        if (table === 'views' && t.kind === 'view') rows.push(['awsdatacatalog', db.name, t.name, t.viewSql])
        if (table === 'columns') {
          const all = [
            ...t.columns.map((c) => ({ c, partition: false })),
            ...t.partitionKeys.map((c) => ({ c, partition: true })),
          ]
          all.forEach(({ c, partition }, i) => {
            rows.push([
              'awsdatacatalog',
              db.name,
              t.name,
              c.name,
              i + 1,
              null,
              'YES',
              c.type,
              c.comment,
              partition ? 'partition key' : null,
            ])
          })
        }
      }
    }
    if (table === 'schemata') rows.push(['awsdatacatalog', 'information_schema'])
    const literal = (v: string | number | null, i: number) =>
      v === null
        ? `CAST(NULL AS ${duckType(columns[i]!.type!)})`
        : typeof v === 'number'
          ? `CAST(${v} AS BIGINT)`
          : `'${v.replaceAll("'", "''")}'`
    const names = columns.map((c) => quoteDuck(c.name)).join(', ')
    const sql =
      rows.length === 0
        ? `(SELECT ${columns.map((c) => `CAST(NULL AS ${duckType(c.type!)}) AS ${quoteDuck(c.name)}`).join(', ')} WHERE false)`
        : `(SELECT * FROM (VALUES ${rows.map((r) => `(${r.map(literal).join(', ')})`).join(', ')}) AS "__info"(${names}))`
    return { kind: 'table', sql, columns }
  }

  private async prepareTables(needed: TableEntry[], c: DuckDBConnection): Promise<number> {
    let bytes = 0
    const seen = new Set<TableEntry>()
    for (const entry of needed) {
      if (seen.has(entry)) continue
      seen.add(entry)
      bytes += await this.data.prepare(entry, c)
    }
    return bytes
  }

  /** Translates and runs a query; rows come back rendered in Athena's text forms. */
  async query(
    query: Query,
    ctx: ExecutionContext,
    c: DuckDBConnection,
  ): Promise<{
    columns: { name: string; type: SqlType }[]
    rows: (string | null)[][]
    bytes: number
    sql: string
  }> {
    const { sql, columns: hints, bytes } = await this.translateQuery(query, ctx, c)
    const prepared = await c.prepare(sql).catch((err) => {
      throw failureFromDuck(err, ctx.sql)
    })
    const count = prepared.columnCount
    const duckTypes: DuckDBType[] = []
    const names: string[] = []
    for (let i = 0; i < count; i++) {
      duckTypes.push(prepared.columnType(i))
      names.push(prepared.columnName(i))
    }
    prepared.destroySync()
    const transport = duckTypes.map(transportType)
    let finalSql = sql
    if (transport.some((t) => t.changed)) {
      finalSql = `SELECT ${names.map((n, i) => `CAST("__q".${quoteDuck(n)} AS ${transport[i]!.sql}) AS ${quoteDuck(n)}`).join(', ')} FROM (${sql}) AS "__q"`
    }
    const types = duckTypes.map((t, i) =>
      reconcile(hints && hints.length === count ? (hints[i]?.type ?? null) : null, t),
    )
    const rows: (string | null)[][] = []
    try {
      const result = await c.stream(finalSql)
      const readTypes = result.columnTypes()
      for (;;) {
        const chunk = await result.fetchChunk()
        if (!chunk || chunk.rowCount === 0) break
        for (const row of chunk.getRows())
          rows.push(row.map((v, i) => renderValue(v, readTypes[i]!, types[i]!)))
      }
    } catch (err) {
      throw failureFromDuck(err, ctx.sql)
    }
    return { columns: names.map((name, i) => ({ name, type: types[i]! })), rows, bytes, sql }
  }

  async translateQuery(
    query: Query,
    ctx: ExecutionContext,
    c: DuckDBConnection,
  ): Promise<{ sql: string; columns: Column[] | null; bytes: number }> {
    const needed: TableEntry[] = []
    const translator = new Translator(this.resolver(needed), ctx.database)
    const out = translator.query(query)
    const bytes = await this.prepareTables(needed, c)
    return { sql: out.sql, columns: out.columns, bytes }
  }

  private async statement(
    s: Statement,
    ctx: ExecutionContext,
    c: DuckDBConnection,
  ): Promise<ExecutionOutcome> {
    switch (s.kind) {
      case 'query': {
        const r = await this.query(s.query, ctx, c)
        return emptyOutcome({
          columns: r.columns.map((col) => columnInfo(col.name, col.type)),
          rows: r.rows,
          bytesScanned: r.bytes,
        })
      }
      case 'insert':
        return this.insert(s, ctx, c)
      case 'ctas':
        return this.ctas(s, ctx, c)
      case 'create-view':
        return this.createView(s, ctx, c)
      case 'drop-view': {
        const r = this.resolveName(s.name, { line: 1, column: 1 }, ctx.database)
        if (r.entry?.kind !== 'view') {
          if (s.ifExists) return emptyOutcome()
          throw new QueryFailure(
            'TABLE_NOT_FOUND',
            `line 1:1: View 'awsdatacatalog.${r.database}.${r.table}' does not exist`,
          )
        }
        this.catalog.dropTable(r.database, r.table)
        return emptyOutcome({ updateType: 'DROP VIEW' })
      }
      case 'update':
      case 'delete':
        return this.updateOrDelete(s, ctx, c)
      case 'merge':
        return this.merge(s, ctx, c)
      case 'unload':
        return this.unload(s, ctx, c)
      case 'explain': {
        if (s.statement.kind !== 'query')
          throw new QueryFailure('NOT_SUPPORTED', 'EXPLAIN is supported for queries only')
        const { sql } = await this.translateQuery(s.statement.query, ctx, c)
        const plan = await c.runAndReadAll(`EXPLAIN ${sql}`).catch((err) => {
          throw failureFromDuck(err, ctx.sql)
        })
        const text = plan
          .getRowsJS()
          .map((r) => String(r[1] ?? r[0]))
          .join('\n')
        return emptyOutcome({ columns: [columnInfo('Query Plan', VARCHAR)], rows: [[text]] })
      }
      case 'vacuum':
      case 'optimize': {
        const r = this.resolveName(s.table, { line: 1, column: 1 }, ctx.database)
        if (!r.entry)
          throw new QueryFailure(
            'TABLE_NOT_FOUND',
            `line 1:1: Table 'awsdatacatalog.${r.database}.${r.table}' does not exist`,
          )
        if (r.entry.kind !== 'iceberg') {
          throw new QueryFailure(
            'NOT_SUPPORTED',
            `${s.kind === 'vacuum' ? 'VACUUM' : 'OPTIMIZE'} is only supported for Iceberg tables`,
          )
        }
        return emptyOutcome()
      }
      case 'prepare':
        ctx.prepared.set(lower(s.name), { statement: s.statement, parameterCount: countParams(s.statement) })
        return emptyOutcome()
      case 'deallocate':
        if (!ctx.prepared.delete(lower(s.name)))
          throw new QueryFailure('NOT_FOUND', `Prepared statement not found: ${s.name.name}`)
        return emptyOutcome()
      case 'execute': {
        const p = ctx.prepared.get(lower(s.name))
        if (!p) throw new QueryFailure('NOT_FOUND', `Prepared statement not found: ${s.name.name}`)
        return this.statement(bindExpressions(p.statement, p.parameterCount, s.using), ctx, c)
      }
      case 'use':
        throw new QueryFailure('NOT_SUPPORTED', 'USE is not supported')
    }
  }

  /** The rows of `query` cast to a table's columns, for INSERT and CTAS. */
  private async castToColumns(
    query: Query,
    ctx: ExecutionContext,
    c: DuckDBConnection,
    target: { name: string; type: SqlType }[],
    listed: string[] | null,
  ): Promise<{ sql: string; bytes: number }> {
    const { sql, bytes } = await this.translateQuery(query, ctx, c)
    const prepared = await c.prepare(sql).catch((err) => {
      throw failureFromDuck(err, ctx.sql)
    })
    const count = prepared.columnCount
    const sourceTypes = Array.from({ length: count }, (_, i) => athenaType(prepared.columnType(i)))
    prepared.destroySync()
    const names = listed ?? target.map((t) => t.name)
    if (count !== names.length) {
      throw new QueryFailure(
        'TYPE_MISMATCH',
        `line 1:1: Insert query has mismatched column types: Table: [${target.map((t) => typeToString(t.type)).join(', ')}], Query: [${sourceTypes.map(typeToString).join(', ')}]`,
      )
    }
    const aliases = Array.from({ length: count }, (_, i) => `"__c${i}"`)
    const select = target.map((t) => {
      const i = names.indexOf(t.name)
      return i < 0
        ? `CAST(NULL AS ${duckType(t.type)}) AS ${quoteDuck(t.name)}`
        : `CAST(${aliases[i]} AS ${duckType(t.type)}) AS ${quoteDuck(t.name)}`
    })
    return { sql: `SELECT ${select.join(', ')} FROM (${sql}) AS "__src"(${aliases.join(', ')})`, bytes }
  }

  private async insert(
    s: Extract<Statement, { kind: 'insert' }>,
    ctx: ExecutionContext,
    c: DuckDBConnection,
  ): Promise<ExecutionOutcome> {
    const r = this.resolveName(s.table, { line: 1, column: 13 }, ctx.database)
    if (!r.entry)
      throw new QueryFailure(
        'TABLE_NOT_FOUND',
        `line 1:13: Table 'awsdatacatalog.${r.database}.${r.table}' does not exist`,
      )
    const entry = r.entry
    if (entry.kind === 'view')
      throw new QueryFailure('NOT_SUPPORTED', 'Inserting into views is not supported')
    const target = [...entry.columns, ...entry.partitionKeys].map((col) => ({
      name: col.name,
      type: columnType(col),
    }))
    const listed = s.columns?.map(lower) ?? null
    for (const name of listed ?? []) {
      if (!target.some((t) => t.name === name))
        throw new QueryFailure(
          'COLUMN_NOT_FOUND',
          `line 1:1: Insert column name does not exist in target table: ${name}`,
        )
    }
    const { sql, bytes } = await this.castToColumns(s.query, ctx, c, target, listed)
    if (entry.kind === 'iceberg') {
      const res = await c.run(`INSERT INTO ${entry.duckTable} ${sql}`).catch((err) => {
        throw failureFromDuck(err, ctx.sql)
      })
      return emptyOutcome({
        updateCount: Number(res.rowsChanged),
        updateType: 'INSERT',
        bytesScanned: bytes,
        written: [],
        columns: [rowsColumn()],
      })
    }
    const w = await this.data.writeRows(entry, ctx.queryId, c, sql).catch((err) => {
      throw failureFromDuck(err, ctx.sql)
    })
    this.addPartitions(entry, w.partitions)
    return emptyOutcome({
      updateCount: w.count,
      updateType: 'INSERT',
      bytesScanned: bytes,
      written: w.files,
      columns: [rowsColumn()],
    })
  }

  addPartitions(entry: TableEntry, partitions: string[][]): void {
    let changed = false
    for (const values of partitions) {
      if (entry.partitions.some((p) => p.values.join('\u0000') === values.join('\u0000'))) continue
      const dir = entry.partitionKeys.map((k, i) => `${k.name}=${encodeURIComponent(values[i]!)}`).join('/')
      entry.partitions.push({
        values,
        location: `${entry.location!.replace(/\/?$/, '/')}${dir}`,
        created: Date.now(),
      })
      changed = true
    }
    if (changed) this.catalog.touch()
  }

  private async ctas(
    s: Extract<Statement, { kind: 'ctas' }>,
    ctx: ExecutionContext,
    c: DuckDBConnection,
  ): Promise<ExecutionOutcome> {
    const r = this.resolveName(s.table, { line: 1, column: 1 }, ctx.database)
    if (r.entry) {
      if (s.ifNotExists)
        return emptyOutcome({
          updateCount: 0,
          updateType: 'CREATE TABLE',
          columns: [rowsColumn()],
          written: [],
        })
      throw new QueryFailure(
        'TABLE_ALREADY_EXISTS',
        `line 1:1: Table 'awsdatacatalog.${r.database}.${r.table}' already exists`,
      )
    }
    const props = properties(s.properties)
    const q = await this.query({ ...s.query, orderBy: s.query.orderBy, limit: s.query.limit }, ctx, c).catch(
      () => null,
    )
    const { sql: querySql, bytes } = await this.translateQuery(s.query, ctx, c)
    const prepared = await c.prepare(querySql).catch((err) => {
      throw failureFromDuck(err, ctx.sql)
    })
    let columns: { name: string; type: SqlType }[] = Array.from({ length: prepared.columnCount }, (_, i) => ({
      name: prepared.columnName(i).toLowerCase(),
      type: q?.columns[i]?.type ?? athenaType(prepared.columnType(i)),
    }))
    prepared.destroySync()
    if (s.columns) {
      if (s.columns.length !== columns.length)
        throw new QueryFailure(
          'MISMATCHED_COLUMN_ALIASES',
          'line 1:1: Column alias list has mismatched number of columns',
        )
      columns = columns.map((col, i) => ({ ...col, name: lower(s.columns![i]!) }))
    }
    for (const col of columns) {
      if (col.name.startsWith('_col'))
        throw new QueryFailure(
          'MISSING_COLUMN_NAME',
          `line 1:1: Column name not specified at position ${Number(col.name.slice(4)) + 1}`,
        )
      if (col.type.kind === 'simple' && col.type.name === 'unknown')
        throw new QueryFailure('NOT_SUPPORTED', `line 1:1: Unsupported Hive type: unknown`)
    }
    const tableType = (props.table_type ?? 'HIVE').toUpperCase()
    const withData = s.withData
    if (tableType === 'ICEBERG') {
      const entry = this.newTable(
        r.database,
        r.table,
        'iceberg',
        columns,
        [],
        props.location ?? `${ctx.outputBase}tables/${ctx.queryId}`,
        null,
        { table_type: 'ICEBERG' },
      )
      entry.duckTable = `${quoteDuck(r.database)}.${quoteDuck(r.table)}`
      await c.run(`CREATE SCHEMA IF NOT EXISTS ${quoteDuck(r.database)}`)
      const cast = `SELECT ${columns.map((col, i) => `CAST("__c${i}" AS ${duckType(col.type)}) AS ${quoteDuck(col.name)}`).join(', ')} FROM (${querySql}) AS "__src"(${columns.map((_, i) => `"__c${i}"`).join(', ')})${withData ? '' : ' WHERE false'}`
      const res = await c.run(`CREATE TABLE ${entry.duckTable} AS ${cast}`).catch((err) => {
        throw failureFromDuck(err, ctx.sql)
      })
      this.catalog.putTable(entry)
      return emptyOutcome({
        updateCount: Number(res.rowsChanged),
        updateType: 'CREATE TABLE',
        bytesScanned: bytes,
        written: [],
        columns: [rowsColumn()],
      })
    }
    const partitionedBy = arrayProperty(s.properties, 'partitioned_by')
    const location = props.external_location ?? `${ctx.outputBase}tables/${ctx.queryId}/`
    const loc = parseS3Uri(location.endsWith('/') ? location : `${location}/`)
    if (!loc)
      throw new QueryFailure('INVALID_TABLE_PROPERTY', `External location must be an S3 path: ${location}`)
    if (this.store.listPrefix(loc.bucket, loc.key).length > 0) {
      throw new QueryFailure(
        'HIVE_PATH_ALREADY_EXISTS',
        `Target directory for table '${r.database}.${r.table}' already exists: ${location}`,
      )
    }
    const format = (props.format ?? 'PARQUET').toUpperCase()
    const storage: TableEntry['storage'] =
      format === 'PARQUET'
        ? {
            inputFormat: PARQUET_INPUT,
            outputFormat: PARQUET_OUTPUT,
            serde: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
            serdeParameters: { 'serialization.format': '1' },
          }
        : format === 'TEXTFILE'
          ? {
              inputFormat: TEXT_INPUT,
              outputFormat: TEXT_OUTPUT,
              serde: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
              serdeParameters: { 'field.delim': props.field_delimiter ?? '\u0001' },
            }
          : format === 'JSON'
            ? {
                inputFormat: TEXT_INPUT,
                outputFormat: TEXT_OUTPUT,
                serde: 'org.openx.data.jsonserde.JsonSerDe',
                serdeParameters: {},
              }
            : null
    if (!storage)
      throw new QueryFailure('NOT_SUPPORTED', `Writing ${format} tables is not supported by athena-local`)
    const dataColumns = columns.filter((col) => !partitionedBy.includes(col.name))
    const partitionColumns = partitionedBy.map((p) => {
      const col = columns.find((x) => x.name === p)
      if (!col)
        throw new QueryFailure('INVALID_TABLE_PROPERTY', `Partition column ${p} not present in the query`)
      return col
    })
    const entry = this.newTable(
      r.database,
      r.table,
      'hive',
      dataColumns,
      partitionColumns,
      location.replace(/\/$/, ''),
      storage,
      {},
    )
    const ordered = [...dataColumns, ...partitionColumns]
    const cast = `SELECT ${ordered.map((col) => `CAST("__c${columns.indexOf(col)}" AS ${duckType(col.type)}) AS ${quoteDuck(col.name)}`).join(', ')} FROM (${querySql}) AS "__src"(${columns.map((_, i) => `"__c${i}"`).join(', ')})${withData ? '' : ' WHERE false'}`
    const w = await this.data.writeRows(entry, ctx.queryId, c, cast).catch((err) => {
      throw failureFromDuck(err, ctx.sql)
    })
    this.catalog.putTable(entry)
    this.addPartitions(entry, w.partitions)
    return emptyOutcome({
      updateCount: w.count,
      updateType: 'CREATE TABLE',
      bytesScanned: bytes,
      written: w.files,
      columns: [rowsColumn()],
    })
  }

  newTable(
    database: string,
    name: string,
    kind: 'hive' | 'iceberg',
    columns: { name: string; type: SqlType }[],
    partitionColumns: { name: string; type: SqlType }[],
    location: string,
    storage: TableEntry['storage'],
    parameters: Record<string, string>,
  ): TableEntry {
    const toCatalog = (col: { name: string; type: SqlType }): CatalogColumn =>
      catalogColumn(col.name, col.type)
    return {
      database,
      name,
      kind,
      columns: columns.map(toCatalog),
      partitionKeys: partitionColumns.map(toCatalog),
      location,
      storage,
      parameters: kind === 'hive' ? { EXTERNAL: 'TRUE', ...parameters } : parameters,
      partitions: [],
      comment: null,
      viewSql: null,
      created: Date.now(),
      duckTable: null,
    }
  }

  private async createView(
    s: Extract<Statement, { kind: 'create-view' }>,
    ctx: ExecutionContext,
    c: DuckDBConnection,
  ): Promise<ExecutionOutcome> {
    const r = this.resolveName(s.name, { line: 1, column: 1 }, ctx.database)
    if (r.entry && r.entry.kind !== 'view')
      throw new QueryFailure(
        'TABLE_ALREADY_EXISTS',
        `line 1:1: Table 'awsdatacatalog.${r.database}.${r.table}' already exists`,
      )
    if (r.entry && !s.orReplace)
      throw new QueryFailure(
        'TABLE_ALREADY_EXISTS',
        `line 1:1: View 'awsdatacatalog.${r.database}.${r.table}' already exists`,
      )
    const viewCtx = { ...ctx, database: r.database }
    const q = await this.query(
      { ...s.query, limit: { k: 'integer', text: '0', pos: { line: 1, column: 1 } } },
      viewCtx,
      c,
    )
    const entry = this.newTable(r.database, r.table, 'hive', q.columns, [], '', null, {})
    entry.kind = 'view'
    entry.location = null
    entry.parameters = { presto_view: 'true', comment: 'Presto View' }
    entry.viewSql = s.text
    this.catalog.putTable(entry)
    return emptyOutcome({ updateType: 'CREATE VIEW' })
  }

  private icebergTarget(name: Ident[], ctx: ExecutionContext, op: 'update' | 'delete' | 'merge'): TableEntry {
    const r = this.resolveName(name, { line: 1, column: 1 }, ctx.database)
    if (!r.entry)
      throw new QueryFailure(
        'TABLE_NOT_FOUND',
        `line 1:1: Table 'awsdatacatalog.${r.database}.${r.table}' does not exist`,
      )
    if (r.entry.kind !== 'iceberg') {
      const messages = {
        update: 'Hive update is only supported for ACID transactional tables',
        delete: 'Cannot delete from non-managed Hive table',
        merge: 'Hive merge is only supported for transactional tables',
      }
      throw new QueryFailure('NOT_SUPPORTED', messages[op])
    }
    return r.entry
  }

  private async updateOrDelete(
    s: Extract<Statement, { kind: 'update' | 'delete' }>,
    ctx: ExecutionContext,
    c: DuckDBConnection,
  ): Promise<ExecutionOutcome> {
    const entry = this.icebergTarget(s.table, ctx, s.kind)
    const needed: TableEntry[] = []
    const translator = new Translator(this.resolver(needed), ctx.database)
    const alias = entry.name
    const scope = translator.scopeWith([
      { alias, columns: entry.columns.map((col) => ({ name: col.name, type: columnType(col) })) },
    ])
    const where = s.where ? ` WHERE ${translator.expr(s.where, scope).sql}` : ''
    let sql: string
    if (s.kind === 'update') {
      const sets = s.sets.map((set) => {
        const col = entry.columns.find((x) => x.name === lower(set.column))
        if (!col)
          throw new QueryFailure(
            'COLUMN_NOT_FOUND',
            `line 1:1: Column '${set.column.name}' cannot be resolved`,
          )
        return `${quoteDuck(col.name)} = CAST(${translator.expr(set.value, scope).sql} AS ${duckType(columnType(col))})`
      })
      sql = `UPDATE ${entry.duckTable} AS ${quoteDuck(alias)} SET ${sets.join(', ')}${where}`
    } else {
      sql = `DELETE FROM ${entry.duckTable} AS ${quoteDuck(alias)}${where}`
    }
    await this.prepareTables(needed, c)
    const res = await c.run(sql).catch((err) => {
      throw failureFromDuck(err, ctx.sql)
    })
    return emptyOutcome({
      updateCount: Number(res.rowsChanged),
      updateType: s.kind.toUpperCase(),
      columns: [rowsColumn()],
    })
  }

  private async merge(
    s: Extract<Statement, { kind: 'merge' }>,
    ctx: ExecutionContext,
    c: DuckDBConnection,
  ): Promise<ExecutionOutcome> {
    const entry = this.icebergTarget(s.target, ctx, 'merge')
    const needed: TableEntry[] = []
    const translator = new Translator(this.resolver(needed), ctx.database)
    const alias = s.targetAlias ? lower(s.targetAlias) : entry.name
    const scope = translator.scopeWith([
      { alias, columns: entry.columns.map((col) => ({ name: col.name, type: columnType(col) })) },
    ])
    const source = translator.relationIn(s.source, scope)
    const on = translator.expr(s.on, scope).sql
    const clauses = s.clauses.map((cl) => {
      const cond = cl.condition ? ` AND ${translator.expr(cl.condition, scope).sql}` : ''
      const head = `WHEN ${cl.matched ? '' : 'NOT '}MATCHED${cond} THEN`
      switch (cl.kind) {
        case 'update':
          return `${head} UPDATE SET ${cl.sets.map((set) => `${quoteDuck(lower(set.column))} = ${translator.expr(set.value, scope).sql}`).join(', ')}`
        case 'delete':
          return `${head} DELETE`
        case 'insert': {
          const cols = cl.columns ? `(${cl.columns.map((x) => quoteDuck(lower(x))).join(', ')}) ` : ''
          return `${head} INSERT ${cols}VALUES (${cl.values.map((v) => translator.expr(v, scope).sql).join(', ')})`
        }
      }
      return head
    })
    await this.prepareTables(needed, c)
    const sql = `MERGE INTO ${entry.duckTable} AS ${quoteDuck(alias)} USING ${source} ON ${on} ${clauses.join(' ')}`
    const res = await c.run(sql).catch((err) => {
      throw failureFromDuck(err, ctx.sql)
    })
    return emptyOutcome({
      updateCount: Number(res.rowsChanged),
      updateType: 'MERGE',
      columns: [rowsColumn()],
    })
  }

  private async unload(
    s: Extract<Statement, { kind: 'unload' }>,
    ctx: ExecutionContext,
    c: DuckDBConnection,
  ): Promise<ExecutionOutcome> {
    const props = properties(s.properties)
    const { sql, columns: hints, bytes } = await this.translateQuery(s.query, ctx, c)
    const written = await writeUnload(
      this.store,
      c,
      sql,
      hints,
      s.location,
      ctx.queryId,
      props,
      arrayProperty(s.properties, 'partitioned_by'),
      ctx.sql,
    )
    return emptyOutcome({
      updateCount: written.rows,
      updateType: 'UNLOAD',
      bytesScanned: bytes,
      written: written.files,
      columns: [rowsColumn()],
    })
  }
}

export function rowsColumn(): ColumnInfo {
  return columnInfo('rows', { kind: 'simple', name: 'bigint', params: [] })
}

/** The translation's type where it refines DuckDB's (varchar lengths, precisions, json, row names). */
function reconcile(hint: SqlType | null, duck: DuckDBType): SqlType {
  const actual = athenaType(duck)
  return hint ? merge(hint, actual) : actual
}

function merge(hint: SqlType, actual: SqlType): SqlType {
  if (hint.kind !== actual.kind) return actual
  if (hint.kind === 'array' && actual.kind === 'array')
    return { kind: 'array', element: merge(hint.element, actual.element) }
  if (hint.kind === 'map' && actual.kind === 'map')
    return { kind: 'map', key: merge(hint.key, actual.key), value: merge(hint.value, actual.value) }
  if (hint.kind === 'row' && actual.kind === 'row') {
    if (hint.fields.length !== actual.fields.length) return actual
    return {
      kind: 'row',
      fields: actual.fields.map((f, i) => ({
        name: hint.fields[i]!.name ?? f.name,
        type: merge(hint.fields[i]!.type, f.type),
      })),
    }
  }
  if (hint.kind === 'simple' && actual.kind === 'simple') {
    if (hint.name === actual.name) return hint
    if (actual.name === 'varchar' && (hint.name === 'char' || hint.name === 'json')) return hint
    if (actual.name === 'bigint' && hint.name === 'bigint') return hint
    return actual
  }
  return actual
}

function literalValue(e: Expr): string | null {
  if (e.k === 'string') return e.value
  if (e.k === 'integer' || e.k === 'decimal') return e.text
  if (e.k === 'bool') return String(e.value)
  return null
}

export function properties(props: Property[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const p of props) {
    const v = literalValue(p.value)
    if (v !== null) out[p.name.toLowerCase()] = v
  }
  return out
}

function arrayProperty(props: Property[], name: string): string[] {
  const p = props.find((x) => x.name.toLowerCase() === name)
  if (!p) return []
  if (p.value.k !== 'array')
    throw new QueryFailure('INVALID_TABLE_PROPERTY', `Invalid value for table property '${name}'`)
  return p.value.items.map((i) => (literalValue(i) ?? '').toLowerCase())
}

function countParams(s: Statement): number {
  let n = 0
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk)
    else if (node && typeof node === 'object') {
      if ((node as Expr).k === 'param') n++
      for (const v of Object.values(node)) if (typeof v === 'object') walk(v)
    }
  }
  walk(s)
  return n
}
