import assert from 'node:assert/strict'
import { ServerError } from '@tributary/core'
import { CompiledQuery, Kysely, sql } from 'kysely'
import type { Suite } from '../runner.ts'
import { assertRefusedBy, describeError, uniqueMarker, uniqueName } from '../support.ts'
import { createTable, dropTable } from '../tables.ts'
import {
  ABORT_STRATEGIES,
  abortOnceRunning,
  assertStillWorks,
  destroyWithin,
  isSignalReason,
} from './cancellation.ts'

export function transactions(s: Suite): void {
  sessions(s)
  if (s.entry.capabilities.transactions) withTransactions(s)
  else withoutTransactions(s)
}

function sessions(s: Suite): void {
  const keeps = 'a session connection keeps its temporary table; other connections do not see it'
  if (!s.entry.capabilities.sessions) {
    s.absent(keeps, `no sessions: ${s.entry.unsupported.sessions?.source}`)
    return
  }
  s.test(keeps, async () => {
    const b = s.backend()
    const temporary = b.temporaryTable?.(uniqueName('kept'))
    assert.ok(temporary, 'a backend with sessions gives temporaryTable()')
    const db = new Kysely<any>({ dialect: b.dialect({ sessions: true }) })
    try {
      const seen = await db.connection().execute(async (conn) => {
        await sql.raw(temporary.create).execute(conn)
        await conn
          .insertInto(temporary.table)
          .values([{ n: 7 }, { n: 8 }])
          .execute()
        // `db` (not `conn`) takes another connection, with a session of its own.
        await assert.rejects(db.selectFrom(temporary.table).selectAll().execute(), (e: unknown) => {
          assert.ok(e instanceof ServerError, describeError(e))
          assert.equal(e.code, b.errors.unknownTable.code)
          return true
        })
        return (await conn.selectFrom(temporary.table).select('n').orderBy('n').execute()).map((r) => r.n)
      })
      assert.deepEqual(seen, [7, 8])
    } finally {
      await db.destroy()
    }
  })

  for (const strategy of ABORT_STRATEGIES) {
    const name = `Kysely '${strategy}' on a session connection: an abort stops the statement on the server`
    if (!s.entry.capabilities.serverSideCancel) {
      s.absent(
        name,
        `the database cannot stop a statement: ${s.entry.unsupported['server-side cancel']?.source}`,
      )
      continue
    }
    s.test(name, async () => {
      const b = s.backend()
      const db = new Kysely<any>({ dialect: b.dialect({ sessions: true }) })
      const marker = uniqueMarker()
      try {
        await db.connection().execute(async (conn) => {
          await abortOnceRunning(
            b,
            marker,
            (signal) =>
              conn.executeQuery(CompiledQuery.raw(b.slow(marker).sql), {
                signal,
                inflightQueryAbortStrategy: strategy,
              }),
            isSignalReason,
          )
        })
        await assertStillWorks(b, db)
      } finally {
        await destroyWithin(db)
      }
    })
  }
}

function withTransactions(s: Suite): void {
  s.test('Kysely: a transaction commits, and a throw inside it rolls back', async () => {
    const b = s.backend()
    const db = new Kysely<any>({ dialect: b.dialect() })
    const table = uniqueName('tx')
    try {
      await createTable(db, b, table, { id: { kind: 'bigint', primaryKey: true } })
      await db.transaction().execute(async (trx) => {
        await trx.insertInto(table).values({ id: 1n }).execute()
      })
      const failure = new Error('roll back')
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          await trx.insertInto(table).values({ id: 2n }).execute()
          throw failure
        }),
        (e: unknown) => e === failure,
      )
      assert.deepEqual(await db.selectFrom(table).select('id').execute(), [{ id: 1n }])
    } finally {
      await dropTable(db, table)
      await db.destroy()
    }
  })

  if (s.entry.capabilities.savepoints) {
    s.test('Kysely: rolling back to a savepoint keeps what came before it', async () => {
      const b = s.backend()
      const db = new Kysely<any>({ dialect: b.dialect() })
      const table = uniqueName('savepoint')
      try {
        await createTable(db, b, table, { id: { kind: 'bigint', primaryKey: true } })
        const trx = await db.startTransaction().execute()
        await trx.insertInto(table).values({ id: 1n }).execute()
        const point = await trx.savepoint('a').execute()
        await point.insertInto(table).values({ id: 2n }).execute()
        const back = await point.rollbackToSavepoint('a').execute()
        await back.commit().execute()
        assert.deepEqual(await db.selectFrom(table).select('id').execute(), [{ id: 1n }])
      } finally {
        await dropTable(db, table)
        await db.destroy()
      }
    })
  }

  s.test('Drizzle: a transaction commits, and a throw inside it rolls back', async () => {
    const b = s.backend()
    const name = uniqueName('dz_tx')
    const table = b.drizzle.table(name, { id: { kind: 'bigint', primaryKey: true } })
    const { db, close } = b.drizzle.open()
    const kysely = new Kysely<any>({ dialect: b.dialect() })
    try {
      await createTable(kysely, b, name, { id: { kind: 'bigint', primaryKey: true } })
      await db.transaction(async (tx: any) => {
        await tx.insert(table).values({ id: 1n })
        if (s.entry.capabilities.savepoints) {
          await assert.rejects(
            tx.transaction(async (inner: any) => {
              await inner.insert(table).values({ id: 3n })
              throw new Error('inner')
            }),
            /inner/,
          )
        }
      })
      await assert.rejects(
        db.transaction(async (tx: any) => {
          await tx.insert(table).values({ id: 2n })
          throw new Error('outer')
        }),
        /outer/,
      )
      assert.deepEqual(await kysely.selectFrom(name).select('id').execute(), [{ id: 1n }])
    } finally {
      await dropTable(kysely, name)
      await kysely.destroy()
      await close()
    }
  })

  for (const strategy of ABORT_STRATEGIES) {
    s.test(
      `Kysely '${strategy}' inside db.transaction(): an abort stops the statement on the server and rolls back`,
      async () => {
        const b = s.backend()
        const db = new Kysely<any>({ dialect: b.dialect() })
        const table = uniqueName('tx_abort')
        const marker = uniqueMarker()
        try {
          await createTable(db, b, table, { id: { kind: 'bigint', primaryKey: true } })
          let reason: unknown
          await assert.rejects(
            db.transaction().execute(async (trx) => {
              await trx.insertInto(table).values({ id: 1n }).execute()
              await abortOnceRunning(
                b,
                marker,
                (signal) =>
                  b.slow(marker).kysely.execute(trx, { signal, inflightQueryAbortStrategy: strategy }),
                (error, signal) => {
                  isSignalReason(error, signal)
                  reason = error
                },
              )
              throw reason
            }),
            (e: unknown) => e === reason,
          )
          assert.deepEqual(
            await db.selectFrom(table).select('id').execute(),
            [],
            'the transaction rolled back',
          )
          await assertStillWorks(b, db)
        } finally {
          await dropTable(db, table)
          await destroyWithin(db)
        }
      },
    )
  }
}

function withoutTransactions(s: Suite): void {
  s.test('transactions are refused with the documented error, before the callback runs', async () => {
    const b = s.backend()
    const limitation = s.entry.unsupported.transactions
    const db = new Kysely<any>({ dialect: b.dialect() })
    const { db: drizzle, close } = b.drizzle.open()
    let ran = false
    try {
      await assertRefusedBy(
        () =>
          db.transaction().execute(async () => {
            ran = true
          }),
        limitation,
        "Kysely's db.transaction()",
      )
      await assertRefusedBy(
        () => db.startTransaction().execute(),
        limitation,
        "Kysely's db.startTransaction()",
      )
      await assertRefusedBy(
        () =>
          drizzle.transaction(async () => {
            ran = true
          }),
        limitation,
        "Drizzle's db.transaction()",
      )
      assert.equal(ran, false, 'a transaction callback ran')
      // So there is no transaction to abort a statement in; the instance is unharmed by the refusals.
      await assertStillWorks(b, db)
    } finally {
      await db.destroy()
      await close()
    }
  })
}
