/**
 * A parameter value larger than the server takes is a `ParameterError` that
 * says what to do, on every backend; below the limits it simply works.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ParameterError } from '@tributary/clickhouse'
import { forEachBackend } from '../backends.ts'

/** Over 18.16's default max_query_size (256 KiB), under the 1 MiB URL limit of server-side binding. */
const LARGE = 'x'.repeat(300 * 1024)

forEachBackend((ctx) => {
  test('a 300 KiB String parameter: bound where the server binds, a ParameterError where literals pass max_query_size', async () => {
    const { client, serverBinding, name } = ctx()
    const sql = 'SELECT length({s:String}) AS n'
    if (serverBinding || name === 'chdb-embedded') {
      assert.deepEqual((await client.query(sql, { s: LARGE })).rows, [{ n: BigInt(LARGE.length) }])
      return
    }
    await assert.rejects(client.query(sql, { s: LARGE }), (error: unknown) => {
      assert.ok(error instanceof ParameterError, String(error))
      assert.match(error.message, /max_query_size/)
      // The server's message echoes the statement; the value must not come back in the error.
      assert.ok(!error.message.includes('x'.repeat(100)))
      return true
    })
    // The way out the message names: a larger max_query_size for that query.
    const { rows } = await client.query(sql, { s: LARGE }, { settings: { max_query_size: 1024 * 1024 } })
    assert.deepEqual(rows, [{ n: BigInt(LARGE.length) }])
  })
})
