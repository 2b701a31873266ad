import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { query, queryBind } from 'chdb'
import { substitutePlaceholders } from '../../src/params/placeholders.ts'
import { toChdbParam } from '../../src/params/text.ts'
import { prepareStatement } from '../../src/statement.ts'
import type { ServerInfo } from '../../src/transport/transport.ts'
import { generateParameterCases, type ParameterCase } from '../fuzz/parameter-values.ts'

// Every case selects the value next to a constant column: the output must be
// exactly one row of two fields, so a value that changed the statement shows.
const SETTINGS = 'SETTINGS output_format_decimal_trailing_zeros = 1'
const CASES = 2500
const CHDB: ServerInfo = {
  version: '26.7',
  supportsQueryParameters: true,
  supportsRowBinaryWithNamesAndTypes: true,
  timezone: 'UTC',
}

/** Binds as the client does: server-side text, or a typed literal for the values servers mis-type. */
function bindLikeClient(c: ParameterCase): string {
  const prepared = prepareStatement(sqlFor(c), { p: c.value }, CHDB)
  const params = Object.fromEntries(
    Object.entries(prepared.params ?? {}).map(([k, v]) => [k, toChdbParam(v)]),
  )
  return queryBind(prepared.sql, params, 'TSV')
}

function sqlFor(c: ParameterCase): string {
  return `SELECT {p:${c.type}} AS v, 'end' AS c ${SETTINGS}`
}

function check(failures: string[], c: ParameterCase, run: () => string) {
  let out: string
  try {
    out = run()
  } catch (e) {
    failures.push(`${c.type} ${describeValue(c.value)}: threw ${(e as Error).message.slice(0, 300)}`)
    return
  }
  const want = `${c.expected}\tend\n`
  if (out !== want)
    failures.push(
      `${c.type} ${describeValue(c.value)}:\n   got ${JSON.stringify(out)}\n  want ${JSON.stringify(want)}`,
    )
}

function describeValue(v: unknown): string {
  return (
    JSON.stringify(v, (_k, x) =>
      typeof x === 'bigint'
        ? `${x}n`
        : x instanceof Uint8Array
          ? `bytes:${Buffer.from(x).toString('hex')}`
          : x,
    )?.slice(0, 300) ?? String(v)
  )
}

describe('parameter values round-trip through chDB exactly', () => {
  test('server-side binding: queryBind with the text prepareStatement makes → toChdbParam', () => {
    const failures: string[] = []
    let n = 0
    for (const c of generateParameterCases(20240101, CASES)) {
      n++
      check(failures, c, () => bindLikeClient(c))
    }
    assert.equal(n, CASES)
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${CASES} cases failed`)
  })

  test('client-side literals: substitutePlaceholders', () => {
    const failures: string[] = []
    for (const c of generateParameterCases(777, CASES)) {
      check(failures, c, () => query(substitutePlaceholders(sqlFor(c), { p: c.value }), 'TSV'))
    }
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${CASES} cases failed`)
  })

  test('legacy literals (for servers without query parameters) are exact too', () => {
    const failures: string[] = []
    let n = 0
    for (const c of generateParameterCases(4242, CASES)) {
      // Legacy literals send Bool as UInt8, which prints 1/0.
      if (c.type.includes('Bool')) continue
      n++
      check(failures, c, () =>
        query(substitutePlaceholders(sqlFor(c), { p: c.value }, { legacy: true }), 'TSV'),
      )
    }
    assert.ok(n > CASES / 2)
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${n} cases failed`)
  })

  test('the same cases through both paths agree (different seed)', () => {
    const failures: string[] = []
    for (const c of generateParameterCases(99, 500)) {
      check(failures, c, () => query(substitutePlaceholders(sqlFor(c), { p: c.value }), 'TSV'))
      check(failures, c, () => bindLikeClient(c))
    }
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} cases failed`)
  })
})
