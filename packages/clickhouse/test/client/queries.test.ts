/** The ClickHouse client's own query API on every backend: row modes, parameter checks, settings. */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createClient, ParameterError, ServerError } from '@tributary/clickhouse'
import { forEachBackend } from '../backends.ts'

forEachBackend((ctx) => {
  test('client.stream yields every row once, in order, as objects or arrays', async () => {
    const { client } = ctx()
    let expected = 0n
    for await (const row of client.stream<{ n: bigint; s: string }>(
      'SELECT number AS n, toString(number) AS s FROM system.numbers LIMIT 250000',
      undefined,
      { batchSize: 4096 },
    )) {
      assert.equal(row.n, expected)
      if (expected % 50000n === 0n) assert.equal(row.s, String(expected))
      expected++
    }
    assert.equal(expected, 250000n)

    const arrays: unknown[][] = []
    for await (const row of client.stream<unknown[]>('SELECT 1 AS a, 2 AS b', undefined, {
      rowMode: 'array',
    })) {
      arrays.push(row)
    }
    assert.deepEqual(arrays, [[1, 2]])
  })

  test('a missing, unused or misnamed parameter is a ParameterError', async () => {
    const { client } = ctx()
    await assert.rejects(client.query('SELECT {a:String} AS a', {}), ParameterError)
    await assert.rejects(client.query('SELECT {a:String} AS a'), ParameterError)
    await assert.rejects(client.query('SELECT 1', { a: 1 }), ParameterError)
    await assert.rejects(client.query('SELECT {a:String} AS a', { b: 'x' }), ParameterError)
  })

  test('an unknown setting is a ServerError naming it; a refused setting does not stick', async () => {
    const client = createClient(ctx().config())
    try {
      for (let i = 0; i < 2; i++) {
        await assert.rejects(
          client.query('SELECT 1', undefined, { settings: { no_such_setting_xyz: 1 } }),
          (e: unknown) => e instanceof ServerError && /no_such_setting_xyz/.test(e.message),
        )
        assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }])
      }
    } finally {
      await client.close()
    }
  })
})
