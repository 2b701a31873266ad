import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ParameterError } from '@tributary/core'
import { query, queryBind } from 'chdb'
import { parseType } from '../../src/formats/type-parser.ts'
import { inferType, placeholder } from '../../src/params/infer.ts'
import { formatLiteral } from '../../src/params/literal.ts'
import { findPlaceholders, substitutePlaceholders } from '../../src/params/placeholders.ts'
import { formatParamText, toChdbParam } from '../../src/params/text.ts'
import { TypedValue, typed } from '../../src/params/typed.ts'

const T = parseType

describe('inferType', () => {
  test('scalars', () => {
    assert.equal(inferType(1), 'Int64')
    assert.equal(inferType(2 ** 53), 'Float64')
    assert.equal(inferType(1.5), 'Float64')
    assert.equal(inferType(5n), 'Int64')
    assert.equal(inferType(2n ** 63n), 'UInt64')
    assert.equal(inferType(2n ** 64n), 'Int128')
    assert.equal(inferType(-(2n ** 127n) - 1n), 'Int256')
    assert.equal(inferType(2n ** 255n), 'UInt256')
    assert.throws(() => inferType(2n ** 256n), ParameterError)
    assert.equal(inferType(true), 'Bool')
    assert.equal(inferType('x'), 'String')
    assert.equal(inferType(new Uint8Array(2)), 'String')
    assert.equal(inferType(new Date(0)), "DateTime64(3, 'UTC')")
    assert.throws(() => inferType(new Date(Number.NaN)), ParameterError)
    assert.equal(inferType(null), 'Nullable(Nothing)')
    assert.equal(inferType(undefined), 'Nullable(Nothing)')
    assert.equal(inferType(typed(5n, 'UInt64')), 'UInt64')
  })
  test('containers unify their elements', () => {
    assert.equal(inferType([]), 'Array(Nothing)')
    assert.equal(inferType([1, 2]), 'Array(Int64)')
    assert.equal(inferType([1, 2.5]), 'Array(Float64)')
    assert.equal(inferType([1, null]), 'Array(Nullable(Int64))')
    assert.equal(inferType([null]), 'Array(Nullable(Nothing))')
    assert.equal(inferType([1n, 2n ** 63n]), 'Array(Int128)')
    assert.equal(inferType([[1], [null]]), 'Array(Array(Nullable(Int64)))')
    assert.equal(inferType({ a: 1, b: null }), 'Map(String, Nullable(Int64))')
    assert.equal(inferType({}), 'Map(String, Nothing)')
    assert.throws(() => inferType([1, 'a']), ParameterError)
    assert.throws(() => inferType([null, [1]]), ParameterError)
  })
  test('placeholder', () => {
    assert.equal(placeholder('p', [1n]), '{p:Array(Int64)}')
    assert.equal(placeholder('d', typed('2024-01-01', 'Date')), '{d:Date}')
    assert.throws(() => placeholder('a b', 1), ParameterError)
    assert.ok(typed(1, 'UInt8') instanceof TypedValue)
  })
})

describe('formatParamText', () => {
  test('top-level strings are escaped, not quoted; quotes stay bare', () => {
    assert.equal(formatParamText("a'b\\c\td\ne\rf\0g\bh\fi", T('String')), "a'b\\\\c\\td\\ne\\rf\\0g\\bh\\fi")
    assert.equal(formatParamText('\\N', T('String')), '\\\\N')
    assert.equal(formatParamText('x\u0001', T('String')), 'x\u0001')
  })
  test('NULL and containers', () => {
    assert.equal(formatParamText(null, T('Nullable(String)')), '\\N')
    assert.equal(formatParamText(["a'b", null], T('Array(Nullable(String))')), "['a\\'b',NULL]")
    assert.equal(formatParamText({ k: 1 }, T('Map(String, UInt8)')), "{'k':1}")
    assert.equal(formatParamText({ b: 2, a: 'x' }, T('Tuple(a String, b UInt8)')), "('x',2)")
    assert.throws(() => formatParamText(null, T('String')), ParameterError)
  })
  test('dates, times, decimals', () => {
    assert.equal(formatParamText('2024-01-02', T('Date')), '2024-01-02')
    assert.equal(formatParamText(new Date('2024-01-02T03:04:05Z'), T('DateTime')), '1704164645')
    assert.equal(formatParamText(new Date(5000), T('DateTime')), '0000000005')
    assert.equal(formatParamText('2024-01-02T03:04:05.123456Z', T('DateTime64(6)')), '1704164645.123456')
    assert.equal(formatParamText(new Date(-1500), T('DateTime64(3)')), '-0000000001.500')
    // '-0.x' loses its sign on the server, so the last second before 1970 goes as wall time.
    assert.equal(formatParamText(new Date(-500), T("DateTime64(3, 'UTC')")), '1969-12-31 23:59:59.500')
    assert.throws(() => formatParamText(new Date(-500), T('DateTime64(3)')), ParameterError)
    assert.equal(formatParamText('1.5', T('Decimal(9, 3)')), '1.500')
    assert.equal(formatParamText(1e-7, T('Decimal(18, 8)')), '0.00000010')
    assert.throws(() => formatParamText('1.2345', T('Decimal(9, 3)')), ParameterError)
    assert.throws(() => formatParamText('1234567', T('Decimal(9, 3)')), ParameterError)
    assert.throws(() => formatParamText(new Date(1), T('DateTime')), ParameterError)
    assert.throws(() => formatParamText('2024-02-30', T('Date')), ParameterError)
    assert.throws(() => formatParamText(-1, T('DateTime')), ParameterError)
  })
  test('refusals never echo huge values and name the type and parameter', () => {
    const huge = 'x'.repeat(100_000)
    assert.throws(
      () => formatParamText(huge, T('FixedString(3)'), { name: 'big' }),
      (e: Error) =>
        e instanceof ParameterError && e.message.length < 300 && /FixedString\(3\).*'big'/.test(e.message),
    )
    assert.throws(() => formatParamText('a\uD800', T('String')), /lone UTF-16 surrogate/)
    assert.throws(() => formatParamText(256, T('UInt8')), /out of range/)
    assert.throws(() => formatParamText(2 ** 60, T('Int64')), /bigint/)
  })
})

describe('server reading of parameter escapes (chDB 26.7)', () => {
  // Raw native binding: hands the text to the engine untouched, to pin down what the server does.
  const bind = (text: string, type = 'String') => {
    const expr = type === 'String' ? '{p:String}' : `arrayStringConcat({p:${type}}, '|')`
    return queryBind(`SELECT hex(${expr})`, { p: toChdbParam(text) }, 'TSV').trim()
  }
  test('toChdbParam undoes exactly what chDB re-escapes', () => {
    assert.equal(toChdbParam('\\N'), null)
    assert.equal(toChdbParam('a\\\\b\\t\\n\\r\\0\\b\\f'), 'a\\b\t\n\r\0\b\f')
    assert.equal(toChdbParam("['it\\'s']"), "['it''s']")
    assert.throws(() => toChdbParam('\\xff'), ParameterError)
  })
  test('each escape arrives as the intended byte', () => {
    assert.equal(bind(formatParamText("\\\t\n\r\0\b\f'", T('String'))), '5C090A0D00080C27')
    assert.equal(
      bind(formatParamText(['\\', "'", '\t\n'], T('Array(String)')), 'Array(String)'),
      '5C7C277C090A',
    )
  })
})

describe('formatLiteral', () => {
  test('escapes every control character and both breakout characters', () => {
    assert.equal(
      formatLiteral("a'\\\0\b\f\n\r\t\u0001\u007fz", T('String')),
      "'a\\'\\\\\\0\\b\\f\\n\\r\\t\\x01\\x7Fz'",
    )
    assert.equal(formatLiteral(new Uint8Array([0xff, 0x41]), T('String')), "'\\xFFA'")
  })
  test('typed forms', () => {
    assert.equal(formatLiteral(18446744073709551615n, T('UInt64')), "CAST('18446744073709551615' AS UInt64)")
    assert.equal(formatLiteral(Number.NaN, T('Float64')), "CAST('nan' AS Float64)")
    assert.equal(formatLiteral(true, T('Bool')), "CAST('true' AS Bool)")
    assert.equal(formatLiteral(true, T('Bool'), { legacy: true }), "CAST('1' AS UInt8)")
    assert.equal(formatLiteral(null, T('Nullable(String)')), 'CAST(NULL AS Nullable(String))')
    assert.equal(
      formatLiteral(new Date(5000), T('DateTime')),
      "CAST(toDateTime('1970-01-01 00:00:05', 'UTC') AS DateTime)",
    )
    assert.equal(
      formatLiteral([[]], T('Array(Array(UInt8))')),
      'CAST([CAST([] AS Array(UInt8))] AS Array(Array(UInt8)))',
    )
    assert.equal(
      formatLiteral({ a: 1 }, T('Map(String, UInt8)')),
      "CAST(map('a', '1') AS Map(String, UInt8))",
    )
  })
})

describe('formatLiteral for servers without query parameters (legacy)', () => {
  const L = (value: unknown, type: string) => formatLiteral(value, T(type), { legacy: true })
  test('floats travel as their IEEE-754 bytes', () => {
    assert.equal(L(1, 'Float64'), "CAST(reinterpretAsFloat64(unhex('000000000000F03F')) AS Float64)")
    assert.equal(L(5e-324, 'Float64'), "CAST(reinterpretAsFloat64(unhex('0100000000000000')) AS Float64)")
    assert.equal(L(-0, 'Float64'), "CAST(reinterpretAsFloat64(unhex('0000000000000080')) AS Float64)")
    assert.equal(L('-inf', 'Float32'), "CAST(reinterpretAsFloat32(unhex('000080FF')) AS Float32)")
  })
  test('dates as day numbers, times as Unix seconds', () => {
    assert.equal(L('2149-06-06', 'Date'), "CAST(toUInt16('65535') AS Date)")
    assert.equal(
      L('2106-02-07T06:28:15Z', "DateTime('Asia/Tokyo')"),
      "CAST(toUInt32('4294967295') AS DateTime('Asia/Tokyo'))",
    )
    assert.equal(
      L([new Date(0)], 'Array(DateTime)'),
      "CAST([CAST(toUInt32('0') AS DateTime)] AS Array(DateTime))",
    )
  })
  test('UUIDs through toUUID, so Nullable(UUID) casts', () => {
    assert.equal(
      L('3F1E2C1A-0000-4000-8000-000000000000', 'Nullable(UUID)'),
      "CAST(toUUID('3f1e2c1a-0000-4000-8000-000000000000') AS Nullable(UUID))",
    )
  })
  test('each scalar in a container is typed on its own', () => {
    assert.equal(
      L([null, '1.5'], 'Array(Nullable(Decimal(9, 2)))'),
      "CAST([NULL, CAST('1.50' AS Decimal(9, 2))] AS Array(Nullable(Decimal(9, 2))))",
    )
    assert.equal(
      L([true, 'x'], 'Tuple(Bool, String)'),
      "CAST(tuple(CAST('1' AS UInt8), 'x') AS Tuple(UInt8, String))",
    )
  })
  test('empty arrays of any depth as text', () => {
    assert.equal(L([], 'Array(Array(UInt8))'), "CAST('[]' AS Array(Array(UInt8)))")
    assert.equal(
      L([[]], 'Array(Array(Array(UInt8)))'),
      "CAST([CAST('[]' AS Array(Array(UInt8)))] AS Array(Array(Array(UInt8))))",
    )
  })
  test('NULL of Nullable(Enum) is made from an enum value', () => {
    assert.equal(
      L(null, "Nullable(Enum8('a' = 1, 'b' = 2))"),
      "CAST(nullIf(CAST('a' AS Enum8('a' = 1, 'b' = 2)), CAST('a' AS Enum8('a' = 1, 'b' = 2))) AS Nullable(Enum8('a' = 1, 'b' = 2)))",
    )
  })
  test('modern output is unchanged by the legacy forms', () => {
    assert.equal(formatLiteral(1, T('Float64')), "CAST('1' AS Float64)")
    assert.equal(formatLiteral('2149-06-06', T('Date')), "CAST('2149-06-06' AS Date)")
    assert.equal(formatLiteral([], T('Array(Array(UInt8))')), 'CAST([] AS Array(Array(UInt8)))')
    assert.equal(
      formatLiteral([null, '1.5'], T('Array(Nullable(Decimal(9, 2)))')),
      "CAST([NULL, '1.50'] AS Array(Nullable(Decimal(9, 2))))",
    )
  })
})

describe('placeholders', () => {
  const sql = `SELECT {a:UInt8}, '{b:String}', "{c:String}", \`{d:String}\` -- {e:String}
    # {f:String}
    /* {g:String} /* nested {h:String} */ still {i:String} */
    'it''s {j:String}', 'x\\' {k:String}', {l: DateTime64(3, 'UTC') }, {m:Map(String, Array(String))}, {not a placeholder}`
  test('found only outside strings, identifiers and comments', () => {
    const found = findPlaceholders(sql)
    assert.deepEqual(
      found.map((p) => [p.name, p.type]),
      [
        ['a', 'UInt8'],
        ['l', "DateTime64(3, 'UTC')"],
        ['m', 'Map(String, Array(String))'],
      ],
    )
    for (const p of found) assert.equal(sql[p.start], '{')
    for (const p of found) assert.equal(sql[p.end - 1], '}')
  })
  test('substitution leaves look-alikes untouched and runs', () => {
    const out = substitutePlaceholders(sql, { a: 1, l: new Date(0), m: { k: ['{x:String}'] } })
    assert.ok(out.includes("'{b:String}'") && out.includes('-- {e:String}') && out.includes('{h:String}'))
    assert.ok(!out.includes('{a:UInt8}'))
    const row = query(
      substitutePlaceholders("SELECT {a:String} AS v, '{a:String}' AS w", { a: "x' OR 1=1 --" }),
      'TSV',
    )
    assert.equal(row, "x\\' OR 1=1 --\t{a:String}\n")
    assert.throws(() => substitutePlaceholders('SELECT {zz:UInt8}', {}), /No value for parameter 'zz'/)
  })
})
