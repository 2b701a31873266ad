import { isKyselyTable } from '@tributary/core/kysely'
import {
  type DatabaseIntrospector,
  type DatabaseMetadataOptions,
  type Kysely,
  type SchemaMetadata,
  sql,
  type TableMetadata,
} from 'kysely'

interface ColumnRow {
  database: string
  table: string
  name: string
  type: string
  default_kind: string
  comment: string
}

/** Reads schemas, tables and columns from `system.databases`, `system.tables` and `system.columns`. */
export class ClickHouseIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<any>

  constructor(db: Kysely<any>) {
    this.#db = db
  }

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`select name from system.databases order by name`.execute(
      this.#db,
    )
    return rows.map((row) => ({ name: row.name }))
  }

  async getTables(
    options: DatabaseMetadataOptions = { withInternalKyselyTables: false },
  ): Promise<TableMetadata[]> {
    // system.columns lists a table's columns in definition order (older servers have no `position`).
    const [{ rows }, { rows: engines }] = await Promise.all([
      sql<ColumnRow>`
        select database, table, name, type, default_kind, comment
        from system.columns where database = currentDatabase()`.execute(this.#db),
      sql<{ name: string; engine: string }>`
        select name, engine from system.tables where database = currentDatabase()`.execute(this.#db),
    ])
    const engineOf = new Map(engines.map((t) => [t.name, t.engine]))
    const tables = new Map<string, TableMetadata & { columns: TableMetadata['columns'][number][] }>()
    for (const row of rows) {
      if (!options.withInternalKyselyTables && isKyselyTable(row.table, { lease: true })) continue
      let table = tables.get(row.table)
      if (!table) {
        table = {
          name: row.table,
          schema: row.database,
          isView: /View$/.test(engineOf.get(row.table) ?? ''),
          isForeign: false,
          columns: [],
        }
        tables.set(row.table, table)
      }
      table.columns.push({
        name: row.name,
        dataType: row.type,
        isNullable: /^(LowCardinality\()?Nullable\(/.test(row.type),
        isAutoIncrementing: false,
        hasDefaultValue: row.default_kind !== '',
        comment: row.comment === '' ? undefined : row.comment,
      })
    }
    return [...tables.values()]
  }

  /** Kysely 0.28's single-call form. */
  async getMetadata(options?: DatabaseMetadataOptions): Promise<{ tables: TableMetadata[] }> {
    return { tables: await this.getTables(options) }
  }
}
