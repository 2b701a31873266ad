/** ClickHouse sessions through the client (`client.session()`); Kysely's are in the conformance suite. */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigurationError, ServerError } from '@tributary/clickhouse'
import { forEachBackend } from '../backends.ts'

forEachBackend((ctx) => {
  test('a session keeps temporary tables and settings, and refuses a second concurrent query', async () => {
    const { client } = ctx()
    const session = client.session()
    const other = client.session()
    await session.command('CREATE TEMPORARY TABLE scratch (n UInt32, s String)')
    await session.insert({ table: 'scratch', values: [{ n: 1, s: 'a' }, [2, 'b']] })
    await session.command('SET max_threads = 3')
    const { rows } = await session.query<{ n: number; s: string }>('SELECT n, s FROM scratch ORDER BY n')
    assert.deepEqual(rows, [
      { n: 1, s: 'a' },
      { n: 2, s: 'b' },
    ])
    const threads = await session.query<{ value: string }>(
      "SELECT value FROM system.settings WHERE name = 'max_threads'",
    )
    assert.match(threads.rows[0]!.value, /3/)
    const elsewhere = await other.query<{ value: string }>(
      "SELECT value FROM system.settings WHERE name = 'max_threads'",
    )
    assert.doesNotMatch(elsewhere.rows[0]!.value, /^3$/, 'SET in one session changed another')

    await assert.rejects(other.query('SELECT * FROM scratch'), (e: unknown) => {
      assert.ok(e instanceof ServerError, String(e))
      assert.equal(e.code, '60')
      return true
    })

    const slow = session.query('SELECT sleep(0.3)')
    await assert.rejects(session.query('SELECT 1'), ConfigurationError)
    await slow
    assert.deepEqual((await session.query('SELECT count() AS c FROM scratch')).rows, [{ c: 2n }])
  })
})
