import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { ClickHouseDialect, DatabaseError, QueryCancelledError } from '@tributary/clickhouse'
import { Kysely, sql } from 'kysely'
import { forEachBackend } from '../../packages/clickhouse/test/backends.ts'

/** Polls until no query with this id runs on the server. */
async function waitUntilGone(
  ctx: ReturnType<Parameters<Parameters<typeof forEachBackend>[0]>[0]>,
  queryId: string,
) {
  for (let i = 0; i < 100; i++) {
    const { rows } = await ctx.client.query<{ c: bigint }>(
      'SELECT count() AS c FROM system.processes WHERE query_id = {id:String}',
      { id: queryId },
    )
    if (rows[0]!.c === 0n) return true
    await sleep(50)
  }
  return false
}

forEachBackend((ctx) => {
  test('an AbortSignal stops a running query on the server', async () => {
    const { client } = ctx()
    const queryId = `cancel-${process.pid}-${Date.now()}`
    const controller = new AbortController()
    const pending = client.query(
      'SELECT count() FROM system.numbers WHERE NOT ignore(sleepEachRow(0.001)) SETTINGS max_block_size = 100',
      undefined,
      {
        queryId,
        signal: controller.signal,
      },
    )
    await sleep(300)
    controller.abort()
    await assert.rejects(pending, (e: unknown) => e instanceof QueryCancelledError)
    if (ctx().name !== 'chdb-embedded') assert.ok(await waitUntilGone(ctx(), queryId), 'query still running')
    assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }])
  })

  for (const strategy of ['cancel query', 'kill session'] as const) {
    test(`Kysely's '${strategy}' strategy stops the query on the server`, async () => {
      const db = new Kysely<any>({ dialect: new ClickHouseDialect(ctx().config()) })
      try {
        const controller = new AbortController()
        const started = Date.now()
        const pending =
          sql`SELECT count() FROM system.numbers WHERE NOT ignore(sleepEachRow(0.001)) SETTINGS max_block_size = 100`.execute(
            db,
            {
              signal: controller.signal,
              inflightQueryAbortStrategy: strategy,
            } as never,
          )
        await sleep(300)
        controller.abort()
        await assert.rejects(pending, (e: unknown) => e instanceof Error)
        assert.ok(Date.now() - started < 60_000)
        const { rows } = await sql<{
          c: bigint
        }>`SELECT count() AS c FROM system.processes WHERE query LIKE '%sleepEachRow(0.001)%' AND query NOT LIKE '%system.processes%'`.execute(
          db,
        )
        if (ctx().name !== 'chdb-embedded') {
          for (let i = 0; i < 100 && rows[0]!.c !== 0n; i++) {
            await sleep(50)
            rows[0] = (
              await sql<{
                c: bigint
              }>`SELECT count() AS c FROM system.processes WHERE query LIKE '%sleepEachRow(0.001)%' AND query NOT LIKE '%system.processes%'`.execute(
                db,
              )
            ).rows[0]!
          }
          assert.equal(rows[0]!.c, 0n)
        }
      } finally {
        await db.destroy()
      }
    })
  }

  test('a request timeout is a typed error and the client keeps working', async () => {
    const { client } = ctx()
    await assert.rejects(
      client.query(
        'SELECT count() FROM system.numbers WHERE NOT ignore(sleepEachRow(0.001)) SETTINGS max_block_size = 100',
        undefined,
        {
          timeoutMs: 300,
        },
      ),
      (e: unknown) =>
        e instanceof DatabaseError && /TimeoutError|QueryCancelledError/.test((e as Error).name),
    )
    assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }])
  })
})
