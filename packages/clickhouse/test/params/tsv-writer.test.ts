import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { ParameterError } from '@tributary/core'
import { Session } from 'chdb'
import { formatTsvRow, TSV_INSERT_SETTINGS } from '../../src/formats/tsv-writer.ts'
import { parseType } from '../../src/formats/type-parser.ts'
import { generateParameterCases } from '../fuzz/parameter-values.ts'

let dir: string
let session: Session

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsv-writer-'))
  session = new Session(dir)
})
after(() => {
  session.cleanup?.()
  rmSync(dir, { recursive: true, force: true })
})

test('rows written by formatTsvRow come back exactly after INSERT … FORMAT TabSeparated', async () => {
  // Group generated cases by type so each type gets one table with many rows.
  // Each value is checked against the same value built on the server from digits and hex (the case's
  // `expression`): the server's own rendering is the oracle.
  const byType = new Map<string, { values: unknown[]; expressions: string[] }>()
  for (const c of generateParameterCases(4242, 1500)) {
    const group = byType.get(c.type) ?? { values: [], expressions: [] }
    group.values.push(c.value)
    group.expressions.push(c.expression)
    byType.set(c.type, group)
  }
  let tables = 0
  let rows = 0
  for (const [type, group] of byType) {
    const t = parseType(type)
    const table = `t${tables++}`
    session.query(`CREATE TABLE ${table} (i UInt32, v ${type}, z String) ENGINE = Memory`)
    const tsv = group.values
      .map((v, i) => formatTsvRow([i, v, 'end'], [parseType('UInt32'), t, parseType('String')]))
      .join('')
    await session.insert({
      table,
      values: Buffer.from(tsv),
      format: 'TabSeparated',
      settings: { ...TSV_INSERT_SETTINGS },
    })
    const stored = session.query(`SELECT toString(v), z FROM ${table} ORDER BY i`, 'TabSeparated')
    // One row, a column per value; TabSeparated escapes tabs inside values, so a tab separates columns.
    const built = session.query(
      `SELECT ${group.expressions.map((e) => `toString(${e})`).join(', ')}`,
      'TabSeparated',
    )
    const want = built.replace(/\n$/, '').split('\t')
    assert.equal(want.length, group.values.length, `${type}: one column per value`)
    assert.equal(stored, want.map((w) => `${w}\tend\n`).join(''), type)
    rows += group.values.length
  }
  assert.equal(rows, 1500)
})

test('formatTsvRow escapes separators and NULL, refuses a wrong column count', () => {
  const types = ['String', 'Nullable(String)', 'Array(String)'].map((t) => parseType(t))
  assert.equal(formatTsvRow(['a\tb\nc\\', null, ['x\ty']], types), "a\\tb\\nc\\\\\t\\N\t['x\\ty']\n")
  assert.throws(() => formatTsvRow([1], types), ParameterError)
  assert.throws(() => formatTsvRow([null, null, []], types), /column '1'/)
})
