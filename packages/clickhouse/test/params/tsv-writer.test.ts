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
  const byType = new Map<string, { values: unknown[]; expected: string[] }>()
  for (const c of generateParameterCases(4242, 1500)) {
    const group = byType.get(c.type) ?? { values: [], expected: [] }
    group.values.push(c.value)
    group.expected.push(c.expected)
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
    const out = session.query(
      `SELECT v, z FROM ${table} ORDER BY i SETTINGS output_format_decimal_trailing_zeros = 1`,
      'TabSeparated',
    )
    assert.equal(out, group.expected.map((e) => `${e}\tend\n`).join(''), type)
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
