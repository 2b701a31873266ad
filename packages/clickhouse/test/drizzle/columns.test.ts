import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ConfigurationError } from '@tributary/core'
import { getTableConfig } from 'drizzle-orm/pg-core'
import {
  array,
  chTable,
  dateTime,
  dateTime64,
  decimal,
  enum8,
  enum16,
  fixedString,
  lowCardinality,
  map,
  nullable,
  string,
  tuple,
  uint8,
  uint64,
} from '../../src/drizzle/index.ts'
import { TypedValue } from '../../src/params/typed.ts'

describe('ClickHouse column builders', () => {
  const t = chTable('t', {
    id: uint64('id'),
    city: lowCardinality(string('city')),
    maybe: nullable(uint8()),
    tags: array('tags', nullable(string())),
    attrs: map('attrs', string(), uint64()),
    pair: tuple('pair', string(), uint8()),
    price: decimal('price', 18, 4),
    code: fixedString('code', 3),
    at: dateTime('at', 'Europe/Lisbon'),
    precise: dateTime64('precise', 6, 'UTC'),
    mood: enum8('mood', ['happy', 'sad']),
    level: enum16('level', { low: -1, high: 1000 }),
  })

  test('getSQLType() is the exact ClickHouse type, names come from the inner builder or the key', () => {
    const columns = Object.fromEntries(getTableConfig(t).columns.map((c) => [c.name, c.getSQLType()]))
    assert.deepEqual(columns, {
      id: 'UInt64',
      city: 'LowCardinality(String)',
      maybe: 'Nullable(UInt8)',
      tags: 'Array(Nullable(String))',
      attrs: 'Map(String, UInt64)',
      pair: 'Tuple(String, UInt8)',
      price: 'Decimal(18, 4)',
      code: 'FixedString(3)',
      at: "DateTime('Europe/Lisbon')",
      precise: "DateTime64(6, 'UTC')",
      mood: "Enum8('happy' = 1, 'sad' = 2)",
      level: "Enum16('low' = -1, 'high' = 1000)",
    })
  })

  test('toDriver wraps values with the column type; NULL stays NULL', () => {
    const id = t.id.mapToDriverValue(5n)
    assert.ok(id instanceof TypedValue)
    assert.equal(id.type, 'UInt64')
    assert.equal(id.value, 5n)
    assert.equal(t.maybe.mapToDriverValue(null as never), null)
  })

  test('fromDriver normalises other spellings to the documented JS types', () => {
    assert.equal(t.id.mapFromDriverValue('18446744073709551615'), 18446744073709551615n)
    assert.equal(t.price.mapFromDriverValue(1.5), '1.5')
    assert.deepEqual(t.attrs.mapFromDriverValue(new Map([['a', '7']])), { a: 7n })
    assert.deepEqual(t.tags.mapFromDriverValue(['x', null]), ['x', null])
    assert.deepEqual(t.pair.mapFromDriverValue(['k', '3']), ['k', 3])
    assert.equal(
      (t.at.mapFromDriverValue('2024-01-02 03:04:05') as Date).toISOString(),
      '2024-01-02T03:04:05.000Z',
    )
    assert.equal(t.precise.mapFromDriverValue('2024-01-02T03:04:05.123456Z'), '2024-01-02T03:04:05.123456Z')
    assert.equal(t.mood.mapFromDriverValue(2), 'sad')
  })

  test('invalid type arguments and foreign inner builders are configuration errors', () => {
    assert.throws(() => decimal(0, 0), ConfigurationError)
    assert.throws(() => dateTime64(10), ConfigurationError)
    assert.throws(() => enum8({ big: 300 }), ConfigurationError)
    assert.throws(() => fixedString(0), ConfigurationError)
    assert.throws(() => array({} as never), ConfigurationError)
  })
})
