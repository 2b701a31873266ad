import assert from 'node:assert/strict'
import { Kysely, sql } from 'kysely'
import type { ColumnKind } from '../fixture.ts'
import type { Suite } from '../runner.ts'
import { uniqueName } from '../support.ts'
import { dropTable } from '../tables.ts'

export function introspection(s: Suite): void {
  s.test('lists schemas, tables and columns with types, nullability and defaults', async () => {
    const b = s.backend()
    const db = new Kysely<any>({ dialect: b.dialect() })
    const table = uniqueName('introspected')
    const reported = (kind: ColumnKind, nullable: boolean) =>
      b.introspectedType ? b.introspectedType(kind, nullable) : b.columnType(kind, nullable)
    try {
      await db.schema
        .createTable(table)
        .addColumn('id', sql.raw(b.columnType('bigint', false)), (c) => c.primaryKey())
        .addColumn('note', sql.raw(b.columnType('text', true)))
        .addColumn('amount', sql.raw(b.columnType('integer', false)), (c) => c.notNull().defaultTo(7))
        .execute()

      const tables = await db.introspection.getTables()
      const found = tables.find((t) => t.name === table)
      assert.ok(found, `${table} is not listed`)
      assert.equal(found.isView, false)
      assert.deepEqual(
        found.columns.map((c) => [c.name, c.dataType, c.isNullable, c.hasDefaultValue]),
        [
          ['id', reported('bigint', false), false, false],
          ['note', reported('text', true), true, false],
          ['amount', reported('integer', false), false, true],
        ],
      )
      if (found.schema !== undefined) {
        const schemas = await db.introspection.getSchemas()
        assert.ok(
          schemas.some((x) => x.name === found.schema),
          `schema ${found.schema} of the table is not listed`,
        )
      }

      await db.insertInto(table).values({ id: 1n, note: null }).execute()
      assert.deepEqual(await db.selectFrom(table).selectAll().execute(), [{ id: 1n, note: null, amount: 7 }])
    } finally {
      await dropTable(db, table)
      await db.destroy()
    }
  })
}
