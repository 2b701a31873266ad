/**
 * `numAffectedRows` is the server's own count of the rows a statement wrote, or
 * undefined where the server does not say: never a made-up 0.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ClickHouseDialect } from '@tributary/clickhouse'
import { Kysely } from 'kysely'
import { forEachBackend, uniqueTable } from '../backends.ts'

interface Table {
  id: number
  v: string
}

/** Undefined (the server did not say) or exactly the expected count. */
function assertCount(actual: bigint | undefined, expected: bigint, what: string): void {
  if (actual !== undefined) assert.equal(actual, expected, what)
}

forEachBackend((ctx) => {
  test('an INSERT and a mutation report the rows written, or nothing: never a false 0', async () => {
    const table = uniqueTable('affected_rows')
    const db = new Kysely<Record<string, Table>>({ dialect: new ClickHouseDialect(ctx().config()) })
    try {
      await db.schema
        .createTable(table)
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('v', 'varchar', (c) => c.notNull())
        .execute()
      // executeQuery returns what the driver reported (Kysely's InsertResult turns "unknown" into 0n itself).
      const insert = db
        .insertInto(table)
        .values([
          { id: 1, v: 'a' },
          { id: 2, v: 'b' },
          { id: 3, v: 'c' },
        ])
        .compile()
      assertCount((await db.executeQuery(insert)).numAffectedRows, 3n, 'INSERT … VALUES')

      const update = db.updateTable(table).set({ v: 'z' }).where('id', '>', 1).compile()
      assertCount((await db.executeQuery(update)).numAffectedRows, 2n, 'ALTER TABLE … UPDATE')
      const remove = db.deleteFrom(table).where('id', '=', 1).compile()
      assertCount((await db.executeQuery(remove)).numAffectedRows, 1n, 'ALTER TABLE … DELETE')
      const rows = await db.selectFrom(table).selectAll().orderBy('id').execute()
      assert.deepEqual(rows, [
        { id: 2, v: 'z' },
        { id: 3, v: 'z' },
      ])

      const inserted = await ctx().client.insert({
        table,
        values: [
          { id: 4, v: 'd' },
          { id: 5, v: 'e' },
        ],
      })
      assertCount(inserted.writtenRows, 2n, 'client.insert')
    } finally {
      await db.schema.dropTable(table).ifExists().execute()
      await db.destroy()
    }
  })
})
