/**
 * Athena's type table (docs/athena.md "Types"): per column type as Hive DDL
 * writes it, the JS values written through Kysely and the JS values read back.
 */

import { typed } from '@tributary/athena'
import type { TypeCase } from '../../../../test/conformance/fixture.ts'

const same = (v: unknown): [unknown, unknown] => [v, v]

export function athenaTypes(): TypeCase[] {
  return [
    { name: 'b', type: 'boolean', rows: [same(true), same(false), same(null)] },
    { name: 'i8', type: 'tinyint', rows: [same(-128), same(127), same(null)] },
    { name: 'i16', type: 'smallint', rows: [same(-32768), same(32767), same(0)] },
    { name: 'i32', type: 'int', rows: [same(-2147483648), same(2147483647), same(null)] },
    {
      name: 'i64',
      type: 'bigint',
      rows: [same(-9223372036854775808n), same(9223372036854775807n), [9007199254740993n, 9007199254740993n]],
    },
    { name: 'f64', type: 'double', rows: [same(0.1), same(-1.7976931348623157e308), same(null)] },
    { name: 'f32', type: 'float', rows: [same(0.1), same(-2.5), same(null)] },
    {
      name: 'd38',
      type: 'decimal(38,10)',
      rows: [
        [
          typed('1234567890123456789012345678.0123456789', 'decimal(38,10)'),
          '1234567890123456789012345678.0123456789',
        ],
        [typed('-0.5', 'decimal(38,10)'), '-0.5000000000'],
        same(null),
      ],
    },
    { name: 's', type: 'string', rows: [same('it\'s "q", a\nline ✓'), same(''), same(null)] },
    { name: 'v', type: 'varchar(10)', rows: [same('short'), same(' padded '), same(null)] },
    {
      name: 'bin',
      type: 'binary',
      rows: [same(Uint8Array.from([0, 255, 16])), same(new Uint8Array(0)), same(null)],
    },
    {
      name: 'day',
      type: 'date',
      rows: [
        [typed('2024-02-29', 'date'), '2024-02-29'],
        [typed('1969-12-31', 'date'), '1969-12-31'],
        same(null),
      ],
    },
    {
      name: 'at',
      type: 'timestamp',
      rows: [
        same(new Date('2024-01-02T03:04:05.678Z')),
        same(new Date('1969-12-31T23:59:59.999Z')),
        same(null),
      ],
    },
    {
      // The suite reads `select * … order by id`: Athena's text in every mode (unload reads an ordered query
      // from its CSV). Exact values come from a JSON cast or an unordered unload (docs/athena.md "Nested values").
      name: 'tags',
      type: 'array<string>',
      rows: [[['a, b', 'c}'], '[a, b, c}]'], [[], '[]'], same(null)],
    },
  ]
}
