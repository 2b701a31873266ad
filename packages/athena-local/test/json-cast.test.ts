// CAST(… AS JSON) with Trino's semantics, not DuckDB's to_json. Sources: Athena's "Athena engine version 3
// functions" page, which defers to Trino's JSON functions page; the "Cast to JSON" section of that page as the
// Presto-derived copies in the docs corpus give it (prestodb.github.io, docs.cannerdata.com): the supported types
// (boolean, integers, real, double, decimal, varchar; arrays, maps and rows of them), SQL NULL for a NULL,
// 9223372036854775807, "abc", [1,null,456], [[1,23],[456]], and a row as a JSON array because positions matter
// more than names; trinodb/trino#3613 for Trino writing a row whose fields have names as an object keyed by them.
// No recorded Athena response for these casts was found in aoyagikouhei/athena-local.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { failure, type Harness, query, rows, startHarness } from './helpers.ts'

let h: Harness

before(async () => {
  h = await startHarness()
})
after(() => h.stop())

async function json(expression: string, from = ''): Promise<string | null> {
  const out = await query(h, `SELECT ${expression} AS j${from}`)
  assert.equal(out.ResultSet!.ResultSetMetadata!.ColumnInfo![0]!.Type, 'json', expression)
  return rows(out)[0]![0] as string | null
}

describe('CAST to JSON', () => {
  it('writes scalars as JSON values and NULL as a SQL NULL', async () => {
    assert.equal(await json('CAST(9223372036854775807 AS JSON)'), '9223372036854775807')
    assert.equal(await json("CAST('abc' AS JSON)"), '"abc"')
    assert.equal(await json("CAST('it''s \"q\" \\ ✓' AS JSON)"), '"it\'s \\"q\\" \\\\ ✓"')
    assert.equal(await json('CAST(true AS JSON)'), 'true')
    assert.equal(await json('CAST(NULL AS JSON)'), null)
  })

  it('writes a row without field names as an array, and one with names as an object', async () => {
    assert.equal(await json("CAST(ROW(1, 'x') AS JSON)"), '[1,"x"]')
    assert.equal(await json("CAST(ROW(1, ROW('a', NULL)) AS JSON)"), '[1,["a",null]]')
    assert.equal(
      await json("CAST(CAST(ROW(123, 'abc', true) AS ROW(v1 BIGINT, v2 VARCHAR, v3 BOOLEAN)) AS JSON)"),
      '{"v1":123,"v2":"abc","v3":true}',
    )
    assert.equal(await json('CAST(CAST(NULL AS ROW(a INTEGER)) AS JSON)'), null)
  })

  it('writes arrays element by element, rows and JSON values included', async () => {
    assert.equal(await json('CAST(ARRAY[1, NULL, 456] AS JSON)'), '[1,null,456]')
    assert.equal(await json('CAST(ARRAY[ARRAY[1, 23], ARRAY[456]] AS JSON)'), '[[1,23],[456]]')
    assert.equal(await json("CAST(ARRAY[ROW(1, 'a'), ROW(2, 'b')] AS JSON)"), '[[1,"a"],[2,"b"]]')
    assert.equal(await json('CAST(ARRAY[JSON \'{"k":[1]}\', NULL] AS JSON)'), '[{"k":[1]},null]')
  })

  it('aggregates rows as JSON in the ORDER BY of ARRAY_AGG, an empty group read as JSON []', async () => {
    assert.equal(
      await json(
        "CAST(ARRAY_AGG(CAST(ROW(x, 'n' || CAST(x AS VARCHAR)) AS JSON) ORDER BY x DESC) AS JSON)",
        ' FROM UNNEST(sequence(1, 3)) AS t(x)',
      ),
      '[[3,"n3"],[2,"n2"],[1,"n1"]]',
    )
    assert.equal(
      await json(
        "coalesce(CAST(ARRAY_AGG(CAST(ROW(x) AS JSON)) AS JSON), JSON '[]')",
        ' FROM UNNEST(sequence(1, 3)) AS t(x) WHERE x > 5',
      ),
      '[]',
    )
  })

  it('refuses the types Trino does not cast to JSON', async () => {
    for (const [expression, type] of [
      ["DATE '2024-01-02'", 'date'],
      ["TIMESTAMP '2024-01-02 03:04:05'", 'timestamp'],
      ["X'00ff'", 'varbinary'],
      ["ROW(1, DATE '2024-01-02')", 'date'],
    ] as const) {
      const reason = await failure(h, `SELECT CAST(${expression} AS JSON)`)
      assert.match(
        reason,
        new RegExp(`^TYPE_MISMATCH: line 1:\\d+: Cannot cast ${type}\\b.* to json$`),
        expression,
      )
    }
  })
})
