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
  TABLE_SCHEMA: string
  TABLE_NAME: string
  TABLE_TYPE: string
  COLUMN_NAME: string
  DATA_TYPE: string
  IS_NULLABLE: string
  HAS_DEFAULT: string
  IS_IDENTITY: string
  LONG_COMMENT: string | null
}

export interface Db2IntrospectorOptions {
  /** Schemas (libraries) whose tables `getTables` lists. Default: the current schema. */
  schemas?: readonly string[] | undefined
}

/**
 * Schemas, tables and columns from the Db2 for i catalog: QSYS2.SYSSCHEMAS,
 * QSYS2.SYSTABLES and QSYS2.SYSCOLUMNS. Table types T (table), P (physical
 * file) and M (materialized query table) are tables; V and L (logical file)
 * are views.
 */
export class Db2Introspector implements DatabaseIntrospector {
  readonly #db: Kysely<any>
  readonly #schemas: readonly string[] | undefined

  constructor(db: Kysely<any>, options: Db2IntrospectorOptions = {}) {
    this.#db = db
    this.#schemas = options.schemas
  }

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ SCHEMA_NAME: string }>`
      select schema_name from qsys2.sysschemas order by schema_name`.execute(this.#db)
    return rows.map((row) => ({ name: row.SCHEMA_NAME }))
  }

  async getTables(
    options: DatabaseMetadataOptions = { withInternalKyselyTables: false },
  ): Promise<TableMetadata[]> {
    const schemas =
      this.#schemas && this.#schemas.length > 0
        ? sql`in (${sql.join(this.#schemas.map((s) => sql`${s}`))})`
        : sql`= current schema`
    const { rows } = await sql<ColumnRow>`
      select c.table_schema, c.table_name, t.table_type, c.column_name, c.data_type,
             c.is_nullable, c.has_default, c.is_identity, c.long_comment
      from qsys2.syscolumns c
      join qsys2.systables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema ${schemas} and t.system_table = 'N'
      order by c.table_schema, c.table_name, c.ordinal_position`.execute(this.#db)
    const tables = new Map<string, TableMetadata & { columns: TableMetadata['columns'][number][] }>()
    for (const row of rows) {
      if (!options.withInternalKyselyTables && isKyselyTable(row.TABLE_NAME, { lease: false })) continue
      const key = `${row.TABLE_SCHEMA}.${row.TABLE_NAME}`
      let table = tables.get(key)
      if (!table) {
        table = {
          name: row.TABLE_NAME,
          schema: row.TABLE_SCHEMA,
          isView: row.TABLE_TYPE === 'V' || row.TABLE_TYPE === 'L',
          isForeign: false,
          columns: [],
        }
        tables.set(key, table)
      }
      const identity = row.IS_IDENTITY === 'YES'
      table.columns.push({
        name: row.COLUMN_NAME,
        dataType: row.DATA_TYPE,
        isNullable: row.IS_NULLABLE === 'Y',
        isAutoIncrementing: identity,
        hasDefaultValue: identity || (row.HAS_DEFAULT !== 'N' && row.HAS_DEFAULT !== ''),
        comment: row.LONG_COMMENT ?? undefined,
      })
    }
    return [...tables.values()]
  }

  /** Kysely 0.28's single-call form. */
  async getMetadata(options?: DatabaseMetadataOptions): Promise<{ tables: TableMetadata[] }> {
    return { tables: await this.getTables(options) }
  }
}
