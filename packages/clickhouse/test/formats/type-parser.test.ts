import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ProtocolError } from '@tributary/core'
import { formatType, parseType } from '../../src/formats/type-parser.ts'

describe('parseType / formatType', () => {
  const roundTrips = [
    'UInt8',
    'Int256',
    'Float32',
    'Bool',
    'String',
    'FixedString(16)',
    'Date',
    'Date32',
    'DateTime',
    "DateTime('Asia/Kolkata')",
    'DateTime64(3)',
    "DateTime64(9, 'Asia/Kolkata')",
    'Decimal(10, 2)',
    "Enum8('a' = 1, 'b\\'c' = -2, 'x\\\\y' = 3)",
    "Enum16('big' = 1000)",
    'UUID',
    'IPv4',
    'IPv6',
    'Nothing',
    'Nullable(String)',
    'LowCardinality(Nullable(String))',
    'Array(Array(Nullable(UInt64)))',
    'Tuple(UInt8, String)',
    'Tuple(a UInt8, `b c` Nullable(String))',
    'Map(String, Array(Nullable(UInt64)))',
    'Variant(String, UInt64)',
    'JSON',
    'Dynamic',
  ]
  for (const text of roundTrips) {
    test(`round trip ${text}`, () => assert.equal(formatType(parseType(text)), text))
  }

  test('Decimal widths from precision and DecimalNN(S)', () => {
    assert.deepEqual(parseType('Decimal(9, 2)'), { kind: 'Decimal', precision: 9, scale: 2, bits: 32 })
    assert.deepEqual(parseType('Decimal(18, 0)'), { kind: 'Decimal', precision: 18, scale: 0, bits: 64 })
    assert.deepEqual(parseType('Decimal(38, 10)'), { kind: 'Decimal', precision: 38, scale: 10, bits: 128 })
    assert.deepEqual(parseType('Decimal(39, 10)'), { kind: 'Decimal', precision: 39, scale: 10, bits: 256 })
    assert.deepEqual(parseType('Decimal64(4)'), { kind: 'Decimal', precision: 18, scale: 4, bits: 64 })
    assert.deepEqual(parseType('Decimal256(20)'), { kind: 'Decimal', precision: 76, scale: 20, bits: 256 })
  })

  test('wrappers and aliases', () => {
    assert.equal(
      formatType(parseType('SimpleAggregateFunction(anyLast, Nullable(String))')),
      'Nullable(String)',
    )
    assert.equal(
      formatType(parseType('SimpleAggregateFunction(sumMap, Map(String, UInt64))')),
      'Map(String, UInt64)',
    )
    assert.equal(formatType(parseType('Nested(a UInt8, b String)')), 'Array(Tuple(a UInt8, b String))')
    assert.equal(formatType(parseType("Object('json')")), 'JSON')
    assert.equal(
      formatType(parseType("JSON(max_dynamic_paths=10, a.b UInt32, SKIP a.c, SKIP REGEXP '(x')")),
      'JSON',
    )
    assert.equal(formatType(parseType('Dynamic(max_types=3)')), 'Dynamic')
    assert.equal(formatType(parseType('BOOLEAN')), 'Bool')
    assert.equal(formatType(parseType('boolean')), 'Bool')
    assert.equal(
      formatType(parseType('Tuple(String String, Int32 Int32)')),
      'Tuple(String String, Int32 Int32)',
    )
    assert.equal(formatType(parseType('Tuple(\n  a UInt8,\n  b String\n)')), 'Tuple(a UInt8, b String)')
    assert.equal(formatType(parseType('Point')), 'Tuple(Float64, Float64)')
  })

  test('Enum names keep escaped quotes', () => {
    const t = parseType("Enum8('it\\'s' = 1, 'a\\\\b' = 2)")
    assert.equal(t.kind, 'Enum')
    if (t.kind === 'Enum')
      assert.deepEqual(
        [...t.values],
        [
          [1, "it's"],
          [2, 'a\\b'],
        ],
      )
  })

  for (const text of ['Foo', 'AggregateFunction(sum, UInt64)', 'Array(UInt8', 'Decimal(100, 2)', 'UInt8 x']) {
    test(`rejects ${text}`, () => {
      assert.throws(
        () => parseType(text),
        (e: unknown) => e instanceof ProtocolError && e.message.includes(text),
      )
    })
  }
})
