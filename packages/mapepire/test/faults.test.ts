/**
 * The faults a Mapepire client meets, injected by mapepire-local: each ends in a
 * typed error, nothing hangs, the pool serves the next statement, and the server
 * holds no statement afterwards.
 */
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { Kysely, sql } from 'kysely'
import {
  ConnectionError,
  Db2ServerError,
  MapepireDialect,
  ProtocolError,
  TimeoutError,
} from '../src/index.ts'
import { noLeaks } from './support/ledger-checks.ts'
import { useMapepireLocal } from './support/local.ts'

const bed = useMapepireLocal()

describe('faults on mapepire-local', () => {
  before(async () => {
    const client = bed.client()
    await client.query('CREATE SCHEMA APP')
    await client.query('CREATE TABLE APP.T (A INTEGER)')
  })

  test('the socket dropped with 100 statements in flight', async () => {
    const client = bed.client({ pool: { max: 2, maxStatementsPerJob: 50 } })
    await Promise.all([client.query('VALUES 1'), client.query('VALUES 2')])
    bed.local.faults.add({ match: { type: 'sql', sql: 'in_flight' }, action: 'delay', ms: 2000, times: 100 })
    const queries = Array.from({ length: 100 }, (_, i) =>
      client.query(`SELECT ${i} AS in_flight FROM SYSIBM.SYSDUMMY1`),
    )
    while (client.stats().autocommit.running < 100) await new Promise((resolve) => setTimeout(resolve, 10))
    bed.local.dropConnections()
    const results = await Promise.allSettled(queries)
    bed.local.faults.clear()
    assert.equal(results.filter((r) => r.status === 'rejected').length, 100)
    for (const r of results) {
      const error = (r as PromiseRejectedResult).reason
      assert.ok(error instanceof ConnectionError, String(error))
      assert.equal(error.sqlState, '08006')
    }
    assert.deepEqual((await client.query('VALUES 1')).rows, [{ '00001': 1 }])
    await noLeaks(bed.ledger)
  })

  test('a job that dies inside a transaction', async () => {
    const client = bed.client()
    const db = new Kysely<any>({ dialect: new MapepireDialect({ client }) })
    bed.local.faults.add({
      match: { type: 'prepare_sql_execute', sql: 'job_dies' },
      action: 'kill-job',
      times: 1,
    })
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await sql`INSERT INTO APP.T (A) VALUES (${1})`.execute(trx)
        await sql`INSERT INTO APP.T (A) SELECT ${2} FROM SYSIBM.SYSDUMMY1 WHERE 'job_dies' <> ''`.execute(trx)
      }),
      (error) => {
        assert.ok(error instanceof Db2ServerError, String(error))
        assert.equal(error.sqlState, '08003')
        return true
      },
    )
    bed.local.faults.clear()
    assert.equal(client.stats().transaction.pinned, 0)
    await db.transaction().execute(async (trx) => {
      await sql`INSERT INTO APP.T (A) VALUES (${3})`.execute(trx)
    })
    const { rows } = await sql<{ A: number }>`SELECT A FROM APP.T ORDER BY A`.execute(db)
    assert.deepEqual(rows, [{ A: 3 }])
    await noLeaks(bed.ledger)
    await db.destroy()
  })

  test('a reply that never comes', async () => {
    const client = bed.client({ queryTimeoutMs: 300, cancelWaitMs: 300 })
    bed.local.faults.add({
      match: { type: 'sql', sql: 'never_comes' },
      action: 'delay',
      ms: 60_000,
      times: 1,
    })
    const started = Date.now()
    await assert.rejects(client.query("SELECT 'never_comes' AS X FROM SYSIBM.SYSDUMMY1"), (error) => {
      assert.ok(error instanceof TimeoutError, String(error))
      assert.equal(error.code, 'QUERY_TIMEOUT')
      assert.match(error.message, /job was ended/)
      return true
    })
    assert.ok(Date.now() - started < 5000)
    bed.local.faults.clear()
    assert.deepEqual((await client.query('VALUES 1')).rows, [{ '00001': 1 }])
    await noLeaks(bed.ledger)
  })

  test('an oversize frame', async () => {
    const client = bed.client({ maxPayload: 1 << 20 })
    bed.local.faults.add({
      match: { type: 'sql', sql: 'oversize' },
      action: 'oversize',
      bytes: 2 << 20,
      times: 1,
    })
    await assert.rejects(client.query("SELECT 'oversize' AS X FROM SYSIBM.SYSDUMMY1"), (error) => {
      assert.ok(error instanceof ProtocolError, String(error))
      assert.equal(error.code, 'FRAME_TOO_LARGE')
      return true
    })
    bed.local.faults.clear()
    assert.deepEqual((await client.query('VALUES 1')).rows, [{ '00001': 1 }])
    await noLeaks(bed.ledger)
  })

  test('a wrong password', async () => {
    const client = bed.client({ password: 'not-the-password' })
    await assert.rejects(client.query('VALUES 1'), (error) => {
      assert.ok(error instanceof ConnectionError)
      assert.equal(error.sqlState, '08004')
      assert.doesNotMatch(error.message, /not-the-password/)
      return true
    })
    const good = bed.client()
    assert.deepEqual((await good.query('VALUES 1')).rows, [{ '00001': 1 }])
  })
})
