import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { parseType } from '../../src/formats/type-parser.ts'
import {
  type DeferredType,
  deferredMark,
  deferredPlaceholder,
  findDeferredTypes,
  replaceDeferredTypes,
} from '../../src/params/deferred.ts'
import { placeholder } from '../../src/params/infer.ts'
import { resolveDeferredType } from '../../src/params/resolve-deferred.ts'
import type { ValueContext } from '../../src/params/scalars.ts'
import type { TableDescription } from '../../src/table-columns.ts'
import type { ServerInfo } from '../../src/transport/transport.ts'

const MODERN: ServerInfo = {
  version: '26.7.2',
  supportsQueryParameters: true,
  supportsRowBinaryWithNamesAndTypes: true,
  timezone: 'UTC',
}
const LEGACY: ServerInfo = { ...MODERN, version: '18.16.1', supportsQueryParameters: false }

function table(name: string, columns: Record<string, string>): [string, TableDescription] {
  const list = Object.entries(columns).map(([n, t]) => ({ name: n, type: parseType(t), defaultKind: '' }))
  return [name, { table: name, columns: list, byName: new Map(list.map((c) => [c.name, c])) }]
}

describe('deferred types', () => {
  test('marks survive any table and column name and are found only in code', () => {
    const odd: DeferredType = {
      kind: 'column',
      name: 'p1',
      table: '`db`.`t}"\uE011\uE010`',
      column: "é'\u{1F600}",
    }
    const sql = `insert into t values (${deferredPlaceholder(odd)}) -- ${deferredMark({ kind: 'value', name: 'p9' })}
      ${"'"}${deferredMark({ kind: 'value', name: 'p8' })}' ${deferredMark({ kind: 'instant', precision: 6 })}`
    const found = findDeferredTypes(sql)
    assert.deepEqual(
      found.map((f) => f.type),
      [odd, { kind: 'instant', precision: 6 }],
    )
    assert.equal(
      replaceDeferredTypes(sql, found, (t) => (t.kind === 'instant' ? 'I' : 'C')),
      `insert into t values ({p1:C}) -- ${deferredMark({ kind: 'value', name: 'p9' })}
      '${deferredMark({ kind: 'value', name: 'p8' })}' I`,
    )
  })

  test('a value with a JS Date is left to the server; others are typed at once', () => {
    assert.equal(placeholder('p1', 5), '{p1:Int64}')
    assert.equal(placeholder('p1', [new Date(0)]), deferredPlaceholder({ kind: 'value', name: 'p1' }))
    assert.equal(placeholder('p2', { a: new Date(0) }), deferredPlaceholder({ kind: 'value', name: 'p2' }))
  })

  test('resolution: the column type, the inner type for a non-NULL SET on Nullable, the server instant type', () => {
    const tables = new Map([table('`t`', { a: 'UInt8', n: 'Nullable(Int32)' })])
    const targets: Record<string, ValueContext> = {}
    const resolve = (type: DeferredType, values: Record<string, unknown>, server = MODERN) =>
      resolveDeferredType(type, values, tables, server, targets)
    assert.equal(resolve({ kind: 'column', name: 'p1', table: '`t`', column: 'a' }, { p1: 300 }), 'UInt8')
    assert.deepEqual(targets.p1, { name: 'a', role: 'column' })
    assert.equal(resolve({ kind: 'set', name: 'p2', table: '`t`', column: 'n' }, { p2: 1 }), 'Int32')
    assert.equal(
      resolve({ kind: 'set', name: 'p2', table: '`t`', column: 'n' }, { p2: null }),
      'Nullable(Int32)',
    )
    assert.equal(
      resolve({ kind: 'column', name: 'p3', table: '`t`', column: 'n' }, { p3: 1 }),
      'Nullable(Int32)',
    )
    // A column the table lacks keeps the value's type: the server reports the column.
    assert.equal(resolve({ kind: 'column', name: 'p4', table: '`t`', column: 'zz' }, { p4: 1 }), 'Int64')
    const date = { p5: [new Date(0)] }
    assert.equal(resolve({ kind: 'value', name: 'p5' }, date), "Array(DateTime64(3, 'UTC'))")
    assert.equal(resolve({ kind: 'value', name: 'p5' }, date, LEGACY), "Array(DateTime('UTC'))")
    assert.equal(resolve({ kind: 'instant', precision: 6 }, {}), "DateTime64(6, 'UTC')")
    assert.equal(resolve({ kind: 'instant', precision: 6 }, {}, LEGACY), "DateTime('UTC')")
  })
})
