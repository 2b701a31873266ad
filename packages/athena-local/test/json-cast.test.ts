// CAST(… AS JSON) with Trino's semantics, not DuckDB's to_json. Sources: Athena's "Athena engine version 3
// functions" page, which defers to Trino's JSON functions; the "Cast to JSON" section of that page as the
// Presto-derived copies in the docs corpus give it (prestodb.github.io, docs.cannerdata.com): the supported types
// (boolean, integers, real, double, decimal, varchar; arrays, maps and rows of them), SQL NULL for a NULL,
// 9223372036854775807, "abc", [1,null,456], [[1,23],[456]]. Those pages still say a row becomes a JSON array:
// Trino changed that in 357 (trinodb/trino#3613; the legacy switch was removed by #14388). Trino's own
// RowToJsonCast and JsonUtil.RowJsonGeneratorWriter write every row as an object keyed by its field names, ""
// for a field without one, so CAST(ROW(1, 'x') AS JSON) is {"":1,"":"x"}; JsonUtil.canCastToJson takes DATE and
// TIMESTAMP inside arrays, maps and rows (written as strings by DateGeneratorWriter and
// TimestampJsonGeneratorWriter), and doubles go through Jackson's writeNumber, which writes NaN and the infinities
// as the strings "NaN", "Infinity", "-Infinity".
// No recorded Athena response for these casts was found in aoyagikouhei/athena-local.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { failure, type Harness, query, rows, scalar, startHarness } from './helpers.ts'

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

  it('writes every row as an object keyed by its field names, "" for a field without one, as Trino does', async () => {
    assert.equal(await json("CAST(ROW(1, 'x') AS JSON)"), '{"":1,"":"x"}')
    assert.equal(await json("CAST(ROW(1, ROW('a', NULL)) AS JSON)"), '{"":1,"":{"":"a","":null}}')
    assert.equal(
      await json("CAST(CAST(ROW(123, 'abc', true) AS ROW(v1 BIGINT, v2 VARCHAR, v3 BOOLEAN)) AS JSON)"),
      '{"v1":123,"v2":"abc","v3":true}',
    )
    assert.equal(await json('CAST(CAST(NULL AS ROW(a INTEGER)) AS JSON)'), null)
  })

  it('writes dates and timestamps inside an array or a row as strings, and NaN and the infinities as strings', async () => {
    assert.equal(await json("CAST(ARRAY[DATE '2024-01-02', NULL] AS JSON)"), '["2024-01-02",null]')
    assert.equal(
      await json("CAST(ROW(TIMESTAMP '2024-01-02 03:04:05', TIMESTAMP '2024-01-02 03:04:05.120') AS JSON)"),
      '{"":"2024-01-02 03:04:05","":"2024-01-02 03:04:05.120"}',
    )
    assert.equal(
      await json("CAST(ARRAY[TIMESTAMP '2024-01-02 03:04:05.000001'] AS JSON)"),
      '["2024-01-02 03:04:05.000001"]',
    )
    assert.equal(await json('CAST(nan() AS JSON)'), '"NaN"')
    assert.equal(
      await json('CAST(ARRAY[infinity(), -infinity(), 1.5e0] AS JSON)'),
      '["Infinity","-Infinity",1.5]',
    )
  })

  it('writes arrays element by element, rows and JSON values included', async () => {
    assert.equal(await json('CAST(ARRAY[1, NULL, 456] AS JSON)'), '[1,null,456]')
    assert.equal(await json('CAST(ARRAY[ARRAY[1, 23], ARRAY[456]] AS JSON)'), '[[1,23],[456]]')
    assert.equal(await json("CAST(ARRAY[ROW(1, 'a'), ROW(2, 'b')] AS JSON)"), '[{"":1,"":"a"},{"":2,"":"b"}]')
    assert.equal(await json("CAST(ARRAY[CAST(1 AS JSON), CAST('a' AS JSON), NULL] AS JSON)"), '[1,"a",null]')
    assert.equal(await json('CAST(ARRAY[JSON \'{"k":[1]}\', NULL] AS JSON)'), '[{"k":[1]},null]')
  })

  it('aggregates rows as JSON in the ORDER BY of ARRAY_AGG, an empty group read as JSON []', async () => {
    assert.equal(
      await json(
        "CAST(ARRAY_AGG(CAST(ARRAY[CAST(x AS JSON), CAST('n' || CAST(x AS VARCHAR) AS JSON)] AS JSON) ORDER BY x DESC) AS JSON)",
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

  it('refuses the types Trino does not cast to JSON, naming the whole type as Trino does', async () => {
    for (const [expression, type] of [
      ["DATE '2024-01-02'", 'date'],
      ["TIMESTAMP '2024-01-02 03:04:05'", 'timestamp\\(0\\)'],
      ["X'00ff'", 'varbinary'],
      ["TIME '03:04:05'", 'time\\(0\\)'],
      ["ROW(1, X'00ff')", 'row\\(integer, varbinary\\)'],
      ["ARRAY[TIMESTAMP '2024-01-02 03:04:05 UTC']", 'array\\(timestamp\\(0\\) with time zone\\)'],
      ["MAP(ARRAY['a'], ARRAY[X'00'])", 'map\\(varchar\\(1\\), varbinary\\)'],
      ["MAP(ARRAY[DATE '2024-01-02'], ARRAY[1])", 'map\\(date, integer\\)'],
    ] as const) {
      const reason = await failure(h, `SELECT CAST(${expression} AS JSON)`)
      assert.match(
        reason,
        new RegExp(`^TYPE_MISMATCH: line 1:\\d+: Cannot cast ${type} to json$`),
        expression,
      )
    }
    assert.equal(await json("CAST(MAP(ARRAY['a'], ARRAY[DATE '2024-01-02']) AS JSON)"), '{"a":"2024-01-02"}')
  })
})

// Trino's text of a timestamp is at its precision with every digit written (SqlTimestamp, SqlTimestampWithTimeZone:
// `2024-01-02 03:04:05.000`, `… UTC`), as athena-local's result pages give it; a REAL in JSON is written by
// Jackson from the float, so 0.1 rather than the double nearest the float.
describe('CAST of timestamps to VARCHAR and of reals to JSON, as Trino writes them', () => {
  it('writes a timestamp at its precision, zeros included, and a timestamp with time zone with its zone', async () => {
    assert.equal(
      await scalar(h, "SELECT CAST(TIMESTAMP '2024-01-02 03:04:05.000' AS VARCHAR)"),
      '2024-01-02 03:04:05.000',
    )
    assert.equal(
      await scalar(h, "SELECT CAST(TIMESTAMP '2024-01-02 03:04:05' AS VARCHAR)"),
      '2024-01-02 03:04:05',
    )
    assert.equal(
      await scalar(h, "SELECT CAST(CAST(TIMESTAMP '2024-01-02 03:04:05.1' AS TIMESTAMP(6)) AS VARCHAR)"),
      '2024-01-02 03:04:05.100000',
    )
    assert.equal(
      await scalar(h, "SELECT CAST(TIMESTAMP '2024-01-02 03:04:05.120 UTC' AS VARCHAR)"),
      '2024-01-02 03:04:05.120 UTC',
    )
    assert.equal(await scalar(h, 'SELECT CAST(CAST(NULL AS TIMESTAMP) AS VARCHAR)'), null)
  })

  it('writes a real as the float it is', async () => {
    assert.equal(await json("CAST(REAL '0.1' AS JSON)"), '0.1')
    assert.equal(await json("CAST(ARRAY[REAL '1.5', NULL] AS JSON)"), '[1.5,null]')
  })
})

// Trino's ArrayConstructor generates one method taking every element as a parameter and refuses more than 254
// (checkCondition(… <= 254, NOT_SUPPORTED, "Too many arguments for array constructor")); an array of constants is
// folded while the statement is planned (ExpressionInterpreter) and takes any number.
describe('the ARRAY constructor', () => {
  it('takes 254 elements that are not constants and refuses 255, as Trino does', async () => {
    const of = (n: number, item: string) =>
      Array.from({ length: n }, (_, i) => item.replace('#', String(i))).join(', ')
    const from = ' FROM (VALUES 1) AS t(x)'
    assert.equal(await scalar(h, `SELECT cardinality(ARRAY[${of(254, 'x + #')}])${from}`), '254')
    assert.equal(
      await failure(h, `SELECT cardinality(ARRAY[${of(255, 'x + #')}])${from}`),
      'NOT_SUPPORTED: Too many arguments for array constructor',
    )
    assert.equal(
      await scalar(h, `SELECT cardinality(ARRAY[${of(254, 'x + #')}] || ARRAY[${of(46, 'x')}])${from}`),
      '300',
    )
    assert.equal(await scalar(h, `SELECT cardinality(ARRAY[${of(300, '#')}])`), '300')
  })
})
