/**
 * Faults a client meets in production, injected on purpose: each must end in
 * the typed error the fixture names (with its code and SQLSTATE), within a
 * bounded time; afterwards the same instance serves the next statement and the
 * server holds no statement the client is done with.
 */

import assert from 'node:assert/strict'
import { Kysely, sql } from 'kysely'
import type { ConformanceBackend, FaultExpectation, FaultInjection, FaultName } from '../fixture.ts'
import type { Suite } from '../runner.ts'
import { describeError, uniqueMarker, uniqueName, waitUntil, watch } from '../support.ts'
import { createTable, dropTable } from '../tables.ts'

/** Longer than any fault takes to surface, shorter than a hang. */
const SETTLE_MS = 15_000

function assertFault(error: unknown, expected: FaultExpectation, fault: string): void {
  assert.ok(
    error instanceof expected.error,
    `${fault}: expected ${expected.error.name}, got ${describeError(error)}`,
  )
  const { code, sqlState } = error as { code?: unknown; sqlState?: unknown }
  if (expected.code !== undefined) assert.equal(code, expected.code, `${fault}: code`)
  if (expected.sqlState !== undefined) assert.equal(sqlState, expected.sqlState, `${fault}: SQLSTATE`)
}

async function assertHealthy(b: ConformanceBackend, injection: FaultInjection, db: Kysely<any>) {
  const one = b.series(1)
  assert.deepEqual((await sql.raw(one.sql).execute(db)).rows, [{ n: one.value(0) }], 'the next statement')
  let open: readonly string[] = []
  await waitUntil(async () => {
    open = await injection.openStatements()
    return open.length === 0
  }, 'the server to hold no statement').catch(() =>
    assert.deepEqual(open, [], 'statements left open on the server'),
  )
}

export function faults(s: Suite): void {
  const fault = (
    name: FaultName,
    title: string,
    fn: (b: ConformanceBackend, injection: FaultInjection, expected: FaultExpectation) => Promise<void>,
  ) => {
    const declared = s.entry.faults[name]
    if ('absent' in declared) {
      s.absent(title, declared.absent)
      return
    }
    s.test(title, async () => {
      const b = s.backend()
      const injection = b.faults
      assert.ok(injection, `the entry declares '${name}': the started backend gives faults`)
      try {
        await fn(b, injection, declared)
      } finally {
        injection.clear()
      }
    })
  }

  fault(
    'socket dropped with statements in flight',
    'the socket dropped with 100 statements in flight: each fails typed, the pool recovers',
    async (b, injection, expected) => {
      const db = new Kysely<any>({ dialect: injection.dialect({ inFlight: 100 }) })
      const marker = uniqueMarker()
      try {
        // Held well past the drop, and no longer: a test server may keep such a timer after the socket is gone.
        injection.delayReplies(marker, 10_000)
        const pending = Array.from({ length: 100 }, (_, i) =>
          watch(db.selectNoFrom([sql.lit(i).as('i'), sql.lit(marker).as('m')]).execute()),
        )
        await waitUntil(
          async () => (await b.running(marker)) === 100,
          'the server to have all 100 statements',
        )
        injection.dropConnections()
        for (const [i, statement] of pending.entries()) {
          const outcome = await statement.result(SETTLE_MS, `statement ${i} after the drop`)
          assert.ok(!outcome.ok, `statement ${i} resolved after its socket was dropped`)
          assertFault(outcome.error, expected, `statement ${i}`)
        }
        injection.clear()
        await assertHealthy(b, injection, db)
      } finally {
        await db.destroy()
      }
    },
  )

  fault(
    'session dies inside a transaction',
    'a session that dies inside a transaction fails it typed; nothing of it is kept',
    async (b, injection, expected) => {
      const db = new Kysely<any>({ dialect: injection.dialect({}) })
      const table = uniqueName('dies')
      const marker = uniqueMarker()
      try {
        await createTable(db, b, table, { id: { kind: 'integer', primaryKey: true }, m: { kind: 'text' } })
        injection.killSessionAt(marker)
        const transaction = watch(
          db.transaction().execute(async (trx) => {
            await trx.insertInto(table).values({ id: 1, m: 'first' }).execute()
            // The marker is in the statement's text, where the fault looks for it.
            await trx
              .insertInto(table)
              .values({ id: 2, m: sql.lit(marker) })
              .execute()
          }),
        )
        const outcome = await transaction.result(SETTLE_MS, 'the transaction whose session died')
        assert.ok(!outcome.ok, 'the transaction committed although its session died')
        assertFault(outcome.error, expected, 'the transaction')
        injection.clear()
        await db.transaction().execute(async (trx) => {
          await trx.insertInto(table).values({ id: 3, m: 'after' }).execute()
        })
        assert.deepEqual(await db.selectFrom(table).select('id').orderBy('id').execute(), [{ id: 3 }])
        await assertHealthy(b, injection, db)
      } finally {
        injection.clear()
        await dropTable(db, table)
        await db.destroy()
      }
    },
  )

  fault(
    'reply never comes',
    'a reply that never comes ends in a timeout, not a hang',
    async (b, injection, expected) => {
      const db = new Kysely<any>({ dialect: injection.dialect({ replyTimeoutMs: 300 }) })
      const marker = uniqueMarker()
      try {
        injection.delayReplies(marker, 10_000)
        const statement = watch(db.selectNoFrom(sql.lit(marker).as('m')).execute())
        const outcome = await statement.result(SETTLE_MS, 'the statement whose reply never comes')
        assert.ok(!outcome.ok, 'the statement resolved without a reply')
        assertFault(outcome.error, expected, 'the statement')
        injection.clear()
        await assertHealthy(b, injection, db)
      } finally {
        await db.destroy()
      }
    },
  )

  fault(
    'oversize reply',
    'a reply larger than the client accepts is refused typed; the client keeps working',
    async (b, injection, expected) => {
      const db = new Kysely<any>({ dialect: injection.dialect({ maxReplyBytes: 1 << 20 }) })
      const marker = uniqueMarker()
      try {
        injection.oversizeReplyTo(marker, 2 << 20)
        const statement = watch(db.selectNoFrom(sql.lit(marker).as('m')).execute())
        const outcome = await statement.result(SETTLE_MS, 'the statement with an oversize reply')
        assert.ok(!outcome.ok, 'the oversize reply was accepted')
        assertFault(outcome.error, expected, 'the statement')
        injection.clear()
        await assertHealthy(b, injection, db)
      } finally {
        await db.destroy()
      }
    },
  )
}
