import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ClickHouseDialect, ParameterError } from '@tributary/clickhouse'
import { Kysely, sql } from 'kysely'
import { forEachBackend, uniqueTable } from '../backends.ts'

/** Kysely's `timestamp` and JS Date values map to the instant type the server has. */
forEachBackend((ctx) => {
  test('timestamp columns and JS Date values work on every server', async () => {
    const db = new Kysely<any>({ dialect: new ClickHouseDialect(ctx().config()) })
    const table = uniqueTable('kysely_dates')
    const first = new Date('2024-01-02T03:04:05Z')
    const second = new Date('2031-12-31T23:59:59Z')
    try {
      await db.schema
        .createTable(table)
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('at', 'timestamp', (c) => c.notNull())
        .addColumn('maybe', 'timestamp')
        .execute()
      await db
        .insertInto(table)
        .values([
          { id: 1, at: first, maybe: null },
          { id: 2, at: second, maybe: second },
        ])
        .execute()
      assert.deepEqual(await db.selectFrom(table).selectAll().orderBy('id').execute(), [
        { id: 1, at: first, maybe: null },
        { id: 2, at: second, maybe: second },
      ])
      const later = await db.selectFrom(table).select('id').where('at', '>', first).execute()
      assert.deepEqual(later, [{ id: 2 }])
      const exact = await db.selectFrom(table).select('id').where('at', '=', second).execute()
      assert.deepEqual(exact, [{ id: 2 }])
      await db.updateTable(table).set({ maybe: first }).where('id', '=', 1).execute()
      assert.deepEqual(await db.selectFrom(table).select('maybe').where('id', '=', 1).execute(), [
        { maybe: first },
      ])

      const { rows } = await sql<{
        d: Date
        ds: Date[]
      }>`select ${first} as d, ${[first, second]} as ds`.execute(db)
      assert.deepEqual(rows, [{ d: first, ds: [first, second] }])
    } finally {
      await db.schema.dropTable(table).ifExists().execute()
      await db.destroy()
    }
  })

  test('milliseconds are kept where the server has DateTime64, refused where it has none', async () => {
    const db = new Kysely<any>({ dialect: new ClickHouseDialect(ctx().config()) })
    const table = uniqueTable('kysely_millis')
    const withMillis = new Date('2024-01-02T03:04:05.678Z')
    try {
      await db.schema
        .createTable(table)
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('at', 'timestamp', (c) => c.notNull())
        .execute()
      const insert = db.insertInto(table).values({ id: 1, at: withMillis }).execute()
      if (ctx().modern) {
        await insert
        assert.deepEqual(await db.selectFrom(table).select('at').execute(), [{ at: withMillis }])
      } else {
        await assert.rejects(
          insert,
          (e: Error) => e instanceof ParameterError && /column 'at'/.test(e.message),
        )
      }
    } finally {
      await db.schema.dropTable(table).ifExists().execute()
      await db.destroy()
    }
  })
})
