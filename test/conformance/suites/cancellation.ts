/**
 * Every abort stops the statement on the server. Each test waits until the
 * server shows the statement, aborts, checks what the caller gets, then waits
 * until the server no longer runs it.
 *
 * What the caller gets: Kysely rethrows `signal.reason` itself (the abort
 * wins its race with the driver), so through Kysely the error is exactly the
 * signal's reason; through Drizzle and the clients it is the library's own
 * `QueryCancelledError`.
 */

import assert from 'node:assert/strict'
import { QueryCancelledError } from '@tributary/core'
import { iterate } from '@tributary/core/drizzle'
import { sql as dsql } from 'drizzle-orm'
import { CompiledQuery, type InflightQueryAbortStrategy, Kysely, sql } from 'kysely'
import type { ConformanceBackend } from '../fixture.ts'
import type { Suite } from '../runner.ts'
import { describeError, uniqueMarker, waitUntil, watch } from '../support.ts'

export const ABORT_STRATEGIES: readonly InflightQueryAbortStrategy[] = [
  'ignore query',
  'cancel query',
  'kill session',
]

/** How long the server may take to drop a statement after the abort. */
const STOP_MS = 5_000

/**
 * Starts a statement, aborts it once the server shows it, checks the caller's error, and waits
 * for the server to drop it.
 */
export async function abortOnceRunning(
  b: ConformanceBackend,
  marker: string,
  start: (signal: AbortSignal) => Promise<unknown>,
  checkError: (error: unknown, signal: AbortSignal) => void,
): Promise<void> {
  const controller = new AbortController()
  const pending = watch(start(controller.signal))
  await waitUntil(async () => {
    const outcome = pending.outcome
    if (outcome.settled) {
      assert.fail(
        `the statement ended before the abort: ${outcome.ok ? 'resolved' : describeError(outcome.error)}`,
      )
    }
    return (await b.running(marker)) > 0
  }, 'the server to show the statement')
  controller.abort()
  const outcome = await pending.result(STOP_MS, 'the aborted statement')
  assert.ok(!outcome.ok, 'the aborted statement resolved')
  checkError(outcome.error, controller.signal)
  await waitUntil(async () => (await b.running(marker)) === 0, 'the server to stop the statement', STOP_MS)
}

/** Kysely's contract: the caller gets the signal's own reason (a DOMException named AbortError here). */
export function isSignalReason(error: unknown, signal: AbortSignal): void {
  assert.equal(error, signal.reason, `expected the signal's reason, got ${describeError(error)}`)
  assert.equal((error as Error).name, 'AbortError')
}

/** Ends a Kysely instance, failing (not hanging) when a stopped statement still holds it. */
export async function destroyWithin(db: Kysely<any>): Promise<void> {
  await watch(db.destroy()).result(20_000, 'db.destroy()')
}

export async function assertStillWorks(b: ConformanceBackend, db: Kysely<any>): Promise<void> {
  const one = b.series(1)
  assert.deepEqual((await sql.raw(one.sql).execute(db)).rows, [{ n: one.value(0) }])
}

export function cancellation(s: Suite): void {
  const limitation = s.entry.unsupported['server-side cancel']
  const test = (name: string, fn: () => Promise<void>) => {
    if (s.entry.capabilities.serverSideCancel) s.test(name, fn)
    else s.absent(name, `the database cannot stop a statement: ${limitation?.source}`)
  }

  for (const strategy of ABORT_STRATEGIES) {
    test(`Kysely '${strategy}': an abort stops the statement on the server and rethrows signal.reason`, async () => {
      const b = s.backend()
      const db = new Kysely<any>({ dialect: b.dialect() })
      const marker = uniqueMarker()
      try {
        await abortOnceRunning(
          b,
          marker,
          (signal) => b.slow(marker).kysely.execute(db, { signal, inflightQueryAbortStrategy: strategy }),
          isSignalReason,
        )
        await assertStillWorks(b, db)
      } finally {
        await destroyWithin(db)
      }
    })
  }

  test('Kysely: an abort of a statement without parameters stops it on the server', async () => {
    const b = s.backend()
    const db = new Kysely<any>({ dialect: b.dialect() })
    const marker = uniqueMarker()
    try {
      await abortOnceRunning(
        b,
        marker,
        (signal) => db.executeQuery(CompiledQuery.raw(b.slow(marker).sql), { signal }),
        isSignalReason,
      )
      await assertStillWorks(b, db)
    } finally {
      await destroyWithin(db)
    }
  })

  test('Kysely stream(): an abort while rows arrive stops the statement on the server', async () => {
    const b = s.backend()
    const db = new Kysely<any>({ dialect: b.dialect() })
    const marker = uniqueMarker()
    try {
      await abortOnceRunning(
        b,
        marker,
        async (signal) => {
          for await (const _ of db
            .getExecutor()
            .stream(CompiledQuery.raw(b.endless(marker)), 100, { signal })) {
            // keep reading until the abort
          }
        },
        isSignalReason,
      )
      await assertStillWorks(b, db)
    } finally {
      await destroyWithin(db)
    }
  })

  const isCancelled = (error: unknown) => {
    assert.ok(
      error instanceof QueryCancelledError,
      `expected QueryCancelledError, got ${describeError(error)}`,
    )
    assert.equal(error.system, s.system)
  }

  test('Drizzle iterate(): an abort stops the statement on the server with QueryCancelledError', async () => {
    const b = s.backend()
    const { db, close } = b.drizzle.open()
    const marker = uniqueMarker()
    try {
      await abortOnceRunning(
        b,
        marker,
        async (signal) => {
          for await (const _ of iterate(db, b.slow(marker).drizzle, { signal })) {
            // the statement returns nothing before it ends
          }
        },
        isCancelled,
      )
    } finally {
      await watch(close()).result(20_000, 'closing the Drizzle client')
    }
  })

  test('Drizzle iterate(): an abort while rows arrive stops the statement on the server', async () => {
    const b = s.backend()
    const { db, close } = b.drizzle.open()
    const marker = uniqueMarker()
    try {
      await abortOnceRunning(
        b,
        marker,
        async (signal) => {
          for await (const _ of iterate(db, dsql.raw(b.endless(marker)), { signal, batchSize: 100 })) {
            // keep reading until the abort
          }
        },
        isCancelled,
      )
    } finally {
      await watch(close()).result(20_000, 'closing the Drizzle client')
    }
  })

  test('Drizzle $withSignal(): an abort stops any statement on the server with QueryCancelledError', async () => {
    const b = s.backend()
    const { db, close } = b.drizzle.open()
    const marker = uniqueMarker()
    try {
      await abortOnceRunning(
        b,
        marker,
        (signal) => db.$withSignal(signal).execute(b.slow(marker).drizzle),
        isCancelled,
      )
      assert.deepEqual((await db.execute(dsql.raw(b.series(1).sql))).rows, [{ n: b.series(1).value(0) }])
    } finally {
      await watch(close()).result(20_000, 'closing the Drizzle client')
    }
  })
}
