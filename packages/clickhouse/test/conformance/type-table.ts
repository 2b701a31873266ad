/**
 * ClickHouse's type table (docs/clickhouse-types.md): per column type, the JS
 * values written and the JS values read back. The conformance suite writes
 * them through Kysely; packages/clickhouse/test/types writes them through
 * `client.insert` as well.
 */

import type { TypeCase } from '../../../../test/conformance/fixture.ts'

const same = (v: unknown): [unknown, unknown] => [v, v]
const utc = (iso: string) => new Date(iso)

/** Types every backend has, ClickHouse 18.16 included. */
export const COMMON: TypeCase[] = [
  { name: 'i8', type: 'Int8', rows: [same(-128), same(127), same(0), ['-1', -1]] },
  { name: 'i16', type: 'Int16', rows: [same(-32768), same(32767), same(0), [7n, 7]] },
  { name: 'i32', type: 'Int32', rows: [same(-2147483648), same(2147483647), same(0), same(-1)] },
  {
    name: 'i64',
    type: 'Int64',
    rows: [
      same(-9223372036854775808n),
      same(9223372036854775807n),
      [0, 0n],
      ['-9007199254740993', -9007199254740993n],
    ],
  },
  { name: 'u8', type: 'UInt8', rows: [same(0), same(255), same(1), [200n, 200]] },
  { name: 'u16', type: 'UInt16', rows: [same(0), same(65535), same(1), same(256)] },
  { name: 'u32', type: 'UInt32', rows: [same(0), same(4294967295), same(1), same(2147483648)] },
  {
    name: 'u64',
    type: 'UInt64',
    rows: [
      [0, 0n],
      same(18446744073709551615n),
      same(9007199254740993n),
      ['12345678901234567890', 12345678901234567890n],
    ],
  },
  {
    name: 'f32',
    type: 'Float32',
    rows: [
      [0.1, Math.fround(0.1)],
      same(Number.NaN),
      same(Number.NEGATIVE_INFINITY),
      [3.4028234663852886e38, 3.4028234663852886e38],
    ],
  },
  {
    name: 'f64',
    type: 'Float64',
    rows: [same(0.1), same(Number.POSITIVE_INFINITY), same(-1.5), same(2.2250738585072014e-308)],
  },
  { name: 'f64_zero', type: 'Float64', rows: [same(-0), same(0), ['-0', -0], [0n, 0]] },
  {
    name: 'f64max',
    type: 'Float64',
    rows: [same(1.7976931348623157e308), same(-1.7976931348623157e308), same(2 ** 53 + 2), same(1e-7)],
  },
  {
    name: 'd9',
    type: 'Decimal(9, 2)',
    rows: [
      ['-9999999.99', '-9999999.99'],
      ['9999999.99', '9999999.99'],
      [0, '0.00'],
      ['1234567.5', '1234567.50'],
    ],
  },
  {
    name: 'd18',
    type: 'Decimal(18, 4)',
    rows: [
      [12.34, '12.3400'],
      ['-0.0001', '-0.0001'],
      [1n, '1.0000'],
      ['1e3', '1000.0000'],
    ],
  },
  {
    name: 'd0',
    type: 'Decimal(10, 0)',
    rows: [
      ['9999999999', '9999999999'],
      ['-9999999999', '-9999999999'],
      [0, '0'],
      [42n, '42'],
    ],
  },
  {
    name: 's',
    type: 'String',
    rows: [
      same('nul\0inside\0'),
      same('unicode é ✓ 🦆 \u{10ffff}'),
      same(''),
      same(`quotes ' " \` back\\slash \\N \\t tab\tnl\nret\r ff\f bs\b`),
    ],
  },
  {
    name: 'fs',
    type: 'FixedString(4)',
    rows: [['ab', 'ab\0\0'], same('abcd'), ['', '\0\0\0\0'], ['é', 'é\0\0']],
  },
  {
    name: 'date',
    type: 'Date',
    rows: [
      same('1970-01-01'),
      same('2105-12-31'),
      [utc('2024-02-29T00:00:00Z'), '2024-02-29'],
      same('2000-01-01'),
    ],
  },
  {
    name: 'dt_utc',
    type: "DateTime('UTC')",
    rows: [
      same(utc('1970-01-01T00:00:00Z')),
      same(utc('2105-12-31T23:59:59Z')),
      ['2024-01-02T08:34:05+05:30', utc('2024-01-02T03:04:05Z')],
      [1700000000, utc('2023-11-14T22:13:20Z')],
    ],
  },
  {
    name: 'dt_kolkata',
    type: "DateTime('Asia/Kolkata')",
    rows: [
      same(utc('1970-01-01T00:00:00Z')),
      same(utc('2105-12-31T23:59:59Z')),
      ['2024-01-02 03:04:05', utc('2024-01-02T03:04:05Z')],
      same(utc('2024-06-30T18:30:00Z')),
    ],
  },
  {
    name: 'e8',
    type: "Enum8('a' = 1, 'b c' = -128, 'q\\'s' = 127, '' = 0)",
    rows: [same('a'), same('b c'), [127, "q's"], same('')],
  },
  {
    name: 'uuid',
    type: 'UUID',
    rows: [
      same('00000000-0000-0000-0000-000000000000'),
      ['FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
      same('123e4567-e89b-12d3-a456-426614174000'),
      same('01890a5d-ac96-774b-bcce-b302099a8057'),
    ],
  },
  { name: 'n_str', type: 'Nullable(String)', rows: [same(null), same(''), same('\\N'), same('NULL')] },
  { name: 'n_i64', type: 'Nullable(Int64)', rows: [same(null), [-1, -1n], same(0n), [undefined, null]] },
  {
    name: 'arr',
    type: 'Array(Nullable(String))',
    rows: [
      same([]),
      same([null, '', "it's", 'a,b]', '\\', 'tab\tnl\n']),
      same([null]),
      same(['NULL', '\\N', 'é🦆', "'"]),
    ],
  },
  {
    name: 'tup',
    type: 'Tuple(UInt8, String)',
    rows: [same([0, '']), same([255, "it's (a, b)"]), same([1, '\\']), same([2, 'x\ty'])],
  },
]

/** Types of servers with RowBinaryWithNamesAndTypes (19.3+ and chDB). */
export const MODERN: TypeCase[] = [
  // 18.16's float parser reads the smallest subnormals as 0 (its own limit, not the client's).
  { name: 'f64_sub', type: 'Float64', rows: [same(5e-324), same(-5e-324), same(1e-320), same(4.9e-322)] },
  {
    name: 'd38',
    type: 'Decimal(38, 10)',
    rows: [
      same('-9999999999999999999999999999.9999999999'),
      same('9999999999999999999999999999.9999999999'),
      [0, '0.0000000000'],
      ['0.0000000001', '0.0000000001'],
    ],
  },
  { name: 'b', type: 'Bool', rows: [same(true), same(false), [1, true], [0n, false]] },
  {
    name: 'd32',
    type: 'Date32',
    rows: [
      same('1900-01-01'),
      same('2299-12-31'),
      same('1969-12-31'),
      [utc('1950-06-15T00:00:00Z'), '1950-06-15'],
    ],
  },
  {
    name: 'dt64_3',
    type: "DateTime64(3, 'UTC')",
    rows: [
      same(utc('1900-01-01T00:00:00.000Z')),
      same(utc('2299-12-31T23:59:59.999Z')),
      same(new Date(-1)),
      ['2024-01-02T03:04:05.123+01:00', utc('2024-01-02T02:04:05.123Z')],
    ],
  },
  {
    name: 'dt64_6',
    type: "DateTime64(6, 'Asia/Tokyo')",
    rows: [
      same('1969-12-31T23:59:59.999999Z'),
      same('2024-01-02T03:04:05.123456Z'),
      [utc('2024-01-02T03:04:05.120Z'), '2024-01-02T03:04:05.120000Z'],
      ['1960-05-06T07:08:09.000001Z', '1960-05-06T07:08:09.000001Z'],
    ],
  },
  {
    name: 'i128',
    type: 'Int128',
    rows: [
      same(-(2n ** 127n)),
      same(2n ** 127n - 1n),
      [0, 0n],
      ['-170141183460469231731687303715884105727', -(2n ** 127n) + 1n],
    ],
  },
  { name: 'u256', type: 'UInt256', rows: [[0, 0n], same(2n ** 256n - 1n), same(2n ** 64n), same(1n)] },
  {
    name: 'ip4',
    type: 'IPv4',
    rows: [same('0.0.0.0'), same('255.255.255.255'), same('192.168.1.1'), [0x7f000001, '127.0.0.1']],
  },
  {
    name: 'ip6',
    type: 'IPv6',
    rows: [
      same('::'),
      same('::ffff:1.2.3.4'),
      ['FE80:0:0:0:0:0:0:1', 'fe80::1'],
      ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'],
    ],
  },
  {
    name: 'm',
    type: 'Map(String, Array(UInt64))',
    rows: [
      same({}),
      same({ a: [1n, 18446744073709551615n], "k'\\": [] }),
      [new Map([['x', [0]]]), { x: [0n] }],
      same({ '': [2n], 'tab\t': [3n] }),
    ],
  },
  {
    name: 'nt',
    type: 'Tuple(a Int32, b Nullable(String))',
    rows: [
      same({ a: -1, b: null }),
      same({ a: 2147483647, b: "it's" }),
      [[0, ''], { a: 0, b: '' }],
      same({ a: 5, b: '\\N' }),
    ],
  },
  { name: 'lc', type: 'LowCardinality(String)', rows: [same(''), same('x'), same('x'), same('🦆\0')] },
  {
    name: 'lc_n',
    type: 'LowCardinality(Nullable(String))',
    rows: [same(null), same('x'), same(''), same('NULL')],
  },
]

/** Types that were experimental before ClickHouse 25 (chDB 26 has them without settings). */
export const OPTIONAL: TypeCase[] = [
  {
    name: 'v',
    type: 'Variant(String, UInt64)',
    // A number goes to the variant that accepts it; a string that reads as a number would not stay a String.
    rows: [same(null), same('it\'s "q"\ttab\nnl \\ \\N \0'), same(18446744073709551615n), [7, 7n]],
  },
  {
    name: 'j',
    type: 'JSON',
    rows: [
      same({}),
      same({ a: 1, b: { c: 'x' } }),
      same({ big: 18446744073709551615n, s: "it's\t\\" }),
      same({ arr: ['x', 'y'] }),
    ],
  },
]
