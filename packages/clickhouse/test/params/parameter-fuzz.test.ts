/**
 * Typed parameters, fuzzed per ClickHouse type on every backend: each value
 * goes through the client's parameter path (`{pN:Type}`, server-side binding
 * or literals) and the server prints it next to the same value built on the
 * server from digits and hex (`expression` in the fuzz cases). The server's
 * own rendering is the oracle, so nothing here models its output format.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createClient, typed } from '@tributary/clickhouse'
import { forEachBackend } from '../backends.ts'
import { generateParameterCases, type ParameterCase } from '../fuzz/parameter-values.ts'

/** Fixed seed and count: the same cases on every run, generated once for every backend and binding. */
const SEED = 11
const CASES = 2000

let generated: ParameterCase[] | undefined
/** Generating is dearer than checking on the faster servers. */
function fuzzCases(): ParameterCase[] {
  generated ??= [...generateParameterCases(SEED, CASES)]
  return generated
}
const PER_QUERY = 40

/** Types Debian's 18.16 server does not have; cases using them run only on modern backends. */
const MODERN_ONLY =
  /Tuple\(f\d |, f\d |DateTime64|Map\(|Bool|Date32|Int128|Int256|JSON|Variant|IPv4|IPv6|Decimal\((?:39|[4-7]\d)|LowCardinality/

/** The 16 little-endian two's-complement bytes of a Decimal128's unscaled value, as hex. */
function decimalHex(unscaled: bigint): string {
  const bits = BigInt.asUintN(128, unscaled)
  let hex = ''
  for (let i = 0n; i < 16n; i++) hex += ((bits >> (8n * i)) & 0xffn).toString(16).padStart(2, '0')
  return hex.toUpperCase()
}

forEachBackend((ctx) => {
  // Without server-side parameters (18.16) 'auto' is the literal path: one run covers both.
  const bindings = (): readonly ('auto' | 'client')[] =>
    ctx().serverBinding ? ['auto', 'client'] : ['client']
  for (const binding of ['auto', 'client'] as const) {
    test(`${CASES} fuzzed typed parameters arrive as the server's own value (${binding} binding)`, async (t) => {
      if (!bindings().includes(binding)) {
        t.skip("this server has no query parameters: 'auto' binding is the literal path, run as 'client'")
        return
      }
      const { modern } = ctx()
      const client = createClient({ ...ctx().config(), parameterBinding: binding })
      try {
        const cases = fuzzCases().filter((c) => modern || !MODERN_ONLY.test(c.type))
        assert.ok(cases.length > CASES / 4, `only ${cases.length} cases apply`)
        t.diagnostic(`${cases.length} cases`)
        const settings = modern ? { session_timezone: 'UTC' } : undefined
        for (let start = 0; start < cases.length; start += PER_QUERY) {
          const batch = cases.slice(start, start + PER_QUERY)
          const columns = batch.map(
            (c, i) => `toString({p${i + 1}:${c.type}}) AS got${i}, toString(${c.expression}) AS want${i}`,
          )
          const { rows } = await client.query<Record<string, string>>(
            `SELECT ${columns.join(', ')}, 'statement intact' AS sentinel`,
            batch.map((c) => typed(c.value, c.type)),
            { settings },
          )
          assert.equal(rows.length, 1)
          const row = rows[0]!
          assert.equal(row.sentinel, 'statement intact')
          assert.equal(Object.keys(row).length, 2 * batch.length + 1)
          batch.forEach((c, i) => {
            assert.equal(row[`got${i}`], row[`want${i}`], `${c.type} ${String(c.value).slice(0, 80)}`)
          })
        }
      } finally {
        await client.close()
      }
    })
  }

  test('values 18.16 cannot print arrive exactly', async () => {
    const day = (iso: string) => String(Date.parse(`${iso}T00:00:00Z`) / 86_400_000)
    // [expression around the value ($), type, value, what toString prints for the expression]
    const cases: [string, string, unknown, string][] = [
      ['toUInt16($)', 'Date', '1970-01-01', '0'],
      ['toUInt16($)', 'Date', '2149-06-06', '65535'],
      ['toUInt16($)', 'Date', new Date(Date.UTC(2120, 0, 1)), day('2120-01-01')],
      ['toUInt32($)', 'DateTime', '2106-02-07T06:28:15Z', '4294967295'],
      ['toUInt32($)', 'DateTime', 0, '0'],
      ['toUInt32($)', "DateTime('Asia/Kolkata')", new Date(1000), '1'],
      ['toUInt32($)', "Nullable(DateTime('America/New_York'))", '1969-12-31T19:00:05-05:00', '5'],
      [
        'arrayMap(x -> toUInt16(x), $)',
        'Array(Nullable(Date))',
        [null, '2149-06-06', '1970-01-01'],
        '[NULL,65535,0]',
      ],
      [
        'hex(reinterpretAsString($))',
        'Decimal(38, 10)',
        '-28685083846688748891228747.37831473',
        decimalHex(-286850838466887488912287473783147300n),
      ],
      [
        'hex(reinterpretAsString($))',
        'Decimal(38, 0)',
        '99999999999999999999999999999999999999',
        decimalHex(10n ** 38n - 1n),
      ],
    ]
    const columns = cases.map(
      ([expr, type], i) => `toString(${expr.replace('$', `{p${i + 1}:${type}}`)}) AS c${i}`,
    )
    for (const binding of bindings()) {
      const client = createClient({ ...ctx().config(), parameterBinding: binding })
      try {
        const { rows } = await client.query<Record<string, string>>(
          `SELECT ${columns.join(', ')}`,
          cases.map(([, type, value]) => typed(value, type)),
        )
        assert.deepEqual(
          cases.map((_, i) => rows[0]?.[`c${i}`]),
          cases.map(([, , , want]) => want),
          binding,
        )
      } finally {
        await client.close()
      }
    }
  })

  test('hostile strings cannot escape their parameter', async () => {
    const { client } = ctx()
    const hostile = [
      "'; DROP TABLE system.one; --",
      "\\'; SELECT 1; --",
      '{p2:String}',
      '\\',
      "'",
      '\0\n\r\t',
      '?',
      '$1',
      '*/ SELECT 1 /*',
    ]
    for (const value of hostile) {
      const { rows } = await client.query<{ v: string; n: number }>('SELECT {p1:String} AS v, 1 AS n', [
        value,
      ])
      assert.deepEqual(rows, [{ v: value, n: 1 }])
    }
  })
})
