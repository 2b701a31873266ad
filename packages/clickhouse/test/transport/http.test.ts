/**
 * The HTTP transport against a real ClickHouse (Debian's 18.16) and against
 * small node:http servers that misbehave on purpose.
 */

import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import zlib from 'node:zlib'
import {
  ConnectionError,
  ParameterError,
  ProtocolError,
  QueryCancelledError,
  ServerError,
  ThrottledError,
  TimeoutError,
} from '@tributary/core'
import { createHttpTransport, type HttpTransportConfig } from '../../src/transport/http.ts'
import type { ClickHouseTransport } from '../../src/transport/transport.ts'

interface RunningServer {
  url: string
  username: string
  password: string
  version: string
  stop(): Promise<void>
  kill(): Promise<void>
}

const SERVER_BINARY = '/usr/sbin/clickhouse-server'
const SHARED_LAUNCHER = new URL('../servers/clickhouse-server.ts', import.meta.url)

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Starts Debian's 18.16 server in a temp dir; the shared launcher is used when it exists. */
async function startServer(): Promise<RunningServer> {
  if (existsSync(SHARED_LAUNCHER)) {
    const launcher = (await import(SHARED_LAUNCHER.href)) as {
      startClickHouseServer(): Promise<RunningServer>
    }
    return launcher.startClickHouseServer()
  }
  const dir = await mkdtemp(join(tmpdir(), 'tributary-ch-'))
  for (const sub of ['data', 'tmp', 'user_files', 'logs']) await mkdir(join(dir, sub))
  const [httpPort, tcpPort] = [await freePort(), await freePort()]
  const password = 'transport-test-secret'
  await writeFile(
    join(dir, 'users.xml'),
    `<?xml version="1.0"?><yandex><profiles><default/></profiles><users><default><password>${password}</password>
<networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
<quotas><default/></quotas></yandex>`,
  )
  await writeFile(
    join(dir, 'config.xml'),
    `<?xml version="1.0"?><yandex>
<logger><level>warning</level><log>${dir}/logs/server.log</log><errorlog>${dir}/logs/err.log</errorlog><console>0</console></logger>
<listen_host>127.0.0.1</listen_host><http_port>${httpPort}</http_port><tcp_port>${tcpPort}</tcp_port>
<path>${dir}/data/</path><tmp_path>${dir}/tmp/</tmp_path><user_files_path>${dir}/user_files/</user_files_path>
<users_config>${dir}/users.xml</users_config><default_profile>default</default_profile>
<default_database>default</default_database><mark_cache_size>53687091</mark_cache_size>
<keep_alive_timeout>3</keep_alive_timeout></yandex>`,
  )
  const child: ChildProcess = spawn(SERVER_BINARY, [`--config-file=${dir}/config.xml`], { stdio: 'ignore' })
  const url = `http://127.0.0.1:${httpPort}`
  let version = ''
  for (let i = 0; i < 200 && !version; i++) {
    try {
      const res = await fetch(`${url}/?query=SELECT%20version()`, {
        headers: { authorization: `Basic ${Buffer.from(`default:${password}`).toString('base64')}` },
      })
      if (res.ok) version = (await res.text()).trim()
    } catch {
      await sleep(50)
    }
  }
  if (!version) throw new Error('clickhouse-server did not start')
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    await exited
    await rm(dir, { recursive: true, force: true })
  }
  return {
    url,
    username: 'default',
    password,
    version,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
  }
}

async function text(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = []
  for await (const chunk of body) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}

async function run(
  transport: ClickHouseTransport,
  sql: string,
  extra: Partial<Parameters<ClickHouseTransport['request']>[0]> = {},
) {
  const response = await transport.request({ sql, queryId: crypto.randomUUID(), ...extra })
  return text(response.body)
}

async function selectOne(transport: ClickHouseTransport): Promise<void> {
  assert.equal(await run(transport, 'SELECT 1'), '1\n')
}

describe('HTTP transport against ClickHouse 18.16', {
  skip: !existsSync(SERVER_BINARY) && !existsSync(SHARED_LAUNCHER),
}, () => {
  let server: RunningServer
  let transport: ClickHouseTransport
  let config: HttpTransportConfig

  before(async () => {
    server = await startServer()
    config = { url: server.url, username: server.username, password: server.password }
    transport = createHttpTransport(config)
  })
  after(async () => {
    await transport?.close()
    await server?.stop()
  })

  test('SELECT 1 and serverInfo', async () => {
    await selectOne(transport)
    const info = await transport.serverInfo()
    assert.equal(info.version, server.version)
    assert.equal(info.supportsQueryParameters, false)
    assert.equal(info.supportsRowBinaryWithNamesAndTypes, false)
    assert.ok(info.timezone.length > 0)
  })

  test('X-ClickHouse-User/Key headers authenticate too', async () => {
    const other = createHttpTransport({ ...config, authMode: 'headers' })
    try {
      await selectOne(other)
    } finally {
      await other.close()
    }
  })

  test('a wrong password is ServerError 516 and the password is not in the message', async () => {
    const secret = 'definitely-wrong-password'
    for (const authMode of ['basic', 'headers'] as const) {
      const other = createHttpTransport({ ...config, password: secret, authMode })
      try {
        await assert.rejects(run(other, 'SELECT 1'), (error: unknown) => {
          assert.ok(error instanceof ServerError)
          assert.equal(error.code, '516')
          assert.equal(error.system, 'clickhouse')
          assert.ok(!error.message.includes(secret))
          assert.ok(!String(error.stack).includes(secret))
          return true
        })
      } finally {
        await other.close()
      }
    }
  })

  test('a server error carries the code, query id and trimmed text', async () => {
    const queryId = crypto.randomUUID()
    await assert.rejects(transport.request({ sql: 'SELECT nope', queryId }), (error: unknown) => {
      assert.ok(error instanceof ServerError)
      assert.equal(error.code, '47')
      assert.equal(error.queryId, queryId)
      assert.match(error.message, /Unknown identifier: nope/)
      assert.doesNotMatch(error.message, /e\.what\(\)/)
      return true
    })
    await selectOne(transport)
  })

  test('gzip response compression', async () => {
    const gzip = createHttpTransport({ ...config, compression: { response: 'gzip' } })
    try {
      const out = await run(gzip, 'SELECT number FROM system.numbers LIMIT 200000')
      const lines = out.trimEnd().split('\n')
      assert.equal(lines.length, 200000)
      assert.equal(lines[199999], '199999')
    } finally {
      await gzip.close()
    }
  })

  test('streamed, gzip-compressed INSERT body', async () => {
    const gzip = createHttpTransport({ ...config, compression: { request: 'gzip' } })
    try {
      await run(gzip, 'CREATE TABLE IF NOT EXISTS insert_target (n UInt64, s String) ENGINE = Memory')
      async function* rows() {
        for (let batch = 0; batch < 50; batch++) {
          let chunk = ''
          for (let i = 0; i < 1000; i++) chunk += `${batch * 1000 + i}\tvalue\\t${i}\n`
          yield new TextEncoder().encode(chunk)
        }
      }
      const response = await gzip.request({
        sql: 'INSERT INTO insert_target FORMAT TabSeparated',
        queryId: crypto.randomUUID(),
        body: rows(),
      })
      assert.equal(await text(response.body), '')
      assert.equal(await response.summary(), undefined)
      assert.equal(
        await run(gzip, "SELECT count(), sum(n), countIf(s = 'value\\t7') FROM insert_target"),
        '50000\t1249975000\t50\n',
      )
    } finally {
      await gzip.close()
    }
  })

  test('an error raised before any byte (500 with the text)', async () => {
    await assert.rejects(
      run(transport, 'SELECT throwIf(number = 500000) FROM system.numbers LIMIT 1000000'),
      (error: unknown) => {
        assert.ok(error instanceof ServerError)
        assert.equal(error.code, '395')
        return true
      },
    )
    await selectOne(transport)
  })

  for (const format of ['TabSeparated', 'RowBinary', 'JSONCompact']) {
    test(`an error after data was streamed (${format}) raises ServerError and yields no error text`, async () => {
      const response = await transport.request({
        sql: `SELECT number, throwIf(number = 500000) FROM system.numbers LIMIT 1000000 FORMAT ${format}`,
        queryId: crypto.randomUUID(),
      })
      const chunks: Buffer[] = []
      await assert.rejects(
        (async () => {
          for await (const chunk of response.body) chunks.push(Buffer.from(chunk))
        })(),
        (error: unknown) => {
          assert.ok(error instanceof ServerError)
          assert.equal(error.code, '395')
          assert.match(error.message, /throwIf/)
          return true
        },
      )
      assert.ok(chunks.length > 0)
      assert.equal(Buffer.concat(chunks).includes('DB::Exception'), false)
      await assert.rejects(response.summary())
      await selectOne(transport)
    })
  }

  test('an idle socket past the server keep-alive timeout is not reused stale', async () => {
    await selectOne(transport)
    await sleep(3500)
    await selectOne(transport)
    // And for a request that may not be replayed.
    await sleep(3500)
    assert.equal(await run(transport, 'SELECT 2', { idempotent: false }), '2\n')
  })

  test('breaking out of a large result releases the socket', async () => {
    const small = createHttpTransport({ ...config, maxSockets: 1 })
    try {
      for (let i = 0; i < 3; i++) {
        const response = await small.request({
          sql: 'SELECT number FROM system.numbers LIMIT 50000000',
          queryId: crypto.randomUUID(),
        })
        for await (const _chunk of response.body) break
        await assert.rejects(response.summary(), QueryCancelledError)
      }
      await selectOne(small)
    } finally {
      await small.close()
    }
  })

  test('a timeout is TimeoutError and the query is killed on the server', async () => {
    const queryId = crypto.randomUUID()
    await assert.rejects(
      transport.request({ sql: 'SELECT count() FROM system.numbers', queryId, timeoutMs: 300 }),
      (error: unknown) => {
        assert.ok(error instanceof TimeoutError)
        assert.equal(error.queryId, queryId)
        return true
      },
    )
    let running = '1'
    for (let i = 0; i < 100 && running !== '0'; i++) {
      running = (
        await run(transport, `SELECT count() FROM system.processes WHERE query_id = '${queryId}'`)
      ).trim()
      if (running !== '0') await sleep(100)
    }
    assert.equal(running, '0')
    await selectOne(transport)
  })

  test('an abort through the signal is QueryCancelledError; kill() stops the query', async () => {
    const controller = new AbortController()
    const queryId = crypto.randomUUID()
    const pending = transport.request({
      sql: 'SELECT count() FROM system.numbers',
      queryId,
      signal: controller.signal,
    })
    await sleep(200)
    controller.abort()
    await assert.rejects(pending, QueryCancelledError)
    await transport.kill(queryId)
    await transport.kill('no-such-query-id')
    const queryId2 = crypto.randomUUID()
    const second = assert.rejects(
      transport.request({ sql: 'SELECT count() FROM system.numbers', queryId: queryId2 }),
      (error: unknown) => error instanceof QueryCancelledError && error.code === '394',
    )
    await sleep(200)
    await transport.kill(queryId2)
    await second
    await selectOne(transport)
  })

  test('an over-long URL is a ParameterError, before sending or from the server', async () => {
    const big = 'x'.repeat(20_000)
    await assert.rejects(
      createHttpTransport({ ...config, maxUrlBytes: 10_000 }).request({
        sql: 'SELECT 1',
        queryId: crypto.randomUUID(),
        params: { big },
      }),
      ParameterError,
    )
    await assert.rejects(
      run(transport, 'SELECT 1', { settings: { log_queries: 0 }, params: { big } }),
      ParameterError,
    )
    await selectOne(transport)
  })

  test('session_id and database are passed', async () => {
    const sessionId = crypto.randomUUID()
    await run(transport, 'CREATE TEMPORARY TABLE tmp_session (x UInt8)', { sessionId })
    await run(transport, 'INSERT INTO tmp_session VALUES (7)', { sessionId })
    assert.equal(await run(transport, 'SELECT x FROM tmp_session', { sessionId }), '7\n')
    assert.equal(await run(transport, 'SELECT currentDatabase()', { database: 'system' }), 'system\n')
  })
})

describe('HTTP transport: server killed mid-stream', {
  skip: !existsSync(SERVER_BINARY) && !existsSync(SHARED_LAUNCHER),
}, () => {
  test('SIGKILL during a long SELECT is a ConnectionError or ProtocolError, not a hang or a short result', async () => {
    const server = await startServer()
    const transport = createHttpTransport({
      url: server.url,
      username: server.username,
      password: server.password,
    })
    try {
      const response = await transport.request({
        sql: 'SELECT number FROM system.numbers FORMAT RowBinary',
        queryId: crypto.randomUUID(),
      })
      let received = 0
      await assert.rejects(
        (async () => {
          for await (const chunk of response.body) {
            received += chunk.length
            if (received > 1_000_000 && received - chunk.length <= 1_000_000) void server.kill()
          }
        })(),
        (error: unknown) => error instanceof ConnectionError || error instanceof ProtocolError,
      )
      assert.ok(received > 1_000_000)
    } finally {
      await transport.close()
      await server.kill()
    }
  })
})

/** A node:http server whose handler decides per request; counts requests per socket. */
async function fakeServer(
  handler: (req: http.IncomingMessage, res: http.ServerResponse, nthOnSocket: number, body: Buffer) => void,
): Promise<{ url: string; requests: number; close(): Promise<void> }> {
  const perSocket = new WeakMap<object, number>()
  const state = { url: '', requests: 0, close: async () => {} }
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    state.requests++
    const n = (perSocket.get(req.socket) ?? 0) + 1
    perSocket.set(req.socket, n)
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => handler(req, res, n, Buffer.concat(chunks)))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  state.close = async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return state
}

describe('HTTP transport against misbehaving servers', () => {
  test('a socket closed just as it is reused: one retry when replayable, an error otherwise', async () => {
    // The server drops the next request that arrives on an already used socket.
    let dropReused = false
    const fake = await fakeServer((req, res, nth) => {
      if (dropReused && nth >= 2) {
        dropReused = false
        req.socket.destroy()
        return
      }
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end('1\n')
    })
    const transport = createHttpTransport({ url: fake.url, maxSockets: 1 })
    try {
      assert.equal(await run(transport, 'SELECT 1'), '1\n')
      dropReused = true
      assert.equal(await run(transport, 'SELECT 1'), '1\n')
      assert.equal(fake.requests, 3)

      dropReused = true
      await assert.rejects(run(transport, 'INSERT INTO t VALUES (1)', { idempotent: false }), ConnectionError)
      assert.equal(fake.requests, 4)

      assert.equal(await run(transport, 'INSERT INTO t VALUES (1)', { idempotent: true }), '1\n')
      dropReused = true
      assert.equal(await run(transport, 'INSERT INTO t VALUES (1)', { idempotent: true }), '1\n')
      assert.equal(fake.requests, 7)

      async function* data() {
        yield new TextEncoder().encode('1\n')
      }
      dropReused = true
      await assert.rejects(
        run(transport, 'INSERT INTO t FORMAT TSV', { body: data(), idempotent: true }),
        ConnectionError,
      )
      assert.equal(fake.requests, 8)
      assert.equal(await run(transport, 'SELECT 1'), '1\n')
    } finally {
      await transport.close()
      await fake.close()
    }
  })

  test('a body shorter than its Content-Length is an error, never a short result', async () => {
    const fake = await fakeServer((req, res) => {
      if (req.url?.includes('chunked')) {
        res.writeHead(200)
        res.write('1\n2\n')
        setTimeout(() => req.socket.destroy(), 20)
        return
      }
      if (req.url?.includes('gzip')) {
        const full = zlib.gzipSync(Buffer.from('1\n2\n3\n'.repeat(1000)))
        res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(full.length - 10) })
        res.end(full.subarray(0, full.length - 10))
        return
      }
      res.writeHead(200, { 'content-length': '100' })
      res.write('1\n2\n')
      setTimeout(() => req.socket.destroy(), 20)
    })
    const transport = createHttpTransport({ url: fake.url })
    try {
      await assert.rejects(
        run(transport, 'SELECT 1'),
        (error: unknown) => error instanceof ProtocolError || error instanceof ConnectionError,
      )
      await assert.rejects(run(transport, 'SELECT 1', { settings: { chunked: 1 } }), ConnectionError)
      await assert.rejects(run(transport, 'SELECT 1', { settings: { gzip: 1 } }), ProtocolError)
    } finally {
      await transport.close()
      await fake.close()
    }
  })

  test('a 25.11-style exception block inside a 200 body, with broken framing after it', async () => {
    const tag = 'qwertyuiopasdfgh'
    const fake = await fakeServer((_req, res) => {
      res.writeHead(200, { 'x-clickhouse-exception-tag': tag, 'x-clickhouse-query-id': 'server-side-id' })
      res.write('row1\nrow2\n')
      const message =
        "Code: 395. DB::Exception: Value passed to 'throwIf' function is non-zero. (FUNCTION_THROW_IF_VALUE_IS_NON_ZERO) (version 26.1.1.1)"
      res.write(
        `\r\n__exception__\r\n${tag}\r\n${message}\n${message.length + 1} ${tag}\r\n__exception__\r\n`,
      )
      setTimeout(() => res.socket?.destroy(), 20)
    })
    const transport = createHttpTransport({ url: fake.url })
    try {
      const response = await transport.request({ sql: 'SELECT 1', queryId: 'q1' })
      assert.equal(response.queryId, 'server-side-id')
      const chunks: Buffer[] = []
      await assert.rejects(
        (async () => {
          for await (const chunk of response.body) chunks.push(Buffer.from(chunk))
        })(),
        (error: unknown) => {
          assert.ok(error instanceof ServerError)
          assert.equal(error.code, '395')
          assert.doesNotMatch(error.message, /version 26/)
          return true
        },
      )
      assert.equal(Buffer.concat(chunks).toString(), 'row1\nrow2\n')
    } finally {
      await transport.close()
      await fake.close()
    }
  })

  test('headers: auth modes, progress, summary, format, timezone; throttling', async () => {
    const seen: http.IncomingHttpHeaders[] = []
    const urls: string[] = []
    const fake = await fakeServer((req, res, _nth, body) => {
      seen.push(req.headers)
      urls.push(req.url ?? '')
      if (body.toString() === 'THROTTLE') {
        res.writeHead(503, { 'x-clickhouse-exception-code': '202' })
        res.end(
          'Code: 202. DB::Exception: Too many simultaneous queries. Maximum: 1. (TOO_MANY_SIMULTANEOUS_QUERIES)\n',
        )
        return
      }
      res.writeHead(200, [
        [
          'x-clickhouse-progress',
          '{"read_rows":"5","read_bytes":"40","written_rows":"0","written_bytes":"0","total_rows_to_read":"10"}',
        ],
        [
          'x-clickhouse-progress',
          '{"read_rows":"10","read_bytes":"80","written_rows":"0","written_bytes":"0","total_rows_to_read":"10"}',
        ],
        [
          'x-clickhouse-summary',
          '{"read_rows":"10","read_bytes":"80","written_rows":"0","written_bytes":"0","total_rows_to_read":"10","elapsed_ns":"1234"}',
        ],
        ['x-clickhouse-format', 'TabSeparated'],
        ['x-clickhouse-timezone', 'Europe/Amsterdam'],
      ])
      res.end('ok\n')
    })
    const token = 'token-value-xyz'
    const bearer = createHttpTransport({
      url: fake.url,
      accessToken: token,
      roles: ['a', 'b'],
      database: 'db1',
      settings: { max_threads: 2, readonly: true },
    })
    const basic = createHttpTransport({ url: fake.url, username: 'u', password: 'p' })
    const headers = createHttpTransport({ url: fake.url, username: 'u', password: 'p', authMode: 'headers' })
    try {
      const progress: bigint[] = []
      const response = await bearer.request(
        { sql: 'SELECT 1', queryId: 'qid', params: { x: 'a b' }, sessionId: 's1' },
        { onProgress: (queryId, p) => progress.push(p.readRows) && assert.equal(queryId, 'qid') },
      )
      assert.equal(response.format, 'TabSeparated')
      assert.equal(response.timezone, 'Europe/Amsterdam')
      assert.equal(await text(response.body), 'ok\n')
      assert.deepEqual(progress, [5n, 10n])
      const summary = await response.summary()
      assert.equal(summary?.readRows, 10n)
      assert.equal(summary?.elapsedNs, 1234n)
      assert.equal(seen[0].authorization, `Bearer ${token}`)
      const params = new URL(urls[0], fake.url).searchParams
      assert.deepEqual(params.getAll('role'), ['a', 'b'])
      assert.equal(params.get('database'), 'db1')
      assert.equal(params.get('query_id'), 'qid')
      assert.equal(params.get('session_id'), 's1')
      assert.equal(params.get('param_x'), 'a b')
      assert.equal(params.get('max_threads'), '2')
      assert.equal(params.get('readonly'), '1')
      assert.equal(params.get('send_progress_in_http_headers'), '1')
      assert.equal(params.get('query'), null)

      await run(basic, 'SELECT 1')
      assert.equal(seen[1].authorization, `Basic ${Buffer.from('u:p').toString('base64')}`)
      assert.equal(new URL(urls[1], fake.url).searchParams.get('send_progress_in_http_headers'), null)
      await run(headers, 'SELECT 1')
      assert.equal(seen[2]['x-clickhouse-user'], 'u')
      assert.equal(seen[2]['x-clickhouse-key'], 'p')
      assert.equal(seen[2].authorization, undefined)

      await assert.rejects(
        run(basic, 'THROTTLE'),
        (error: unknown) => error instanceof ThrottledError && error.code === '202',
      )
      await assert.rejects(
        basic.request({ sql: 'SELECT 1', queryId: 'q', body: new Uint8Array([1]) }).then(() => {
          assert.equal(new URL(urls.at(-1) ?? '', fake.url).searchParams.get('query'), 'SELECT 1')
          throw new Error('checked')
        }),
        /checked/,
      )
    } finally {
      await Promise.all([bearer.close(), basic.close(), headers.close()])
      await fake.close()
    }
  })

  test('connection refused is a ConnectionError, and errors never contain the password', async () => {
    const port = await freePort()
    const transport = createHttpTransport({ url: `http://127.0.0.1:${port}`, password: 'super-secret-pw' })
    try {
      await assert.rejects(run(transport, 'SELECT 1'), (error: unknown) => {
        assert.ok(error instanceof ConnectionError)
        assert.ok(!error.message.includes('super-secret-pw'))
        return true
      })
    } finally {
      await transport.close()
    }
  })
})
