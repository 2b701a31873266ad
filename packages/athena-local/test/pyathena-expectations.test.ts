// What PyAthena's own test suite expects of Athena (tests/pyathena/*.py at v3.30.1), checked here with the
// official JavaScript SDK so CI keeps those answers without running PyAthena itself.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { GetQueryResultsCommand, GetTableMetadataCommand } from '@aws-sdk/client-athena'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { execute, type Harness, query, rows, startHarness } from './helpers.ts'

let h: Harness
const ctx = { QueryExecutionContext: { Database: 'pyathena_like', Catalog: 'awsdatacatalog' } }

before(async () => {
  h = await startHarness()
  await execute(h, 'CREATE DATABASE IF NOT EXISTS pyathena_like')
  await h.s3.send(
    new PutObjectCommand({ Bucket: 'athena-results', Key: 'pl/one_row/one_row.tsv', Body: '1\n' }),
  )
  await h.s3.send(
    new PutObjectCommand({
      Bucket: 'athena-results',
      Key: 'pl/many_rows/many_rows.tsv',
      Body: Array.from({ length: 10000 }, (_, i) => `${i}\n`).join(''),
    }),
  )
  await execute(
    h,
    "CREATE EXTERNAL TABLE IF NOT EXISTS pyathena_like.one_row (number_of_rows INT COMMENT 'some comment') COMMENT 'table comment' ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n' STORED AS TEXTFILE LOCATION 's3://athena-results/pl/one_row/'",
  )
  await execute(
    h,
    "CREATE EXTERNAL TABLE IF NOT EXISTS pyathena_like.many_rows (a INT) ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n' STORED AS TEXTFILE LOCATION 's3://athena-results/pl/many_rows/'",
  )
  await execute(
    h,
    'CREATE OR REPLACE VIEW pyathena_like.v_one_row AS SELECT number_of_rows FROM pyathena_like.one_row',
  )
})
after(() => h.stop())

describe('what PyAthena expects', () => {
  it('pages 10,000 rows with the header on the first page only (test_fetchall)', async () => {
    const e = await execute(h, 'SELECT a FROM many_rows ORDER BY a', ctx)
    const all: string[] = []
    let token: string | undefined
    let first = true
    do {
      const page = await h.athena.send(
        new GetQueryResultsCommand({ QueryExecutionId: e.QueryExecutionId, NextToken: token }),
      )
      const values = rows(page, first).map((r) => r[0]!)
      if (first) assert.equal(page.ResultSet!.Rows![0]!.Data![0]!.VarCharValue, 'a')
      all.push(...values)
      token = page.NextToken
      first = false
    } while (token)
    assert.equal(all.length, 10000)
    assert.equal(all[9999], '9999')
  })

  it('round-trips special characters in a string literal (test_escape)', async () => {
    const bad = '`~!@#$%^&*()_+-={}[]|\\;:\'",./<>?\n\r\t '
    const literal = `'${bad.replaceAll("'", "''")}'`
    assert.deepEqual(rows(await query(h, `SELECT 1, ${literal} FROM one_row`, ctx)), [['1', bad]])
  })

  it('reports scanned data, engine and queue times for a table read (test_fetchone)', async () => {
    const out = await query(h, 'SELECT * FROM one_row', ctx)
    const s = out.execution.Statistics!
    assert.ok(s.DataScannedInBytes! > 0)
    assert.ok(s.EngineExecutionTimeInMillis! > 0)
    assert.ok(s.QueryQueueTimeInMillis! > 0)
    assert.ok(s.TotalExecutionTimeInMillis! > 0)
    assert.equal(out.execution.Statistics!.DataManifestLocation, undefined)
    assert.deepEqual(out.execution.QueryExecutionContext, ctx.QueryExecutionContext)
  })

  it('prints a view definition as Trino lays it out (test_get_view_definition)', async () => {
    const out = await query(h, 'SHOW CREATE VIEW "pyathena_like"."v_one_row";')
    assert.equal(
      rows(out, false)
        .map((r) => r[0])
        .join('\n'),
      'CREATE VIEW pyathena_like.v_one_row AS\nSELECT number_of_rows\nFROM\n  pyathena_like.one_row',
    )
    assert.equal((await execute(h, 'SHOW CREATE VIEW "pyathena_like"."test_view";')).Status!.State, 'FAILED')
  })

  it('describes a view as VIRTUAL_VIEW and a table with its comments (test_get_table_metadata)', async () => {
    const view = await h.athena.send(
      new GetTableMetadataCommand({
        CatalogName: 'AwsDataCatalog',
        DatabaseName: 'pyathena_like',
        TableName: 'v_one_row',
      }),
    )
    assert.equal(view.TableMetadata!.TableType, 'VIRTUAL_VIEW')
    const table = await h.athena.send(
      new GetTableMetadataCommand({
        CatalogName: 'AwsDataCatalog',
        DatabaseName: 'pyathena_like',
        TableName: 'one_row',
      }),
    )
    assert.deepEqual(table.TableMetadata!.Columns, [
      { Name: 'number_of_rows', Type: 'int', Comment: 'some comment' },
    ])
    assert.equal(table.TableMetadata!.Parameters!.comment, 'table comment')
  })

  it('selects through schema-qualified column names (SQLAlchemy)', async () => {
    assert.deepEqual(
      rows(await query(h, 'SELECT pyathena_like.one_row.number_of_rows FROM pyathena_like.one_row')),
      [['1']],
    )
  })

  it('answers IF(a % 11 = 0, null, a) over a table (test_null)', async () => {
    const out = await query(h, 'SELECT IF(a % 11 = 0, null, a) FROM many_rows WHERE a < 12 ORDER BY a', ctx)
    assert.deepEqual(
      rows(out).map((r) => r[0]),
      [null, '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', null],
    )
  })
})
