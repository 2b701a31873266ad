// Text at the edges of what a string can hold reads back as it was written, in every form a client reads
// results in: GetQueryResults pages, the `<id>.csv` result file and UNLOAD's Parquet. Trino keeps a leading
// U+FEFF (it is a character, not a byte order mark, inside a value) and takes U+0000 in a string literal.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DuckDBInstance } from '@duckdb/node-api'
import { parseResultCsv } from '../src/results/files.ts'
import { execute, failure, getObject, type Harness, query, rows, startHarness } from './helpers.ts'

const BOM = '\uFEFF'

let h: Harness
before(async () => {
  h = await startHarness()
  await execute(h, 'CREATE DATABASE IF NOT EXISTS sdb')
})
after(() => h.stop())

/** The hex of each column's UTF-8 bytes in an UNLOAD's Parquet file, read by DuckDB (never decoded in JS). */
async function unloadedHex(sql: string, columns: string[], prefix: string): Promise<string[]> {
  const out = await query(
    h,
    `UNLOAD (${sql}) TO 's3://athena-results/unload/${prefix}/' WITH (format = 'PARQUET')`,
  )
  const manifest = (await getObject(h, out.execution.Statistics!.DataManifestLocation!)).toString().trim()
  const path = join(h.local.dataDir, `${prefix}.parquet`)
  writeFileSync(path, await getObject(h, manifest.split('\n')[0]!))
  const db = await DuckDBInstance.create(':memory:')
  const c = await db.connect()
  try {
    const read = await c.runAndReadAll(
      `SELECT ${columns.map((n) => `hex(encode(${n}))`).join(', ')} FROM read_parquet('${path}')`,
    )
    return read.getRowsJS()[0] as string[]
  } finally {
    c.closeSync()
    db.closeSync()
  }
}

const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex').toUpperCase()

describe('a leading U+FEFF', () => {
  const cases: [string, string][] = [
    ["concat(chr(65279), 'x')", `${BOM}x`],
    [`'${BOM}x'`, `${BOM}x`],
    ['chr(65279)', BOM],
    [`'${BOM}${BOM}y'`, `${BOM}${BOM}y`],
    [`'a${BOM}'`, `a${BOM}`],
    [`ARRAY['${BOM}a', 'b']`, `[${BOM}a, b]`],
    [`MAP(ARRAY['k'], ARRAY['${BOM}v'])`, `{k=${BOM}v}`],
  ]
  const select = `SELECT ${cases.map(([e], i) => `${e} AS c${i}`).join(', ')}`
  const expected = cases.map(([, v]) => v)

  it('is kept in GetQueryResults pages and in the CSV result file', async () => {
    const out = await query(h, select)
    assert.deepEqual(rows(out)[0], expected)
    const csv = await getObject(h, out.execution.ResultConfiguration!.OutputLocation!)
    assert.deepEqual(parseResultCsv(csv.toString('utf8'))[1], expected)
  })

  it('is kept in the Parquet files UNLOAD writes', async () => {
    const scalar = cases.slice(0, 5)
    const got = await unloadedHex(
      `SELECT ${scalar.map(([e], i) => `${e} AS c${i}`).join(', ')}`,
      scalar.map((_, i) => `c${i}`),
      'bom',
    )
    assert.deepEqual(
      got,
      scalar.map(([, v]) => hex(v)),
    )
  })

  it('is kept in an ExecutionParameters value and in a stored row found by equality', async () => {
    const out = await query(h, 'SELECT ? AS v', { ExecutionParameters: [`'${BOM}p'`] })
    assert.deepEqual(rows(out)[0], [`${BOM}p`])
    await execute(
      h,
      "CREATE TABLE sdb.bom (id int, s string) LOCATION 's3://athena-results/tables/bom/' TBLPROPERTIES ('table_type'='ICEBERG')",
    )
    await execute(h, `INSERT INTO sdb.bom VALUES (1, '${BOM}s'), (2, 's')`)
    const found = await query(h, `SELECT id, s FROM sdb.bom WHERE s = '${BOM}s'`)
    assert.deepEqual(rows(found), [['1', `${BOM}s`]])
  })
})

describe('U+0000 in a string literal', () => {
  const cases: [string, string][] = [
    ["'a\u0000b'", 'a\u0000b'],
    ["'\u0000'", '\u0000'],
    ["'\u0000\u0000x\u0000'", '\u0000\u0000x\u0000'],
    ["'it''s\u0000'", "it's\u0000"],
    ["concat('x', chr(0))", 'x\u0000'],
    ["ARRAY['\u0000a', 'b']", '[\u0000a, b]'],
  ]
  const select = `SELECT ${cases.map(([e], i) => `${e} AS c${i}`).join(', ')}, length('a\u0000b') AS n`

  it('is kept in GetQueryResults pages and in the CSV result file', async () => {
    const out = await query(h, select)
    const expected = [...cases.map(([, v]) => v), '3']
    assert.deepEqual(rows(out)[0], expected)
    const csv = await getObject(h, out.execution.ResultConfiguration!.OutputLocation!)
    assert.deepEqual(parseResultCsv(csv.toString('utf8'))[1], expected)
  })

  it('is kept in the Parquet files UNLOAD writes', async () => {
    const scalar = cases.slice(0, 5)
    const got = await unloadedHex(
      `SELECT ${scalar.map(([e], i) => `${e} AS c${i}`).join(', ')}`,
      scalar.map((_, i) => `c${i}`),
      'nul',
    )
    assert.deepEqual(
      got,
      scalar.map(([, v]) => hex(v)),
    )
  })

  it('is kept in an ExecutionParameters value and in a stored row found by equality', async () => {
    const out = await query(h, 'SELECT ?, ? AS w', { ExecutionParameters: ["'p\u0000q'", "'\u0000'"] })
    assert.deepEqual(rows(out)[0], ['p\u0000q', '\u0000'])
    await execute(
      h,
      "CREATE TABLE sdb.nul (id int, s string) LOCATION 's3://athena-results/tables/nul/' TBLPROPERTIES ('table_type'='ICEBERG')",
    )
    await execute(h, "INSERT INTO sdb.nul VALUES (1, 'a\u0000b'), (2, 'a')")
    const found = await query(h, "SELECT id, s, length(s) FROM sdb.nul WHERE s = 'a\u0000b'")
    assert.deepEqual(rows(found), [['1', 'a\u0000b', '3']])
  })

  it('in a DATE or TIME literal is an INVALID_LITERAL; a plain TIME literal still runs', async () => {
    for (const literal of ["DATE '2024-01-02\u0000'", "TIME '01:02\u0000'", "TIME '\u000001:02'"]) {
      const reason = await failure(h, `SELECT ${literal} AS v`)
      assert.match(reason, /^INVALID_LITERAL: .* is not a valid (DATE|TIME) literal$/s, literal)
    }
    const out = await query(h, "SELECT TIME '01:02:03.456' AS t, TIME '1:02' AS u")
    assert.deepEqual(rows(out)[0], ['01:02:03.456', '01:02:00'])
  })

  it('in a TIMESTAMP literal is an INVALID_LITERAL, where a zone name stays NOT_SUPPORTED', async () => {
    for (const literal of [
      "TIMESTAMP '2024-01-02 03:04:05\u0000'",
      "TIMESTAMP '2024-01-02\u0000'",
      "TIMESTAMP '2024-01-02 03:04:05 UTC\u0000'",
    ]) {
      const reason = await failure(h, `SELECT ${literal} AS v`)
      assert.match(reason, /^INVALID_LITERAL: .* is not a valid TIMESTAMP literal$/s, literal)
    }
    const zoned = await failure(h, "SELECT TIMESTAMP '2024-01-02 03:04:05 Europe/Lisbon' AS v")
    assert.match(zoned, /^NOT_SUPPORTED: /)
  })

  it('is typed as the literal it was written as', async () => {
    const out = await query(h, "SELECT 'a\u0000b' AS v")
    assert.equal(out.ResultSet!.ResultSetMetadata!.ColumnInfo![0]!.Type, 'varchar')
    assert.equal(out.ResultSet!.ResultSetMetadata!.ColumnInfo![0]!.Precision, 3)
  })
})
