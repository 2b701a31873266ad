/**
 * Cancelling queries that carry parameters, as nearly every Kysely and Drizzle
 * query does: the promise settles, the engine stops the query (checked in its
 * own `system.processes` on every backend), a stream stops delivering rows.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  ClickHouseDialect,
  createClient,
  QueryCancelledError,
  ServerError,
  TimeoutError,
} from '@tributary/clickhouse'
import { chdb } from '@tributary/clickhouse/embedded'
import { Kysely, sql } from 'kysely'
import { forEachBackend } from '../backends.ts'
import { runEngineChild } from '../embedded/fixtures/run-child.ts'
import { endlessBoundQuery, endlessBoundRows, marker, waitUntilGone, waitUntilListed } from '../processes.ts'

/** A hang guard: a query that is never stopped fails its test instead of stalling the run. */
const GUARD = { timeout: 120_000 }

/** Rows a stream may still hand out after an abort: at most what it had already decoded. */
const ROWS_ALREADY_RECEIVED = 100

forEachBackend((ctx) => {
  test('an aborted query with parameters settles and stops in the engine', GUARD, async () => {
    const { client } = ctx()
    const running = marker('abort_bound')
    const query = endlessBoundQuery(running)
    const controller = new AbortController()
    const pending = client.query(query.sql, query.params, { signal: controller.signal })
    await waitUntilListed(client, running)
    controller.abort()
    await assert.rejects(pending, QueryCancelledError)
    await waitUntilGone(client, running)
    assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }])
  })

  test(
    'timeoutMs on a query with parameters is a TimeoutError and stops it in the engine',
    GUARD,
    async () => {
      const { client } = ctx()
      const running = marker('timeout_bound')
      const query = endlessBoundQuery(running)
      await assert.rejects(client.query(query.sql, query.params, { timeoutMs: 1000 }), TimeoutError)
      await waitUntilGone(client, running)
    },
  )

  test('an aborted stream with parameters stops delivering and stops in the engine', GUARD, async () => {
    const { client } = ctx()
    const running = marker('abort_bound_stream')
    const rows = endlessBoundRows(running)
    const controller = new AbortController()
    // Aborted once the engine lists the query, whether or not rows have arrived by then.
    const aborted = waitUntilListed(client, running).then(() => controller.abort())
    let afterAbort = 0
    await assert.rejects(async () => {
      for await (const _ of client.stream(rows.sql, rows.params, {
        signal: controller.signal,
        batchSize: 1,
      })) {
        if (controller.signal.aborted) afterAbort++
        assert.ok(afterAbort < ROWS_ALREADY_RECEIVED, 'the stream is still delivering rows after the abort')
      }
    }, QueryCancelledError)
    await aborted
    await waitUntilGone(client, running)
  })

  test('breaking out of a stream with parameters stops it in the engine', GUARD, async () => {
    const { client } = ctx()
    const running = marker('break_bound_stream')
    const rows = endlessBoundRows(running)
    for await (const _ of client.stream(rows.sql, rows.params, { batchSize: 1 })) {
      await waitUntilListed(client, running)
      break
    }
    await waitUntilGone(client, running)
  })

  for (const strategy of ['ignore query', 'cancel query'] as const) {
    test(`Kysely's '${strategy}' strategy stops a query with parameters in the engine`, GUARD, async () => {
      const db = new Kysely<Record<string, never>>({ dialect: new ClickHouseDialect(ctx().config()) })
      try {
        const running = marker('kysely_bound')
        const controller = new AbortController()
        const pending =
          sql`SELECT count() FROM system.numbers WHERE NOT ignore(sleepEachRow(0.001)) AND ${running} != '' SETTINGS max_block_size = 100`.execute(
            db,
            { signal: controller.signal, inflightQueryAbortStrategy: strategy } as never,
          )
        await waitUntilListed(ctx().client, running)
        controller.abort()
        await assert.rejects(pending, (error: unknown) => error instanceof Error)
        await waitUntilGone(ctx().client, running)
      } finally {
        await db.destroy()
      }
    })
  }
})

describe('embedded ClickHouse stops bound queries when the client or the process ends', () => {
  test(
    'client.close() settles while a query with parameters runs, and the engine stops it',
    GUARD,
    async () => {
      const watcher = createClient({ transport: chdb() })
      const client = createClient({ transport: chdb() })
      try {
        const running = marker('close_bound')
        const query = endlessBoundQuery(running)
        const pending = client.query(query.sql, query.params)
        await waitUntilListed(watcher, running)
        await client.close()
        await assert.rejects(pending, QueryCancelledError)
        await waitUntilGone(watcher, running)
      } finally {
        await client.close()
        await watcher.close()
      }
    },
  )

  test(
    'the engine connection that ran a stopped or failed statement answers the next ones correctly',
    GUARD,
    async () => {
      // One connection, so that every statement below runs on the one before it.
      const client = createClient({ transport: chdb({ maxConnections: 1 }) })
      try {
        const running = marker('reused')
        const query = endlessBoundQuery(running)
        const controller = new AbortController()
        const pending = client.query(query.sql, query.params, { signal: controller.signal })
        const watcher = createClient({ transport: chdb() })
        try {
          await waitUntilListed(watcher, running)
          controller.abort()
          await assert.rejects(pending, QueryCancelledError)
          assert.deepEqual((await client.query('EXISTS TABLE system.numbers')).rows, [{ result: 1 }])
          await waitUntilGone(watcher, running)
        } finally {
          await watcher.close()
        }
        const failing = 'SELECT throwIf(number = 1000) AS x FROM numbers(2000) SETTINGS max_block_size = 100'
        await assert.rejects(client.query(failing), ServerError)
        assert.deepEqual((await client.query('EXISTS TABLE system.numbers')).rows, [{ result: 1 }])
        // Run whole rather than streamed: the engine had written part of the result when it failed.
        await assert.rejects(client.command(failing), ServerError)
        assert.deepEqual((await client.query('EXISTS TABLE system.numbers')).rows, [{ result: 1 }])
        assert.deepEqual((await client.query('SELECT 42 AS x')).rows, [{ x: 42 }])
      } finally {
        await client.close()
      }
    },
  )

  for (const mode of ['exit-running', 'exit-after-abort', 'close-running'] as const) {
    test(`a process that ends with a query with parameters (${mode}) exits`, GUARD, async () => {
      const child = await runEngineChild(mode)
      assert.ok(child.exited, `the process did not exit: ${child.output}`)
      assert.equal(child.code, 0, child.output)
      assert.equal(child.report?.listed, true)
      if (mode !== 'exit-running') assert.equal(child.report?.outcome, 'QueryCancelledError')
    })
  }
})
