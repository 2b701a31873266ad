// The Athena API as the official SDK sees it: lifecycle, results paging, errors, idempotency, stop,
// listing and metadata operations.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  AthenaClient,
  BatchGetQueryExecutionCommand,
  GetDatabaseCommand,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetTableMetadataCommand,
  GetWorkGroupCommand,
  InvalidRequestException,
  ListDatabasesCommand,
  ListQueryExecutionsCommand,
  ListTableMetadataCommand,
  ListWorkGroupsCommand,
  MetadataException,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena'
import { execute, failure, type Harness, query, rows, start, startHarness, waitFor } from './helpers.ts'

let h: Harness

before(async () => {
  h = await startHarness({ workGroups: [{ name: 'analytics', outputLocation: 's3://wg-results/out/' }] })
})
after(() => h.stop())

/** `value` with the keys of every object in reverse order. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reversed(v)]),
  )
}

async function apiError(p: Promise<unknown>): Promise<InvalidRequestException> {
  try {
    await p
  } catch (err) {
    return err as InvalidRequestException
  }
  throw new Error('expected an error')
}

describe('StartQueryExecution and the lifecycle', () => {
  it('goes QUEUED → RUNNING → SUCCEEDED and reports the execution as Athena does', async () => {
    h.local.latency.queuedMs = 60
    h.local.latency.runningMs = 60
    try {
      const id = await start(h, 'SELECT 1 AS a', {
        QueryExecutionContext: { Database: 'default', Catalog: 'AwsDataCatalog' },
      })
      const seen = new Set<string>()
      let e = await waitFor(h, id)
      for (let i = 0; i < 1; i++) seen.add(e.Status!.State!)
      const first = await h.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))
      assert.equal(first.QueryExecution!.Status!.State, 'SUCCEEDED')
      e = first.QueryExecution!
      assert.equal(e.Query, 'SELECT 1 AS a')
      assert.equal(e.StatementType, 'DML')
      assert.equal(e.SubstatementType, 'SELECT')
      assert.equal(e.WorkGroup, 'primary')
      assert.equal(e.ResultConfiguration!.OutputLocation, `s3://athena-results/${id}.csv`)
      assert.deepEqual(e.QueryExecutionContext, { Database: 'default', Catalog: 'AwsDataCatalog' })
      assert.ok(e.Status!.SubmissionDateTime instanceof Date)
      assert.ok(e.Status!.CompletionDateTime! >= e.Status!.SubmissionDateTime!)
      assert.ok(e.Statistics!.QueryQueueTimeInMillis! >= 50, `queue ${e.Statistics!.QueryQueueTimeInMillis}`)
      assert.ok(e.Statistics!.EngineExecutionTimeInMillis! >= 50)
      assert.ok(e.Statistics!.TotalExecutionTimeInMillis! >= e.Statistics!.EngineExecutionTimeInMillis!)
      assert.equal(e.Statistics!.ResultReuseInformation!.ReusedPreviousResult, false)
      assert.equal(e.EngineVersion!.EffectiveEngineVersion, 'Athena engine version 3')
    } finally {
      h.local.latency.queuedMs = 5
      h.local.latency.runningMs = 0
    }
  })

  it('is seen QUEUED and RUNNING by a poller', async () => {
    h.local.latency.queuedMs = 100
    h.local.latency.runningMs = 150
    try {
      const id = await start(h, 'SELECT 2')
      const states: string[] = []
      for (;;) {
        const { QueryExecution } = await h.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))
        const s = QueryExecution!.Status!.State!
        if (states.at(-1) !== s) states.push(s)
        if (s === 'SUCCEEDED') break
        await new Promise((r) => setTimeout(r, 10))
      }
      assert.deepEqual(states, ['QUEUED', 'RUNNING', 'SUCCEEDED'])
    } finally {
      h.local.latency.queuedMs = 5
      h.local.latency.runningMs = 0
    }
  })

  it('refuses syntax errors synchronously with MALFORMED_QUERY', async () => {
    const err = await apiError(start(h, 'SELEC 1'))
    assert.ok(err instanceof InvalidRequestException)
    assert.equal(err.AthenaErrorCode, 'MALFORMED_QUERY')
    assert.match(err.message, /^line 1:1: mismatched input 'SELEC'\. Expecting: /)
    const offset = await apiError(start(h, 'SELECT 1 LIMIT 1 OFFSET 1'))
    assert.equal(offset.AthenaErrorCode, 'MALFORMED_QUERY')
    assert.match(offset.message, /^line 1:18: mismatched input 'OFFSET'/)
  })

  it('fails semantic errors after starting, with AthenaError', async () => {
    const id = await start(h, 'SELECT x FROM (VALUES 1) AS t(y)')
    const e = await waitFor(h, id)
    assert.equal(e.Status!.State, 'FAILED')
    assert.equal(e.Status!.StateChangeReason, "COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved")
    assert.deepEqual(e.Status!.AthenaError, {
      ErrorCategory: 2,
      ErrorType: 1006,
      Retryable: false,
      ErrorMessage: "COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved",
    })
  })

  it('refuses a missing output location and a non-S3 one', async () => {
    const bad = await apiError(
      start(h, 'SELECT 1', { ResultConfiguration: { OutputLocation: 'https://example.com/x/' } }),
    )
    assert.equal(bad.AthenaErrorCode, 'INVALID_INPUT')
    assert.equal(bad.message, 'outputLocation is not a valid S3 path.')
  })

  it('puts results under the workgroup output location, or the request one', async () => {
    const wg = await execute(h, 'SELECT 1', { WorkGroup: 'analytics' })
    assert.equal(wg.ResultConfiguration!.OutputLocation, `s3://wg-results/out/${wg.QueryExecutionId}.csv`)
    const explicit = await execute(h, 'SELECT 1', {
      ResultConfiguration: { OutputLocation: 's3://wg-results/mine' },
    })
    assert.equal(
      explicit.ResultConfiguration!.OutputLocation,
      `s3://wg-results/mine/${explicit.QueryExecutionId}.csv`,
    )
    const missing = await apiError(start(h, 'SELECT 1', { WorkGroup: 'nope' }))
    assert.equal(missing.message, 'WorkGroup nope is not found.')
  })

  it('echoes the ResultConfiguration it was started with: encryption, expected bucket owner, ACL', async () => {
    const settings = {
      EncryptionConfiguration: {
        EncryptionOption: 'SSE_KMS' as const,
        KmsKey: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      },
      ExpectedBucketOwner: '111122223333',
      AclConfiguration: { S3AclOption: 'BUCKET_OWNER_FULL_CONTROL' as const },
    }
    const e = await execute(h, 'SELECT 1', {
      ResultConfiguration: { OutputLocation: 's3://wg-results/sealed/', ...settings },
    })
    assert.deepEqual(e.ResultConfiguration, {
      OutputLocation: `s3://wg-results/sealed/${e.QueryExecutionId}.csv`,
      ...settings,
    })
    const batch = await h.athena.send(
      new BatchGetQueryExecutionCommand({ QueryExecutionIds: [e.QueryExecutionId!] }),
    )
    assert.deepEqual(batch.QueryExecutions![0]!.ResultConfiguration, e.ResultConfiguration)
    const plain = await execute(h, 'SELECT 1', {
      ResultConfiguration: { EncryptionConfiguration: { EncryptionOption: 'SSE_S3' } },
    })
    assert.deepEqual(plain.ResultConfiguration, {
      OutputLocation: `s3://athena-results/${plain.QueryExecutionId}.csv`,
      EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
    })
  })

  it('refuses an encryption option Athena does not have', async () => {
    const bad = await apiError(
      start(h, 'SELECT 1', {
        ResultConfiguration: { EncryptionConfiguration: { EncryptionOption: 'ROT13' as 'SSE_S3' } },
      }),
    )
    assert.equal(bad.name, 'InvalidRequestException')
    assert.match(bad.message, /encryptionOption.*SSE_S3, SSE_KMS, CSE_KMS/)
  })

  it("a workgroup that enforces its configuration answers its own result settings, not the request's", async () => {
    const locked = await startHarness({
      workGroups: [{ name: 'locked', outputLocation: 's3://athena-results/locked/', enforce: true }],
    })
    try {
      const e = await execute(locked, 'SELECT 1', {
        WorkGroup: 'locked',
        ResultConfiguration: {
          OutputLocation: 's3://athena-results/mine/',
          ExpectedBucketOwner: '111122223333',
        },
      })
      assert.deepEqual(e.ResultConfiguration, {
        OutputLocation: `s3://athena-results/locked/${e.QueryExecutionId}.csv`,
      })
    } finally {
      await locked.stop()
    }
  })
})

describe('ClientRequestToken', () => {
  const token = (name: string) => `token-${name}-0123456789abcdef0123456789`
  it('returns the same id for the same request', async () => {
    const a = await start(h, 'SELECT 1', { ClientRequestToken: token('same') })
    const b = await start(h, 'SELECT 1', { ClientRequestToken: token('same') })
    assert.equal(a, b)
  })
  it('refuses the same token with another query', async () => {
    await start(h, 'SELECT 1', { ClientRequestToken: token('mismatch') })
    const err = await apiError(start(h, 'SELECT 2', { ClientRequestToken: token('mismatch') }))
    assert.equal(err.AthenaErrorCode, 'IDEMPOTENT_PARAMETER_MISMATCH')
    assert.equal(err.message, 'Idempotent parameters do not match')
  })
  it('refuses the same token with other encryption, bucket owner or ACL settings, and accepts the same ones', async () => {
    const settings = [
      { EncryptionConfiguration: { EncryptionOption: 'SSE_S3' as const } },
      { ExpectedBucketOwner: '123456789012' },
      { AclConfiguration: { S3AclOption: 'BUCKET_OWNER_FULL_CONTROL' as const } },
    ]
    for (const [i, setting] of settings.entries()) {
      await start(h, 'SELECT 1', { ClientRequestToken: token(`settings-${i}`) })
      const err = await apiError(
        start(h, 'SELECT 1', { ClientRequestToken: token(`settings-${i}`), ResultConfiguration: setting }),
      )
      assert.equal(err.AthenaErrorCode, 'IDEMPOTENT_PARAMETER_MISMATCH', JSON.stringify(setting))
      const again = { ClientRequestToken: token(`settings-again-${i}`), ResultConfiguration: setting }
      assert.equal(await start(h, 'SELECT 1', again), await start(h, 'SELECT 1', again))
    }
  })
  it('compares the settings of a repeated token by value, not by the key order of the request body', async () => {
    const settings = {
      QueryExecutionContext: { Database: 'default', Catalog: 'AwsDataCatalog' },
      ResultConfiguration: {
        OutputLocation: 's3://athena-results/order/',
        EncryptionConfiguration: { EncryptionOption: 'SSE_KMS' as const, KmsKey: 'arn:aws:kms:key/1' },
        AclConfiguration: { S3AclOption: 'BUCKET_OWNER_FULL_CONTROL' as const },
      },
    }
    const first = await start(h, 'SELECT 1', { ClientRequestToken: token('order'), ...settings })
    // The SDK writes members in its model's order; this client sends every object's keys reversed.
    const reversing = new AthenaClient({
      endpoint: h.local.endpoint,
      region: h.local.region,
      credentials: h.local.credentials,
      maxAttempts: 1,
    })
    reversing.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body?: unknown }
        // The serializer hands over UTF-8 bytes; the body is re-sent as text, which the signer accepts.
        const text = new TextDecoder().decode(request.body as Uint8Array)
        request.body = JSON.stringify(reversed(JSON.parse(text)))
        return next(args)
      },
      { step: 'build', name: 'reverseBodyKeys' },
    )
    try {
      const again = await reversing.send(
        new StartQueryExecutionCommand({
          QueryString: 'SELECT 1',
          ClientRequestToken: token('order'),
          ...settings,
        }),
      )
      assert.equal(again.QueryExecutionId, first)
      const other = await apiError(
        reversing.send(
          new StartQueryExecutionCommand({
            QueryString: 'SELECT 1',
            ClientRequestToken: token('order'),
            ...settings,
            ResultConfiguration: { ...settings.ResultConfiguration, ExpectedBucketOwner: '123456789012' },
          }),
        ),
      )
      assert.equal(other.AthenaErrorCode, 'IDEMPOTENT_PARAMETER_MISMATCH')
    } finally {
      reversing.destroy()
    }
  })
  it('checks the token length', async () => {
    const err = await apiError(start(h, 'SELECT 1', { ClientRequestToken: 'a'.repeat(31) }))
    assert.equal(
      err.message,
      "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length greater than or equal to 32",
    )
  })
})

describe('GetQueryResults', () => {
  it('puts the header row on the first page only and pages by MaxResults', async () => {
    const id = (await execute(h, 'SELECT x FROM UNNEST(sequence(1, 5)) AS t(x) ORDER BY x')).QueryExecutionId!
    const first = await h.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: 3 }))
    assert.deepEqual(rows(first, false), [['x'], ['1'], ['2']])
    assert.ok(first.NextToken)
    const second = await h.athena.send(
      new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: 3, NextToken: first.NextToken }),
    )
    assert.deepEqual(rows(second, false), [['3'], ['4'], ['5']])
    assert.equal(second.NextToken, undefined)
    assert.equal(second.UpdateCount, undefined)
  })

  it('sends NULL as a Datum without VarCharValue and the empty string as ""', async () => {
    const out = await query(h, "SELECT NULL AS n, '' AS e")
    assert.deepEqual(out.ResultSet!.Rows![1]!.Data, [{}, { VarCharValue: '' }])
  })

  it('answers ColumnInfo as recorded', async () => {
    const out = await query(h, "SELECT 1 AS foobar, 'abc' AS s")
    assert.deepEqual(out.ResultSet!.ResultSetMetadata!.ColumnInfo, [
      {
        CatalogName: 'hive',
        SchemaName: '',
        TableName: '',
        Name: 'foobar',
        Label: 'foobar',
        Type: 'integer',
        Precision: 10,
        Scale: 0,
        Nullable: 'UNKNOWN',
        CaseSensitive: false,
      },
      {
        CatalogName: 'hive',
        SchemaName: '',
        TableName: '',
        Name: 's',
        Label: 's',
        Type: 'varchar',
        Precision: 3,
        Scale: 0,
        Nullable: 'UNKNOWN',
        CaseSensitive: true,
      },
    ])
  })

  it('limits MaxResults to 1000', async () => {
    const id = (await execute(h, 'SELECT 1')).QueryExecutionId!
    const err = await apiError(
      h.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: 1001 })),
    )
    assert.match(err.message, /Member must have value less than or equal to 1000/)
  })

  it('refuses results of running, failed, cancelled and unknown queries', async () => {
    h.local.latency.runningMs = 400
    try {
      const running = await start(h, 'SELECT 1')
      await new Promise((r) => setTimeout(r, 60))
      const e1 = await apiError(h.athena.send(new GetQueryResultsCommand({ QueryExecutionId: running })))
      assert.equal(e1.message, 'Query has not yet finished. Current state: RUNNING')
      assert.equal(e1.AthenaErrorCode, 'INVALID_QUERY_EXECUTION_STATE')
      await h.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: running }))
      const cancelled = await waitFor(h, running)
      assert.equal(cancelled.Status!.State, 'CANCELLED')
      assert.equal(cancelled.Status!.StateChangeReason, 'Query cancelled by user')
      const e2 = await apiError(h.athena.send(new GetQueryResultsCommand({ QueryExecutionId: running })))
      assert.equal(e2.AthenaErrorCode, 'RESULT_NOT_FOUND')
    } finally {
      h.local.latency.runningMs = 0
    }
    const failed = (await execute(h, 'SELECT 1/0')).QueryExecutionId!
    const e3 = await apiError(h.athena.send(new GetQueryResultsCommand({ QueryExecutionId: failed })))
    assert.equal(e3.message, 'Query did not finish successfully. Final query state: FAILED')
    const e4 = await apiError(
      h.athena.send(new GetQueryResultsCommand({ QueryExecutionId: '7f4c3fd0-0000-4000-8000-000000000000' })),
    )
    assert.equal(e4.message, 'QueryExecution 7f4c3fd0-0000-4000-8000-000000000000 was not found')
  })

  it('StopQueryExecution on a finished query changes nothing', async () => {
    const e = await execute(h, 'SELECT 1')
    await h.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: e.QueryExecutionId }))
    const again = await h.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: e.QueryExecutionId }))
    assert.equal(again.QueryExecution!.Status!.State, 'SUCCEEDED')
  })
})

describe('listing and metadata', () => {
  before(async () => {
    await execute(h, 'CREATE DATABASE IF NOT EXISTS meta_db')
    await execute(
      h,
      "CREATE EXTERNAL TABLE meta_db.events (id bigint COMMENT 'the id', tags array<string>) PARTITIONED BY (dt string) STORED AS PARQUET LOCATION 's3://athena-results/meta/events/'",
    )
    await execute(
      h,
      "CREATE TABLE meta_db.ice (id int) LOCATION 's3://athena-results/meta/ice/' TBLPROPERTIES ('table_type'='ICEBERG')",
    )
  })

  it('lists databases and tables', async () => {
    const dbs = await h.athena.send(new ListDatabasesCommand({ CatalogName: 'AwsDataCatalog' }))
    assert.deepEqual(
      dbs.DatabaseList!.map((d) => d.Name),
      ['default', 'meta_db'],
    )
    const db = await h.athena.send(
      new GetDatabaseCommand({ CatalogName: 'AwsDataCatalog', DatabaseName: 'meta_db' }),
    )
    assert.equal(db.Database!.Name, 'meta_db')
    const tables = await h.athena.send(
      new ListTableMetadataCommand({ CatalogName: 'AwsDataCatalog', DatabaseName: 'meta_db' }),
    )
    assert.deepEqual(
      tables.TableMetadataList!.map((t) => t.Name),
      ['events', 'ice'],
    )
    const filtered = await h.athena.send(
      new ListTableMetadataCommand({
        CatalogName: 'AwsDataCatalog',
        DatabaseName: 'meta_db',
        Expression: 'ev*',
      }),
    )
    assert.deepEqual(
      filtered.TableMetadataList!.map((t) => t.Name),
      ['events'],
    )
  })

  it('describes a Hive table and an Iceberg table', async () => {
    const t = (
      await h.athena.send(
        new GetTableMetadataCommand({
          CatalogName: 'AwsDataCatalog',
          DatabaseName: 'meta_db',
          TableName: 'events',
        }),
      )
    ).TableMetadata!
    assert.equal(t.TableType, 'EXTERNAL_TABLE')
    assert.deepEqual(t.Columns, [
      { Name: 'id', Type: 'bigint', Comment: 'the id' },
      { Name: 'tags', Type: 'array<string>' },
    ])
    assert.deepEqual(t.PartitionKeys, [{ Name: 'dt', Type: 'string' }])
    assert.equal(t.Parameters!.EXTERNAL, 'TRUE')
    assert.equal(t.Parameters!.location, 's3://athena-results/meta/events')
    assert.equal(t.Parameters!.inputformat, 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat')
    assert.equal(
      t.Parameters!['serde.serialization.lib'],
      'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    )
    const ice = (
      await h.athena.send(
        new GetTableMetadataCommand({
          CatalogName: 'AwsDataCatalog',
          DatabaseName: 'meta_db',
          TableName: 'ice',
        }),
      )
    ).TableMetadata!
    assert.equal(ice.Parameters!.table_type, 'ICEBERG')
    assert.ok(ice.Parameters!.metadata_location)
    await assert.rejects(
      h.athena.send(
        new GetTableMetadataCommand({
          CatalogName: 'AwsDataCatalog',
          DatabaseName: 'meta_db',
          TableName: 'missing',
        }),
      ),
      (err: unknown) => err instanceof MetadataException,
    )
  })

  it('lists and batch-gets query executions of a workgroup, newest first', async () => {
    const a = await start(h, 'SELECT 10', { WorkGroup: 'analytics' })
    const b = await start(h, 'SELECT 11', { WorkGroup: 'analytics' })
    await waitFor(h, b)
    const list = await h.athena.send(
      new ListQueryExecutionsCommand({ WorkGroup: 'analytics', MaxResults: 2 }),
    )
    assert.deepEqual(list.QueryExecutionIds, [b, a])
    assert.ok(list.NextToken)
    const batch = await h.athena.send(
      new BatchGetQueryExecutionCommand({ QueryExecutionIds: [a, 'ffffffff-0000-4000-8000-000000000000'] }),
    )
    assert.equal(batch.QueryExecutions![0]!.QueryExecutionId, a)
    assert.equal(
      batch.UnprocessedQueryExecutionIds![0]!.QueryExecutionId,
      'ffffffff-0000-4000-8000-000000000000',
    )
  })

  it('answers GetWorkGroup and ListWorkGroups', async () => {
    const wg = await h.athena.send(new GetWorkGroupCommand({ WorkGroup: 'primary' }))
    assert.equal(wg.WorkGroup!.Configuration!.ResultConfiguration!.OutputLocation, 's3://athena-results/')
    const all = await h.athena.send(new ListWorkGroupsCommand({}))
    assert.deepEqual(
      all.WorkGroups!.map((w) => w.Name),
      ['primary', 'analytics'],
    )
  })
})

describe('result reuse', () => {
  it('reuses a recent identical query when asked', async () => {
    const config = {
      ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: 5 } },
    }
    const first = await execute(h, 'SELECT 42 AS reused', config)
    assert.equal(first.Statistics!.ResultReuseInformation!.ReusedPreviousResult, false)
    const second = await execute(h, 'SELECT 42 AS reused', config)
    assert.notEqual(second.QueryExecutionId, first.QueryExecutionId)
    assert.equal(second.Statistics!.ResultReuseInformation!.ReusedPreviousResult, true)
    assert.equal(second.ResultConfiguration!.OutputLocation, first.ResultConfiguration!.OutputLocation)
    const out = await h.athena.send(new GetQueryResultsCommand({ QueryExecutionId: second.QueryExecutionId }))
    assert.deepEqual(rows(out), [['42']])
  })
})

describe('execution parameters', () => {
  it('treats each value as SQL text', async () => {
    const out = await query(h, 'SELECT ? AS a, ? AS b, ? AS c, ? AS d', {
      ExecutionParameters: ["'it''s'", '1 + 1', 'abc', "DATE '2026-01-01'"],
    })
    assert.deepEqual(rows(out), [["it's", '2', 'abc', '2026-01-01']])
  })
  it('ignores values for a statement without placeholders and fails on a wrong count', async () => {
    assert.deepEqual(rows(await query(h, 'SELECT 1', { ExecutionParameters: ['5'] })), [['1']])
    const reason = await failure(h, 'SELECT ? AS a', { ExecutionParameters: ['1', '2'] })
    assert.match(reason, /^INVALID_PARAMETER_USAGE: .*Incorrect number of parameters: expected 1 but found 2/)
  })
})

describe('request validation', () => {
  it('refuses an empty query string', async () => {
    const err = await apiError(h.athena.send(new StartQueryExecutionCommand({ QueryString: '' })))
    assert.ok(err instanceof InvalidRequestException)
  })
})
