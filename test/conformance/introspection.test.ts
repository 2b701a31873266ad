import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ClickHouseDialect } from '@tributary/clickhouse'
import { Kysely, sql } from 'kysely'
import { forEachBackend, uniqueTable } from '../../packages/clickhouse/test/backends.ts'

forEachBackend((ctx) => {
  test('introspection lists databases, tables and columns with nullability and defaults', async () => {
    const db = new Kysely<any>({ dialect: new ClickHouseDialect(ctx().config()) })
    const table = uniqueTable('introspected')
    try {
      await db.schema
        .createTable(table)
        .addColumn('id', sql`UInt64`, (c) => c.primaryKey())
        .addColumn('note', 'text')
        .addColumn('count', 'integer', (c) => c.notNull().defaultTo(7))
        .execute()
      const schemas = await db.introspection.getSchemas()
      assert.ok(schemas.some((s) => s.name === 'system'))
      const tables = await db.introspection.getTables()
      const found = tables.find((t) => t.name === table)
      assert.ok(found, 'table not listed')
      assert.equal(found.isView, false)
      assert.deepEqual(
        found.columns.map((c) => [c.name, c.dataType, c.isNullable, c.hasDefaultValue]),
        [
          ['id', 'UInt64', false, false],
          ['note', 'Nullable(String)', true, false],
          ['count', 'Int32', false, true],
        ],
      )
      await db.insertInto(table).values({ id: 1n, note: null }).execute()
      assert.deepEqual(await db.selectFrom(table).selectAll().execute(), [{ id: 1n, note: null, count: 7 }])
    } finally {
      await db.schema.dropTable(table).ifExists().execute()
      await db.destroy()
    }
  })
})
