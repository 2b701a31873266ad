import assert from 'node:assert/strict'
import { test } from 'node:test'
import { scanCode } from '@tributary/core'
import { seededRandom } from '../../../../test/support/seeded-random.ts'
import { findPlaceholders } from '../../src/params/placeholders.ts'
import { CLICKHOUSE_SQL } from '../../src/statement-kind.ts'

/**
 * `{name:Type}` placeholders are found exactly where the statement has code, as
 * core's SQL scanner reads ClickHouse text (`CLICKHOUSE_SQL`): the statement
 * classifier, the deferred-type marks and the placeholder finder must never
 * disagree about what is a string, a quoted name or a comment. Statements are
 * generated from known pieces, so which placeholders are code is known without
 * any scanner.
 */

const TYPES = [
  'UInt8',
  "DateTime64(3, 'UTC')",
  "Enum8('a}' = 1, 'b)' = 2)",
  'Map(String, Array(String))',
  '`x}`',
]
/** Text that looks like SQL structure, for inside strings, names and comments. */
const NOISE = [
  '{p:UInt8}',
  '{',
  '}',
  ':',
  "'",
  '"',
  '`',
  '\\',
  '--',
  '#',
  '/*',
  '*/',
  '\n',
  ' ',
  'x',
  ';',
  '(',
]

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!
}

function noise(next: () => number, avoid: (piece: string) => boolean): string {
  let text = ''
  const n = Math.floor(next() * 6)
  for (let k = 0; k < n; k++) {
    const piece = pick(next, NOISE)
    if (!avoid(piece)) text += piece
  }
  return text
}

/** Quoted text whose content is `raw`, escaped as ClickHouse reads it (backslash or doubled quote). */
function quoted(next: () => number, quote: string, raw: string): string {
  let body = ''
  for (const c of raw) {
    if (c === '\\') body += '\\\\'
    else if (c === quote) body += next() < 0.5 ? `\\${c}` : `${c}${c}`
    else body += c
  }
  return `${quote}${body}${quote}`
}

function dataPiece(next: () => number): string {
  switch (Math.floor(next() * 6)) {
    case 0:
      return quoted(
        next,
        "'",
        noise(next, () => false),
      )
    case 1:
      return quoted(
        next,
        '"',
        noise(next, () => false),
      )
    case 2:
      return quoted(
        next,
        '`',
        noise(next, () => false),
      )
    case 3:
      return `--${noise(next, (p) => p.includes('\n'))}\n`
    case 4:
      return `# ${noise(next, (p) => p.includes('\n'))}\n`
    default: {
      // Block comments nest in ClickHouse: an inner pair never ends the outer one.
      const inner = noise(next, (p) => p.includes('*/') || p.includes('/*'))
      return next() < 0.5 ? `/* ${inner} */` : `/* a /* ${inner} */ {q:UInt8} */`
    }
  }
}

test('placeholders are found in code and only there, as core reads ClickHouse SQL', () => {
  const next = seededRandom(20261201)
  for (let round = 0; round < 3000; round++) {
    let sql = 'SELECT '
    const expected: [name: string, type: string, start: number][] = []
    const pieces = 1 + Math.floor(next() * 8)
    for (let k = 0; k < pieces; k++) {
      if (next() < 0.4) {
        const type = pick(next, TYPES)
        const name = `p${expected.length}`
        expected.push([name, type, sql.length])
        sql += `{${name}:${type}}`
      } else {
        sql += dataPiece(next)
      }
      sql += pick(next, [' ', ', ', '\n', ' + '])
    }
    const found = findPlaceholders(sql)
    assert.deepEqual(
      found.map((p) => [p.name, p.type, p.start]),
      expected,
      `placeholders of ${JSON.stringify(sql)}`,
    )
    const code = new Set<number>()
    scanCode(sql, CLICKHOUSE_SQL, (i) => {
      code.add(i)
      return undefined
    })
    for (const p of found)
      assert.ok(code.has(p.start), `{${p.name}: at ${p.start} is code for core's scanner`)
  }
})
