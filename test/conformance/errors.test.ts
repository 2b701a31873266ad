import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ClickHouseDialect, createClient, ParameterError, ServerError } from '@tributary/clickhouse'
import { Kysely, sql } from 'kysely'
import { forEachBackend } from '../../packages/clickhouse/test/backends.ts'

forEachBackend((ctx) => {
  test('malformed SQL gives a ServerError with the ClickHouse code and the client keeps working', async () => {
    const { client } = ctx()
    await assert.rejects(client.query('SELEC 1'), (e: unknown) => {
      assert.ok(e instanceof ServerError, String(e))
      assert.equal(e.code, '62')
      assert.equal(e.system, 'clickhouse')
      assert.match(e.message, /Syntax error/i)
      return true
    })
    await assert.rejects(client.query('SELECT * FROM no_such_table_anywhere'), (e: unknown) => {
      assert.ok(e instanceof ServerError)
      assert.equal(e.code, '60')
      return true
    })
    assert.deepEqual((await client.query('SELECT 2 AS two')).rows, [{ two: 2 }])
  })

  test('an exception after rows were streamed is raised, not swallowed', async () => {
    const { client } = ctx()
    let rows = 0
    await assert.rejects(
      (async () => {
        for await (const _ of client.stream(
          'SELECT number, throwIf(number = 300000) AS x FROM system.numbers LIMIT 1000000',
          undefined,
          { batchSize: 1000, settings: { max_block_size: 1000 } },
        )) {
          rows++
        }
      })(),
      (e: unknown) => {
        assert.ok(e instanceof ServerError, String(e))
        assert.equal(e.code, '395')
        assert.match(e.message, /throwIf|non-zero|FUNCTION_THROW_IF/i)
        return true
      },
    )
    assert.ok(rows < 1000000, `read ${rows} rows before the error`)
    assert.deepEqual((await client.query('SELECT 3 AS three')).rows, [{ three: 3 }])
  })

  test('missing or unused parameters are a ParameterError', async () => {
    const { client } = ctx()
    await assert.rejects(client.query('SELECT {a:String} AS a', {}), ParameterError)
    await assert.rejects(client.query('SELECT 1', { a: 1 }), ParameterError)
  })

  test('a wrong password fails with the server code and no secret in the message', async (t) => {
    if (ctx().name === 'chdb-embedded') {
      t.skip('embedded ClickHouse runs in-process and has no authentication')
      return
    }
    const base = ctx().config()
    const secret = 'hunter2-very-secret'
    const client = createClient({ ...base, username: 'tributary', password: secret })
    try {
      await assert.rejects(client.query('SELECT 1'), (e: unknown) => {
        assert.ok(e instanceof ServerError, String(e))
        // 18.16 says WRONG_PASSWORD (193); modern servers AUTHENTICATION_FAILED (516)
        assert.ok(['193', '516'].includes(String(e.code)), `code ${e.code}`)
        assert.ok(!String(e.message).includes(secret))
        assert.ok(!String(e.stack).includes(secret))
        return true
      })
    } finally {
      await client.close()
    }
  })

  test('Kysely surfaces the same typed errors', async () => {
    const db = new Kysely<any>({ dialect: new ClickHouseDialect(ctx().config()) })
    try {
      await assert.rejects(sql`SELECT nope FROM system.one`.execute(db), (e: unknown) => {
        assert.ok(e instanceof ServerError)
        assert.equal(e.code, '47')
        return true
      })
    } finally {
      await db.destroy()
    }
  })
})
