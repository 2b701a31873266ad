import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type ClickHouseClient, ClickHouseDialect, createClient, ParameterError } from '@tributary/clickhouse'
import { chTable, dateTime, drizzle, uint8 } from '@tributary/clickhouse/drizzle'
import { Kysely } from 'kysely'
import { forEachBackend, uniqueTable } from '../backends.ts'

/**
 * One rule for a JS Date with milliseconds written to a type of whole seconds
 * (`DateTime`), the same through Kysely, Drizzle and client.insert: refused with
 * a message that says how, unless the client opted in to truncation.
 */
const WITH_MILLIS = new Date('2024-01-02T03:04:05.678Z')
const TRUNCATED = new Date('2024-01-02T03:04:05Z')

type Writer = (client: ClickHouseClient, table: string, id: number, seen: Date) => Promise<unknown>

const WRITERS: Record<string, Writer> = {
  'client.insert': (client, table, id, seen) => client.insert({ table, values: [{ id, seen }] }),
  Kysely: async (client, table, id, seen) => {
    const db = new Kysely<any>({ dialect: new ClickHouseDialect({ client }) })
    await db.insertInto(table).values({ id, seen }).execute()
  },
  Drizzle: (client, table, id, seen) => {
    const events = chTable(table, { id: uint8('id'), seen: dateTime('seen', 'UTC') })
    return drizzle(client).insert(events).values({ id, seen }).execute()
  },
}

forEachBackend((ctx) => {
  for (const [writer, write] of Object.entries(WRITERS)) {
    test(`${writer}: a Date with milliseconds for a DateTime column is refused, saying how; truncated on request`, async () => {
      const refusing = createClient(ctx().config())
      const truncating = createClient({ ...ctx().config(), subsecondDates: 'truncate' })
      const table = uniqueTable('subsecond')
      await refusing.command(
        `CREATE TABLE ${table} (id UInt8, seen DateTime('UTC')) ENGINE = MergeTree ORDER BY id`,
      )
      try {
        await assert.rejects(
          write(refusing, table, 1, WITH_MILLIS),
          (e: Error) =>
            e instanceof ParameterError &&
            e.message.includes("column 'seen'") &&
            e.message.includes('milliseconds') &&
            e.message.includes("subsecondDates: 'truncate'"),
        )
        // Whole seconds need no option; with the option, milliseconds are dropped.
        await write(refusing, table, 2, TRUNCATED)
        await write(truncating, table, 3, WITH_MILLIS)
        const { rows } = await refusing.query(`SELECT id, seen FROM ${table} ORDER BY id`)
        assert.deepEqual(rows, [
          { id: 2, seen: TRUNCATED },
          { id: 3, seen: TRUNCATED },
        ])
      } finally {
        await refusing.command(`DROP TABLE ${table}`)
        await refusing.close()
        await truncating.close()
      }
    })
  }
})
