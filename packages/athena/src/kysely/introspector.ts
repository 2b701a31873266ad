import { isKyselyTable } from '@tributary/core/kysely'
import type { DatabaseIntrospector, DatabaseMetadataOptions, SchemaMetadata, TableMetadata } from 'kysely'
import type { AthenaQueryClient } from '../client.ts'

/**
 * Schemas and tables from Athena's catalog APIs (ListDatabases,
 * ListTableMetadata) rather than queries: they answer in one call, cost no
 * query, and report Hive and Iceberg tables and views alike.
 */
export class AthenaIntrospector implements DatabaseIntrospector {
  readonly #client: () => Promise<AthenaQueryClient>

  constructor(client: () => Promise<AthenaQueryClient>) {
    this.#client = client
  }

  async getSchemas(): Promise<SchemaMetadata[]> {
    const client = await this.#client()
    const names = await client.transport.listDatabases(client.config.catalog ?? 'AwsDataCatalog')
    return names.map((name) => ({ name }))
  }

  async getTables(
    options: DatabaseMetadataOptions = { withInternalKyselyTables: false },
  ): Promise<TableMetadata[]> {
    const client = await this.#client()
    const database = client.config.database ?? 'default'
    const tables = await client.transport.listTableMetadata(
      client.config.catalog ?? 'AwsDataCatalog',
      database,
    )
    const out: TableMetadata[] = []
    for (const table of tables) {
      const name = table.Name ?? ''
      if (!options.withInternalKyselyTables && isKyselyTable(name, { lease: true })) continue
      out.push({
        name,
        schema: database,
        isView: table.TableType === 'VIRTUAL_VIEW',
        isForeign: false,
        columns: [...(table.Columns ?? []), ...(table.PartitionKeys ?? [])].map((column) => ({
          name: column.Name ?? '',
          dataType: column.Type ?? '',
          // Athena's tables have no NOT NULL: every column takes NULL.
          isNullable: true,
          isAutoIncrementing: false,
          hasDefaultValue: false,
          comment: column.Comment || undefined,
        })),
      })
    }
    return out
  }

  /** Kysely 0.28's single-call form. */
  async getMetadata(options?: DatabaseMetadataOptions): Promise<{ tables: TableMetadata[] }> {
    return { tables: await this.getTables(options) }
  }
}
