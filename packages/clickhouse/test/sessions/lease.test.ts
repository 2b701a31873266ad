import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  ClickHouseDialect,
  type ClickHouseSession,
  createClient,
  pollUntil,
  ServerError,
} from '@tributary/clickhouse'
import { Kysely, sql } from 'kysely'
import { forEachBackend } from '../backends.ts'

/** ClickHouse codes for "table doesn't exist" and "session not found". */
const GONE = new Set(['60', '372'])

forEachBackend((ctx) => {
  async function sessionIsGone(client: ReturnType<typeof createClient>, sessionId: string) {
    // Probes carry a 1 s session timeout so that probing does not keep the session alive.
    const settings = ctx().name === 'chdb-embedded' ? undefined : { session_check: 1, session_timeout: 1 }
    return pollUntil(
      async () => {
        try {
          await client.query('SELECT count() FROM lease_probe', undefined, { sessionId, settings })
          return undefined
        } catch (error) {
          if (error instanceof ServerError && GONE.has(String(error.code))) return true
          throw error
        }
      },
      { timeoutMs: 30_000, initialDelayMs: 2500, maxDelayMs: 2500, jitter: 'none' },
    )
  }

  test('releasing a lease ends its session on the server (temporary tables go with it)', async () => {
    const client = createClient({ ...ctx().config(), sessions: true })
    try {
      const lease = (await client.acquire()) as ClickHouseSession
      await lease.command('CREATE TEMPORARY TABLE lease_probe (x UInt8)')
      await lease.insert({ table: 'lease_probe', values: [[1]] })
      const sessionId = lease.sessionId!
      assert.deepEqual((await lease.query('SELECT count() AS c FROM lease_probe')).rows, [{ c: 1n }])
      await lease.release()
      await assert.rejects(lease.query('SELECT 1'), /released/)
      assert.equal(await sessionIsGone(client, sessionId), true)
    } finally {
      await client.close()
    }
  })

  test("Kysely's 'kill session' ends the session; the connection goes on with a fresh one", async () => {
    const client = createClient({ ...ctx().config(), sessions: true })
    const db = new Kysely<any>({ dialect: new ClickHouseDialect({ client }) })
    try {
      await db.connection().execute(async (conn) => {
        await sql`CREATE TEMPORARY TABLE lease_probe (x UInt8)`.execute(conn)
        const controller = new AbortController()
        const slow =
          sql`SELECT count() AS lease_kill_probe FROM system.numbers WHERE NOT ignore(sleepEachRow(0.001)) SETTINGS max_block_size = 100`.execute(
            conn,
            { signal: controller.signal, inflightQueryAbortStrategy: 'kill session' } as never,
          )
        // Abort once the server runs it, so the strategy has a statement to stop.
        await pollUntil(
          async () => {
            const { rows } = await ctx().client.query<{ c: bigint }>(
              "SELECT count() AS c FROM system.processes WHERE query LIKE '%lease_kill_probe%' AND query NOT LIKE '%system.processes%'",
            )
            return rows[0]!.c > 0n ? true : undefined
          },
          { timeoutMs: 30_000, initialDelayMs: 20, maxDelayMs: 100 },
        )
        controller.abort()
        await assert.rejects(
          slow,
          (error: unknown) => error instanceof DOMException && error.name === 'AbortError',
        )
        // The temporary table belonged to the ended session.
        await assert.rejects(
          sql`SELECT count() FROM lease_probe`.execute(conn),
          (error: unknown) => error instanceof ServerError && error.code === '60',
        )
      })
    } finally {
      await db.destroy()
      await client.close()
    }
  })
})
