import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import { createClient } from '@tributary/clickhouse'
import { type BackendContext, forEachBackend } from '../backends.ts'

function skipWithoutMaps(t: TestContext, ctx: BackendContext): boolean {
  if (ctx.modern) return false
  t.skip('ClickHouse 18.16 has no Map type')
  return true
}

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const row of rows) out.push(row)
  return out
}

const SQL = `SELECT map('k', 1, 'k', 2, 'j', 3) AS m, m['k'] AS first,
  map(1, 'a', 1, 'b') AS numbers, [map('x', 5, 'x', 6)] AS nested`

forEachBackend((ctx) => {
  test('a Map with duplicate keys reads as an object where the first value wins, as m[key] does', async (t) => {
    if (skipWithoutMaps(t, ctx())) return
    for (const read of ['query', 'stream'] as const) {
      const client = ctx().client
      const rows: Record<string, unknown>[] =
        read === 'query' ? (await client.query(SQL)).rows : await collect(client.stream(SQL))
      assert.deepEqual(rows, [{ m: { k: 1, j: 3 }, first: 1, numbers: { 1: 'a' }, nested: [{ x: 5 }] }], read)
    }
  })

  test("maps: 'entries' gives every [key, value] pair in order, keys with their own type", async (t) => {
    if (skipWithoutMaps(t, ctx())) return
    const client = createClient({ ...ctx().config(), maps: 'entries' })
    try {
      const expected = [
        {
          m: [
            ['k', 1],
            ['k', 2],
            ['j', 3],
          ],
          first: 1,
          numbers: [
            [1, 'a'],
            [1, 'b'],
          ],
          nested: [
            [
              ['x', 5],
              ['x', 6],
            ],
          ],
        },
      ]
      assert.deepEqual((await client.query(SQL)).rows, expected)
      assert.deepEqual(await collect(client.stream(SQL)), expected)
      // The entries form is also accepted on write, duplicates included.
      const { rows } = await client.query('SELECT {m:Map(String, UInt8)} AS m', {
        m: [
          ['a', 1],
          ['a', 2],
        ],
      })
      assert.deepEqual(rows, [
        {
          m: [
            ['a', 1],
            ['a', 2],
          ],
        },
      ])
    } finally {
      await client.close()
    }
  })
})
