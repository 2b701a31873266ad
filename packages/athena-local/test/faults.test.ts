// Fault knobs and SigV4 refusals as the Athena SDK meets them, the per-call latency knob, persistence in a
// data directory, and stop() leaving nothing behind.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  ListWorkGroupsCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-athena'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { startAthenaLocal } from '../src/index.ts'
import { execute, failure, type Harness, query, rows, start, startHarness, waitFor } from './helpers.ts'

let h: Harness
before(async () => {
  h = await startHarness()
})
after(() => h.stop())

describe('fault knobs', () => {
  it('throttles past N active queries with CONCURRENT_QUERY_LIMIT_EXCEEDED', async () => {
    h.local.faults.set({ throttle: { maxActiveQueries: 1 }, slowQueries: [{ match: 'slow-one', ms: 300 }] })
    try {
      const first = await start(h, "SELECT 'slow-one'")
      await assert.rejects(start(h, 'SELECT 2'), (err: unknown) => {
        assert.ok(err instanceof TooManyRequestsException)
        assert.equal(err.Reason, 'CONCURRENT_QUERY_LIMIT_EXCEEDED')
        return true
      })
      await waitFor(h, first)
      assert.ok(await start(h, 'SELECT 3'))
    } finally {
      h.local.faults.clear()
    }
  })

  it('throttles an operation past a rate', async () => {
    h.local.faults.set({ throttle: { rate: 2, operations: ['ListWorkGroups'] } })
    try {
      const results = await Promise.allSettled(
        [1, 2, 3, 4].map(() => h.athena.send(new ListWorkGroupsCommand({}))),
      )
      assert.ok(results.some((r) => r.status === 'rejected' && r.reason instanceof TooManyRequestsException))
      assert.ok(results.some((r) => r.status === 'fulfilled'))
    } finally {
      h.local.faults.clear()
    }
  })

  it('fails matching queries with the given error, a given number of times', async () => {
    h.local.faults.set({
      failQueries: [
        { match: 'flaky', errorName: 'HIVE_CURSOR_ERROR', message: 'boom', retryable: true, times: 1 },
      ],
    })
    try {
      const e = await execute(h, "SELECT 'flaky'")
      assert.equal(e.Status!.State, 'FAILED')
      assert.equal(e.Status!.StateChangeReason, 'HIVE_CURSOR_ERROR: boom')
      assert.equal(e.Status!.AthenaError!.Retryable, true)
      assert.equal(e.Status!.AthenaError!.ErrorCategory, 1)
      assert.equal((await execute(h, "SELECT 'flaky'")).Status!.State, 'SUCCEEDED')
    } finally {
      h.local.faults.clear()
    }
  })

  it('keeps slow queries RUNNING and flips RUNNING back to QUEUED', async () => {
    h.local.faults.set({ requeue: [{ match: 'bouncy', times: 1, ms: 150 }] })
    try {
      const id = await start(h, "SELECT 'bouncy'")
      const states: string[] = []
      for (;;) {
        const { QueryExecution } = await h.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))
        const s = QueryExecution!.Status!.State!
        if (states.at(-1) !== s) states.push(s)
        if (s === 'SUCCEEDED' || s === 'FAILED') break
        await new Promise((r) => setTimeout(r, 5))
      }
      assert.ok(states.indexOf('QUEUED', states.indexOf('RUNNING')) > 0, states.join(' → '))
      assert.equal(states.at(-1), 'SUCCEEDED')
    } finally {
      h.local.faults.clear()
    }
  })

  it('delays and fails S3 requests', async () => {
    const out = await query(h, 'SELECT 1 AS x')
    const key = out.execution.ResultConfiguration!.OutputLocation!.replace('s3://athena-results/', '')
    h.local.faults.set({ s3: { fail: { status: 503, times: 1 } } })
    try {
      await assert.rejects(
        h.s3.send(new GetObjectCommand({ Bucket: 'athena-results', Key: key })),
        (err: unknown) => (err as Error).name === 'SlowDown',
      )
      const ok = await h.s3.send(new GetObjectCommand({ Bucket: 'athena-results', Key: key }))
      assert.equal(await ok.Body!.transformToString(), '"x"\n"1"\n')
    } finally {
      h.local.faults.clear()
    }
    h.local.faults.set({ s3: { delayMs: 120 } })
    try {
      const t0 = Date.now()
      await h.s3.send(new GetObjectCommand({ Bucket: 'athena-results', Key: key }))
      assert.ok(Date.now() - t0 >= 100)
    } finally {
      h.local.faults.clear()
    }
  })

  it('cuts a result file short', async () => {
    const out = await query(
      h,
      "SELECT x, 'padding padding padding' AS p FROM UNNEST(sequence(1, 50)) AS t(x)",
    )
    const key = out.execution.ResultConfiguration!.OutputLocation!.replace('s3://athena-results/', '')
    h.local.faults.set({ truncateResults: { bytes: 20, times: 1 } })
    try {
      // the connection drops mid-body: the SDK fails reading either the response or its body
      await assert.rejects(async () => {
        const res = await h.s3.send(new GetObjectCommand({ Bucket: 'athena-results', Key: key }))
        await res.Body!.transformToString()
      })
      const whole = await h.s3.send(new GetObjectCommand({ Bucket: 'athena-results', Key: key }))
      assert.equal((await whole.Body!.transformToString()).split('\n').length, 52)
    } finally {
      h.local.faults.clear()
    }
  })
})

describe('SigV4 on the Athena API', () => {
  const client = (
    credentials: { accessKeyId: string; secretAccessKey: string },
    offset = 0,
    maxAttempts = 1,
  ) => {
    const c = new AthenaClient({
      endpoint: h.local.endpoint,
      region: h.local.region,
      credentials,
      maxAttempts,
    })
    c.config.systemClockOffset = offset
    return c
  }

  it('refuses an unknown key with UnrecognizedClientException and a wrong secret with InvalidSignatureException', async () => {
    const unknown = client({
      accessKeyId: 'AKIANOTKNOWN00000000',
      secretAccessKey: h.local.credentials.secretAccessKey,
    })
    await assert.rejects(
      unknown.send(new ListWorkGroupsCommand({})),
      (err: unknown) => (err as Error).name === 'UnrecognizedClientException',
    )
    unknown.destroy()
    const wrong = client({ accessKeyId: h.local.credentials.accessKeyId, secretAccessKey: 'nope' })
    await assert.rejects(
      wrong.send(new ListWorkGroupsCommand({})),
      (err: unknown) => (err as Error).name === 'InvalidSignatureException',
    )
    wrong.destroy()
  })

  it('refuses a skewed clock as Athena does, and the SDK corrects its clock from the answer', async () => {
    const skewed = client(h.local.credentials, -20 * 60 * 1000)
    await assert.rejects(skewed.send(new ListWorkGroupsCommand({})), (err: unknown) => {
      assert.equal((err as Error).name, 'InvalidSignatureException')
      assert.match(
        (err as Error).message,
        /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/,
      )
      return true
    })
    skewed.destroy()
    const retrying = client(h.local.credentials, -20 * 60 * 1000, 3)
    const out = await retrying.send(new ListWorkGroupsCommand({}))
    assert.ok(out.WorkGroups!.length > 0)
    retrying.destroy()
  })
})

describe('latency knobs', () => {
  it('delays every Athena API call by apiMs', async () => {
    h.local.latency.apiMs = 50
    try {
      const t0 = Date.now()
      await h.athena.send(new ListWorkGroupsCommand({}))
      await h.athena.send(new ListWorkGroupsCommand({}))
      assert.ok(Date.now() - t0 >= 100)
    } finally {
      h.local.latency.apiMs = 0
    }
  })
})

describe('data directory and stop()', () => {
  it('keeps tables and results across a restart on the same data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'athena-local-persist-'))
    try {
      const first = await startHarness({ dataDir: dir })
      await execute(first, 'CREATE DATABASE keep')
      await execute(
        first,
        "CREATE TABLE keep.ice (id int) LOCATION 's3://athena-results/keep/ice/' TBLPROPERTIES ('table_type'='ICEBERG')",
      )
      await execute(first, 'INSERT INTO keep.ice VALUES (1), (2)')
      const id = (await execute(first, 'SELECT 42 AS answer')).QueryExecutionId!
      await first.stop()
      assert.ok(existsSync(dir))
      const second = await startHarness({ dataDir: dir })
      assert.deepEqual(rows(await query(second, 'SELECT count(*) FROM keep.ice')), [['2']])
      const csv = await second.s3.send(new GetObjectCommand({ Bucket: 'athena-results', Key: `${id}.csv` }))
      assert.equal(await csv.Body!.transformToString(), '"answer"\n"42"\n')
      await second.stop()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('closes the listener, stops running queries and removes its temp directory', async () => {
    const local = await startAthenaLocal({ port: 0, faults: { slowQueries: [{ ms: 10000 }] } })
    const client = new AthenaClient({
      endpoint: local.endpoint,
      region: local.region,
      credentials: local.credentials,
      maxAttempts: 1,
    })
    const tmp = { local, athena: client } as unknown as Harness
    const id = await start(tmp, 'SELECT 1')
    assert.ok(id)
    const t0 = Date.now()
    await local.stop()
    assert.ok(Date.now() - t0 < 5000, 'stop() does not wait for the slow query')
    assert.equal(existsSync(local.dataDir), false)
    await assert.rejects(client.send(new GetQueryResultsCommand({ QueryExecutionId: id })))
    client.destroy()
  })
})

describe('failures name the error', () => {
  it('TABLE_NOT_FOUND, SCHEMA_NOT_FOUND and NOT_SUPPORTED for DML on Hive tables', async () => {
    assert.equal(
      await failure(h, 'SELECT * FROM nowhere'),
      "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.default.nowhere' does not exist",
    )
    assert.equal(
      await failure(h, 'SELECT * FROM nodb.t'),
      "SCHEMA_NOT_FOUND: line 1:15: Schema 'nodb' does not exist",
    )
  })
})
