import { isIPv4, isIPv6 } from 'node:net'
import { ParameterError } from '@tributary/core'
import { formatType } from '../formats/type-parser.ts'
import type { ClickHouseType } from '../formats/types.ts'
import { TypedValue } from './typed.ts'

/**
 * Validation and normalisation of single JS values against a ClickHouse type.
 * The text formatter, the SQL literal formatter and the TSV writer all build
 * on these, so a value is accepted or refused the same way on every path and
 * nothing is ever rounded or clamped silently.
 */

type Of<K extends ClickHouseType['kind']> = Extract<ClickHouseType, { kind: K }>

/** Where a value sits, for error messages: the parameter name (if any). */
export interface ValueContext {
  name?: string | undefined
  /** What `name` names in messages; 'parameter' unless told. */
  role?: string | undefined
}

const PREVIEW_LIMIT = 64

/** A short, single-line rendering of a value for error messages (never the whole of a huge value). */
export function previewValue(value: unknown): string {
  let text: string
  if (typeof value === 'string') text = JSON.stringify(value)
  else if (typeof value === 'bigint') text = `${value}n`
  else if (value instanceof Date) text = Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()
  else if (value instanceof Uint8Array) text = `Uint8Array(${value.length})`
  else if (Array.isArray(value)) text = `array(${value.length})`
  else if (value === null || value === undefined) text = String(value)
  else if (typeof value === 'object') text = value instanceof Map ? `Map(${value.size})` : 'object'
  else text = String(value)
  return text.length > PREVIEW_LIMIT ? `${text.slice(0, PREVIEW_LIMIT)}…(${text.length} chars)` : text
}

export function valueError(
  type: ClickHouseType,
  value: unknown,
  reason: string,
  ctx: ValueContext,
): ParameterError {
  const where = ctx.name === undefined ? '' : ` for ${ctx.role ?? 'parameter'} '${ctx.name}'`
  let typeText: string
  try {
    typeText = formatType(type)
  } catch {
    typeText = type.kind
  }
  return new ParameterError(`Cannot send ${previewValue(value)} as ${typeText}${where}: ${reason}`, {
    system: 'clickhouse',
  })
}

/** A `TypedValue` stands for its value once the type is known. */
export function unwrapTyped(value: unknown): unknown {
  return value instanceof TypedValue ? value.value : value
}

// ---------------------------------------------------------------- integers

export function integerRange(signed: boolean, bits: number): [bigint, bigint] {
  const b = BigInt(bits)
  return signed ? [-(1n << (b - 1n)), (1n << (b - 1n)) - 1n] : [0n, (1n << b) - 1n]
}

/** An integer value of an (U)IntN type, exactly. */
export function toInteger(value: unknown, type: Of<'Int'>, ctx: ValueContext): bigint {
  let n: bigint
  if (typeof value === 'bigint') n = value
  else if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw valueError(type, value, 'not an integer', ctx)
    // Beyond 2^53 the number has probably been rounded already; ask for a bigint.
    if (!Number.isSafeInteger(value)) throw valueError(type, value, 'unsafe integer; pass a bigint', ctx)
    n = BigInt(value)
  } else if (typeof value === 'string' && /^[+-]?\d{1,80}$/.test(value)) n = BigInt(value)
  else throw valueError(type, value, 'expected an integer (number, bigint or decimal digits)', ctx)
  const [min, max] = integerRange(type.signed, type.bits)
  if (n < min || n > max) throw valueError(type, value, 'out of range', ctx)
  return n
}

// ---------------------------------------------------------------- floats

const FLOAT_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/** ClickHouse text for a float: shortest round-trip digits, `nan`, `inf`, `-inf`, `-0`. */
export function toFloatText(value: unknown, type: Of<'Float'>, ctx: ValueContext): string {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan'
    if (value === Number.POSITIVE_INFINITY) return 'inf'
    if (value === Number.NEGATIVE_INFINITY) return '-inf'
    if (Object.is(value, -0)) return '-0'
    return String(value)
  }
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'string') {
    if (FLOAT_TEXT.test(value)) return value
    const lower = value.toLowerCase()
    if (lower === 'nan' || lower === 'inf' || lower === '-inf' || lower === '+inf')
      return lower.replace('+', '')
  }
  throw valueError(type, value, 'expected a number', ctx)
}

// ---------------------------------------------------------------- decimals

/** Plain decimal digits for a finite number or numeric text, expanding exponent notation. */
export function plainDecimal(text: string): string | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text)
  if (!m) return undefined
  const [, sign, intPart = '', fracPart = '', expText] = m
  if (intPart === '' && fracPart === '') return undefined
  let digits = intPart + fracPart
  let point = intPart.length + (expText === undefined ? 0 : Number(expText))
  if (!Number.isFinite(point) || Math.abs(point) > 1000) return undefined
  if (point < 0) {
    digits = '0'.repeat(-point) + digits
    point = 0
  }
  if (point > digits.length) digits += '0'.repeat(point - digits.length)
  let int = digits.slice(0, point).replace(/^0+/, '') || '0'
  const frac = digits.slice(point).replace(/0+$/, '')
  if (int === '0' && frac === '') int = '0'
  const negative = sign === '-' && !(int === '0' && frac === '')
  return `${negative ? '-' : ''}${int}${frac === '' ? '' : `.${frac}`}`
}

/** Exact decimal text with exactly `scale` fraction digits; refuses values that need rounding or overflow. */
export function toDecimalText(value: unknown, type: Of<'Decimal'>, ctx: ValueContext): string {
  let text: string | undefined
  if (typeof value === 'bigint') text = value.toString()
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw valueError(type, value, 'not a finite number', ctx)
    // The shortest round-trip form is the decimal the number was written as.
    text = plainDecimal(String(value))
  } else if (typeof value === 'string') text = plainDecimal(value.trim())
  if (text === undefined) throw valueError(type, value, 'expected a decimal number', ctx)
  const negative = text.startsWith('-')
  const [int = '0', frac = ''] = (negative ? text.slice(1) : text).split('.')
  if (frac.length > type.scale) throw valueError(type, value, `more than ${type.scale} fraction digits`, ctx)
  const intDigits = int === '0' ? 0 : int.length
  if (intDigits > type.precision - type.scale) throw valueError(type, value, 'too many integer digits', ctx)
  const fraction = frac.padEnd(type.scale, '0')
  return `${negative ? '-' : ''}${int}${type.scale > 0 ? `.${fraction}` : ''}`
}

// ---------------------------------------------------------------- strings

/** The UTF-8 bytes or the text of a String/FixedString value. */
export function toStringValue(
  value: unknown,
  type: ClickHouseType,
  ctx: ValueContext,
): { text: string } | { bytes: Uint8Array } {
  if (typeof value === 'string') {
    // A lone surrogate has no UTF-8 form; encoders would silently put U+FFFD there.
    if (LONE_SURROGATE.test(value)) throw valueError(type, value, 'contains a lone UTF-16 surrogate', ctx)
    if (type.kind === 'FixedString' && Buffer.byteLength(value, 'utf8') > type.length)
      throw valueError(type, value, `longer than ${type.length} bytes`, ctx)
    return { text: value }
  }
  if (value instanceof Uint8Array) {
    if (type.kind === 'FixedString' && value.length > type.length)
      throw valueError(type, value, `longer than ${type.length} bytes`, ctx)
    return { bytes: value }
  }
  throw valueError(type, value, 'expected a string or Uint8Array', ctx)
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Text for bytes when they are valid UTF-8, otherwise undefined. */
export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes)
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------- dates

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/
const DAY_MS = 86_400_000

function epochDayOf(text: string): number | undefined {
  const m = DATE_TEXT.exec(text)
  if (!m) return undefined
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) return undefined
  return ms / DAY_MS
}

const DATE_RANGE = { Date: [0, 65535], Date32: [-25567, 120529] } as const

/** `YYYY-MM-DD` for a Date/Date32 value (a 'YYYY-MM-DD' string or a Date at UTC midnight). */
export function toDateText(value: unknown, type: Of<'Date'> | Of<'Date32'>, ctx: ValueContext): string {
  let day: number | undefined
  if (typeof value === 'string') day = epochDayOf(value)
  else if (value instanceof Date) {
    const ms = value.getTime()
    if (Number.isNaN(ms)) throw valueError(type, value, 'invalid Date', ctx)
    if (ms % DAY_MS !== 0) throw valueError(type, value, 'has a time of day (expected UTC midnight)', ctx)
    day = ms / DAY_MS
  }
  if (day === undefined) throw valueError(type, value, "expected 'YYYY-MM-DD' or a Date at UTC midnight", ctx)
  const [min, max] = DATE_RANGE[type.kind]
  if (day < min || day > max) throw valueError(type, value, 'outside the range of the type', ctx)
  return new Date(day * DAY_MS).toISOString().slice(0, 10)
}

/** An instant as whole seconds (floor) plus `precision` fraction digits (so always >= 0). */
export interface Instant {
  seconds: bigint
  fraction: string
}

const DATETIME_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/i

function splitFraction(
  frac: string,
  precision: number,
  type: ClickHouseType,
  value: unknown,
  ctx: ValueContext,
) {
  const trimmed = frac.replace(/0+$/, '')
  if (trimmed.length > precision) throw valueError(type, value, `more than ${precision} fraction digits`, ctx)
  return trimmed.padEnd(precision, '0')
}

/**
 * An instant for DateTime/DateTime64: a Date, an ISO-8601 string (a string
 * without an offset is UTC), or Unix seconds as number/bigint/decimal text.
 */
export function toInstant(
  value: unknown,
  precision: number,
  type: ClickHouseType,
  ctx: ValueContext,
): Instant {
  if (value instanceof Date) {
    const ms = value.getTime()
    if (Number.isNaN(ms)) throw valueError(type, value, 'invalid Date', ctx)
    const seconds = Math.floor(ms / 1000)
    const millis = String(ms - seconds * 1000).padStart(3, '0')
    return { seconds: BigInt(seconds), fraction: splitFraction(millis, precision, type, value, ctx) }
  }
  if (typeof value === 'string') {
    const m = DATETIME_TEXT.exec(value.trim())
    if (m) {
      const [, y, mo, d, h, mi, s, frac = '', zone] = m
      const base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
      const check = new Date(base).toISOString()
      if (Number.isNaN(base) || check.slice(0, 19) !== `${y}-${mo}-${d}T${h}:${mi}:${s}`)
        throw valueError(type, value, 'not a valid calendar date and time', ctx)
      let offsetSeconds = 0
      if (zone !== undefined && zone.toUpperCase() !== 'Z') {
        const digits = zone.replace(':', '')
        const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))
        offsetSeconds = (digits[0] === '-' ? -1 : 1) * minutes * 60
      }
      return {
        seconds: BigInt(base / 1000 - offsetSeconds),
        fraction: splitFraction(frac, precision, type, value, ctx),
      }
    }
  }
  let plain: string | undefined
  if (typeof value === 'bigint') plain = value.toString()
  else if (typeof value === 'number' && Number.isFinite(value)) plain = plainDecimal(String(value))
  else if (typeof value === 'string')
    plain = /^[+-]?\d+(\.\d+)?$/.test(value.trim()) ? plainDecimal(value.trim()) : undefined
  if (plain === undefined)
    throw valueError(type, value, 'expected a Date, an ISO-8601 string or Unix seconds', ctx)
  const negative = plain.startsWith('-')
  const [int = '0', frac = ''] = (negative ? plain.slice(1) : plain).split('.')
  const fraction = splitFraction(frac, precision, type, value, ctx)
  let seconds = BigInt(int)
  if (!negative) return { seconds, fraction }
  // Floor semantics: -1.25 is -2 seconds plus 0.75.
  if (/^0*$/.test(fraction)) return { seconds: -seconds, fraction }
  seconds = -seconds - 1n
  const scale = 10n ** BigInt(precision)
  return { seconds, fraction: (scale - BigInt(fraction)).toString().padStart(precision, '0') }
}

const DATETIME_MAX = 4294967295n
// DateTime64 covers 1900-01-01 00:00:00 to 2299-12-31 23:59:59.(9) UTC.
const DATETIME64_MIN = -2208988800n
const DATETIME64_MAX = 10413791999n
const INT64_MAX = (1n << 63n) - 1n

export function checkInstantRange(
  instant: Instant,
  type: Of<'DateTime'> | Of<'DateTime64'>,
  value: unknown,
  ctx: ValueContext,
) {
  if (type.kind === 'DateTime') {
    if (instant.seconds < 0n || instant.seconds > DATETIME_MAX)
      throw valueError(type, value, 'outside 1970-01-01 00:00:00 … 2106-02-07 06:28:15 UTC', ctx)
    return
  }
  const scale = 10n ** BigInt(type.precision)
  const ticks = instant.seconds * scale + BigInt(instant.fraction || '0')
  if (
    instant.seconds < DATETIME64_MIN ||
    instant.seconds > DATETIME64_MAX ||
    ticks > INT64_MAX ||
    ticks < -INT64_MAX - 1n
  )
    throw valueError(type, value, 'outside the range of the type', ctx)
}

/** `YYYY-MM-DD hh:mm:ss[.fraction]` of an instant as UTC wall time. */
export function utcCalendarText(instant: Instant): string {
  const iso = new Date(Number(instant.seconds) * 1000).toISOString()
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`
  return instant.fraction === '' ? base : `${base}.${instant.fraction}`
}

/** Wall time of an instant in an IANA zone (for the few places the server needs wall time). */
export function zonedCalendarText(instant: Instant, timezone: string): string | undefined {
  let parts: Intl.DateTimeFormatPart[]
  try {
    parts = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(new Date(Number(instant.seconds) * 1000))
  } catch {
    return undefined
  }
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? ''
  const base = `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`
  return instant.fraction === '' ? base : `${base}.${instant.fraction}`
}

// ---------------------------------------------------------------- others

export function toBool(value: unknown, type: ClickHouseType, ctx: ValueContext): boolean {
  if (typeof value === 'boolean') return value
  if (value === 0 || value === 1 || value === 0n || value === 1n) return value === 1 || value === 1n
  throw valueError(type, value, 'expected a boolean', ctx)
}

/** The name of an Enum value (given by name or by number). */
export function toEnumName(value: unknown, type: Of<'Enum'>, ctx: ValueContext): string {
  if (typeof value === 'string') {
    for (const name of type.values.values()) if (name === value) return name
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    const name = type.values.get(Number(value))
    if (name !== undefined) return name
  }
  throw valueError(type, value, 'not one of the enum values', ctx)
}

export function toUuidText(value: unknown, type: ClickHouseType, ctx: ValueContext): string {
  if (
    typeof value === 'string' &&
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
  )
    return value.toLowerCase()
  throw valueError(type, value, 'expected a UUID string', ctx)
}

export function toIpText(value: unknown, type: Of<'IPv4'> | Of<'IPv6'>, ctx: ValueContext): string {
  if (
    typeof value === 'string' &&
    (isIPv4(value) || (type.kind === 'IPv6' && isIPv6(value) && !value.includes('%')))
  )
    return value
  if (
    type.kind === 'IPv4' &&
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= 0 &&
    value <= 0xffffffff
  )
    return [24, 16, 8, 0].map((s) => (value >>> s) & 255).join('.')
  throw valueError(type, value, `expected an ${type.kind} address`, ctx)
}

/** JSON text for a JSON column; bigint keeps its digits. */
export function toJsonText(value: unknown, type: ClickHouseType, ctx: ValueContext): string {
  if (typeof value === 'string') return value
  if (value !== null && typeof value === 'object') {
    const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `\u0000big:${v}` : v))
    // A bigint became a marked string; put its digits back as a JSON number.
    return text.replace(/"\\u0000big:(-?\d+)"/g, '$1')
  }
  throw valueError(type, value, 'expected an object or JSON text', ctx)
}

/** The entries of a Map value: a JS Map or a plain object. */
export function mapEntries(value: unknown, type: ClickHouseType, ctx: ValueContext): [unknown, unknown][] {
  if (value instanceof Map) return [...value.entries()]
  if (isPlainObject(value)) return Object.entries(value)
  throw valueError(type, value, 'expected a plain object or a Map', ctx)
}

/** The elements of a Tuple value: an array (positional) or, for named tuples, an object by name. */
export function tupleElements(value: unknown, type: Of<'Tuple'>, ctx: ValueContext): unknown[] {
  if (Array.isArray(value)) {
    if (value.length !== type.elements.length)
      throw valueError(type, value, `expected ${type.elements.length} elements`, ctx)
    return value
  }
  if (type.names !== undefined && isPlainObject(value)) {
    const names = type.names
    for (const key of Object.keys(value))
      if (!names.includes(key)) throw valueError(type, value, `unknown tuple element '${key}'`, ctx)
    return names.map((n) => value[n])
  }
  throw valueError(type, value, 'expected an array', ctx)
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
