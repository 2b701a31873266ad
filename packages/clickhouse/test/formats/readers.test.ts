import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { NotSupportedError, ProtocolError } from '@tributary/core'
import { RowBinaryReader } from '../../src/formats/rowbinary-reader.ts'
import { TsvReader } from '../../src/formats/tsv-reader.ts'
import type { DecodeOptions } from '../../src/formats/value-options.ts'
import { chdbBody, decodeAll } from './chdb-fixture.ts'

const RB = 'RowBinaryWithNamesAndTypes'
const TSV = 'TSVWithNamesAndTypes'

/** [column alias, SQL expression, expected JS value] — the same for every row of numbers(3). */
const CASES: [string, string, unknown][] = [
  ['i8', 'toInt8(-128)', -128],
  ['u8', 'toUInt8(255)', 255],
  ['i16', 'toInt16(-32768)', -32768],
  ['u16', 'toUInt16(65535)', 65535],
  ['i32', 'toInt32(-2147483648)', -2147483648],
  ['u32', 'toUInt32(4294967295)', 4294967295],
  ['i64', 'toInt64(-9223372036854775808)', -9223372036854775808n],
  ['u64', 'toUInt64(18446744073709551615)', 18446744073709551615n],
  ['i128', "toInt128('-170141183460469231731687303715884105728')", -170141183460469231731687303715884105728n],
  ['u128', "toUInt128('340282366920938463463374607431768211455')", 340282366920938463463374607431768211455n],
  [
    'i256',
    "toInt256('-57896044618658097711785492504343953926634992332820282019728792003956564819968')",
    -(2n ** 255n),
  ],
  [
    'u256',
    "toUInt256('115792089237316195423570985008687907853269984665640564039457584007913129639935')",
    2n ** 256n - 1n,
  ],
  ['i128small', 'toInt128(-5)', -5n],
  ['f32', 'toFloat32(0.1)', Math.fround(0.1)],
  ['f64', 'toFloat64(1e300)', 1e300],
  ['fnan', 'nan', Number.NaN],
  ['finf', 'inf', Number.POSITIVE_INFINITY],
  ['fninf', '-inf', Number.NEGATIVE_INFINITY],
  ['ftiny', 'toFloat64(-1e-7)', -1e-7],
  ['bool', 'true', true],
  ['d32', 'toDecimal32(-1.5, 3)', '-1.500'],
  ['d64', 'toDecimal64(-12.34, 4)', '-12.3400'],
  ['d128', "toDecimal128('-0.001', 5)", '-0.00100'],
  ['d256', "toDecimal256('123456789012345678901234567890.5', 3)", '123456789012345678901234567890.500'],
  ['d0', 'toDecimal64(42, 0)', '42'],
  ['dzero', 'toDecimal32(0, 2)', '0.00'],
  ['s', "'x\\0y€\\t\\\\\\n\\'\\r\\b\\f'", "x\0y€\t\\\n'\r\b\f"],
  ['sempty', "''", ''],
  ['sunicode', "'日本語 🎉 ü'", '日本語 🎉 ü'],
  ['slong', "repeat('ab€', 100)", 'ab€'.repeat(100)],
  ['sNlit', "'\\\\N'", '\\N'],
  ['fs', "toFixedString('ab', 4)", 'ab\0\0'],
  ['date', "toDate('2149-06-06')", '2149-06-06'],
  ['date0', "toDate('1970-01-01')", '1970-01-01'],
  ['date32', "toDate32('1900-01-01')", '1900-01-01'],
  ['dt', 'toDateTime(1700000000)', new Date(1700000000_000)],
  ['dtz', "toDateTime('2024-01-02 03:04:05', 'Asia/Kolkata')", new Date('2024-01-01T21:34:05Z')],
  ['dtdst', "toDateTime('2024-03-31 03:30:00', 'Europe/Berlin')", new Date('2024-03-31T01:30:00Z')],
  ['dt64_3', "toDateTime64('1969-12-31 23:59:59.999', 3, 'UTC')", new Date('1969-12-31T23:59:59.999Z')],
  [
    'dt64_1',
    "toDateTime64('2020-01-01 00:00:00.5', 1, 'America/New_York')",
    new Date('2020-01-01T05:00:00.500Z'),
  ],
  ['dt64_6', "toDateTime64('2024-01-02 03:04:05.123456', 6, 'UTC')", '2024-01-02T03:04:05.123456Z'],
  [
    'dt64_9k',
    "toDateTime64('2024-01-02 03:04:05.123456789', 9, 'Asia/Kolkata')",
    '2024-01-01T21:34:05.123456789Z',
  ],
  ['dt64_old', "toDateTime64('1900-01-01 00:00:00.000001', 6, 'UTC')", '1900-01-01T00:00:00.000001Z'],
  ['dt64_0', "toDateTime64('2024-01-02 03:04:05', 0, 'UTC')", new Date('2024-01-02T03:04:05Z')],
  ['enum8', "CAST('b' AS Enum8('a' = -128, 'b' = 127))", 'b'],
  ['enum16', "CAST('it\\'s' AS Enum16('it\\'s' = 1000, 'x' = -1000))", "it's"],
  ['uuid', "toUUID('61F0C404-5CB3-11E7-907B-A6006AD3DBA0')", '61f0c404-5cb3-11e7-907b-a6006ad3dba0'],
  ['ipv4', "toIPv4('1.2.3.4')", '1.2.3.4'],
  ['ipv4max', "toIPv4('255.0.0.255')", '255.0.0.255'],
  [
    'ipv6',
    "[toIPv6('1:0:2:3:4:5:6:7'), toIPv6('1:0:0:2:0:0:0:3'), toIPv6('::1.2.3.4'), toIPv6('::'), toIPv6('::1'), toIPv6('1::'), toIPv6('::ffff:1.2.3.4'), toIPv6('::ffff:0:0'), toIPv6('0:0:1::'), toIPv6('1:0:0:1:0:0:1:0'), toIPv6('64:ff9b::1.2.3.4'), toIPv6('2001:DB8::A')]",
    [
      '1:0:2:3:4:5:6:7',
      '1:0:0:2::3',
      '::1.2.3.4',
      '::',
      '::1',
      '1::',
      '::ffff:1.2.3.4',
      '::ffff:0.0.0.0',
      '0:0:1::',
      '1::1:0:0:1:0',
      '64:ff9b::102:304',
      '2001:db8::a',
    ],
  ],
  ['null', 'NULL', null],
  ['nullable', 'toNullable(5)', 5],
  ['nullstr', 'CAST(NULL AS Nullable(String))', null],
  ['lcn', "CAST('lc' AS LowCardinality(Nullable(String)))", 'lc'],
  ['lcnull', 'CAST(NULL AS LowCardinality(Nullable(String)))', null],
  ['arr', '[1, 2, 3]', [1, 2, 3]],
  ['arrempty', '[]', []],
  ['arrnull', '[NULL]', [null]],
  ['arrnested', '[[toNullable(1), NULL], []]::Array(Array(Nullable(UInt64)))', [[1n, null], []]],
  [
    'arrstr',
    "['a\\tb', 'c\\'d', '', NULL, '\\\\', '[x]', 'x,y']::Array(Nullable(String))",
    ['a\tb', "c'd", '', null, '\\', '[x]', 'x,y'],
  ],
  [
    'arrfloat',
    '[nan, inf, -inf, 1.5]',
    [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5],
  ],
  ['arrdate', "[toDate('2020-01-01')]", ['2020-01-01']],
  ['arrdt', "[toDateTime('2020-01-01 00:00:00', 'UTC')]", [new Date('2020-01-01T00:00:00Z')]],
  ['arrdec', '[toDecimal32(1.5, 3)]', ['1.500']],
  ['arrbool', '[true, false]', [true, false]],
  ['arrenum', "[CAST('a' AS Enum8('a' = 1))]", ['a']],
  ['arruuid', "[toUUID('61f0c404-5cb3-11e7-907b-a6006ad3dba0')]", ['61f0c404-5cb3-11e7-907b-a6006ad3dba0']],
  ['arrfs', "[toFixedString('a', 2)]", ['a\0']],
  ['tuple', "(1, 'x', NULL)", [1, 'x', null]],
  ['tuple1', "tuple('only')", ['only']],
  ['ntuple', "CAST((1, 'x') AS Tuple(a UInt8, `b c` String))", { a: 1, 'b c': 'x' }],
  [
    'ntnested',
    "CAST([(1, [toNullable('q')])] AS Array(Tuple(id UInt64, tags Array(Nullable(String)))))",
    [{ id: 1n, tags: ['q'] }],
  ],
  ['map', "map('k', [1, NULL], 'l', [])::Map(String, Array(Nullable(UInt64)))", { k: [1n, null], l: [] }],
  ['mapint', "map(1, 'a', 2, NULL)", { 1: 'a', 2: null }],
  ['map64', 'map(toUInt64(18446744073709551615), 1)', { '18446744073709551615': 1 }],
  ['mapempty', 'map()::Map(String, UInt8)', {}],
  [
    'mapproto',
    "map('__proto__', 1)",
    Object.defineProperty({}, '__proto__', {
      value: 1,
      enumerable: true,
      writable: true,
      configurable: true,
    }),
  ],
  ['mapkeyq', "map('a:b,c\\'d', 1)", { "a:b,c'd": 1 }],
  ['variant', 'CAST(toUInt64(7) AS Variant(UInt64, String))', 7n],
  ['variants', "CAST('text' AS Variant(UInt64, String))", 'text'],
  ['variantn', 'CAST(NULL AS Variant(UInt64, String))', null],
  [
    'variantarr',
    "[CAST(toUInt64(7) AS Variant(UInt64, String, Array(UInt8))), 'x', [1, 2]::Array(UInt8), NULL]",
    [7n, 'x', [1, 2], null],
  ],
  [
    'json',
    `CAST('{"a":{"b":18446744073709551615},"c":[1,2.5],"d":"s","e":null,"f":9007199254740991}' AS JSON)`,
    { a: { b: 18446744073709551615n }, c: [1, 2.5], d: 's', f: 9007199254740991 },
  ],
  ['jsonarr', `[CAST('{"a":"x\\\\ty"}' AS JSON)]`, [{ a: 'x\ty' }]],
]

const SQL = `SELECT ${CASES.map(([alias, expr]) => `${expr} AS ${alias}`).join(', ')} FROM numbers(3)`

describe('RowBinary and TSV readers against chDB', async () => {
  const rb = await chdbBody(SQL, RB)
  const tsv = await chdbBody(SQL, TSV)

  for (const seed of [1, 2, 3]) {
    test(`RowBinary values, chunk seed ${seed}`, () => {
      const reader = new RowBinaryReader()
      const rows = decodeAll(reader, rb, seed)
      assert.equal(rows.length, 3)
      assert.deepEqual(
        reader.columns?.map((c) => c.name),
        CASES.map(([alias]) => alias),
      )
      for (const row of rows) {
        CASES.forEach(([alias, , expected], i) => {
          assert.deepEqual(row[i], expected, alias)
        })
      }
    })
    test(`TSV values equal RowBinary values, chunk seed ${seed}`, () => {
      const binary = decodeAll(new RowBinaryReader(), rb, seed)
      const reader = new TsvReader()
      const text = decodeAll(reader, tsv, seed, 2)
      assert.equal(text.length, 3)
      assert.deepEqual(
        reader.columns?.map((c) => c.type),
        decodeColumns(rb),
      )
      CASES.forEach(([alias], i) => {
        assert.deepEqual(text[0]?.[i], binary[0]?.[i], alias)
      })
      assert.deepEqual(text, binary)
    })
  }

  test('whole body in one chunk and one byte at a time give the same rows', () => {
    const whole = new RowBinaryReader()
    whole.push(rb)
    const a: unknown[][] = []
    whole.readRows(a)
    whole.finish()
    const single = new RowBinaryReader()
    const b: unknown[][] = []
    for (let i = 0; i < rb.length; i++) {
      single.push(rb.subarray(i, i + 1))
      single.readRows(b)
    }
    single.finish()
    assert.deepEqual(b, a)
    const t = new TsvReader()
    const c: unknown[][] = []
    for (let i = 0; i < tsv.length; i++) {
      t.push(tsv.subarray(i, i + 1))
      t.readRows(c)
    }
    t.finish()
    assert.deepEqual(c, a)
  })
})

function decodeColumns(bytes: Uint8Array): string[] {
  const r = new RowBinaryReader()
  r.push(bytes)
  r.readRows([], 0)
  return (r.columns ?? []).map((c) => c.type)
}

async function both(
  sql: string,
  options: DecodeOptions = {},
  settings = '',
): Promise<[unknown[][], unknown[][]]> {
  const a = decodeAll(new RowBinaryReader(options), await chdbBody(sql, RB, settings), 7)
  const b = decodeAll(new TsvReader(options), await chdbBody(sql, TSV, settings), 7)
  return [a, b]
}

describe('options', () => {
  test('binaryStrings gives Uint8Array copies for String and FixedString', async () => {
    const [a, b] = await both(
      "SELECT 'a\\0€' AS s, toFixedString('x', 3) AS f, ['q'] AS arr, map('k', 'v') AS m",
      {
        binaryStrings: true,
      },
    )
    const expected = [
      [
        new Uint8Array([97, 0, 0xe2, 0x82, 0xac]),
        new Uint8Array([120, 0, 0]),
        [new Uint8Array([113])],
        { k: new Uint8Array([118]) },
      ],
    ]
    assert.deepEqual(a, expected)
    assert.deepEqual(b, expected)
    assert.ok(
      ((a[0] as unknown[])[0] as Uint8Array).buffer.byteLength === 5,
      'a copy, not a view into the body',
    )
  })

  test("dateTimes: 'string' gives ISO UTC text for every DateTime", async () => {
    const sql =
      "SELECT toDateTime('2024-01-02 03:04:05', 'Asia/Kolkata') AS a, toDateTime64('2024-01-02 03:04:05.12', 3, 'UTC') AS b, toDateTime64('1950-06-01 00:00:00', 0, 'UTC') AS c, [toDateTime64('2024-01-02 03:04:05.5', 1, 'UTC')] AS d"
    const [a, b] = await both(sql, { dateTimes: 'string' })
    const expected = [
      [
        '2024-01-01T21:34:05Z',
        '2024-01-02T03:04:05.120Z',
        '1950-06-01T00:00:00Z',
        ['2024-01-02T03:04:05.5Z'],
      ],
    ]
    assert.deepEqual(a, expected)
    assert.deepEqual(b, expected)
  })

  test('TSV reads DateTime without a zone in the server zone (timezone option)', async () => {
    const sql =
      "SELECT toDateTime('2024-07-01 12:00:00') AS a, toDateTime64('1960-01-01 00:00:00.25', 2) AS b, [toDateTime('2024-01-01 00:00:00')] AS c"
    const settings = "session_timezone = 'America/New_York'"
    const a = decodeAll(new RowBinaryReader(), await chdbBody(sql, RB, settings), 3)
    const b = decodeAll(
      new TsvReader({ timezone: 'America/New_York' }),
      await chdbBody(sql, TSV, settings),
      3,
    )
    assert.deepEqual(a, [
      [
        new Date('2024-07-01T16:00:00Z'),
        new Date('1960-01-01T05:00:00.250Z'),
        [new Date('2024-01-01T05:00:00Z')],
      ],
    ])
    assert.deepEqual(b, a)
  })
})

describe('Dynamic', () => {
  test('RowBinary decodes Dynamic values by their type prefix', async () => {
    const sql = `SELECT CAST(42 AS Dynamic) a, CAST(NULL AS Dynamic) b, CAST(toDateTime64(1, 3, 'UTC') AS Dynamic) c,
      CAST([1, 2] AS Dynamic) d, CAST(CAST('a' AS Enum8('a' = 1, 'b' = 2)) AS Dynamic) e,
      CAST(CAST((1, 'x') AS Tuple(a UInt8, b String)) AS Dynamic) f, CAST(toDecimal64(1.5, 2) AS Dynamic) g,
      CAST(map('a', toIPv4('1.2.3.4')) AS Dynamic) h, CAST(toFixedString('ab', 2) AS Dynamic) i,
      CAST(toDateTime(0, 'Asia/Kolkata') AS Dynamic) k, CAST(toLowCardinality('q') AS Dynamic) m,
      CAST(toUUID('61f0c404-5cb3-11e7-907b-a6006ad3dba0') AS Dynamic) n, CAST(toInt256(-1) AS Dynamic) o,
      CAST('str' AS Dynamic) p, CAST(toIPv6('::1') AS Dynamic) q, CAST(toDate('2020-01-01') AS Dynamic) r`
    const rows = decodeAll(new RowBinaryReader(), await chdbBody(sql, RB), 5)
    assert.deepEqual(rows, [
      [
        42,
        null,
        new Date(1000),
        [1, 2],
        'a',
        { a: 1, b: 'x' },
        '1.50',
        { a: '1.2.3.4' },
        'ab',
        new Date(0),
        'q',
        '61f0c404-5cb3-11e7-907b-a6006ad3dba0',
        -1n,
        'str',
        '::1',
        '2020-01-01',
      ],
    ])
  })

  test('TSV gives Dynamic values as their text', async () => {
    const rows = decodeAll(
      new TsvReader(),
      await chdbBody("SELECT CAST(42 AS Dynamic) a, [CAST('s' AS Dynamic)] b, CAST(NULL AS Dynamic) c", TSV),
      1,
    )
    assert.deepEqual(rows, [['42', ['s'], null]])
  })
})

describe('incremental reading and errors', () => {
  test('readRows honours max and returns 0 while a row is incomplete', async () => {
    const body = await chdbBody('SELECT number, toString(number) FROM numbers(10)', RB)
    const reader = new RowBinaryReader()
    reader.push(body.subarray(0, body.length - 1))
    const out: unknown[][] = []
    assert.equal(reader.readRows(out, 4), 4)
    assert.equal(reader.readRows(out), 5)
    assert.equal(reader.readRows(out), 0)
    reader.push(body.subarray(body.length - 1))
    assert.equal(reader.readRows(out), 1)
    reader.finish()
    assert.deepEqual(
      out.map((r) => r[0]),
      Array.from({ length: 10 }, (_, i) => BigInt(i)),
    )
  })

  test('columns appear once the header is complete', async () => {
    const body = await chdbBody("SELECT 1 AS `a b`, 'x' AS c", RB)
    const reader = new RowBinaryReader()
    reader.push(body.subarray(0, 5))
    assert.equal(reader.readRows([]), 0)
    assert.equal(reader.columns, undefined)
    reader.push(body.subarray(5))
    // The getter is re-read after push (TypeScript narrowed it to undefined above).
    const later = reader as RowBinaryReader
    assert.equal(reader.readRows([]), 1)
    assert.deepEqual(
      later.columns?.map((c) => [c.name, c.type]),
      [
        ['a b', 'UInt8'],
        ['c', 'String'],
      ],
    )
  })

  test('finish() may come before the last readRows', async () => {
    for (const [format, make] of [
      [RB, () => new RowBinaryReader()],
      [TSV, () => new TsvReader()],
    ] as const) {
      const reader = make()
      reader.push(await chdbBody('SELECT number FROM numbers(5)', format))
      reader.finish()
      const out: unknown[][] = []
      while (reader.readRows(out, 2) > 0) {}
      assert.deepEqual(out, [[0n], [1n], [2n], [3n], [4n]], format)
    }
  })

  test('an empty result has columns and no rows', async () => {
    for (const [format, make] of [
      [RB, () => new RowBinaryReader()],
      [TSV, () => new TsvReader()],
    ] as const) {
      const reader = make()
      const rows = decodeAll(reader, await chdbBody('SELECT number AS n FROM numbers(0)', format), 1)
      assert.deepEqual(rows, [])
      assert.deepEqual(
        reader.columns?.map((c) => c.name),
        ['n'],
        format,
      )
    }
  })

  test('plain RowBinary with columns given up front', async () => {
    const body = await chdbBody(
      'SELECT number AS n, toString(number) AS s, [toNullable(number)] AS a FROM numbers(3)',
      'RowBinary',
    )
    const reader = new RowBinaryReader({
      columns: [
        { name: 'n', type: 'UInt64' },
        { name: 's', type: 'String' },
        {
          name: 'a',
          type: {
            kind: 'Array',
            element: { kind: 'Nullable', inner: { kind: 'Int', signed: false, bits: 64 } },
          },
        },
      ],
    })
    assert.deepEqual(
      reader.columns?.map((c) => c.type),
      ['UInt64', 'String', 'Array(Nullable(UInt64))'],
    )
    assert.deepEqual(decodeAll(reader, body, 2), [
      [0n, '0', [0n]],
      [1n, '1', [1n]],
      [2n, '2', [2n]],
    ])
  })

  for (const format of [RB, TSV]) {
    const make = () => (format === RB ? new RowBinaryReader() : new TsvReader())
    test(`${format}: truncated body -> ProtocolError from finish()`, async () => {
      const body = await chdbBody("SELECT number, 'abc' FROM numbers(3)", format)
      for (const cut of [1, 3, body.length - 1]) {
        const reader = make()
        reader.push(body.subarray(0, cut))
        reader.readRows([])
        assert.throws(
          () => reader.finish(),
          (e: unknown) => e instanceof ProtocolError && /truncated/.test(e.message),
          `cut ${cut}`,
        )
      }
    })
    test(`${format}: empty body -> ProtocolError from finish()`, () => {
      assert.throws(() => make().finish(), ProtocolError)
    })
  }

  test('unknown type in the header -> ProtocolError naming it', () => {
    const reader = new RowBinaryReader()
    const enc = new TextEncoder()
    reader.push(new Uint8Array([1, 1, 97, 11, ...enc.encode('NotAType(1)')]))
    assert.throws(
      () => reader.readRows([]),
      (e: unknown) => e instanceof ProtocolError && e.message.includes('NotAType(1)'),
    )
  })

  test('TSV row with the wrong number of fields -> ProtocolError', () => {
    const reader = new TsvReader()
    reader.push(new TextEncoder().encode('a\tb\nUInt8\tString\n1\tx\ty\n'))
    assert.throws(() => reader.readRows([]), ProtocolError)
  })

  test('a Dynamic value of a type the reader does not know -> NotSupportedError', () => {
    const reader = new RowBinaryReader({ columns: [{ name: 'd', type: 'Dynamic' }] })
    // 0x24 is the binary encoding of a Function type.
    reader.push(new Uint8Array([0x24, 0, 0]))
    assert.throws(() => reader.readRows([]), NotSupportedError)
  })
})
