import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ClickHouseDialect, ConfigurationError, createClient, ServerError } from '@tributary/clickhouse'
import { Kysely, sql } from 'kysely'
import { forEachBackend } from '../../packages/clickhouse/test/backends.ts'

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

    // Another session does not see the temporary table.
    await assert.rejects(
      other.query('SELECT * FROM scratch'),
      (e: unknown) => (e as { code?: string }).code === '60',
    )

    const slow = session.query('SELECT sleep(0.3)')
    await assert.rejects(session.query('SELECT 1'), ConfigurationError)
    await slow
    assert.deepEqual((await session.query('SELECT count() AS c FROM scratch')).rows, [{ c: 2n }])
  })

  test('with sessions: true, a Kysely connection keeps its temporary tables', async () => {
    const db = new Kysely<any>({ dialect: new ClickHouseDialect({ ...ctx().config(), sessions: true }) })
    try {
      const rows = await db.connection().execute(async (conn) => {
        await sql`CREATE TEMPORARY TABLE kept (n UInt8)`.execute(conn)
        await conn
          .insertInto('kept')
          .values([{ n: 7 }, { n: 8 }])
          .execute()
        return (await conn.selectFrom('kept').select('n').orderBy('n').execute()).map((r) => r.n)
      })
      assert.deepEqual(rows, [7, 8])
    } finally {
      await db.destroy()
    }
  })

  test('an unknown setting is a ServerError naming it; the client keeps working', async () => {
    const client = createClient(ctx().config())
    try {
      // Twice: a refused setting must not stick to a pooled connection.
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
