/**
 * Seeded generator of parameter values with their ClickHouse type and the
 * oracle `expression`: the same value built on the server from text that needs
 * no escaping (digits, hex, `unhex`, `reinterpretAsFloat64`, CAST), so the
 * server's rendering of that expression is the reference.
 *
 * Strings never contain lone UTF-16 surrogates: they have no UTF-8 form (every
 * encoder would put U+FFFD there), and the encoders refuse them; that refusal
 * is tested separately.
 */

import { int, pick, type Rng, seededRandom } from '../../../../test/support/seeded-random.ts'

export interface ParameterCase {
  /** The JS value to send. */
  value: unknown
  /** The ClickHouse type to send it as. */
  type: string
  /** A ClickHouse expression of type `type` with the same value, made without the encoders under test. */
  expression: string
}

interface Gen {
  type: string
  value: unknown
  /** Whether the type may be wrapped in Nullable / LowCardinality. */
  scalar: boolean
  /** The value as a server-side expression of type `type`. */
  sql: string
}

export function* generateParameterCases(seed: number, count: number): Generator<ParameterCase> {
  const rng = seededRandom(seed)
  for (let i = 0; i < count; i++) {
    const g = anyType(rng, 0)
    yield { value: g.value, type: g.type, expression: g.sql }
  }
}

function randomBigint(rng: Rng, bits: number): bigint {
  let n = 0n
  for (let i = 0; i < bits; i += 16) n = (n << 16n) | BigInt(int(rng, 65536))
  return n & ((1n << BigInt(bits)) - 1n)
}

// ------------------------------------------------------------------ server-side expressions

/** Text of a value only made of digits, signs, dots, dashes, colons and hex letters. */
function plain(text: string): string {
  if (!/^[-+0-9A-Za-z.:[\]]*$/.test(text)) throw new Error(`not plain text: ${text}`)
  return `'${text}'`
}

const cast = (sql: string, type: string) => `CAST(${sql} AS ${type})`
const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const utf8Expression = (s: string) => `unhex('${hexOf(new TextEncoder().encode(s))}')`

function floatExpression(x: number, bits: 32 | 64): string {
  const view = new DataView(new ArrayBuffer(bits / 8))
  if (bits === 64) view.setFloat64(0, x, true)
  else view.setFloat32(0, x, true)
  return `reinterpretAsFloat${bits}(unhex('${hexOf(new Uint8Array(view.buffer))}'))`
}

// ------------------------------------------------------------------ strings

const NASTY = [
  '',
  "'",
  "''",
  '\\',
  "\\'",
  "'; DROP TABLE t; --",
  "' OR 1=1 --",
  "\\' OR 1=1 --",
  '{p1:String}',
  '{p:UInt8}',
  '?',
  '$1',
  ':name',
  '@p',
  '\\N',
  'NULL',
  '\\x41',
  '\\0',
  '/* x */',
  '-- c',
  '# c',
  '"quoted"',
  '`ident`',
  '\t',
  '\n',
  '\r\n',
  '\0',
  'a\0b',
  '\u0001\u0007\u001b\u007f',
  '\b\f\v',
  '{',
  '}',
  '[1,2]',
  "['a']",
  '(1)',
  '{"a":1}',
  'é漢字',
  '😀🇫🇷',
  '\u{10FFFF}',
  '\uFEFF',
  '\uFEFF\\N',
  "\uFEFF'x",
  '\uFEFF\t',
  '\u2028\u2029',
  'x'.repeat(300),
]

const ALPHABET = [
  'a',
  'Z',
  '0',
  ' ',
  "'",
  '"',
  '`',
  '\\',
  '\t',
  '\n',
  '\r',
  '\0',
  '\b',
  '\f',
  '\u0001',
  '\u001f',
  '\u007f',
  '{',
  '}',
  ':',
  '?',
  '$',
  ';',
  '-',
  '#',
  '/',
  '*',
  'é',
  'ß',
  '漢',
  '😀',
  '\u{1D11E}',
  '\u0300',
  'N',
]

function randomString(rng: Rng): string {
  if (rng() < 0.35) return pick(rng, NASTY)
  const n = int(rng, 20)
  // A leading U+FEFF is what UTF-8 decoders drop by default: put one at position 0 now and then.
  let s = rng() < 0.1 ? '\uFEFF' : ''
  for (let i = 0; i < n; i++) s += pick(rng, ALPHABET)
  return s
}

// ------------------------------------------------------------------ scalar generators

const INT_TYPES: [string, boolean, number][] = [
  ['Int8', true, 8],
  ['Int16', true, 16],
  ['Int32', true, 32],
  ['Int64', true, 64],
  ['Int128', true, 128],
  ['Int256', true, 256],
  ['UInt8', false, 8],
  ['UInt16', false, 16],
  ['UInt32', false, 32],
  ['UInt64', false, 64],
  ['UInt128', false, 128],
  ['UInt256', false, 256],
]

function intGen(rng: Rng): Gen {
  const [type, signed, bits] = pick(rng, INT_TYPES)
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n
  const r = rng()
  let n: bigint
  if (r < 0.3) n = pick(rng, [min, max, 0n, min + 1n, max - 1n])
  else if (r < 0.5) n = BigInt(int(rng, 200)) - (signed ? 100n : 0n)
  else {
    n = randomBigint(rng, bits)
    if (signed) n -= 1n << BigInt(bits - 1)
  }
  if (n < min) n = min
  if (n > max) n = max
  // Values that fit a JS number exactly may come as numbers or digit strings.
  const form = rng()
  const value: unknown =
    bits <= 32 || (form < 0.3 && n >= -(2n ** 53n) + 1n && n <= 2n ** 53n - 1n)
      ? Number(n)
      : form < 0.5
        ? n.toString()
        : n
  return { type, value, scalar: true, sql: cast(plain(n.toString()), type) }
}

const SPECIAL_FLOATS = [
  0,
  -0,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.EPSILON,
  2 ** 53,
  2 ** 53 + 2,
  1e21,
  1e-7,
  0.1,
  1 / 3,
  -2.5e-308,
  123456789.12345679,
]

function floatGen(rng: Rng): Gen {
  const bits = rng() < 0.7 ? 64 : 32
  let x: number
  const r = rng()
  if (r < 0.4) x = pick(rng, SPECIAL_FLOATS)
  else if (r < 0.7) x = (rng() - 0.5) * 10 ** (int(rng, 40) - 20)
  else {
    const buf = new DataView(new ArrayBuffer(8))
    buf.setUint32(0, int(rng, 2 ** 32))
    buf.setUint32(4, int(rng, 2 ** 32))
    x = buf.getFloat64(0)
  }
  if (bits === 32) {
    const f = Math.fround(x)
    return { type: 'Float32', value: f, scalar: true, sql: floatExpression(f, 32) }
  }
  return { type: 'Float64', value: x, scalar: true, sql: floatExpression(x, 64) }
}

const DECIMALS: [number, number][] = [
  [9, 2],
  [9, 0],
  [18, 6],
  [38, 10],
  [76, 30],
  [10, 10],
]

function decimalGen(rng: Rng): Gen {
  const [precision, scale] = pick(rng, DECIMALS)
  const intDigits = int(rng, precision - scale + 1)
  let int_ = ''
  for (let i = 0; i < intDigits; i++) int_ += String(int(rng, 10))
  int_ = int_.replace(/^0+/, '') || '0'
  let frac = ''
  const fracDigits = int(rng, scale + 1)
  for (let i = 0; i < fracDigits; i++) frac += String(int(rng, 10))
  const negative = rng() < 0.4 && !(int_ === '0' && /^0*$/.test(frac))
  const text = `${negative ? '-' : ''}${int_}${frac === '' ? '' : `.${frac}`}`
  const asNumber = Number(text)
  // Short decimals also travel as JS numbers (their shortest form is the same text).
  const value =
    rng() < 0.3 && text.replace(/[-.]/g, '').length <= 15 && scale > 0 && String(asNumber) === text
      ? asNumber
      : frac === '' && rng() < 0.3
        ? BigInt(text)
        : text
  const type = `Decimal(${precision}, ${scale})`
  return { type, value, scalar: true, sql: cast(plain(text), type) }
}

function stringGen(rng: Rng): Gen {
  if (rng() < 0.15) {
    const s = Array.from(randomString(rng)).slice(0, 6).join('')
    const length = Buffer.byteLength(s) + int(rng, 4) + (s === '' ? 1 : 0)
    return {
      type: `FixedString(${length})`,
      value: s,
      scalar: true,
      sql: `toFixedString(${utf8Expression(s)}, ${length})`,
    }
  }
  const s = randomString(rng)
  const value = rng() < 0.15 ? new TextEncoder().encode(s) : s
  return { type: 'String', value, scalar: true, sql: utf8Expression(s) }
}

const DAY = 86_400_000

function dateGen(rng: Rng): Gen {
  const wide = rng() < 0.5
  const [min, max] = wide ? [-25567, 120529] : [0, 65535]
  const day = rng() < 0.3 ? pick(rng, [min, max, 0, -1 < min ? 0 : -1]) : min + int(rng, max - min + 1)
  const text = new Date(day * DAY).toISOString().slice(0, 10)
  const value = rng() < 0.3 ? new Date(day * DAY) : text
  const type = wide ? 'Date32' : 'Date'
  // From the day number: 18.16 cannot parse date text past 2105.
  const sql = cast(`${wide ? 'toInt32' : 'toUInt16'}(${plain(String(day))})`, type)
  return { type, value, scalar: true, sql }
}

const ZONES = [undefined, 'UTC', 'Asia/Tokyo', 'America/New_York', 'Asia/Kolkata']

function isoText(seconds: bigint, fraction: string, offsetMinutes: number): string {
  const wall = new Date((Number(seconds) + offsetMinutes * 60) * 1000).toISOString().slice(0, 19)
  const sign = offsetMinutes < 0 ? '-' : '+'
  const abs = Math.abs(offsetMinutes)
  const zone =
    offsetMinutes === 0
      ? 'Z'
      : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
  return `${wall}${fraction === '' ? '' : `.${fraction}`}${zone}`
}

function dateTimeGen(rng: Rng): Gen {
  const zone = pick(rng, ZONES)
  const is64 = rng() < 0.6
  const precision = is64 ? pick(rng, [0, 1, 3, 3, 6, 9]) : 0
  const [min, max] = is64
    ? precision === 9
      ? [-2208988800, 9214646399]
      : [-2208988800, 10413791999]
    : [0, 4294967295]
  const seconds = BigInt(
    rng() < 0.25 ? pick(rng, [min, max, 0, -1, 1, 86399]) : min + int(rng, max - min + 1),
  )
  const clamped = seconds < BigInt(min) ? BigInt(min) : seconds > BigInt(max) ? BigInt(max) : seconds
  let fraction = ''
  for (let i = 0; i < precision; i++) fraction += String(int(rng, 10))
  const type = is64
    ? `DateTime64(${precision}${zone === undefined ? '' : `, '${zone}'`})`
    : `DateTime${zone === undefined ? '' : `('${zone}')`}`
  // The second before 1970 needs a zone on the type (server reads '-0.x' as +0.x).
  const safeFraction = clamped === -1n && zone === undefined ? '0'.repeat(precision) : fraction
  const form = rng()
  let value: unknown
  const ms = Number(clamped) * 1000 + Number(safeFraction.slice(0, 3).padEnd(3, '0'))
  if (form < 0.3 && /^\d{0,3}$/.test(safeFraction.replace(/0+$/, '')) && Math.abs(ms) <= 8.64e15)
    value = new Date(ms)
  else if (form < 0.6) value = isoText(clamped, safeFraction, 0)
  else if (form < 0.75) value = isoText(clamped, safeFraction, pick(rng, [-300, 330, 540, -570]))
  else if (form < 0.85 && /^0*$/.test(safeFraction)) value = rng() < 0.5 ? clamped : Number(clamped)
  else {
    // Unix seconds as decimal text.
    const scale = 10n ** BigInt(precision)
    const ticks = clamped * scale + BigInt(safeFraction || '0')
    const negative = ticks < 0n
    const abs = negative ? -ticks : ticks
    const whole = abs / scale
    const frac = (abs % scale).toString().padStart(precision, '0')
    value = `${negative ? '-' : ''}${whole}${precision > 0 ? `.${frac}` : ''}`
  }
  // The instant from its integer count of ticks: seconds for DateTime, 10^-p s for DateTime64.
  const ticks = clamped * 10n ** BigInt(precision) + BigInt(safeFraction || '0')
  const sql = !is64
    ? cast(`toUInt32(${plain(clamped.toString())})`, type)
    : precision <= 3
      ? cast(
          `fromUnixTimestamp64Milli(toInt64(${plain((ticks * 10n ** BigInt(3 - precision)).toString())}))`,
          type,
        )
      : precision <= 6
        ? cast(
            `fromUnixTimestamp64Micro(toInt64(${plain((ticks * 10n ** BigInt(6 - precision)).toString())}))`,
            type,
          )
        : cast(`fromUnixTimestamp64Nano(toInt64(${plain(ticks.toString())}))`, type)
  return { type, value, scalar: true, sql }
}

function enumGen(rng: Rng): Gen {
  const names = ['a', "it's", 'b c', '\\', 'é', '', '{x:String}']
  const type = "Enum8('a' = 1, 'it\\'s' = 2, 'b c' = -3, '\\\\' = 4, 'é' = 5, '' = 6, '{x:String}' = 127)"
  const codes = [1, 2, -3, 4, 5, 6, 127]
  const i = int(rng, names.length)
  const name = names[i] as string
  return {
    type,
    value: rng() < 0.3 ? codes[i] : name,
    scalar: true,
    sql: cast(`toInt8(${plain(String(codes[i]))})`, type),
  }
}

function uuidGen(rng: Rng): Gen {
  let hex = ''
  for (let i = 0; i < 32; i++) hex += int(rng, 16).toString(16)
  const u = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
  return {
    type: 'UUID',
    value: rng() < 0.3 ? u.toUpperCase() : u,
    scalar: true,
    sql: `toUUID(${plain(u)})`,
  }
}

function ipGen(rng: Rng): Gen {
  if (rng() < 0.5) {
    const ip = [0, 0, 0, 0].map(() => int(rng, 256)).join('.')
    return { type: 'IPv4', value: ip, scalar: true, sql: `toIPv4(${plain(ip)})` }
  }
  const ip = pick(rng, [
    '::',
    '::1',
    '2001:db8::1',
    'fe80::1:2:3:4',
    '::ffff:1.2.3.4',
    '2001:db8:0:1:1:1:1:1',
  ])
  return { type: 'IPv6', value: ip, scalar: true, sql: `toIPv6(${plain(ip)})` }
}

function boolGen(rng: Rng): Gen {
  const b = rng() < 0.5
  return { type: 'Bool', value: b, scalar: true, sql: cast(b ? '1' : '0', 'Bool') }
}

const SCALARS = [
  intGen,
  intGen,
  floatGen,
  decimalGen,
  stringGen,
  stringGen,
  dateGen,
  dateTimeGen,
  dateTimeGen,
  enumGen,
  uuidGen,
  ipGen,
  boolGen,
]

// ------------------------------------------------------------------ composite generators

function anyType(rng: Rng, depth: number): Gen {
  const r = rng()
  if (depth >= 3 || r < 0.5) {
    const g = pick(rng, SCALARS)(rng)
    if (rng() < 0.2) return nullable(rng, g, depth)
    if (g.type === 'String' && rng() < 0.2)
      return { ...g, type: 'LowCardinality(String)', sql: cast(g.sql, 'LowCardinality(String)') }
    return g
  }
  if (r < 0.7) return arrayGen(rng, depth)
  if (r < 0.85) return tupleGen(rng, depth)
  return mapGen(rng, depth)
}

function nullable(rng: Rng, g: Gen, depth: number): Gen {
  const type = g.type === 'String' && rng() < 0.3 ? 'LowCardinality(Nullable(String))' : `Nullable(${g.type})`
  if (rng() < 0.4) {
    const value = depth === 0 && rng() < 0.5 ? undefined : null
    // 18.16 cannot CAST NULL to a Nullable enum that has no 0 value; nullIf(x, x) is NULL of x's type.
    const sql = g.type.startsWith('Enum') ? cast(`nullIf(${g.sql}, ${g.sql})`, type) : cast('NULL', type)
    return { type, value, scalar: false, sql }
  }
  return { ...g, type, scalar: false, sql: cast(g.sql, type) }
}

function sameType(rng: Rng, first: Gen, depth: number, count: number): Gen[] {
  // Regenerate until the generator yields the same type (bounded).
  const out: Gen[] = []
  for (let tries = 0; out.length < count && tries < count * 30; tries++) {
    const g = regenerate(rng, first, depth)
    if (g.type === first.type) out.push(g)
  }
  return out
}

function regenerate(rng: Rng, like: Gen, depth: number): Gen {
  // Cheap: draw fresh values from the generator family that made `like`.
  const base = like.type.replace(/^Nullable\((.*)\)$/, '$1')
  for (let i = 0; i < 40; i++) {
    const g = depth >= 3 || !/^(Array|Tuple|Map)\(/.test(base) ? pick(rng, SCALARS)(rng) : anyType(rng, depth)
    const wrapped = like.type.startsWith('Nullable(') && g.type === base ? nullable(rng, g, depth) : g
    if (wrapped.type === like.type) return wrapped
  }
  return like
}

function arrayGen(rng: Rng, depth: number): Gen {
  const first = anyType(rng, depth + 1)
  const n = int(rng, 5)
  const items = n === 0 ? [] : [first, ...sameType(rng, first, depth + 1, n - 1)]
  const type = `Array(${first.type})`
  return {
    type,
    value: items.map((g) => g.value),
    scalar: false,
    // An empty array from its text: `[]` alone has one dimension, and 18.16 casts only like to like.
    sql: items.length === 0 ? cast(plain('[]'), type) : cast(`[${items.map((g) => g.sql).join(', ')}]`, type),
  }
}

function tupleGen(rng: Rng, depth: number): Gen {
  const n = 1 + int(rng, 3)
  const items = Array.from({ length: n }, () => anyType(rng, depth + 1))
  const named = rng() < 0.4
  const names = items.map((_, i) => `f${i}`)
  const type = `Tuple(${items.map((g, i) => (named ? `${names[i]} ${g.type}` : g.type)).join(', ')})`
  const value =
    named && rng() < 0.6
      ? Object.fromEntries(items.map((g, i) => [names[i] as string, g.value]))
      : items.map((g) => g.value)
  return {
    type,
    value,
    scalar: false,
    sql: cast(`tuple(${items.map((g) => g.sql).join(', ')})`, type),
  }
}

function mapGen(rng: Rng, depth: number): Gen {
  const first = anyType(rng, depth + 1)
  const n = int(rng, 4)
  const values = n === 0 ? [] : [first, ...sameType(rng, first, depth + 1, n - 1)]
  const useInt = rng() < 0.3
  const keys: string[] = []
  while (keys.length < values.length) {
    const k = useInt ? String(int(rng, 1000)) : randomString(rng)
    if (!keys.includes(k)) keys.push(k)
  }
  // Object keys that look like integers come back in numeric order; keep the key order the object will have.
  const object: Record<string, unknown> = {}
  values.forEach((g, i) => {
    object[keys[i] as string] = g.value
  })
  const order = Object.keys(object)
  const byKey = new Map(keys.map((k, i) => [k, values[i] as Gen]))
  const keyType = useInt ? 'UInt16' : 'String'
  const type = `Map(${keyType}, ${first.type})`
  const keySql = (k: string) => (useInt ? cast(plain(k), 'UInt16') : utf8Expression(k))
  return {
    type,
    value: rng() < 0.3 ? new Map(order.map((k) => [k, object[k]])) : object,
    scalar: false,
    sql:
      order.length === 0
        ? cast('map()', type)
        : cast(`map(${order.map((k) => `${keySql(k)}, ${(byKey.get(k) as Gen).sql}`).join(', ')})`, type),
  }
}
