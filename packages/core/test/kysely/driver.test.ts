import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  sql,
} from 'kysely'
import { NotSupportedError } from '../../src/errors.ts'
import { SqlDriver } from '../../src/kysely/driver.ts'
import { FakeClient, type FakeTransactions } from '../drizzle/fake-client.ts'

class FakeDialect implements Dialect {
  readonly client: FakeClient
  constructor(client: FakeClient) {
    this.client = client
  }
  createDriver(): Driver {
    return new SqlDriver({ client: () => this.client, ownsClient: true })
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler()
  }
  createAdapter(): DialectAdapter {
    return new PostgresAdapter()
  }
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db)
  }
}

function setup(transactions?: FakeTransactions) {
  const client = new FakeClient(transactions)
  const db = new Kysely<any>({ dialect: new FakeDialect(client) })
  const sqlOf = () => client.recorded.map((r) => `#${r.connection} ${r.statement.sql}`)
  return { client, db, sqlOf }
}

describe('Kysely transactions through the client capability', () => {
  test('statements of a transaction run on its exclusive connection; savepoints use the database SQL', async () => {
    const { client, db, sqlOf } = setup({ savepoints: true })
    const trx = await db.startTransaction().execute()
    await sql`select 1`.execute(trx)
    const sp = await trx.savepoint('a').execute()
    await sql`select 2`.execute(sp)
    await sp.rollbackToSavepoint('a').execute()
    await trx.commit().execute()
    // #1 is the lease Kysely acquired; the transaction runs on #2, the exclusive one.
    assert.deepEqual(sqlOf(), [
      '#2 begin',
      '#2 select 1',
      '#2 savepoint a',
      '#2 select 2',
      '#2 rollback to savepoint a',
      '#2 commit',
    ])
    assert.ok(client.events.includes('acquire#2 exclusive'))
    assert.equal(client.openConnections, 0)
    await db.destroy()
  })

  test('a failed rollback never hides the error that caused it; the connection is discarded', async () => {
    const { client, db } = setup({ failRollback: true })
    const boom = new Error('boom')
    await assert.rejects(
      db.transaction().execute(async () => {
        throw boom
      }),
      (error: unknown) => error === boom,
    )
    assert.equal(client.discarded, 1)
    assert.equal(client.openConnections, 0)
    await db.destroy()
  })

  test('without the capability: NotSupportedError before anything is sent', async () => {
    const { client, db } = setup()
    await assert.rejects(
      db.transaction().execute(async () => {}),
      (error: unknown) =>
        error instanceof NotSupportedError && /FakeDB has no transactions/.test(error.message),
    )
    assert.equal(client.recorded.length, 0)
    await db.destroy()
  })
})

describe('abort strategies', () => {
  for (const strategy of ['ignore query', 'cancel query', 'kill session'] as const) {
    test(`'${strategy}' hands the signal to the statement and never asks for a control connection`, async () => {
      const client = new FakeClient({})
      let release!: () => void
      const held = new Promise<void>((resolve) => {
        release = resolve
      })
      // The statement settles only once its signal aborted, as a client that stops it on the server does.
      client.answer = () => undefined
      const originalAcquire = client.acquire.bind(client)
      let acquisitions = 0
      client.acquire = async (options) => {
        acquisitions++
        const connection = await originalAcquire(options)
        return {
          ...connection,
          execute: async (statement) => {
            if (!statement.signal) return connection.execute(statement)
            await new Promise<void>((resolve) => statement.signal?.addEventListener('abort', () => resolve()))
            release()
            throw new Error('stopped on the server')
          },
        }
      }
      const db = new Kysely<any>({ dialect: new FakeDialect(client) })
      const controller = new AbortController()
      const inside = db.transaction().execute(async (trx) => {
        const pending = sql`select 1`.execute(trx, {
          signal: controller.signal,
          inflightQueryAbortStrategy: strategy,
        } as never)
        setImmediate(() => controller.abort())
        await pending
      })
      await assert.rejects(
        inside,
        (error: unknown) => error instanceof DOMException && error.name === 'AbortError',
      )
      await held
      // One lease from Kysely and one exclusive connection for the transaction: no control connection.
      assert.equal(acquisitions, 2)
      assert.equal(client.openConnections, 0)
      await db.destroy()
    })
  }
})
