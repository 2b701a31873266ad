import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type ClickHouseClient, ClickHouseDialect, createClient, ParameterError } from '@tributary/clickhouse'
import { Kysely, sql } from 'kysely'
import { forEachBackend, uniqueTable } from '../backends.ts'

/**
 * A Kysely column with a raw ClickHouse type (``sql`UInt8` ``) is created exactly
 * as written, so without `Nullable(…)` it cannot hold NULL. A NULL written to it
 * (INSERT or UPDATE) is a ParameterError naming the column before anything is
 * sent, on every server and in both binding modes: never the type's default
 * stored in its place.
 */
interface Row {
  id: number
  n: number
  s: string
  maybe: number | null
}

function refusedFor(column: string) {
  return (e: unknown) =>
    e instanceof ParameterError && e.message.includes(`column '${column}'`) && /NULL/.test(e.message)
}

async function stored(client: ClickHouseClient, table: string): Promise<Row[]> {
  return (await client.query<Row>(`SELECT id, n, s, maybe FROM ${table} ORDER BY id`)).rows
}

forEachBackend((ctx) => {
  for (const binding of ['auto', 'client'] as const) {
    test(`a NULL for a raw non-Nullable column is a ParameterError naming it (${binding} binding)`, async () => {
      const client = createClient({ ...ctx().config(), parameterBinding: binding })
      const db = new Kysely<any>({ dialect: new ClickHouseDialect({ client }) })
      const table = uniqueTable('kysely_raw_nulls')
      try {
        await db.schema
          .createTable(table)
          .addColumn('id', sql`UInt32`)
          .addColumn('n', sql`UInt8`)
          .addColumn('s', sql`String`)
          .addColumn('maybe', sql`Nullable(UInt8)`)
          .execute()
        const columns = await client.query<{ name: string; type: string }>(`DESCRIBE TABLE ${table}`)
        assert.deepEqual(
          columns.rows.map((c) => [c.name, c.type]),
          [
            ['id', 'UInt32'],
            ['n', 'UInt8'],
            ['s', 'String'],
            ['maybe', 'Nullable(UInt8)'],
          ],
          'raw types are used as written',
        )

        await assert.rejects(
          db.insertInto(table).values({ id: 1, n: null, s: 'a', maybe: 1 }).execute(),
          refusedFor('n'),
        )
        await assert.rejects(
          db.insertInto(table).values({ id: 1, n: 1, s: null, maybe: 1 }).execute(),
          refusedFor('s'),
        )
        await assert.rejects(
          db
            .insertInto(table)
            .values([
              { id: 1, n: 1, s: 'a', maybe: null },
              { id: 2, n: null, s: 'b', maybe: null },
            ])
            .execute(),
          refusedFor('n'),
        )
        assert.deepEqual(await stored(client, table), [], 'nothing is stored')

        await db.insertInto(table).values({ id: 1, n: 7, s: 'a', maybe: null }).execute()
        assert.deepEqual(await stored(client, table), [{ id: 1, n: 7, s: 'a', maybe: null }])

        await assert.rejects(
          db.updateTable(table).set({ n: null }).where('id', '=', 1).execute(),
          refusedFor('n'),
        )
        assert.deepEqual(
          await stored(client, table),
          [{ id: 1, n: 7, s: 'a', maybe: null }],
          'nothing is changed',
        )

        await db.updateTable(table).set({ maybe: 3 }).where('id', '=', 1).execute()
        await db.updateTable(table).set({ maybe: null, n: 8 }).where('id', '=', 1).execute()
        assert.deepEqual(await stored(client, table), [{ id: 1, n: 8, s: 'a', maybe: null }])
      } finally {
        await db.schema.dropTable(table).ifExists().execute()
        await db.destroy()
        await client.close()
      }
    })
  }
})
