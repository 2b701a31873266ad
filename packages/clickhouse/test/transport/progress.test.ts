/**
 * `onProgress` reports a running query's progress on every HTTP server: from
 * `system.processes` while it runs (18.16's Debian build sends no progress
 * headers), and from progress headers where the server sends them.
 */

import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { type ClickHouseProgress, createClient } from '@tributary/clickhouse'
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

test('written rows: the summary counter where listed, unknown where missing and for mutations', async () => {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const sql = Buffer.concat(chunks).toString()
      if (sql.includes('version()')) {
        res.end('26.1.1.1\tUTC\t0\t0\n')
        return
      }
      // What a server lists for each: the written counter of the statement's own pipeline.
      const summary = sql.startsWith('INSERT')
        ? '{"read_rows":"3","read_bytes":"24","written_rows":"3","written_bytes":"24"}'
        : sql.startsWith('ALTER')
          ? '{"read_rows":"0","read_bytes":"0","written_rows":"0","written_bytes":"0"}'
          : '{"read_rows":"1","read_bytes":"1"}'
      res.writeHead(200, { 'x-clickhouse-summary': summary })
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const client = createClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
  try {
    assert.equal((await client.command('INSERT INTO t VALUES (1), (2), (3)')).summary?.writtenRows, 3n)
    const mutation = await client.command('ALTER TABLE t UPDATE x = 1 WHERE 1')
    assert.equal(mutation.summary?.writtenRows, undefined)
    assert.equal(mutation.summary?.readRows, 0n)
    assert.equal((await client.command('DELETE FROM t WHERE 1')).summary?.writtenRows, undefined)
    assert.equal(
      (await client.command('CREATE TABLE u (x UInt8) ENGINE = Memory')).summary?.writtenRows,
      undefined,
    )
  } finally {
    await client.close()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
})
