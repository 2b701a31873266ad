/**
 * The literal formatter fuzzed against athena-local: seeded values of every
 * kind the formatter takes (hostile text among them) are sent in batches, as
 * `ExecutionParameters` (api mode) and inlined into the statement (csv and
 * unload modes), and each must come back exactly as sent, with the
 * statement's own columns untouched around it. A fixed seed and count keep
 * the run short and the same every time.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ParameterError, typed } from '@tributary/athena'
import { int, pick, type Rng, seededRandom } from '../../../../test/support/seeded-random.ts'
import { type LocalAthena, startLocalAthena } from '../support/athena-local.ts'

const SEED = 0x5eed_a7a1
const VALUES_PER_MODE = 240
const PER_QUERY = 24

/** Pieces that have broken SQL literal handling somewhere: quotes, escapes, comments, markers, expressions. */
const HOSTILE = [
  "'",
  "''",
  '"',
  '\\',
  "\\'",
  '\n',
  '\r\n',
  '\t',
  '?',
  '--',
  '/*',
  '*/',
  ';',
  ',',
  '1 OR 1=1',
  "x'00'",
  "X'ff'",
  "' OR '1'='1",
  "'); DROP TABLE t; --",
  'NULL',
  'null',
  '$1',
  ':name',
  '{p:String}',
  '$' + '{x}',
  '🦆',
  'ünïcödé',
  '日本語',
  'e\u0301',
  '\u00a0',
  '\ufeff',
  '\u2028',
  '"a","b"\n',
  ' ',
  '',
]

function text(rng: Rng): string {
  // A leading U+FEFF is what UTF-8 decoders drop by default: one opens a value now and then.
  const parts: string[] = rng() < 0.1 ? ['\ufeff'] : []
  for (let i = int(rng, 6); i > 0; i--) {
    parts.push(rng() < 0.6 ? pick(rng, HOSTILE) : String.fromCharCode(32 + int(rng, 95)))
  }
  return parts.join('')
}

interface Case {
  value: unknown
  /** An expression around the `?` (`cast(? as json)` for arrays, which Athena prints ambiguously otherwise). */
  wrap?: (marker: string) => string
  /** What the value must read back as. */
  expected: unknown
  /** An array: UNLOAD reads it exactly as it is, the other modes through the JSON cast. */
  nested?: boolean
}

function randomBigint(rng: Rng): bigint {
  const edges = [0n, 1n, -1n, 2n ** 31n, -(2n ** 31n) - 1n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n)]
  if (rng() < 0.4) return pick(rng, edges)
  let n = 0n
  for (let i = 0; i < 4; i++) n = (n << 16n) | BigInt(int(rng, 65536))
  n &= (1n << 63n) - 1n
  return rng() < 0.5 ? -n : n
}

function randomDouble(rng: Rng): number {
  const edges = [0.1, -0.5, 1e-7, 1.7976931348623157e308, 5e-324, 123456789.123, 2 ** 53 + 2, 1e21, -1e-300]
  if (rng() < 0.4) return pick(rng, edges)
  return (rng() - 0.5) * 10 ** (int(rng, 40) - 20)
}

function randomTimestamp(rng: Rng): Date {
  const from = Date.UTC(1900, 0, 1)
  const to = Date.UTC(2100, 0, 1)
  return new Date(from + Math.floor(rng() * (to - from)))
}

function randomDecimal(rng: Rng): { text: string; precision: number; scale: number } {
  const precision = 1 + int(rng, 38)
  const scale = int(rng, precision + 1)
  const digits = Array.from({ length: precision }, () => String(int(rng, 10))).join('')
  const whole = digits.slice(0, precision - scale).replace(/^0+(?=\d)/, '') || '0'
  const fraction = digits.slice(precision - scale)
  const sign = rng() < 0.3 ? '-' : ''
  const body = scale === 0 ? whole : `${whole}.${fraction}`
  return { text: /^[0.]+$/.test(body) ? body : `${sign}${body}`, precision, scale }
}

function randomCase(rng: Rng): Case {
  switch (int(rng, 11)) {
    case 0:
    case 1: {
      const value = text(rng)
      return { value, expected: value }
    }
    case 2: {
      // Longer than an ExecutionParameters value may be (1024 characters): inlined in every mode.
      let value = text(rng)
      while (value.length <= 1100) value += `${text(rng)}.`
      return { value, expected: value }
    }
    case 3: {
      const value = int(rng, 2 ** 31) * (rng() < 0.5 ? -1 : 1)
      return { value, expected: value }
    }
    case 4: {
      const value = randomBigint(rng)
      // A bigint inside the integer range is an integer literal, read back as a number.
      const small = value >= -(2n ** 31n) && value < 2n ** 31n
      return { value, expected: small ? Number(value) : value }
    }
    case 5: {
      const value = randomDouble(rng)
      // A whole number is an integer literal: one outside the integer range is a bigint in SQL.
      const wide = Number.isSafeInteger(value) && (value < -(2 ** 31) || value >= 2 ** 31)
      return { value, expected: wide ? BigInt(value) : value }
    }
    case 6:
      return rng() < 0.5 ? { value: rng() < 0.5, expected: undefined } : { value: null, expected: null }
    case 7: {
      const value = randomTimestamp(rng)
      return { value, expected: value }
    }
    case 8: {
      const value = Uint8Array.from({ length: int(rng, 20) }, () => int(rng, 256))
      return { value, expected: value }
    }
    case 9: {
      if (rng() < 0.5) {
        const d = randomDecimal(rng)
        return { value: typed(d.text, `decimal(${d.precision}, ${d.scale})`), expected: d.text }
      }
      const day = randomTimestamp(rng).toISOString().slice(0, 10)
      return { value: typed(day, 'date'), expected: day }
    }
    default: {
      const value = Array.from({ length: int(rng, 4) }, () => text(rng))
      return { value, wrap: (m) => `cast(${m} as json)`, expected: value, nested: true }
    }
  }
}

function cases(seed: number, count: number): Case[] {
  const rng = seededRandom(seed)
  return Array.from({ length: count }, () => {
    const c = randomCase(rng)
    return c.expected === undefined ? { ...c, expected: c.value } : c
  })
}

/** Two values are the same value (a NaN-free -0 aside, numbers compare with Object.is). */
function assertSame(actual: unknown, expected: unknown, where: string): void {
  if (expected instanceof Uint8Array) {
    assert.ok(actual instanceof Uint8Array, `${where}: expected bytes, got ${String(actual)}`)
    assert.deepEqual([...actual], [...expected], where)
    return
  }
  if (expected instanceof Date) {
    assert.ok(actual instanceof Date, `${where}: expected a Date, got ${String(actual)}`)
    assert.equal(actual.toISOString(), expected.toISOString(), where)
    return
  }
  assert.deepEqual(actual, expected, where)
}

let athena: LocalAthena

before(async () => {
  athena = await startLocalAthena()
})

after(async () => {
  await athena.stop()
})

describe('parameter fuzz against athena-local', () => {
  const runs = [
    { resultMode: 'api', inlineParameters: false, seed: SEED },
    { resultMode: 'csv', inlineParameters: true, seed: SEED + 1 },
    { resultMode: 'unload', inlineParameters: true, seed: SEED + 2 },
  ] as const
  for (const run of runs) {
    const how = run.inlineParameters ? 'inlined' : 'as ExecutionParameters'
    test(`${run.resultMode}: ${VALUES_PER_MODE} seeded values ${how} come back exactly`, async () => {
      const client = athena.client({ resultMode: run.resultMode })
      const all = cases(run.seed, VALUES_PER_MODE)
      for (let start = 0; start < all.length; start += PER_QUERY) {
        const batch = all.slice(start, start + PER_QUERY)
        // The statement's own text around the markers: a leading column, the values, a trailing one.
        const marker = (c: Case) => (c.wrap && !(c.nested && run.resultMode === 'unload') ? c.wrap('?') : '?')
        const select = batch.map((c, i) => `${marker(c)} as v${i}`).join(', ')
        const sql = `select 'first' as head, ${select}, 'last' as tail from (values 1) as t(x) where x = 1`
        const result = await client.query(
          sql,
          batch.map((c) => c.value),
          { inlineParameters: run.inlineParameters },
        )
        assert.deepEqual(
          result.columns.map((c) => c.name),
          ['head', ...batch.map((_, i) => `v${i}`), 'tail'],
          'the statement kept its columns',
        )
        assert.equal(result.rows.length, 1, 'the statement kept its WHERE')
        const row = result.rows[0]!
        assert.equal(row.head, 'first')
        assert.equal(row.tail, 'last')
        batch.forEach((c, i) => {
          assertSame(row[`v${i}`], c.expected, `value ${start + i} (${JSON.stringify(String(c.value))})`)
        })
      }
    })
  }

  test('a value no literal can carry exactly is refused before anything is sent', async () => {
    const client = athena.client({ onQueryStart: () => assert.fail('nothing may start') })
    for (const value of [
      'lone \ud800 surrogate',
      2n ** 63n,
      { an: 'object' },
      Symbol('s'),
      new Date(Number.NaN),
    ]) {
      await assert.rejects(client.query('select ? as v', [value]), ParameterError, String(value.toString()))
    }
  })

  test('negative zero and the special doubles keep their sign and kind', async () => {
    const client = athena.client()
    const { rows } = await client.query<unknown[]>(
      'select ?, ?, ?, ?',
      [-0, Number.NaN, Infinity, -Infinity],
      {
        rowMode: 'array',
      },
    )
    assert.ok(Object.is(rows[0]![0], -0), `-0 came back as ${String(rows[0]![0])}`)
    assert.ok(Number.isNaN(rows[0]![1]))
    assert.equal(rows[0]![2], Infinity)
    assert.equal(rows[0]![3], -Infinity)
  })
})
