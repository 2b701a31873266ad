/**
 * Transport settings a user configures through `createClient`: TLS (a private
 * CA, a client certificate, `rejectUnauthorized`), headers, the application
 * name, an undici dispatcher, and the connect, keep-alive and URL limits.
 * TLS runs end to end through a TLS-terminating proxy in front of each engine.
 */

import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import net from 'node:net'
import { after, before, describe, test } from 'node:test'
import {
  ConfigurationError,
  ConnectionError,
  createClient,
  ParameterError,
  sleep,
  TimeoutError,
} from '@tributary/clickhouse'
import { Agent } from 'undici'
import { forEachBackend, HTTP_BACKENDS, uniqueTable } from '../backends.ts'
import {
  makeTestCertificates,
  startTlsProxy,
  type TestCertificates,
  type TlsProxy,
} from '../servers/tls-proxy.ts'

const certificates: TestCertificates = makeTestCertificates()

forEachBackend(
  (ctx) => {
    let proxy: TlsProxy
    before(async () => {
      const backend = ctx().config()
      proxy = await startTlsProxy(backend.url as string, certificates)
    })
    after(async () => {
      await proxy?.close()
    })

    /** The backend's config, reached through the TLS proxy. */
    function overTls() {
      return { ...ctx().config(), url: proxy.url }
    }

    test('TLS with a private CA and a client certificate: query, stream and insert', async () => {
      const client = createClient({
        ...overTls(),
        tls: { ca: certificates.ca, cert: certificates.clientCert, key: certificates.clientKey },
      })
      const table = uniqueTable('tls_insert')
      try {
        assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }])
        let streamed = 0
        for await (const _ of client.stream('SELECT number FROM system.numbers LIMIT 10000')) streamed++
        assert.equal(streamed, 10_000)
        await client.command(`CREATE TABLE ${table} (n UInt32, s String) ENGINE = Memory`)
        await client.insert({ table, values: [{ n: 1, s: 'über TLS' }] })
        assert.deepEqual((await client.query(`SELECT n, s FROM ${table}`)).rows, [{ n: 1, s: 'über TLS' }])
      } finally {
        await client.command(`DROP TABLE IF EXISTS ${table}`).catch(() => {})
        await client.close()
      }
    })

    test('a server certificate from another CA is refused with a ConnectionError', async () => {
      const { password } = ctx().config()
      const client = createClient({
        ...overTls(),
        tls: { ca: certificates.otherCa, cert: certificates.clientCert, key: certificates.clientKey },
      })
      try {
        await assert.rejects(client.query('SELECT 1'), (error: unknown) => {
          assert.ok(error instanceof ConnectionError, String(error))
          assert.match(error.message, /certificate/i)
          if (password) assert.ok(!error.message.includes(password))
          return true
        })
      } finally {
        await client.close()
      }
    })

    test('without the client certificate the server refuses the connection', async () => {
      const client = createClient({ ...overTls(), tls: { ca: certificates.ca } })
      try {
        await assert.rejects(client.query('SELECT 1'), ConnectionError)
      } finally {
        await client.close()
      }
    })

    test('rejectUnauthorized: false accepts a server certificate no configured CA signed', async () => {
      const client = createClient({
        ...overTls(),
        tls: { rejectUnauthorized: false, cert: certificates.clientCert, key: certificates.clientKey },
      })
      try {
        assert.deepEqual((await client.query('SELECT 2 AS two')).rows, [{ two: 2 }])
      } finally {
        await client.close()
      }
    })

    test('custom headers and the application name in the User-Agent reach the server', async () => {
      const client = createClient({
        ...overTls(),
        tls: { ca: certificates.ca, cert: certificates.clientCert, key: certificates.clientKey },
        headers: { 'X-Tenant': 'tenant-7' },
        application: 'billing-report/2.1',
      })
      try {
        const queryId = randomUUID()
        const { rows } = await client.query<{ agent: string }>(
          'SELECT any(http_user_agent) AS agent FROM system.processes WHERE query_id = {id:String}',
          { id: queryId },
          { queryId },
        )
        const heads = proxy.received.split('\r\n\r\n').filter((part) => part.includes(queryId))
        assert.ok(heads.length > 0)
        assert.match(heads[0]!, /\r\nx-tenant: tenant-7\r\n/i)
        assert.match(heads[0]!, /\r\nuser-agent: billing-report\/2\.1 tributary-clickhouse\/\d+\.\d+\.\d+/i)
        // 18.16 lists a query's User-Agent in system.processes; the chDB endpoint runs no HTTP server in the engine.
        if (ctx().name === 'clickhouse-18.16')
          assert.match(rows[0]!.agent, /^billing-report\/2\.1 tributary-clickhouse\//)
      } finally {
        await client.close()
      }
    })

    test('an undici dispatcher carries the requests, and the client leaves it open', async () => {
      const agent = new Agent({
        connect: { ca: certificates.ca, cert: certificates.clientCert, key: certificates.clientKey },
      })
      try {
        const before = proxy.connections
        const client = createClient({ ...overTls(), dispatcher: agent })
        assert.deepEqual((await client.query('SELECT 3 AS three')).rows, [{ three: 3 }])
        await client.close()
        assert.ok(proxy.connections > before)
        const again = createClient({ ...overTls(), dispatcher: agent })
        assert.deepEqual((await again.query('SELECT 4 AS four')).rows, [{ four: 4 }])
        await again.close()
      } finally {
        await agent.close()
      }
    })

    test('keepAliveMarginMs is subtracted from the server keep-alive hint', async () => {
      const hint = await keepAliveHintMs(ctx().config().url as string)
      const tlsOptions = { ca: certificates.ca, cert: certificates.clientCert, key: certificates.clientKey }
      // Keep an idle socket 200 ms only: after a 1 s pause the next query needs a new connection.
      const short = createClient({ ...overTls(), tls: tlsOptions, keepAliveMarginMs: hint - 200 })
      const usual = createClient({ ...overTls(), tls: tlsOptions })
      try {
        for (const [client, reused] of [
          [short, false],
          [usual, true],
        ] as const) {
          await client.query('SELECT 1')
          const opened = proxy.connections
          await sleep(1000)
          await client.query('SELECT 1')
          assert.equal(proxy.connections === opened, reused)
        }
      } finally {
        await short.close()
        await usual.close()
      }
    })

    test('maxUrlBytes refuses a longer request URL before sending it', async () => {
      const client = createClient({ ...ctx().config(), maxUrlBytes: 1000 })
      try {
        await client.query('SELECT 1')
        await assert.rejects(
          client.query('SELECT 1', undefined, { queryId: `long-${'q'.repeat(2000)}` }),
          (error: unknown) => error instanceof ParameterError && /1000-byte limit/.test(error.message),
        )
      } finally {
        await client.close()
      }
    })
  },
  { only: HTTP_BACKENDS },
)

/** The `Keep-Alive: timeout=N` a server sends, in ms. */
async function keepAliveHintMs(url: string): Promise<number> {
  const response = await fetch(`${url}/ping`)
  await response.text()
  const match = /timeout=(\d+)/.exec(response.headers.get('keep-alive') ?? '')
  assert.ok(match, 'the server sends a Keep-Alive hint')
  return Number(match[1]) * 1000
}

describe('connection settings without a backend', () => {
  test('connectTimeoutMs bounds the TCP and TLS handshake', async () => {
    // Accepts TCP connections and never answers the TLS ClientHello.
    const sockets = new Set<net.Socket>()
    const silent = net.createServer((socket) => {
      sockets.add(socket)
      socket.on('error', () => {})
    })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const port = (silent.address() as net.AddressInfo).port
    const client = createClient({
      url: `https://127.0.0.1:${port}`,
      connectTimeoutMs: 300,
      tls: { ca: certificates.ca },
    })
    try {
      await assert.rejects(client.query('SELECT 1'), (error: unknown) => {
        assert.ok(error instanceof TimeoutError, String(error))
        assert.match(error.message, /connect/i)
        assert.match(error.message, /300 ?ms/)
        return true
      })
    } finally {
      await client.close()
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => silent.close(() => resolve()))
    }
  })

  test('conflicting or unsafe settings are refused at construction with a ConfigurationError', () => {
    const refused: [string, () => unknown][] = [
      ['tls on http:', () => createClient({ url: 'http://127.0.0.1:1', tls: { ca: certificates.ca } })],
      [
        'a dispatcher and pool settings',
        () =>
          createClient({ url: 'https://127.0.0.1:1', dispatcher: new Agent(), tls: { ca: certificates.ca } }),
      ],
      ['a header the client sets itself', () => createClient({ headers: { Authorization: 'Basic eDp5' } })],
      ['a header value with a line break', () => createClient({ headers: { 'x-a': 'b\r\nx-c: d' } })],
      ['an application name with a line break', () => createClient({ application: 'app\r\nx: y' })],
    ]
    for (const [what, make] of refused) {
      assert.throws(make, ConfigurationError, what)
    }
  })
})
