/**
 * What `requestTimeoutMs` limits: the time the server keeps the client waiting,
 * never the time the caller takes to read or to produce rows.
 */

import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import net from 'node:net'
import { describe, test } from 'node:test'
import { createClient, createHttpTransport, ServerError, sleep, TimeoutError } from '@tributary/clickhouse'
import { type BackendContext, forEachBackend, HTTP_BACKENDS, uniqueTable } from '../backends.ts'
import { assertExecutionTimeFromLimit } from './execution-time.ts'

/** Rows of about 1 KB, so that 20,000 of them are more than the socket buffers hold. */
const WIDE_ROWS =
  "SELECT number AS n, arrayStringConcat(arrayMap(x -> 'x', range(1000))) AS pad FROM system.numbers LIMIT 20000"

/** Runs for ten minutes without producing a row, unless it is stopped. */
function stalledQuery(marker: string): string {
  return `SELECT '${marker}' AS marker, sum(sleepEachRow(3)) AS s FROM numbers(200)`
}

async function runningCount(ctx: BackendContext, marker: string): Promise<bigint> {
  const { rows } = await ctx.client.query<{ c: bigint }>(
    "SELECT count() AS c FROM system.processes WHERE query LIKE {pattern:String} AND query NOT LIKE '%system.processes%'",
    { pattern: `%${marker}%` },
  )
  return BigInt(rows[0]!.c)
}

/** Polls the server until the query holding `marker` is listed (`true`) or gone (`false`). */
async function waitUntilListed(ctx: BackendContext, marker: string, listed: boolean): Promise<void> {
  while ((await runningCount(ctx, marker)) > 0n !== listed) await sleep(50)
}

forEachBackend(
  (ctx) => {
    test('a slow reader is backpressure, not a timeout', async () => {
      const client = createClient({ ...ctx().config(), requestTimeoutMs: 1500 })
      try {
        let count = 0
        let last = -1n
        // Small blocks: the first rows are ready at once, so only the reader's pace is in question.
        const options = { settings: { max_block_size: 1000 } }
        for await (const row of client.stream<{ n: bigint; pad: string }>(WIDE_ROWS, undefined, options)) {
          assert.equal(row.pad.length, 1000)
          last = row.n
          count++
          if (count % 1000 === 0) await sleep(200)
        }
        assert.equal(count, 20_000)
        assert.equal(last, 19_999n)
      } finally {
        await client.close()
      }
    })

    test('a slow producer of INSERT rows is backpressure, not a timeout', async () => {
      const table = uniqueTable('slow_insert')
      await ctx().client.command(`CREATE TABLE ${table} (n UInt64) ENGINE = Memory`)
      const client = createClient({ ...ctx().config(), requestTimeoutMs: 1500 })
      try {
        async function* rows() {
          for (let n = 0; n < 20; n++) {
            yield { n: BigInt(n) }
            await sleep(200)
          }
        }
        await client.insert({ table, values: rows() })
        const { rows: counted } = await client.query<{ c: bigint }>(`SELECT count() AS c FROM ${table}`)
        assert.equal(counted[0]!.c, 20n)
      } finally {
        await client.close()
        await ctx().client.command(`DROP TABLE ${table}`)
      }
    })

    test('the server gets max_execution_time from the limit where the client reads the result whole', async () => {
      await assertExecutionTimeFromLimit(ctx().config())
    })

    test('SELECT sleep(3) with a 1.5 s limit times out', async () => {
      const client = createClient({ ...ctx().config(), requestTimeoutMs: 1500 })
      try {
        await assert.rejects(client.query('SELECT sleep(3)'), TimeoutError)
        assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }])
      } finally {
        await client.close()
      }
    })

    for (const mode of ['query', 'stream'] as const) {
      test(`a ${mode} that stalls before its first row times out and is killed on the server`, async () => {
        const client = createClient({ ...ctx().config(), requestTimeoutMs: 1500 })
        const marker = `stall-${randomUUID()}`
        const queryId = randomUUID()
        const options = { queryId, settings: { max_block_size: 1 } }
        try {
          const pending =
            mode === 'query'
              ? client.query(stalledQuery(marker), undefined, options)
              : (async () => {
                  for await (const _ of client.stream(stalledQuery(marker), undefined, options)) {
                    // no row arrives before the stall is noticed
                  }
                })()
          const rejected = assert.rejects(pending, (error: unknown) => {
            assert.ok(error instanceof TimeoutError, String(error))
            assert.equal(error.queryId, queryId)
            return true
          })
          await waitUntilListed(ctx(), marker, true)
          await rejected
          await waitUntilListed(ctx(), marker, false)
        } finally {
          await client.close()
        }
      })
    }
  },
  { only: HTTP_BACKENDS },
)

forEachBackend(
  (ctx) => {
    test('the client asks for progress headers, which keep proxies from cutting long queries', async () => {
      const { rows } = await ctx().client.query<{ name: string; value: string }>(
        "SELECT name, value FROM system.settings WHERE name IN ('send_progress_in_http_headers', 'http_headers_progress_interval_ms') ORDER BY name",
      )
      assert.deepEqual(
        rows.map((row) => [row.name, Number(row.value)]),
        [
          ['http_headers_progress_interval_ms', 10_000],
          ['send_progress_in_http_headers', 1],
        ],
      )
    })
  },
  { only: HTTP_BACKENDS },
)

interface RawServer {
  url: string
  /** Query ids named by the KILL QUERY statements received. */
  killed: string[]
  close(): Promise<void>
}

/**
 * A raw HTTP/1.1 server that answers like ClickHouse with progress headers on:
 * the status line at once, then `X-ClickHouse-Progress` lines, then (maybe) the body.
 */
async function progressServer(
  answer: (socket: net.Socket, request: { url: string; body: string }) => void,
): Promise<RawServer> {
  const killed: string[] = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let buffered = ''
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1')
      const headEnd = buffered.indexOf('\r\n\r\n')
      if (headEnd < 0) return
      const head = buffered.slice(0, headEnd)
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0)
      if (buffered.length < headEnd + 4 + length) return
      const body = buffered.slice(headEnd + 4, headEnd + 4 + length)
      const url = head.split(' ')[1] ?? ''
      buffered = buffered.slice(headEnd + 4 + length)
      const kill = /KILL QUERY WHERE query_id = '([^']*)'/.exec(body)
      if (kill) {
        killed.push(kill[1]!)
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')
        return
      }
      answer(socket, { url, body })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    killed,
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

const PROGRESS_LINE =
  'X-ClickHouse-Progress: {"read_rows":"1000","read_bytes":"8000","written_rows":"0","written_bytes":"0","total_rows_to_read":"0","result_rows":"0","result_bytes":"0","elapsed_ns":"1000000"}\r\n'

describe('progress headers', () => {
  test('progress headers alone are not data: a query stuck behind them times out and is killed', async () => {
    const timers = new Set<NodeJS.Timeout>()
    const server = await progressServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n')
      const timer = setInterval(() => socket.write(PROGRESS_LINE), 50)
      timers.add(timer)
      socket.on('close', () => clearInterval(timer))
    })
    const transport = createHttpTransport({ url: server.url, requestTimeoutMs: 1000 })
    const queryId = randomUUID()
    try {
      await assert.rejects(transport.request({ sql: 'SELECT sleep(3)', queryId }), TimeoutError)
      while (!server.killed.includes(queryId)) await sleep(20)
    } finally {
      for (const timer of timers) clearInterval(timer)
      await transport.close()
      await server.close()
    }
  })

  test('a long query announces itself with many progress headers before its first row', async () => {
    // 3000 headers are what ten-second progress headers add up to in about eight hours.
    const server = await progressServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n')
      socket.write(PROGRESS_LINE.repeat(3000))
      socket.write('\r\n2\r\n1\n\r\n0\r\n\r\n')
    })
    const transport = createHttpTransport({ url: server.url })
    try {
      const response = await transport.request({ sql: 'SELECT 1', queryId: randomUUID() })
      const chunks: Uint8Array[] = []
      for await (const chunk of response.body) chunks.push(chunk)
      assert.equal(Buffer.concat(chunks).toString(), '1\n')
    } finally {
      await transport.close()
      await server.close()
    }
  })
})

describe('settings the transport adds itself', () => {
  /** A node:http ClickHouse stand-in that answers serverInfo with the given profile and records URLs. */
  async function profileServer(readonly: string, refuse: (url: URL) => string | undefined) {
    const urls: URL[] = []
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://localhost')
        const body = Buffer.concat(chunks).toString()
        if (body.includes('system.settings')) {
          if (readonly === 'denied') {
            res.writeHead(500, { 'x-clickhouse-exception-code': '497' })
            res.end('Code: 497. DB::Exception: u: Not enough privileges. (ACCESS_DENIED)\n')
          } else {
            res.end(`26.1.1.1\tUTC\t${readonly}\t0\n`)
          }
          return
        }
        if (body.includes('version()')) {
          res.end('26.1.1.1\tUTC\n')
          return
        }
        urls.push(url)
        const refusal = refuse(url)
        if (refusal) {
          res.writeHead(500, { 'x-clickhouse-exception-code': '164' })
          res.end(`Code: 164. DB::Exception: ${refusal}. (READONLY)\n`)
          return
        }
        res.end('1\n')
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return {
      url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
      urls,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    }
  }

  for (const [profile, readonly] of [
    ['a read-only profile (readonly = 1)', '1'],
    ['a user who may not read system.settings', 'denied'],
  ] as const) {
    test(`${profile} gets none`, async () => {
      const server = await profileServer(readonly, () => undefined)
      const client = createClient({ url: server.url })
      try {
        await client.command('SELECT 1')
        assert.equal(server.urls.length, 1)
        for (const name of ['send_progress_in_http_headers', 'max_execution_time'])
          assert.equal(server.urls[0]!.searchParams.get(name), null)
      } finally {
        await client.close()
        await server.close()
      }
    })
  }

  test('a setting the server refuses is dropped: the statement is sent again without it', async () => {
    const server = await profileServer('0', (url) =>
      url.searchParams.has('max_execution_time')
        ? "Cannot modify 'max_execution_time' setting in readonly mode"
        : undefined,
    )
    const client = createClient({ url: server.url })
    try {
      await client.command('SELECT 1')
      await client.command('SELECT 1')
      assert.deepEqual(
        server.urls.map((url) => url.searchParams.has('max_execution_time')),
        [true, false, false],
      )
      // A setting the caller asked for is never dropped: its refusal is the caller's error.
      await assert.rejects(
        client.command('SELECT 1', undefined, { settings: { max_execution_time: 5 } }),
        (error: unknown) => error instanceof ServerError && error.code === '164',
      )
    } finally {
      await client.close()
      await server.close()
    }
  })
})

test('a query that fails after progress headers committed the 200 is a ServerError, not data', async () => {
  const server = await progressServer((socket) => {
    const text =
      "Code: 395. DB::Exception: Value passed to 'throwIf' function is non-zero. (FUNCTION_THROW_IF_VALUE_IS_NON_ZERO)\n"
    socket.write(
      `HTTP/1.1 200 OK\r\n${PROGRESS_LINE}X-ClickHouse-Exception-Code: 395\r\nContent-Length: ${text.length}\r\n\r\n${text}`,
    )
  })
  const transport = createHttpTransport({ url: server.url })
  try {
    await assert.rejects(
      transport.request({ sql: 'SELECT throwIf(1)', queryId: randomUUID() }),
      (error: unknown) => error instanceof ServerError && error.code === '395',
    )
  } finally {
    await transport.close()
    await server.close()
  }
})
