/**
 * The ClickHouse client's own cancellation API (`signal`, `timeoutMs`, `break`,
 * sessions) on every backend. Each test waits until the server's process list
 * shows the query, stops it, and waits until the server no longer runs it.
 * Kysely and Drizzle are covered by the conformance suite.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type ClickHouseClient, createClient, QueryCancelledError, TimeoutError } from '@tributary/clickhouse'
import { describeError, uniqueMarker, waitUntil, watch } from '../../../../test/conformance/support.ts'
import { forEachBackend } from '../backends.ts'
import { endlessQuery, slowQuery } from '../conformance/statements.ts'
import { runningCount } from '../processes.ts'

const STOP_MS = 5_000

async function untilRunning(observer: ClickHouseClient, marker: string, pending: ReturnType<typeof watch>) {
  await waitUntil(async () => {
    const outcome = pending.outcome
    if (outcome.settled) {
      assert.fail(
        `the query ended before it was stopped: ${outcome.ok ? 'resolved' : describeError(outcome.error)}`,
      )
    }
    return (await runningCount(observer, marker)) > 0
  }, 'the server to show the query')
}

async function untilStopped(observer: ClickHouseClient, marker: string) {
  await waitUntil(
    async () => (await runningCount(observer, marker)) === 0,
    'the server to stop the query',
    STOP_MS,
  )
}

function assertCancelled(error: unknown, queryId: string) {
  assert.ok(error instanceof QueryCancelledError, `expected QueryCancelledError, got ${describeError(error)}`)
  assert.equal(error.system, 'clickhouse')
  assert.equal(error.queryId, queryId)
}

forEachBackend((ctx) => {
  // With bound parameters: packages/clickhouse/test/cancellation/bound-queries.test.ts.
  test('an AbortSignal stops a running query on the server with QueryCancelledError', async () => {
    const client = createClient(ctx().config())
    const marker = uniqueMarker()
    const queryId = `${marker}-id`
    const controller = new AbortController()
    try {
      const pending = watch(
        client.query(slowQuery(marker), undefined, { queryId, signal: controller.signal }),
      )
      await untilRunning(ctx().client, marker, pending)
      controller.abort()
      const outcome = await pending.result(STOP_MS, 'the aborted query')
      assert.ok(!outcome.ok, 'the aborted query resolved')
      assertCancelled(outcome.error, queryId)
      await untilStopped(ctx().client, marker)
      assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }])
    } finally {
      await watch(client.close()).result(20_000, 'client.close()')
    }
  })

  test('a request timeout is a TimeoutError and stops the query on the server', async () => {
    const client = createClient(ctx().config())
    const marker = uniqueMarker()
    try {
      const pending = watch(client.query(slowQuery(marker), undefined, { timeoutMs: 1000 }))
      await untilRunning(ctx().client, marker, pending)
      const outcome = await pending.result(1000 + STOP_MS, 'the query with a timeout')
      assert.ok(!outcome.ok, 'the query resolved')
      assert.ok(
        outcome.error instanceof TimeoutError,
        `expected TimeoutError, got ${describeError(outcome.error)}`,
      )
      await untilStopped(ctx().client, marker)
      assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }])
    } finally {
      await client.close()
    }
  })

  test('client.stream: breaking out, or an abort while rows arrive, stops the query on the server', async () => {
    const client = createClient(ctx().config())
    try {
      const left = uniqueMarker()
      let count = 0
      for await (const _ of client.stream(endlessQuery(left), undefined, { batchSize: 1000 })) {
        if (++count === 5000) break
      }
      await untilStopped(ctx().client, left)

      const aborted = uniqueMarker()
      const controller = new AbortController()
      const queryId = `${aborted}-id`
      const pending = watch(
        (async () => {
          for await (const _ of client.stream(endlessQuery(aborted), undefined, {
            queryId,
            signal: controller.signal,
          })) {
            // read until the abort
          }
        })(),
      )
      await untilRunning(ctx().client, aborted, pending)
      controller.abort()
      const outcome = await pending.result(STOP_MS, 'the aborted stream')
      assert.ok(!outcome.ok, 'the aborted stream ended normally')
      assertCancelled(outcome.error, queryId)
      await untilStopped(ctx().client, aborted)
      assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }])
    } finally {
      await client.close()
    }
  })

  test('in a session, an abort stops the query on the server and the session keeps its state', async () => {
    const client = createClient(ctx().config())
    const session = client.session()
    const marker = uniqueMarker()
    const queryId = `${marker}-id`
    try {
      await session.command('CREATE TEMPORARY TABLE kept (n UInt8)')
      const controller = new AbortController()
      const pending = watch(
        session.query(slowQuery(marker), undefined, { queryId, signal: controller.signal }),
      )
      await untilRunning(ctx().client, marker, pending)
      controller.abort()
      const outcome = await pending.result(STOP_MS, 'the aborted session query')
      assert.ok(!outcome.ok, 'the aborted query resolved')
      assertCancelled(outcome.error, queryId)
      await untilStopped(ctx().client, marker)
      // The server may still be releasing the session lock just after the kill.
      await waitUntil(
        async () =>
          session.query('SELECT count() AS c FROM kept').then(
            (r) => r.rows[0]?.c === 0n,
            (e: unknown) => {
              // Only the lock may be in the way; a lost temporary table is a failure at once.
              if ((e as { code?: string }).code === '60') throw e
              return false
            },
          ),
        'the session to answer again',
      )
    } finally {
      await client.close()
    }
  })
})
