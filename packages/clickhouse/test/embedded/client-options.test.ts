/**
 * `createClient` options with `transport: chdb()`: what applies to an engine in
 * the process is honoured, the rest is refused with a ConfigurationError that
 * names the option. Nothing is dropped silently.
 */

import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  type ClickHouseClientConfig,
  ConfigurationError,
  createClient,
  sleep,
  TimeoutError,
} from '@tributary/clickhouse'
import { chdb } from '@tributary/clickhouse/embedded'
import { endlessBoundQuery, marker, waitUntilGone, waitUntilListed } from '../processes.ts'
import { assertExecutionTimeFromLimit } from '../transport/execution-time.ts'

const GUARD = { timeout: 120_000 }

async function setting(
  client: ReturnType<typeof createClient>,
  name: string,
  settings?: Record<string, number>,
) {
  const { rows } = await client.query<{ value: string }>(
    'SELECT value FROM system.settings WHERE name = {name:String}',
    { name },
    { settings },
  )
  return rows[0]!.value
}

describe('createClient options on embedded ClickHouse', () => {
  test('settings apply to every query; per-query settings win', GUARD, async () => {
    const client = createClient({ transport: chdb(), settings: { max_result_rows: 12345, max_threads: 3 } })
    try {
      assert.equal(await setting(client, 'max_result_rows'), '12345')
      assert.equal(await setting(client, 'max_threads'), '3')
      assert.equal(await setting(client, 'max_result_rows', { max_result_rows: 777 }), '777')
      const streamed: string[] = []
      for await (const row of client.stream<{ value: string }>(
        "SELECT value FROM system.settings WHERE name = 'max_result_rows'",
      )) {
        streamed.push(row.value)
      }
      assert.deepEqual(streamed, ['12345'])
    } finally {
      await client.close()
    }
  })

  test('chdb() settings and createClient settings combine, the client winning', GUARD, async () => {
    const client = createClient({
      transport: chdb({ settings: { max_result_rows: 1, max_threads: 2 } }),
      settings: { max_result_rows: 5 },
    })
    try {
      assert.equal(await setting(client, 'max_result_rows'), '5')
      assert.equal(await setting(client, 'max_threads'), '2')
    } finally {
      await client.close()
    }
  })

  test('requestTimeoutMs stops a query that keeps the caller waiting, in the engine too', GUARD, async () => {
    const client = createClient({ transport: chdb(), requestTimeoutMs: 1000 })
    const watcher = createClient({ transport: chdb() })
    try {
      const running = marker('request_timeout')
      const query = endlessBoundQuery(running)
      await assert.rejects(client.query(query.sql, query.params), TimeoutError)
      await waitUntilGone(watcher, running)
      assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }])
    } finally {
      await client.close()
      await watcher.close()
    }
  })

  test('requestTimeoutMs does not count the time a slow reader takes', GUARD, async () => {
    const client = createClient({ transport: chdb(), requestTimeoutMs: 400 })
    try {
      let count = 0
      for await (const _ of client.stream(
        'SELECT number FROM numbers(30000) SETTINGS max_block_size = 1000',
        undefined,
        {
          batchSize: 10000,
        },
      )) {
        if (++count % 10000 === 0) await sleep(600)
      }
      assert.equal(count, 30000)
    } finally {
      await client.close()
    }
  })

  test(
    'the engine gets max_execution_time from the limit where the client reads the result whole',
    GUARD,
    async () => {
      await assertExecutionTimeFromLimit({ transport: chdb() })
    },
  )

  test('the logger hears from the embedded transport', GUARD, async () => {
    const lines: { level: string; message: string; fields: Record<string, unknown> | undefined }[] = []
    const record = (level: string) => (message: string, fields?: Record<string, unknown>) => {
      lines.push({ level, message, fields })
    }
    const client = createClient({
      transport: chdb(),
      logger: { debug: record('debug'), warn: record('warn') },
    })
    try {
      const queryId = `logged-${marker('q')}`
      const controller = new AbortController()
      const running = marker('logged')
      const query = endlessBoundQuery(running)
      const pending = client.query(query.sql, query.params, { queryId, signal: controller.signal })
      await waitUntilListed(client, running)
      controller.abort()
      await assert.rejects(pending)
      assert.ok(
        lines.some((line) => line.fields?.queryId === queryId),
        `nothing logged about ${queryId}: ${JSON.stringify(lines)}`,
      )
    } finally {
      await client.close()
    }
  })

  const refused: [keyof ClickHouseClientConfig, unknown][] = [
    ['url', 'http://127.0.0.1:8123'],
    ['username', 'default'],
    ['password', 'secret'],
    ['accessToken', 'token'],
    ['authMode', 'headers'],
    ['roles', ['reader']],
    ['maxSockets', 4],
    ['compression', { response: 'gzip' }],
    ['compression', { request: 'gzip' }],
    ['connectTimeoutMs', 1000],
    ['keepAliveMarginMs', 100],
    ['maxUrlBytes', 1024],
    ['tls', { rejectUnauthorized: false }],
    ['headers', { 'X-Secret': 'token' }],
    ['application', 'app'],
    ['dispatcher', {}],
  ]
  for (const [option, value] of refused) {
    test(`${option}: ${JSON.stringify(value)} is refused with a ConfigurationError naming it`, () => {
      const transport = chdb()
      try {
        assert.throws(
          () => createClient({ transport, [option]: value }),
          (error: unknown) => {
            assert.ok(error instanceof ConfigurationError, String(error))
            assert.ok(error.message.includes(`\`${option}\``), error.message)
            assert.ok(!error.message.includes('secret') && !error.message.includes('token'), error.message)
            return true
          },
        )
      } finally {
        void transport.close()
      }
    })
  }

  test('options that ask for nothing are accepted', GUARD, async () => {
    const client = createClient({ transport: chdb(), compression: { response: false, request: false } })
    try {
      assert.deepEqual((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }])
    } finally {
      await client.close()
    }
  })

  test('database applies to every query', GUARD, async () => {
    const setup = createClient({ transport: chdb() })
    await setup.command('CREATE DATABASE IF NOT EXISTS options_db')
    const client = createClient({ transport: chdb(), database: 'options_db' })
    try {
      assert.deepEqual((await client.query('SELECT currentDatabase() AS db')).rows, [{ db: 'options_db' }])
    } finally {
      await client.close()
      await setup.close()
    }
  })
})
