/**
 * `onProgress` reports a running query's progress on every HTTP server: from
 * `system.processes` while it runs (18.16's Debian build sends no progress
 * headers), and from progress headers where the server sends them.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ClickHouseProgress } from '@tributary/clickhouse'
import { forEachBackend, HTTP_BACKENDS } from '../backends.ts'

forEachBackend(
  (ctx) => {
    test('onProgress fires while a query runs, with rows read so far that never go back', async () => {
      const seen: ClickHouseProgress[] = []
      // About five seconds of reading, in one-row blocks.
      const { rows } = await ctx().client.query<{ s: bigint }>(
        'SELECT sum(sleepEachRow(0.05)) + count() AS s FROM numbers(100)',
        undefined,
        { settings: { max_block_size: 1 }, onProgress: (progress) => seen.push(progress) },
      )
      assert.equal(BigInt(rows[0]!.s), 100n)
      assert.ok(seen.length > 0, 'no progress was reported')
      assert.ok(seen.some((progress) => progress.readRows > 0n))
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.readRows >= seen[i - 1]!.readRows)
    })
  },
  { only: HTTP_BACKENDS },
)
