/**
 * Db2 for i's type table (docs/mapepire.md "Types"): per column type, the JS
 * values written through Kysely and the JS values read back.
 */

import type { TypeCase } from '../../../../test/conformance/fixture.ts'

const same = (v: unknown): [unknown, unknown] => [v, v]

export const DB2_TYPES: TypeCase[] = [
  { name: 'i16', type: 'SMALLINT', rows: [same(-32768), same(32767), same(0), same(null)] },
  { name: 'i32', type: 'INTEGER', rows: [same(-2147483648), same(2147483647), same(0), ['7', 7]] },
  {
    name: 'i64',
    type: 'BIGINT',
    rows: [
      same(-9223372036854775808n),
      same(9223372036854775807n),
      [0, 0n],
      ['-9007199254740993', -9007199254740993n],
    ],
  },
  {
    name: 'd31',
    type: 'DECIMAL(31, 10)',
    rows: [
      same('123456789012345678901.0123456789'),
      ['-0.5', '-0.5000000000'],
      [12, '12.0000000000'],
      same(null),
    ],
  },
  {
    name: 'n9',
    type: 'NUMERIC(9, 2)',
    rows: [same('1234567.89'), ['-1', '-1.00'], same('0.00'), same(null)],
  },
  {
    name: 'f64',
    type: 'DOUBLE',
    rows: [same(0.1), same(-1.5), same(1.7976931348623157e308), same(2.2250738585072014e-308)],
  },
  {
    name: 's',
    type: 'VARCHAR(200)',
    rows: [same("O'Brien \\ backslash"), same('émoji 🦆 漢字'), same(''), same(null)],
  },
  { name: 'c5', type: 'CHAR(5)', rows: [same('abc'), same('abcde'), same('a b'), same(null)] },
  {
    name: 'day',
    type: 'DATE',
    rows: [same('2024-02-29'), same('0001-01-01'), same('9999-12-31'), same(null)],
  },
  { name: 'tm', type: 'TIME', rows: [same('00:00:00'), same('23:59:59'), same('13:45:30'), same(null)] },
  {
    name: 'ts',
    type: 'TIMESTAMP',
    rows: [
      same(new Date('2024-06-15T13:45:30.123Z')),
      same(new Date('1969-07-20T20:17:40Z')),
      same(new Date('2105-12-31T23:59:59.999Z')),
      same(null),
    ],
  },
  { name: 'ok', type: 'BOOLEAN', rows: [same(true), same(false), same(null), same(true)] },
  {
    name: 'bin',
    type: 'VARBINARY(16)',
    rows: [
      [Buffer.from('00ff10', 'hex'), Buffer.from('00ff10', 'hex')],
      [Buffer.alloc(0), Buffer.alloc(0)],
      same(null),
      [Buffer.from('deadbeef', 'hex'), Buffer.from('deadbeef', 'hex')],
    ],
  },
]
