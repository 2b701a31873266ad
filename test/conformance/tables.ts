import { type Kysely, sql } from 'kysely'
import type { ColumnSpec, ConformanceBackend } from './fixture.ts'

/** CREATE TABLE through Kysely's schema builder, with the backend's type for each column kind. */
export async function createTable(
  db: Kysely<any>,
  backend: ConformanceBackend,
  name: string,
  columns: Readonly<Record<string, ColumnSpec>>,
): Promise<void> {
  let builder = db.schema.createTable(name)
  for (const [column, spec] of Object.entries(columns)) {
    const type = sql.raw(backend.columnType(spec.kind, spec.nullable === true))
    builder = builder.addColumn(column, type, (c) =>
      spec.primaryKey ? c.primaryKey() : spec.nullable ? c : c.notNull(),
    )
  }
  await builder.execute()
}

export async function dropTable(db: Kysely<any>, name: string): Promise<void> {
  await db.schema.dropTable(name).ifExists().execute()
}
