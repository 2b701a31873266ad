import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createClient, typed } from '@tributary/clickhouse'
import { forEachBackend, uniqueTable } from '../backends.ts'

/** A leading U+FEFF is text like any other character, also when the value has characters escaped on the wire. */
const VALUES = [
  '\uFEFF\\N',
  "\uFEFF'x",
  '\uFEFF\ttab',
  '\uFEFFa\\b\nc',
  '\uFEFF',
  '\uFEFF\uFEFF\\',
  'x\uFEFF\\',
]

forEachBackend((ctx) => {
  for (const binding of ['auto', 'client'] as const) {
    test(`parameters keep a leading U+FEFF, alone and inside arrays and tuples (${binding} binding)`, async (t) => {
      // Without server-side parameters (18.16) 'auto' is the literal path: the 'client' run covers it.
      if (binding === 'auto' && !ctx().serverBinding) {
        t.skip("this server has no query parameters: 'auto' binding is the literal path, run as 'client'")
        return
      }
      const client = createClient({ ...ctx().config(), parameterBinding: binding })
      try {
        for (const value of VALUES) {
          const { rows } = await client.query<{ s: string; n: string | null; a: string[]; t: unknown[] }>(
            'SELECT {s:String} AS s, {n:Nullable(String)} AS n, {a:Array(String)} AS a, {t:Tuple(String, UInt8)} AS t',
            { s: value, n: value, a: [value, value], t: typed([value, 1], 'Tuple(String, UInt8)') },
          )
          assert.deepEqual(
            rows,
            [{ s: value, n: value, a: [value, value], t: [value, 1] }],
            JSON.stringify(value),
          )
        }
      } finally {
        await client.close()
      }
    })
  }

  test('inserted rows keep a leading U+FEFF when read back by query and stream', async () => {
    const { client } = ctx()
    const table = uniqueTable('bom')
    await client.command(`CREATE TABLE ${table} (i UInt8, s String, a Array(String)) ENGINE = Memory`)
    try {
      await client.insert({ table, values: VALUES.map((s, i) => ({ i, s, a: [s] })) })
      const expected = VALUES.map((s, i) => ({ i, s, a: [s] }))
      const { rows } = await client.query(`SELECT i, s, a FROM ${table} ORDER BY i`)
      assert.deepEqual(rows, expected)
      const streamed: unknown[] = []
      for await (const row of client.stream(`SELECT i, s, a FROM ${table} ORDER BY i`)) streamed.push(row)
      assert.deepEqual(streamed, expected)
    } finally {
      await client.command(`DROP TABLE ${table}`)
    }
  })
})
