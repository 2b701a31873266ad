// Hive and Iceberg tables end to end: files put in the store, Hive DDL, partitions, INSERT, CTAS,
// Iceberg UPDATE/DELETE/MERGE, the result files Athena leaves, and UNLOAD's Parquet.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3'
import { DuckDBInstance } from '@duckdb/node-api'
import { execute, failure, getObject, type Harness, query, rows, scalar, startHarness } from './helpers.ts'

let h: Harness
const put = (key: string, body: string | Buffer) =>
  h.s3.send(new PutObjectCommand({ Bucket: 'athena-results', Key: key, Body: body }))
const ctx = { QueryExecutionContext: { Database: 'tdb' } }

before(async () => {
  h = await startHarness()
  await execute(h, 'CREATE DATABASE IF NOT EXISTS tdb')
})
after(() => h.stop())

describe('Hive text tables', () => {
  before(async () => {
    // LazySimpleSerDe: \x02 between collection items, \x03 between map key and value, base64 binary
    const complex =
      'true\t127\t32767\t2147483647\t9223372036854775807\t0.5\t0.25\ta string\tvarchar\t2017-01-01 00:00:00\t2017-01-02\tMTIz\t1\u00022\t1\u00032\u00023\u00034\t1\u00022\t0.1\n'
    await put('data/complex/one_row_complex.gz', gzipSync(complex))
    await put('data/na/integer_na_values.tsv', '1\t2\n1\n\n')
    await execute(
      h,
      `CREATE EXTERNAL TABLE IF NOT EXISTS tdb.one_row_complex (
        col_boolean BOOLEAN, col_tinyint TINYINT, col_smallint SMALLINT, col_int INT, col_bigint BIGINT,
        col_float FLOAT, col_double DOUBLE, col_string STRING, col_varchar VARCHAR(10), col_timestamp TIMESTAMP,
        col_date DATE, col_binary BINARY, col_array ARRAY<int>, col_map MAP<int, int>, col_struct STRUCT<a: int, b: int>,
        col_decimal DECIMAL(10,1))
      ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n' STORED AS TEXTFILE
      LOCATION 's3://athena-results/data/complex/'`,
    )
    await execute(
      h,
      "CREATE EXTERNAL TABLE tdb.integer_na_values (a INT, b INT) ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t' LOCATION 's3://athena-results/data/na/'",
    )
  })

  it('reads every type in Athena text forms with the declared ColumnInfo', async () => {
    const out = await query(
      h,
      `SELECT col_boolean, col_tinyint, col_smallint, col_int, col_bigint, col_float, col_double, col_string, col_varchar,
        col_timestamp, CAST(col_timestamp AS time) AS col_time, col_date, col_binary, col_array, CAST(col_array AS json) AS col_array_json,
        col_map, CAST(col_map AS json) AS col_map_json, col_struct, col_decimal FROM one_row_complex`,
      ctx,
    )
    assert.deepEqual(rows(out), [
      [
        'true',
        '127',
        '32767',
        '2147483647',
        '9223372036854775807',
        '0.5',
        '0.25',
        'a string',
        'varchar',
        '2017-01-01 00:00:00.000',
        '00:00:00.000',
        '2017-01-02',
        '31 32 33',
        '[1, 2]',
        '[1,2]',
        '{1=2, 3=4}',
        '{"1":2,"3":4}',
        '{a=1, b=2}',
        '0.1',
      ],
    ])
    const info = out.ResultSet!.ResultSetMetadata!.ColumnInfo!.map((c) => [
      c.Name,
      c.Type,
      c.Precision,
      c.Scale,
    ])
    assert.deepEqual(info, [
      ['col_boolean', 'boolean', 0, 0],
      ['col_tinyint', 'tinyint', 3, 0],
      ['col_smallint', 'smallint', 5, 0],
      ['col_int', 'integer', 10, 0],
      ['col_bigint', 'bigint', 19, 0],
      ['col_float', 'float', 17, 0],
      ['col_double', 'double', 17, 0],
      ['col_string', 'varchar', 2147483647, 0],
      ['col_varchar', 'varchar', 10, 0],
      ['col_timestamp', 'timestamp', 3, 0],
      ['col_time', 'time', 3, 0],
      ['col_date', 'date', 0, 0],
      ['col_binary', 'varbinary', 1073741824, 0],
      ['col_array', 'array', 0, 0],
      ['col_array_json', 'json', 0, 0],
      ['col_map', 'map', 0, 0],
      ['col_map_json', 'json', 0, 0],
      ['col_struct', 'row', 0, 0],
      ['col_decimal', 'decimal', 10, 1],
    ])
  })

  it('reads missing trailing fields and empty lines as NULL', async () => {
    assert.deepEqual(rows(await query(h, 'SELECT a, b FROM integer_na_values', ctx)), [
      ['1', '2'],
      ['1', null],
      [null, null],
    ])
  })

  it('inserts into a text table and reads the rows back', async () => {
    await execute(
      h,
      "CREATE EXTERNAL TABLE tdb.execute_many (a INT, b STRING) ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t' LOCATION 's3://athena-results/data/execute_many/'",
    )
    const ins = await query(h, "INSERT INTO execute_many (a, b) VALUES (1, 'foo'), (2, 'jim o''rourke')", ctx)
    assert.equal(ins.UpdateCount, 2)
    assert.deepEqual(rows(ins, false), [])
    assert.deepEqual(
      ins.ResultSet!.ResultSetMetadata!.ColumnInfo!.map((c) => [c.Name, c.Type]),
      [['rows', 'bigint']],
    )
    const id = ins.execution.QueryExecutionId!
    assert.equal(ins.execution.ResultConfiguration!.OutputLocation, `s3://athena-results/${id}`)
    const manifest = (await getObject(h, ins.execution.Statistics!.DataManifestLocation!)).toString()
    assert.match(manifest, /^s3:\/\/athena-results\/data\/execute_many\/\S+\.gz\n$/)
    assert.deepEqual(rows(await query(h, 'SELECT * FROM execute_many ORDER BY a', ctx)), [
      ['1', 'foo'],
      ['2', "jim o'rourke"],
    ])
  })
})

describe('partitions', () => {
  it('adds partitions by ALTER TABLE and by MSCK REPAIR TABLE, and shows them', async () => {
    await put('data/part/b=1/x.tsv', 'one\n')
    await put('data/part/b=2/x.tsv', 'two\n')
    await execute(
      h,
      "CREATE EXTERNAL TABLE tdb.part (a STRING) PARTITIONED BY (b INT) ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t' LOCATION 's3://athena-results/data/part/'",
    )
    assert.deepEqual(rows(await query(h, 'SELECT count(*) FROM part', ctx)), [['0']])
    await execute(
      h,
      "ALTER TABLE part ADD PARTITION (b=1) LOCATION 's3://athena-results/data/part/b=1/'",
      ctx,
    )
    assert.deepEqual(rows(await query(h, 'SELECT a, b FROM part', ctx)), [['one', '1']])
    const repair = await execute(h, 'MSCK REPAIR TABLE part', ctx)
    assert.equal(repair.Status!.State, 'SUCCEEDED')
    assert.deepEqual(rows(await query(h, 'SELECT a, b FROM part ORDER BY b', ctx)), [
      ['one', '1'],
      ['two', '2'],
    ])
    const shown = await query(h, 'SHOW PARTITIONS part', ctx)
    assert.deepEqual(rows(shown, false), [['b=1'], ['b=2']])
    assert.equal(shown.execution.StatementType, 'UTILITY')
  })
})

describe('information_schema', () => {
  it('lists tables, columns and schemata from the catalog', async () => {
    const tables = await query(
      h,
      "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'tdb' AND table_name = 'integer_na_values'",
    )
    assert.deepEqual(rows(tables), [['integer_na_values', 'BASE TABLE']])
    const columns = await query(
      h,
      "SELECT column_name, ordinal_position, data_type FROM information_schema.columns WHERE table_schema = 'tdb' AND table_name = 'integer_na_values' ORDER BY ordinal_position",
    )
    assert.deepEqual(rows(columns), [
      ['a', '1', 'integer'],
      ['b', '2', 'integer'],
    ])
    const schemata = await query(
      h,
      "SELECT schema_name FROM information_schema.schemata WHERE schema_name IN ('tdb', 'information_schema') ORDER BY 1",
    )
    assert.deepEqual(rows(schemata), [['information_schema'], ['tdb']])
  })
})

describe('Iceberg tables', () => {
  it('creating a table is atomic: of concurrent CREATE TABLEs of one name, all but one fail AlreadyExists', async () => {
    const create = (n: number) =>
      execute(
        h,
        `CREATE TABLE tdb.raced (n INT) LOCATION 's3://athena-results/raced_${n}/' TBLPROPERTIES ('table_type'='ICEBERG')`,
      )
    const outcomes = await Promise.all([create(1), create(2), create(3)])
    const states = outcomes.map((e) => e.Status?.State).sort()
    assert.deepEqual(states, ['FAILED', 'FAILED', 'SUCCEEDED'])
    for (const e of outcomes.filter((o) => o.Status?.State === 'FAILED')) {
      assert.match(
        e.Status!.StateChangeReason!,
        /AlreadyExistsException\(message:Table tdb\.raced already exists\)/,
      )
    }
    await execute(h, 'INSERT INTO tdb.raced VALUES (1)')
    assert.equal(await scalar(h, 'SELECT count(*) FROM tdb.raced'), '1')
    await execute(h, 'DROP TABLE tdb.raced')
  })

  it('supports INSERT, UPDATE, DELETE and MERGE with update counts', async () => {
    await execute(
      h,
      "CREATE TABLE tdb.ice (id INT, col1 STRING) LOCATION 's3://athena-results/ice/' TBLPROPERTIES ('table_type'='ICEBERG')",
    )
    assert.equal(
      (await query(h, "INSERT INTO ice (id, col1) VALUES (1, 'test1'), (2, 'test2')", ctx)).UpdateCount,
      2,
    )
    assert.equal((await query(h, "UPDATE ice SET col1 = 'test1_update' WHERE id = 1", ctx)).UpdateCount, 1)
    await execute(
      h,
      "CREATE TABLE tdb.ice_merge WITH (table_type = 'ICEBERG', location = 's3://athena-results/ice_merge/', is_external = false) AS SELECT 1 AS id, 'foobar' AS col1",
    )
    const merge = await query(
      h,
      'MERGE INTO ice AS t1 USING ice_merge AS t2 ON t1.id = t2.id WHEN MATCHED THEN UPDATE SET col1 = t2.col1',
      ctx,
    )
    assert.equal(merge.UpdateCount, 1)
    assert.equal(merge.execution.SubstatementType, 'MERGE')
    assert.equal((await query(h, 'DELETE FROM ice WHERE id = 2', ctx)).UpdateCount, 1)
    assert.deepEqual(rows(await query(h, 'SELECT * FROM ice', ctx)), [['1', 'foobar']])
    assert.equal((await execute(h, 'VACUUM ice', ctx)).Status!.State, 'SUCCEEDED')
  })

  it('refuses UPDATE, DELETE and MERGE on Hive tables', async () => {
    assert.match(await failure(h, "UPDATE execute_many SET b = 'x'", ctx), /^NOT_SUPPORTED: /)
    assert.match(await failure(h, 'DELETE FROM execute_many', ctx), /^NOT_SUPPORTED: /)
  })

  it('refuses CREATE TABLE without a location at start', async () => {
    await assert.rejects(
      execute(h, 'CREATE TABLE tdb.nowhere (n int)'),
      /No location was specified for table\. An S3 location must be specified/,
    )
  })
})

describe('CTAS and result files', () => {
  it('writes Parquet data files, a manifest and reports rows bigint', async () => {
    const out = await query(
      h,
      "CREATE TABLE tdb.ctas1 WITH (format='PARQUET', external_location='s3://athena-results/ctas1/') AS SELECT a FROM execute_many",
      ctx,
    )
    assert.equal(out.UpdateCount, 2)
    assert.equal(out.execution.StatementType, 'DDL')
    assert.equal(out.execution.SubstatementType, 'CREATE_TABLE_AS_SELECT')
    assert.equal(
      out.execution.ResultConfiguration!.OutputLocation,
      `s3://athena-results/tables/${out.execution.QueryExecutionId}`,
    )
    const listed = await h.s3.send(new ListObjectsV2Command({ Bucket: 'athena-results', Prefix: 'ctas1/' }))
    assert.equal(listed.KeyCount, 1)
    assert.deepEqual(rows(await query(h, 'SELECT a FROM ctas1 ORDER BY a', ctx)), [['1'], ['2']])
  })

  it('writes <id>.csv with Athena quoting and the .metadata companion', async () => {
    const out = await query(h, `SELECT 1 AS id, 'it''s "x"' AS name UNION ALL SELECT 2, NULL ORDER BY id`)
    const csv = (await getObject(h, out.execution.ResultConfiguration!.OutputLocation!)).toString()
    assert.equal(csv, '"id","name"\n"1","it\'s ""x"""\n"2",\n')
    const metadata = await getObject(h, `${out.execution.ResultConfiguration!.OutputLocation!}.metadata`)
    assert.equal(metadata[0], 0x0a)
    assert.equal(metadata.subarray(2, 2 + metadata[1]!).toString().length, 27)
  })

  it('writes DDL and SHOW results to <id>.txt without header or trailing newline', async () => {
    const out = await query(h, 'SHOW TABLES IN tdb')
    assert.equal(
      out.execution.ResultConfiguration!.OutputLocation,
      `s3://athena-results/${out.execution.QueryExecutionId}.txt`,
    )
    const txt = (await getObject(h, out.execution.ResultConfiguration!.OutputLocation!)).toString()
    assert.ok(!txt.endsWith('\n'))
    assert.ok(txt.split('\n').includes('one_row_complex'))
  })
})

describe('UNLOAD', () => {
  it('writes Parquet files with INT96 timestamps and a manifest', async () => {
    const out = await query(
      h,
      "UNLOAD (SELECT 1 AS n, TIMESTAMP '2020-01-02 03:04:05.678' AS ts, 'x' AS s) TO 's3://athena-results/unload/one/' WITH (format = 'PARQUET', compression = 'SNAPPY')",
    )
    const manifest = (await getObject(h, out.execution.Statistics!.DataManifestLocation!))
      .toString()
      .trim()
      .split('\n')
    assert.equal(manifest.length, 1)
    const body = await getObject(h, manifest[0]!)
    assert.equal(body.subarray(0, 4).toString(), 'PAR1')
    const path = `${h.local.dataDir}/check.parquet`
    const { writeFileSync } = await import('node:fs')
    writeFileSync(path, body)
    const db = await DuckDBInstance.create(':memory:')
    const c = await db.connect()
    const schema = await c.runAndReadAll(`SELECT name, type FROM parquet_schema('${path}') WHERE name = 'ts'`)
    assert.deepEqual(schema.getRowsJS(), [['ts', 'INT96']])
    const read = await c.runAndReadAll(`SELECT n, CAST(ts AS VARCHAR), s FROM read_parquet('${path}')`)
    assert.deepEqual(read.getRowsJS(), [[1, '2020-01-02 03:04:05.678', 'x']])
    c.closeSync()
    db.closeSync()
  })
})
