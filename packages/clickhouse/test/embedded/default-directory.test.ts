/**
 * `chdb()` without a path, the configuration the docs show first: every such
 * transport in a process works on one temporary directory that lasts as long as
 * the process, whatever happens to any one query.
 */

import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { describe, test } from 'node:test'
import { type ClickHouseClient, createClient, QueryCancelledError, ServerError } from '@tributary/clickhouse'
import { chdb } from '@tributary/clickhouse/embedded'
import { uniqueTable } from '../backends.ts'
import { marker, waitUntilListed } from '../processes.ts'
import { runEngineChild } from './fixtures/run-child.ts'

async function withTable(client: ClickHouseClient, prefix: string): Promise<string> {
  const table = uniqueTable(prefix)
  await client.command(`CREATE TABLE ${table} (n UInt64) ENGINE = MergeTree ORDER BY n`)
  await client.command(`INSERT INTO ${table} SELECT number FROM numbers(100000)`)
  return table
}

async function count(client: ClickHouseClient, table: string): Promise<bigint> {
  const { rows } = await client.query<{ c: bigint }>(`SELECT count() AS c FROM ${table}`)
  return rows[0]!.c
}

/** A hang guard: a test that never settles fails instead of stalling the run. */
const GUARD = { timeout: 120_000 }

describe('chdb() without a path', () => {
  test('a table survives leaving a stream early', GUARD, async () => {
    const client = createClient({ transport: chdb() })
    try {
      const table = await withTable(client, 'break_early')
      let seen = 0
      for await (const _ of client.stream(`SELECT n FROM ${table}`, undefined, { batchSize: 10 })) {
        if (++seen === 10) break
      }
      assert.equal(seen, 10)
      assert.equal(await count(client, table), 100000n)
    } finally {
      await client.close()
    }
  })

  test('a table survives an aborted stream, an aborted query and a failed query', GUARD, async () => {
    const client = createClient({ transport: chdb() })
    try {
      const table = await withTable(client, 'aborted')
      // Written without parameters: what is tested here is the directory, not the cancellation of bound queries.
      const rows = `SELECT number FROM system.numbers WHERE NOT ignore(sleepEachRow(0.001)) AND '${marker('aborted_stream')}' != '' SETTINGS max_block_size = 10`
      const controller = new AbortController()
      await assert.rejects(async () => {
        for await (const _ of client.stream(rows, undefined, { signal: controller.signal })) {
          controller.abort()
        }
      }, QueryCancelledError)
      assert.equal(await count(client, table), 100000n)

      const queryMarker = marker('aborted_query')
      const aborting = new AbortController()
      const pending = client.query(
        `SELECT count() FROM system.numbers WHERE NOT ignore(sleepEachRow(0.001)) AND '${queryMarker}' != '' SETTINGS max_block_size = 100`,
        undefined,
        { signal: aborting.signal },
      )
      await waitUntilListed(client, queryMarker)
      aborting.abort()
      await assert.rejects(pending, QueryCancelledError)
      assert.equal(await count(client, table), 100000n)

      await assert.rejects(client.query('SELECT no_such_column FROM numbers(1)'), ServerError)
      assert.equal(await count(client, table), 100000n)
    } finally {
      await client.close()
    }
  })

  test('every chdb() without a path shares the directory, which outlives each transport', GUARD, async () => {
    const first = createClient({ transport: chdb() })
    const second = createClient({ transport: chdb() })
    let table: string
    try {
      table = await withTable(first, 'shared_default')
      assert.equal(await count(second, table), 100000n)
    } finally {
      await first.close()
    }
    try {
      assert.equal(await count(second, table), 100000n)
    } finally {
      await second.close()
    }
    const third = createClient({ transport: chdb() })
    try {
      assert.equal(await count(third, table), 100000n)
    } finally {
      await third.close()
    }
  })

  test('the directory is removed when the process exits', GUARD, async () => {
    const child = await runEngineChild('idle')
    assert.ok(child.exited, `the process did not exit: ${child.output}`)
    assert.equal(child.code, 0, child.output)
    const path = child.report?.path
    assert.equal(typeof path, 'string', child.output)
    assert.equal(child.report?.tables, 1)
    assert.equal(existsSync(path as string), false, `${path} is still there`)
  })

  test(
    'a directory left by a killed process is removed by the next one that makes its own',
    GUARD,
    async () => {
      const killed = await runEngineChild('hold', { killOnReport: true })
      assert.ok(killed.exited, killed.output)
      const left = killed.report?.path
      assert.equal(typeof left, 'string', killed.output)
      assert.equal(
        existsSync(left as string),
        true,
        'SIGKILL runs no exit hook, so the directory is still there',
      )
      const next = await runEngineChild('idle')
      assert.equal(next.code, 0, next.output)
      assert.equal(existsSync(left as string), false, `${left} is still there`)
    },
  )
})
