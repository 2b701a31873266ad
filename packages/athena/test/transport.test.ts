/**
 * What the client sends Athena and S3, seen from both sides: the requests as the official SDK clients
 * serialize them (a middleware of the test's own client records each command's input) and the query
 * executions as athena-local keeps them; and who retries what, counted in athena-local's request log.
 */
import assert from 'node:assert/strict'
import diagnostics from 'node:diagnostics_channel'
import { after, before, describe, test } from 'node:test'
import {
  AthenaClient,
  BatchGetQueryExecutionCommand,
  ListQueryExecutionsCommand,
  type StartQueryExecutionCommandInput,
} from '@aws-sdk/client-athena'
import { S3Client } from '@aws-sdk/client-s3'
import type { Logger } from '@tributary/athena'
import { ServerError, ThrottledError } from '@tributary/athena'
import { nextTokenIn, nextTokenInBytes } from '../src/transport/aws.ts'
import { eventually, type LocalAthena, startLocalAthena } from './support/athena-local.ts'

const requests: Array<{ service: string; operation: string; status: number }> = []
const logger: Logger = {
  debug(message, fields) {
    if (message === 'request') requests.push(fields as (typeof requests)[number])
  },
}

let athena: LocalAthena
let analyticsLocation: string

before(async () => {
  athena = await startLocalAthena({
    logger,
    workGroups: [{ name: 'analytics', outputLocation: 's3://athena-results/analytics/' }],
  })
  analyticsLocation = 's3://athena-results/analytics/'
})

after(async () => {
  await athena.stop()
})

type Input = Record<string, unknown>

/** An SDK client of the test's own that records every command's input (and can fail after a send). */
function recording<C extends AthenaClient | S3Client>(
  client: C,
  options: { loseFirstStartAnswer?: boolean } = {},
): { client: C; inputs: Array<{ command: string; input: Input }> } {
  const inputs: Array<{ command: string; input: Input }> = []
  let lost = false
  const stack = client.middlewareStack as unknown as {
    add(
      middleware: (
        next: (args: { input: unknown }) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: { input: unknown }) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void
  }
  stack.add(
    (next, context) => async (args) => {
      inputs.push({ command: String(context.commandName), input: { ...(args.input as Input) } })
      const out = await next(args)
      if (options.loseFirstStartAnswer && context.commandName === 'StartQueryExecutionCommand' && !lost) {
        lost = true
        // Athena started the query; the answer is lost on the way back, as when a socket drops.
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
      }
      return out
    },
    { step: 'initialize', name: 'recordInputs' },
  )
  return { client, inputs }
}

const sdkConfig = () => ({
  endpoint: athena.local.endpoint,
  region: athena.local.region,
  credentials: athena.local.credentials,
})

describe('StartQueryExecution', () => {
  test('carries the workgroup, catalog, database, output location, encryption, bucket owner, reuse and a token', async () => {
    const { client: sdk, inputs } = recording(new AthenaClient({ ...sdkConfig(), maxAttempts: 1 }))
    const { client: s3, inputs: s3Inputs } = recording(
      new S3Client({ ...sdkConfig(), forcePathStyle: true, maxAttempts: 1 }),
    )
    const client = athena.client({
      client: sdk,
      s3,
      workGroup: 'analytics',
      catalog: 'AwsDataCatalog',
      database: 'default',
      outputLocation: analyticsLocation,
      encryption: { EncryptionOption: 'SSE_KMS', KmsKey: 'arn:aws:kms:us-east-1:111122223333:key/test' },
      expectedBucketOwner: '111122223333',
      resultReuse: { maxAgeInMinutes: 7 },
      resultMode: 'csv',
    })
    const result = await client.query("select 'carried' as x")
    assert.deepEqual(result.rows, [{ x: 'carried' }])
    const start = inputs.find((i) => i.command === 'StartQueryExecutionCommand')!
      .input as unknown as StartQueryExecutionCommandInput
    assert.equal(start.WorkGroup, 'analytics')
    assert.deepEqual(start.QueryExecutionContext, { Database: 'default', Catalog: 'AwsDataCatalog' })
    assert.deepEqual(start.ResultConfiguration, {
      OutputLocation: analyticsLocation,
      EncryptionConfiguration: {
        EncryptionOption: 'SSE_KMS',
        KmsKey: 'arn:aws:kms:us-east-1:111122223333:key/test',
      },
      ExpectedBucketOwner: '111122223333',
    })
    assert.deepEqual(start.ResultReuseConfiguration, {
      ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: 7 },
    })
    assert.match(start.ClientRequestToken ?? '', /^[0-9a-f-]{36}$/)
    // athena-local kept what it knows of (it ignores encryption and the bucket owner, as a local store can).
    const execution = await athena.execution(result.queryId)
    assert.equal(execution.WorkGroup, 'analytics')
    assert.deepEqual(execution.QueryExecutionContext, { Database: 'default', Catalog: 'AwsDataCatalog' })
    assert.equal(execution.ResultConfiguration?.OutputLocation, `${analyticsLocation}${result.queryId}.csv`)
    // Every S3 read of the result names the expected owner.
    const reads = s3Inputs.filter((i) => i.command === 'GetObjectCommand')
    assert.ok(reads.length > 0)
    for (const read of reads) assert.equal(read.input.ExpectedBucketOwner, '111122223333')
  })

  test('a start whose answer is lost is retried with the same token: one query on Athena, its id returned', async () => {
    const { client: sdk, inputs } = recording(new AthenaClient({ ...sdkConfig(), maxAttempts: 1 }), {
      loseFirstStartAnswer: true,
    })
    const client = athena.client({ client: sdk })
    const marker = `lost_answer_${Date.now()}`
    const result = await client.query(`select '${marker}' as x`)
    const starts = inputs.filter((i) => i.command === 'StartQueryExecutionCommand')
    assert.equal(starts.length, 2, 'sent twice')
    assert.equal(starts[0]!.input.ClientRequestToken, starts[1]!.input.ClientRequestToken)
    const ids = await athena.sdk.send(new ListQueryExecutionsCommand({ MaxResults: 50 }))
    const all = await athena.sdk.send(
      new BatchGetQueryExecutionCommand({ QueryExecutionIds: ids.QueryExecutionIds!.slice(0, 50) }),
    )
    const mine = all.QueryExecutions!.filter((e) => e.Query?.includes(marker))
    assert.deepEqual(
      mine.map((e) => e.QueryExecutionId),
      [result.queryId],
    )
  })
})

describe('where results are read', () => {
  test('a workgroup with managed query results is read through the API whatever the mode', async () => {
    const sdk = new AthenaClient({ ...sdkConfig(), maxAttempts: 1 })
    // athena-local has no managed result storage: its GetWorkGroup answer gets the setting Athena would send.
    const stack = sdk.middlewareStack as unknown as {
      add(
        middleware: (
          next: (
            args: unknown,
          ) => Promise<{ output: { WorkGroup?: { Configuration?: Record<string, unknown> } } }>,
          context: { commandName?: string },
        ) => (args: unknown) => Promise<unknown>,
        options: { step: 'initialize'; name: string },
      ): void
    }
    let asked = 0
    stack.add(
      (next, context) => async (args) => {
        const out = await next(args)
        if (context.commandName === 'GetWorkGroupCommand') {
          asked++
          out.output.WorkGroup!.Configuration!.ManagedQueryResultsConfiguration = { Enabled: true }
        }
        return out
      },
      { step: 'initialize', name: 'managedResults' },
    )
    for (const resultMode of ['csv', 'unload'] as const) {
      const client = athena.client({ client: sdk, resultMode })
      const result = await client.query("select 'managed' as x")
      assert.equal(result.mode, 'api', resultMode)
      assert.deepEqual(result.rows, [{ x: 'managed' }])
    }
    assert.equal(asked, 2, 'GetWorkGroup once per client')
    sdk.destroy()
  })
})

describe('GetQueryResults', () => {
  test('api mode asks for the next page while the current one is with the consumer', async () => {
    const { client: sdk, inputs } = recording(new AthenaClient({ ...sdkConfig(), maxAttempts: 1 }))
    const client = athena.client({ client: sdk, resultMode: 'api' })
    const pages = () => inputs.filter((i) => i.command === 'GetQueryResultsCommand')
    const stream = client.streamBatches('select x from unnest(sequence(1, 2500)) as t(x)', [], {
      batchSize: 999,
    })
    const first = await stream.next()
    assert.equal((first.value as unknown[]).length, 999)
    // Nothing more is pulled; the second page is requested all the same, with the first page's token.
    await eventually(() => pages().length >= 2, 'the second page to be requested')
    assert.ok(pages()[1]!.input.NextToken, 'asked with a NextToken')
    let rows = 999
    for await (const batch of stream) rows += batch.length
    assert.equal(rows, 2500)
    assert.equal(pages().length, 3, 'three pages of at most 1000 rows (the first with the header)')
  })

  test('a whole api result is read over one connection, each page asked for once', async () => {
    const connections = { count: 0 }
    const onSocket = () => connections.count++
    const client = athena.client({ resultMode: 'api', pageSize: 100 })
    diagnostics.subscribe('net.server.socket', onSocket)
    try {
      const finished = await client.run('select x from unnest(sequence(1, 1000)) as t(x)')
      const since = requests.length
      const values: unknown[] = []
      for await (const batch of finished.batches<{ x: bigint }>(1000))
        for (const row of batch) values.push(row.x)
      assert.deepEqual(
        values,
        Array.from({ length: 1000 }, (_, i) => BigInt(i + 1)),
      )
      // Each page's successor is prepared before its token is known; the last page's is never sent.
      await client.transport.getWorkGroup('primary')
      const pages = requests.slice(since).filter((r) => r.operation === 'GetQueryResults')
      assert.equal(pages.length, 10, 'the header and 1000 rows in 11 pages of 100, the first read by run()')
      assert.ok(pages.every((r) => r.status === 200))
      assert.equal(connections.count, 1, 'one keep-alive connection for all calls')
    } finally {
      diagnostics.unsubscribe('net.server.socket', onSocket)
      await client.close()
    }
  })

  test('a stream stopped early leaves the prepared page unsent', async () => {
    const client = athena.client({ resultMode: 'api', pageSize: 100 })
    try {
      const since = requests.length
      const stream = client.streamBatches('select x from unnest(sequence(1, 1000)) as t(x)', [], {
        batchSize: 99,
      })
      const first = await stream.next()
      assert.equal((first.value as unknown[]).length, 99)
      const pages = () => requests.slice(since).filter((r) => r.operation === 'GetQueryResults')
      // The second page is asked for ahead; the third is prepared, to leave when the consumer waits for the
      // second, and is dropped unsent when the stream stops.
      await eventually(() => pages().length >= 2, 'the second page to be answered')
      await stream.return(undefined)
      await client.transport.getWorkGroup('primary')
      assert.equal(pages().length, 2)
    } finally {
      await client.close()
    }
  })

  test("a page is taken from the answer's body; a call that fails is still the SDK's typed error", async () => {
    const client = athena.client()
    const page = await client.transport.getQueryResults(
      (await client.run("select 'a' as s, cast(null as varchar) as n, '' as e")).queryId,
      undefined,
      10,
    )
    assert.deepEqual(
      page.ResultSet?.Rows?.map((r) => r.Data),
      [
        [{ VarCharValue: 's' }, { VarCharValue: 'n' }, { VarCharValue: 'e' }],
        [{ VarCharValue: 'a' }, {}, { VarCharValue: '' }],
      ],
    )
    assert.deepEqual(
      page.ResultSet?.ResultSetMetadata?.ColumnInfo?.map((c) => [c.Name, c.Type]),
      [
        ['s', 'varchar'],
        ['n', 'varchar'],
        ['e', 'varchar'],
      ],
    )
    assert.equal(page.NextToken, undefined)
    const error = await client.transport
      .getQueryResults('no-such-query', undefined, 10)
      .catch((e: unknown) => e)
    assert.ok(error instanceof ServerError, String(error))
    assert.equal(error.code, 'INVALID_INPUT')
    assert.equal(error.queryId, 'no-such-query')
    assert.match(
      error.message,
      /GetQueryResults failed: INVALID_INPUT: QueryExecution no-such-query was not found/,
    )
  })

  test('the next token is found in the answer before it is parsed, and only where it is the key', () => {
    const page = (extra: string) =>
      `{"ResultSet":{"Rows":[{"Data":[{"VarCharValue":"\\"NextToken\\": \\"fake\\""},{"VarCharValue":"NextToken"}]}]}${extra}}`
    const bytes = (text: string) => new TextEncoder().encode(text)
    for (const find of [nextTokenIn, (text: string) => nextTokenInBytes(bytes(text))]) {
      assert.equal(find(page(',"NextToken":"abc/+=="')), 'abc/+==')
      assert.equal(find(page(', "NextToken" : "a\\"b\\u0041"')), 'a"bA')
      assert.equal(find(page('')), undefined)
      assert.equal(find(page(',"UpdateCount":0')), undefined)
      for (const extra of [',"NextToken":"abc', ',"NextToken":', ',"NextToken"'])
        assert.equal(find(page(extra)), undefined, extra)
    }
    // Only the bytes from the key on are decoded; what comes before may hold any characters.
    const wide = bytes('{"ResultSet":{"Rows":[{"Data":[{"VarCharValue":"ä€😀"}]}]},"NextToken":"t€😀"}')
    assert.equal(nextTokenInBytes(wide), 't€😀')
    assert.equal(nextTokenInBytes(wide.subarray(0, 10)), undefined)
  })

  test('throttled pages are retried, and every row arrives once, in order', async () => {
    const client = athena.client({
      pageSize: 150,
      retry: { attempts: 40, initialDelayMs: 400, maxDelayMs: 800 },
    })
    const finished = await client.run('select x from unnest(sequence(1, 450)) as t(x)')
    athena.local.faults.set({ throttle: { rate: 2, operations: ['GetQueryResults'] } })
    try {
      const values: unknown[] = []
      for await (const batch of finished.batches<{ x: bigint }>(1000))
        for (const row of batch) values.push(row.x)
      assert.deepEqual(
        values,
        Array.from({ length: 450 }, (_, i) => BigInt(i + 1)),
      )
    } finally {
      athena.local.faults.set({ throttle: null })
    }
  })
})

describe('one owner of retries', () => {
  const slowDowns = (since: number) =>
    requests
      .slice(since)
      .filter((r) => r.service === 's3' && r.operation.startsWith('GET ') && r.status === 503)

  test('a client built here: the SDK sends each request once and our bounded retry decides', async () => {
    const client = athena.client({
      resultMode: 'csv',
      retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 1 },
    })
    assert.equal(await (client.transport.athena.config.maxAttempts as () => Promise<number>)(), 1)
    assert.equal(await (client.transport.s3.config.maxAttempts as () => Promise<number>)(), 1)
    athena.local.faults.set({ s3: { fail: { methods: ['GET'], match: '.csv', times: 5 } } })
    try {
      const since = requests.length
      const error = await client.query("select 'owned_retry' as x").catch((e: unknown) => e)
      assert.ok(error instanceof ThrottledError, String(error))
      assert.equal(error.code, 'SlowDown')
      assert.ok(error.queryId)
      assert.equal(slowDowns(since).length, 2, 'two attempts in all')
    } finally {
      athena.local.faults.set({ s3: null })
    }
  })

  test("a caller's client keeps its own retries and gets none on top", async () => {
    const s3 = new S3Client({ ...sdkConfig(), forcePathStyle: true, maxAttempts: 2, retryMode: 'standard' })
    const client = athena.client({
      s3,
      resultMode: 'csv',
      retry: { attempts: 5, initialDelayMs: 1, maxDelayMs: 1 },
    })
    athena.local.faults.set({ s3: { fail: { methods: ['GET'], match: '.csv', times: 10 } } })
    try {
      const since = requests.length
      const error = await client.query("select 'their_retry' as x").catch((e: unknown) => e)
      assert.ok(error instanceof ThrottledError, String(error))
      assert.equal(slowDowns(since).length, 2, "the SDK's two attempts, not 2 × 5")
    } finally {
      athena.local.faults.set({ s3: null })
      s3.destroy()
    }
  })
})
