import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createClient, typed } from '@tributary/clickhouse'
import { forEachBackend } from '../../packages/clickhouse/test/backends.ts'
import { generateParameterCases } from '../../packages/clickhouse/test/fuzz/parameter-values.ts'

const CASES = 2000
const PER_QUERY = 40

/** Types Debian's 18.16 server does not have; cases using them run only on modern backends. */
const MODERN_ONLY =
  /Tuple\(f\d |, f\d |DateTime64|Map\(|Bool|Date32|Int128|Int256|JSON|Variant|IPv4|IPv6|Decimal\((?:39|[4-7]\d)|LowCardinality/

/**
 * Values 18.16 stores exactly but cannot print, so `toString` cannot check them there: its date
 * table starts at 1970-01-01 (that day prints as 0000-00-00, or with garbage minutes in zones
 * east of UTC, and 1969-12-31 local time not at all) and ends in 2106 (later days print as
 * 1970-01-01), and its Decimal128 printer garbles numbers of more than 20 digits. The test
 * 'values 18.16 cannot print arrive exactly' checks such values numerically instead.
 */
function unprintableOnLegacy(type: string, expected: string): boolean {
  if (/1969-12-31|1970-01-01|21(?:0[6-9]|[1-4]\d)-/.test(expected)) return true
  return type.includes('Decimal(') && /\d{21,}/.test(expected.replace(/(\d)\.(\d)/g, '$1$2'))
}

/**
 * What `toString(value)` returns, from the fuzzer's expectation (TabSeparated output text):
 * TSV escapes only top-level strings; composite values are printed in their text form as is.
 */
function expectedToString(type: string, text: string): string | null {
  if (text === '\\N') return null
  return /^(?:Nullable\(|LowCardinality\()*(?:String|FixedString|Enum)/.test(type) ? unescapeTsv(text) : text
}

/**
 * Differences of `toString` that are not about the parameter: newer servers drop FixedString's
 * trailing NUL padding and may drop Decimal trailing zeros in constant folding.
 */
function normalize(type: string, text: string | null): string | null {
  if (text === null) return null
  let out = text
  if (type.includes('FixedString')) out = out.replace(/(?:\\0|\0)+(?='|$)/g, '')
  if (type.includes('Decimal')) out = out.replace(/(\d\.\d*?)0+(?!\d)/g, '$1').replace(/(\d)\.(?!\d)/g, '$1')
  return out
}

/** The 16 little-endian two's-complement bytes of a Decimal128's unscaled value, as hex. */
function decimalHex(unscaled: bigint): string {
  const bits = BigInt.asUintN(128, unscaled)
  let hex = ''
  for (let i = 0n; i < 16n; i++) hex += ((bits >> (8n * i)) & 0xffn).toString(16).padStart(2, '0')
  return hex.toUpperCase()
}

function unescapeTsv(text: string): string {
  const map: Record<string, string> = {
    t: '\t',
    n: '\n',
    r: '\r',
    '0': '\0',
    b: '\b',
    f: '\f',
    '\\': '\\',
    "'": "'",
  }
  return text.replace(/\\(.)/gs, (_, c: string) => map[c] ?? `\\${c}`)
}

forEachBackend((ctx) => {
  for (const binding of ['auto', 'client'] as const) {
    test(`${CASES} fuzzed parameter values come back exactly (${binding} binding) and never change the statement`, async (t) => {
      const { name, modern } = ctx()
      if (binding === 'auto' && !ctx().serverBinding) {
        t.diagnostic('this server has no query parameters: auto binding is the literal path, covered below')
      }
      const client = createClient({ ...ctx().config(), parameterBinding: binding })
      try {
        const cases = [...generateParameterCases(binding === 'auto' ? 11 : 12, CASES)].filter(
          (c) => modern || !(MODERN_ONLY.test(c.type) || unprintableOnLegacy(c.type, c.expected)),
        )
        assert.ok(cases.length > CASES / 4, `only ${cases.length} cases apply to ${name}`)
        const settings = modern
          ? { output_format_decimal_trailing_zeros: 1, session_timezone: 'UTC' }
          : undefined
        for (let start = 0; start < cases.length; start += PER_QUERY) {
          const batch = cases.slice(start, start + PER_QUERY)
          const columns = batch.map((c, i) => `toString({p${i + 1}:${c.type}}) AS c${i}`)
          const sql = `SELECT ${columns.join(', ')}, 'statement intact' AS sentinel`
          const { rows } = await client.query<Record<string, string | null>>(
            sql,
            batch.map((c) => typed(c.value, c.type)),
            { settings },
          )
          assert.equal(rows.length, 1)
          const row = rows[0]!
          assert.equal(row.sentinel, 'statement intact')
          assert.equal(Object.keys(row).length, batch.length + 1)
          batch.forEach((c, i) => {
            assert.equal(
              normalize(c.type, row[`c${i}`]!),
              normalize(c.type, expectedToString(c.type, c.expected)),
              `${c.type} ${String(c.value).slice(0, 80)}`,
            )
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
    for (const binding of ['auto', 'client'] as const) {
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
