/**
 * Several `chdb()` transports in one process. The engine opens one data
 * directory per process: transports on the same directory share its engine, a
 * transport on another directory is refused when it is made, and `close()` and
 * every query settle whatever the sequence.
 */

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { ConfigurationError, createClient, DatabaseError } from '@tributary/clickhouse'
import { chdb } from '@tributary/clickhouse/embedded'
import { uniqueTable } from '../backends.ts'
import { endlessBoundQuery, endlessBoundRows, marker, waitUntilGone, waitUntilListed } from '../processes.ts'

const dirs: string[] = []
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-chdb-sharing-'))
  dirs.push(dir)
  return dir
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** A hang guard: a test that never settles fails instead of stalling the run. */
const GUARD = { timeout: 120_000 }

describe('two chdb() transports in one process', () => {
  test('two transports without a path both work, on one engine', GUARD, async () => {
    const first = createClient({ transport: chdb() })
    const second = createClient({ transport: chdb() })
    try {
      const table = uniqueTable('two_default')
      await first.command(`CREATE TABLE ${table} (n UInt64) ENGINE = Memory`)
      for (let i = 0; i < 6; i++) await second.command(`INSERT INTO ${table} VALUES (${i})`)
      const { rows } = await first.query<{ c: bigint }>(`SELECT count() AS c FROM ${table}`)
      assert.deepEqual(rows, [{ c: 6n }])
    } finally {
      await first.close()
      await second.close()
    }
  })

  test('two transports on one path share its engine, Memory tables included', GUARD, async () => {
    const dir = dataDir()
    const first = createClient({ transport: chdb({ path: dir }) })
    const second = createClient({ transport: chdb({ path: dir }) })
    try {
      const table = uniqueTable('two_same_path')
      await first.command(`CREATE TABLE ${table} (n UInt64) ENGINE = Memory`)
      await first.command(`INSERT INTO ${table} VALUES (1), (2)`)
      await first.close()
      const { rows } = await second.query<{ c: bigint }>(`SELECT count() AS c FROM ${table}`)
      assert.deepEqual(rows, [{ c: 2n }])
    } finally {
      await first.close()
      await second.close()
    }
  })

  test(
    'another data directory is refused when the transport is made, and opens once the first is closed',
    GUARD,
    async () => {
      const first = chdb({ path: dataDir() })
      const client = createClient({ transport: first })
      try {
        await client.query('SELECT 1')
        const other = dataDir()
        assert.throws(
          () => chdb({ path: other }),
          (error: unknown) => {
            assert.ok(error instanceof ConfigurationError, String(error))
            assert.match(error.message, /one data directory per process/)
            assert.ok(error.message.includes(other), error.message)
            return true
          },
        )
        assert.throws(() => chdb(), ConfigurationError)
      } finally {
        await client.close()
      }
      const next = createClient({ transport: chdb({ path: dataDir() }) })
      try {
        assert.deepEqual((await next.query('SELECT 1 AS one')).rows, [{ one: 1 }])
      } finally {
        await next.close()
      }
    },
  )

  test(
    'close() settles with a query running, a stream open and queries waiting for a connection',
    GUARD,
    async () => {
      const dir = dataDir()
      const client = createClient({ transport: chdb({ path: dir, maxConnections: 2 }) })
      const watcher = createClient({ transport: chdb({ path: dir }) })
      try {
        const running = marker('close_running')
        const query = endlessBoundQuery(running)
        const pending = client.query(query.sql, query.params)
        const streaming = marker('close_streaming')
        const rows = endlessBoundRows(streaming)
        const stream = client.stream(rows.sql, rows.params, { batchSize: 1 })
        assert.equal((await stream.next()).done, false)
        const queued = [client.query('SELECT 1'), client.query('SELECT 2')]
        await waitUntilListed(watcher, running)

        await client.close()
        // Rows already decoded may still come out of the stream; then it fails.
        const drained = (async () => {
          for (let rows = 0; rows < 100; rows++) if ((await stream.next()).done) return 'ended'
          return 'still delivering rows'
        })()
        const outcomes = await Promise.allSettled([pending, drained, ...queued])
        for (const outcome of outcomes) {
          assert.equal(
            outcome.status,
            'rejected',
            JSON.stringify(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : String(o.reason)))),
          )
          assert.ok(outcome.reason instanceof DatabaseError, String(outcome.reason))
        }
        await waitUntilGone(watcher, running)
        await waitUntilGone(watcher, streaming)
        await assert.rejects(client.query('SELECT 1'), ConfigurationError)
      } finally {
        await client.close()
        await watcher.close()
      }
    },
  )

  test('a second chdb() made after the first ran queries answers every call', GUARD, async () => {
    const first = createClient({ transport: chdb() })
    await first.query('SELECT 1')
    let second: ReturnType<typeof createClient> | undefined
    try {
      second = createClient({ transport: chdb() })
      for (let i = 0; i < 8; i++) {
        assert.deepEqual((await second.query(`SELECT ${i} AS i`)).rows, [{ i }])
      }
    } finally {
      await first.close()
      await second?.close()
    }
  })
})
