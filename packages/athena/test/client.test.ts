import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { AthenaClient } from '@aws-sdk/client-athena'
import {
  AthenaQueryError,
  ConfigurationError,
  ConnectionError,
  NotSupportedError,
  ParameterError,
  ProtocolError,
  QueryCancelledError,
  ServerError,
  TimeoutError,
  typed,
} from '@tributary/athena'
import { eventually, type LocalAthena, MODES, startLocalAthena } from './support/athena-local.ts'

/** The end-to-end behaviour of the client on athena-local, through the official SDK clients. */

let athena: LocalAthena
/** Rejections nobody handled while this file ran: a fault must never leave one behind. */
const unhandled: unknown[] = []
process.on('unhandledRejection', (reason) => unhandled.push(reason))

before(async () => {
  athena = await startLocalAthena()
})

after(async () => {
  await athena.stop()
  assert.deepEqual(unhandled, [], 'no unhandled rejection')
})

const TYPES_SQL = `select 1 as i, cast(null as varchar) as n, '' as e, bigint '9223372036854775807' as big,
  bigint '-9223372036854775808' as small, decimal '12345678901234567890.50' as dec, decimal '-0.05' as neg,
  date '2024-02-29' as d, timestamp '2024-01-02 03:04:05.123' as ts, timestamp '1969-12-31 23:59:59.999' as early,
  X'00ff10' as bin, 1.5e0 as dbl, nan() as nan, infinity() as inf, true as yes, real '0.1' as r,
  'a "quoted", multi
line' as text, cast(array[1, 2] as json) as arr_json`

const EXPECTED = {
  i: 1,
  n: null,
  e: '',
  big: 9223372036854775807n,
  small: -9223372036854775808n,
  dec: '12345678901234567890.50',
  neg: '-0.05',
  d: '2024-02-29',
  ts: new Date('2024-01-02T03:04:05.123Z'),
  early: new Date('1969-12-31T23:59:59.999Z'),
  bin: Uint8Array.from([0, 255, 16]),
  dbl: 1.5,
  nan: Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  yes: true,
  r: 0.1,
  text: 'a "quoted", multi\nline',
}

describe('result modes', () => {
  for (const resultMode of MODES) {
    test(`${resultMode}: every type reads back exactly, NULL apart from ''`, async () => {
      const client = athena.client({ resultMode })
      const result = await client.query(TYPES_SQL)
      assert.equal(result.mode, resultMode)
      assert.equal(result.rows.length, 1)
      const row = result.rows[0]!
      const { arr_json, ...rest } = row
      assert.deepEqual(rest, EXPECTED)
      // JSON columns are parsed in api/csv; UNLOAD writes them as their text.
      assert.deepEqual(resultMode === 'unload' ? JSON.parse(arr_json as string) : arr_json, [1, 2])
      assert.match(result.queryId, /^[0-9a-f-]{36}$/)
      assert.equal(typeof result.statistics.totalExecutionTimeInMillis, 'number')
      assert.equal(result.statistics.reusedPreviousResult, false)
    })

    test(`${resultMode}: a large result streams in batches of the asked size, in order`, async () => {
      const client = athena.client({ resultMode })
      const sizes: number[] = []
      let next = 1n
      const sql = 'select x from unnest(sequence(1, 4321)) as t(x)'
      for await (const batch of client.streamBatches<{ x: bigint }>(sql, [], { batchSize: 1000 })) {
        sizes.push(batch.length)
        for (const row of batch) {
          if (resultMode !== 'unload') assert.equal(row.x, next)
          next++
        }
      }
      assert.deepEqual(sizes, [1000, 1000, 1000, 1000, 321])
    })

    test(`${resultMode}: array rows and the columns with their types`, async () => {
      const client = athena.client({ resultMode })
      const result = await client.query<unknown[]>('select 1 as a, ? as b', [typed('2.50', 'decimal')], {
        rowMode: 'array',
      })
      assert.deepEqual(result.rows, [[1, '2.50']])
      assert.deepEqual(
        result.columns.map((c) => c.name),
        ['a', 'b'],
      )
      assert.equal(result.columns[1]!.type, 'decimal(3, 2)')
    })
  }

  test('unload: nested values come back exact, and an ordered query is read from its CSV', async () => {
    const client = athena.client({ resultMode: 'unload' })
    const nested = await client.query(
      "select array['a, b', 'c}'] as a, map(array['k=1'], array[1]) as m, cast(row(1, array[decimal '1.50']) as row(x integer, y array(decimal(3,2)))) as r",
    )
    assert.deepEqual(nested.rows, [{ a: ['a, b', 'c}'], m: { 'k=1': 1 }, r: { x: 1, y: ['1.50'] } }])
    const ordered = await client.query('select x from unnest(sequence(1, 3)) as t(x) order by x desc')
    assert.equal(ordered.mode, 'csv')
    assert.deepEqual(
      ordered.rows.map((r) => r.x),
      [3n, 2n, 1n],
    )
    const refusing = athena.client({ resultMode: 'unload', orderedUnload: 'refuse' })
    await assert.rejects(refusing.query('select 1 as x order by 1'), NotSupportedError)
  })

  test('api and csv: nested columns keep Athena text unless cast to JSON', async () => {
    for (const resultMode of ['api', 'csv'] as const) {
      const client = athena.client({ resultMode })
      const { rows } = await client.query(
        "select array['a, b', 'c'] as a, cast(array['a, b', 'c'] as json) as j, cast(map(array['k'], array[1]) as json) as m",
      )
      assert.deepEqual(rows, [{ a: '[a, b, c]', j: ['a, b', 'c'], m: { k: 1 } }])
    }
  })

  test('statements without rows: DDL, INSERT with its count, and the modes fall back to the API', async () => {
    for (const resultMode of MODES) {
      const client = athena.client({ resultMode })
      const table = `writes_${resultMode}`
      await client.query(
        `create table ${table} (id bigint) location '${athena.local.outputLocation}tables/${table}/' tblproperties ('table_type'='ICEBERG')`,
      )
      const inserted = await client.query(`insert into ${table} values (1), (2), (3)`)
      assert.equal(inserted.numAffectedRows, 3n)
      assert.equal(inserted.mode, 'api')
      const shown = await client.query<unknown[]>(`show tables like '${table}'`, [], { rowMode: 'array' })
      assert.deepEqual(shown.rows, [[table]])
      await client.query(`drop table ${table}`)
    }
  })
})

describe('query life', () => {
  test('the id is known at once: the client hook and the statement hook see it before the result', async () => {
    const seen: string[] = []
    const client = athena.client({ onQueryStart: (id) => seen.push(`client ${id}`) })
    const result = await client.query('select 1 as x', [], { onQueryId: (id) => seen.push(`query ${id}`) })
    assert.deepEqual(seen, [`client ${result.queryId}`, `query ${result.queryId}`])
  })

  test('RUNNING back to QUEUED is waited through', async () => {
    athena.local.faults.set({ requeue: [{ match: 'requeue_marker', times: 2, ms: 20 }] })
    try {
      const states: string[] = []
      const client = athena.client({ onPoll: (e) => states.push(e.Status?.State ?? '') })
      const { rows } = await client.query("select 'requeue_marker' as x")
      assert.deepEqual(rows, [{ x: 'requeue_marker' }])
      const running = states.indexOf('RUNNING')
      assert.ok(
        running >= 0 && states.indexOf('QUEUED', running) > running,
        `states seen: ${states.join(' ')}`,
      )
    } finally {
      athena.local.faults.set({ requeue: [] })
    }
  })

  test('a query that fails while polled is an AthenaQueryError with the AthenaError fields and the id', async () => {
    const client = athena.client()
    const error = await client.query('select nope from (values 1) as t(x)').catch((e: unknown) => e)
    assert.ok(error instanceof AthenaQueryError)
    assert.ok(error instanceof ServerError)
    assert.equal(error.code, 'COLUMN_NOT_FOUND')
    assert.equal(error.errorCategory, 2)
    assert.equal(error.errorType, 1006)
    assert.equal(error.retryable, false)
    assert.match(error.message, new RegExp(error.queryId!))
    assert.equal((await athena.execution(error.queryId!)).Status?.State, 'FAILED')

    athena.local.faults.set({
      failQueries: [{ match: 'flaky_marker', errorName: 'HIVE_CURSOR_ERROR', message: 'boom', times: 1 }],
    })
    const injected = await client.query("select 'flaky_marker' as x").catch((e: unknown) => e)
    assert.ok(injected instanceof AthenaQueryError)
    assert.equal(injected.code, 'HIVE_CURSOR_ERROR')
    assert.equal(injected.errorCategory, 1)
  })

  test('a syntax error is refused at start, typed, with Athena’s code', async () => {
    const error = await athena
      .client()
      .query('selec 1')
      .catch((e: unknown) => e)
    assert.ok(error instanceof ServerError)
    assert.equal(error.code, 'MALFORMED_QUERY')
    assert.match(error.message, /StartQueryExecution failed: MALFORMED_QUERY: line 1:1/)
  })

  test('an abort while the query runs stops it on Athena, and the promise settles', async () => {
    athena.local.faults.set({ slowQueries: [{ match: 'slow_marker', ms: 60_000 }] })
    try {
      const client = athena.client()
      const controller = new AbortController()
      let queryId: string | undefined
      const running = client.query("select 'slow_marker' as x", [], {
        signal: controller.signal,
        onQueryId: (id) => {
          queryId = id
        },
      })
      running.catch(() => undefined)
      await eventually(
        async () => queryId !== undefined && (await athena.execution(queryId)).Status?.State === 'RUNNING',
        'the query to run',
      )
      controller.abort()
      const error = await running.catch((e: unknown) => e)
      assert.ok(error instanceof QueryCancelledError)
      assert.equal(error.queryId, queryId)
      const execution = await athena.execution(queryId!)
      assert.equal(execution.Status?.State, 'CANCELLED')
      assert.equal(execution.Status?.StateChangeReason, 'Query cancelled by user')
    } finally {
      athena.local.faults.set({ slowQueries: [] })
    }
  })

  test('an abort during StartQueryExecution waits for the id, then stops the query', async () => {
    athena.local.faults.set({ slowQueries: [{ match: 'start_marker', ms: 60_000 }] })
    const controller = new AbortController()
    // The SDK client holds StartQueryExecution's answer until athena-local shows the query running, and
    // the signal aborts then: the abort arrives while our client is still waiting for that answer.
    const sdk = new AthenaClient({
      endpoint: athena.local.endpoint,
      region: athena.local.region,
      credentials: athena.local.credentials,
      maxAttempts: 1,
    })
    let abortedWith: string | undefined
    const stack = sdk.middlewareStack as unknown as {
      add(
        middleware: (
          next: (args: unknown) => Promise<{ output?: unknown }>,
          context: { commandName?: string },
        ) => (args: unknown) => Promise<{ output?: unknown }>,
        options: { step: 'initialize'; name: string },
      ): void
    }
    stack.add(
      (next, context) => async (args) => {
        const out = await next(args)
        if (context.commandName === 'StartQueryExecutionCommand') {
          const id = (out.output as { QueryExecutionId: string }).QueryExecutionId
          await eventually(
            async () => (await athena.execution(id)).Status?.State === 'RUNNING',
            'athena-local to show the query running',
          )
          abortedWith = id
          controller.abort()
        }
        return out
      },
      { step: 'initialize', name: 'abortWhileStarting' },
    )
    try {
      const client = athena.client({ client: sdk })
      let queryId: string | undefined
      let abortedFirst = false
      const error = await client
        .query("select 'start_marker' as x", [], {
          signal: controller.signal,
          onQueryId: (id) => {
            queryId = id
            abortedFirst = controller.signal.aborted
          },
        })
        .catch((e: unknown) => e)
      assert.ok(error instanceof QueryCancelledError, String(error))
      assert.ok(abortedFirst, 'the signal aborted before StartQueryExecution answered')
      assert.equal(queryId, abortedWith)
      assert.equal(error.queryId, abortedWith)
      assert.equal((await athena.execution(abortedWith!)).Status?.State, 'CANCELLED')
    } finally {
      athena.local.faults.set({ slowQueries: [] })
      sdk.destroy()
    }
  })

  test('an abort before anything was sent rejects without starting a query', async () => {
    const client = athena.client({ onQueryStart: () => assert.fail('nothing may start') })
    await assert.rejects(client.query('select 1', [], { signal: AbortSignal.abort() }), QueryCancelledError)
  })

  test('a deadline stops the query and fails with TimeoutError', async () => {
    athena.local.faults.set({ slowQueries: [{ match: 'deadline_marker', ms: 60_000 }] })
    try {
      const client = athena.client({ queryTimeoutMs: 300 })
      const error = await client.query("select 'deadline_marker' as x").catch((e: unknown) => e)
      assert.ok(error instanceof TimeoutError)
      assert.equal((await athena.execution(error.queryId!)).Status?.State, 'CANCELLED')
    } finally {
      athena.local.faults.set({ slowQueries: [] })
    }
  })

  test('queries beyond maxConcurrentQueries wait for a slot instead of reaching Athena', async () => {
    athena.local.faults.set({ slowQueries: [{ match: 'slot_marker', ms: 300 }] })
    try {
      const client = athena.client({ maxConcurrentQueries: 2 })
      let peak = 0
      const watch = setInterval(() => {
        peak = Math.max(peak, client.inFlight.running)
      }, 5)
      const all = await Promise.all(
        Array.from({ length: 5 }, (_, i) => client.query(`select 'slot_marker' as x, ${i} as i`)),
      )
      clearInterval(watch)
      assert.equal(all.length, 5)
      assert.equal(peak, 2)
      assert.deepEqual(client.inFlight, { running: 0, waiting: 0 })
    } finally {
      athena.local.faults.set({ slowQueries: [] })
    }
  })

  test('result reuse is asked for and reported in the statistics', async () => {
    const client = athena.client({ resultReuse: { maxAgeInMinutes: 5 } })
    const first = await client.query("select 'reuse_marker' as x")
    const second = await client.query("select 'reuse_marker' as x")
    assert.equal(first.statistics.reusedPreviousResult, false)
    assert.equal(second.statistics.reusedPreviousResult, true)
    assert.deepEqual(second.rows, first.rows)
  })

  test('a closed client refuses work', async () => {
    const client = athena.client()
    await client.close()
    await assert.rejects(client.query('select 1'), ConfigurationError)
  })
})

describe('parameters', () => {
  test('values travel as literals: hostile text stays text, a hostile expression is not evaluated', async () => {
    const client = athena.client()
    const hostile = [
      '1 OR 1=1',
      "x'00'",
      '"',
      "it's",
      'back\\slash',
      'new\nline',
      '🦆 ünïcödé',
      "'); drop table x; --",
    ]
    for (const value of hostile) {
      const { rows } = await client.query('select ? as v', [value])
      assert.deepEqual(rows, [{ v: value }], JSON.stringify(value))
    }
  })

  test('a value over 1024 characters is inlined, and DDL gets its values inlined with Hive quoting', async () => {
    const client = athena.client()
    const long = `${"it's ".repeat(300)}end`
    const { rows } = await client.query('select ? as v, ? as w', [long, 'short'])
    assert.deepEqual(rows, [{ v: long, w: 'short' }])
    const location = `${athena.local.outputLocation}tables/params_ddl/`
    await client.query(
      "create table params_ddl (id bigint) comment ? location ? tblproperties ('table_type'='ICEBERG')",
      ["it's \\ a table", location],
    )
    await client.query('drop table params_ddl')
  })

  test('a wrong number of values is a ParameterError before anything is sent', async () => {
    const client = athena.client({ onQueryStart: () => assert.fail('nothing may start') })
    await assert.rejects(client.query('select ? as a', []), ParameterError)
    await assert.rejects(client.query("select '?' as a", [1]), ParameterError)
  })
})

describe('faults', () => {
  test('a result file cut off mid-stream is a typed error naming the query', async () => {
    const client = athena.client({ resultMode: 'csv' })
    // Every read of the file is cut after 100 kB of about 1.3 MB: the rows before the cut arrive, then the error.
    athena.local.faults.set({ truncateResults: { bytes: 100_000 } })
    try {
      let rows = 0
      const error = await (async () => {
        for await (const _ of client.stream(
          'select x, cast(x as varchar) as s from unnest(sequence(1, 100000)) as t(x)',
        ))
          rows++
      })().catch((e: unknown) => e)
      assert.ok(error instanceof ConnectionError || error instanceof ProtocolError, String(error))
      assert.ok(rows > 0 && rows < 100_000, `rows before the cut: ${rows}`)
      assert.ok((error as ConnectionError).queryId, 'names the query')
      assert.match((error as Error).message, new RegExp((error as ConnectionError).queryId!))
    } finally {
      athena.local.faults.set({ truncateResults: null })
    }
  })

  test('a throttling storm is retried with backoff, and past the attempts it is a ThrottledError', async () => {
    // One GetQueryExecution in the bucket, two more a second, against a poll every millisecond of a query that
    // stays RUNNING for a second: most polls are refused until the backoff spaces them out.
    athena.local.faults.set({
      throttle: { rate: 2, burst: 1, operations: ['GetQueryExecution'] },
      slowQueries: [{ match: 'throttle_marker', ms: 1000 }],
    })
    try {
      const retried: unknown[] = []
      const patient = athena.client({
        retry: { attempts: 40, initialDelayMs: 50, maxDelayMs: 400 },
        poll: { initialDelayMs: 1, maxDelayMs: 1 },
        logger: {
          debug(message, fields) {
            if (message === 'retrying an Athena call' && fields?.operation === 'GetQueryExecution')
              retried.push(fields.error)
          },
        },
      })
      const { rows } = await patient.query('select 1 as x, 0 as throttle_marker')
      assert.deepEqual(rows, [{ x: 1, throttle_marker: 0 }])
      assert.ok(retried.length > 0, 'a refused GetQueryExecution was retried')
      assert.ok(
        retried.every((name) => name === 'TooManyRequestsException' || name === 'ThrottledError'),
        String(retried),
      )
      athena.local.faults.set({ throttle: { rate: 1, operations: ['GetQueryExecution'] } })
      const impatient = athena.client({ retry: { attempts: 1 }, poll: { initialDelayMs: 1, maxDelayMs: 1 } })
      const error = await impatient.query('select 2 as x, 0 as throttle_marker').catch((e: unknown) => e)
      assert.equal((error as Error).name, 'ThrottledError')
      assert.equal((error as ServerError).code, 'TooManyRequestsException')
      assert.ok((error as ServerError).queryId)
    } finally {
      athena.local.faults.set({ throttle: null, slowQueries: [] })
    }
  })

  test('a stop while pages are being read settles the stream with the query id', async () => {
    for (const resultMode of MODES) {
      const client = athena.client({ resultMode, pageSize: 100 })
      const controller = new AbortController()
      let batches = 0
      const error = await (async () => {
        for await (const _ of client.streamBatches('select x from unnest(sequence(1, 30000)) as t(x)', [], {
          signal: controller.signal,
          batchSize: 100,
        })) {
          batches++
          if (batches === 2) controller.abort()
        }
      })().catch((e: unknown) => e)
      assert.ok(error instanceof QueryCancelledError, `${resultMode}: ${String(error)}`)
      assert.ok(error.queryId, `${resultMode}: names the query`)
      assert.ok(batches < 50, `${resultMode}: stopped reading (${batches} batches)`)
    }
  })

  test('a wrong secret and an expired signature are ConnectionErrors without the secret', async () => {
    const secretAccessKey = 'wrong-secret-key-that-must-not-leak-0000'
    const sdk = { endpoint: athena.local.endpoint, region: athena.local.region }
    const wrong = athena.client({
      client: { ...sdk, credentials: { accessKeyId: athena.local.credentials.accessKeyId, secretAccessKey } },
    })
    const error = await wrong.query('select 1').catch((e: unknown) => e)
    assert.ok(error instanceof ConnectionError)
    assert.equal(error.code, 'InvalidSignatureException')
    assert.ok(!error.message.includes(secretAccessKey))
    const skewed = athena.client({
      client: { ...sdk, credentials: athena.local.credentials, systemClockOffset: -30 * 60_000 },
    })
    const expired = await skewed.query('select 1').catch((e: unknown) => e)
    assert.ok(expired instanceof ConnectionError)
    assert.match(expired.message, /Signature expired/)
  })
})
