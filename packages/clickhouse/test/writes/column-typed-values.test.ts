import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type ClickHouseClient, ClickHouseDialect, createClient, ParameterError } from '@tributary/clickhouse'
import { chTable, decimal, drizzle, int32, int64, string, uint8 } from '@tributary/clickhouse/drizzle'
import { eq } from 'drizzle-orm'
import { Kysely } from 'kysely'
import { forEachBackend, uniqueTable } from '../backends.ts'

/**
 * A value written to a column is typed from that column, so the server never
 * converts it: out of range is a ParameterError naming the column, and nothing
 * is stored or changed.
 */
interface Row {
  id: number
  small: number
  signed: number
  money: string
  label: string | null
}

const GOOD: Row = { id: 1, small: 255, signed: -2147483648, money: '12345678.99', label: null }
const BAD: [column: keyof Row, value: unknown][] = [
  ['small', 300],
  ['small', -1],
  ['signed', 2 ** 31],
  ['money', 12345678901.5],
  ['money', '0.001'],
]

function refusedFor(column: string) {
  return (e: unknown) => e instanceof ParameterError && e.message.includes(`column '${column}'`)
}

async function stored(client: ClickHouseClient, table: string): Promise<Row[]> {
  return (await client.query<Row>(`SELECT * FROM ${table} ORDER BY id`)).rows
}

async function createTable(client: ClickHouseClient, table: string): Promise<void> {
  await client.command(
    `CREATE TABLE ${table} (id UInt8, small UInt8, signed Int32, money Decimal(10, 2), label Nullable(String)) ` +
      'ENGINE = MergeTree ORDER BY id',
  )
}

forEachBackend((ctx) => {
  for (const binding of ['auto', 'client'] as const) {
    test(`Kysely insert and update values are typed from their columns (${binding} binding)`, async () => {
      const client = createClient({ ...ctx().config(), parameterBinding: binding })
      const db = new Kysely<any>({ dialect: new ClickHouseDialect({ client }) })
      const table = uniqueTable('kysely_typed')
      await createTable(client, table)
      try {
        for (const [column, value] of BAD)
          await assert.rejects(
            db
              .insertInto(table)
              .values({ ...GOOD, [column]: value })
              .execute(),
            refusedFor(column),
          )
        assert.deepEqual(await stored(client, table), [])

        await db.insertInto(table).values(GOOD).execute()
        for (const [column, value] of BAD)
          await assert.rejects(
            db
              .updateTable(table)
              .set({ [column]: value })
              .where('id', '=', 1)
              .execute(),
            refusedFor(column),
          )
        assert.deepEqual(await stored(client, table), [GOOD])

        await db.updateTable(table).set({ small: 7, label: 'set', money: 0.5 }).where('id', '=', 1).execute()
        assert.deepEqual(await stored(client, table), [{ ...GOOD, small: 7, label: 'set', money: '0.50' }])
      } finally {
        await client.command(`DROP TABLE ${table}`)
        await db.destroy()
        await client.close()
      }
    })

    test(`Drizzle values are typed from the table's columns, not only the schema's (${binding} binding)`, async () => {
      const client = createClient({ ...ctx().config(), parameterBinding: binding })
      const table = uniqueTable('drizzle_typed')
      // The schema declares wider types than the table has: the table decides what fits.
      const rows = chTable(table, {
        id: uint8('id'),
        small: int32('small'),
        signed: int64('signed'),
        money: decimal('money', 20, 2),
        label: string('label'),
      })
      const db = drizzle(client)
      await createTable(client, table)
      try {
        const good = { id: 1, small: 255, signed: -2147483648n, money: '12345678.99', label: 'x' }
        const bad: [string, unknown][] = [
          ['small', 300],
          ['small', -1],
          ['signed', 2n ** 31n],
          ['money', '12345678901.5'],
        ]
        for (const [column, value] of bad)
          await assert.rejects(
            db
              .insert(rows)
              .values({ ...good, [column]: value } as typeof good)
              .execute(),
            refusedFor(column),
          )
        assert.deepEqual(await stored(client, table), [])
        await db.insert(rows).values(good).execute()
        for (const [column, value] of bad)
          await assert.rejects(
            db
              .update(rows)
              .set({ [column]: value })
              .where(eq(rows.id, 1))
              .execute(),
            refusedFor(column),
          )
        assert.deepEqual(await stored(client, table), [{ ...GOOD, label: 'x' }])
      } finally {
        await client.command(`DROP TABLE ${table}`)
        await client.close()
      }
    })
  }

  test('client.insert refuses the same values, naming the column', async () => {
    const { client } = ctx()
    const table = uniqueTable('insert_typed')
    await createTable(client, table)
    try {
      for (const [column, value] of BAD)
        await assert.rejects(
          client.insert({ table, values: [{ ...GOOD, [column]: value }] }),
          refusedFor(column),
        )
      assert.deepEqual(await stored(client, table), [])
    } finally {
      await client.command(`DROP TABLE ${table}`)
    }
  })
})
