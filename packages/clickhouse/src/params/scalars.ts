import { isIPv4, isIPv6 } from 'node:net'
import {
  calendarDay,
  checkUnicode,
  valueError as coreValueError,
  exactDecimal,
  exactInteger,
  formatCalendarDay,
  type Instant,
  type InstantOptions,
  toInstant as instantOf,
  type ParameterError,
  ValueRejection,
  type ValueTarget,
} from '@tributary/core'
import { formatType } from '../formats/type-parser.ts'
import type { ClickHouseType } from '../formats/types.ts'
import { TypedValue } from './typed.ts'

/**
 * Validation and normalisation of single JS values against a ClickHouse type,
 * on the shared checks of @tributary/core. The text formatter, the SQL literal
 * formatter and the TSV writer all build on these, so a value is accepted or
 * refused the same way on every path and nothing is ever rounded or clamped
 * silently.
 */

type Of<K extends ClickHouseType['kind']> = Extract<ClickHouseType, { kind: K }>

/** Where a value sits (for error messages) and how sub-second Dates are written. */
export interface ValueContext extends ValueTarget, InstantOptions {}

export type { Instant }

export function valueError(
  type: ClickHouseType,
  value: unknown,
  reason: string,
  ctx: ValueContext,
): ParameterError {
  let typeText: string
  try {
    typeText = formatType(type)
  } catch {
    typeText = type.kind
  }
  return coreValueError(value, typeText, reason, ctx, 'clickhouse')
}

/** What to do about a JS Date with milliseconds the type cannot hold. */
const SUBSECOND_HINT =
  "; keep them with DateTime64(3), or drop them with the client option subsecondDates: 'truncate'"

/** The checked value, or the rejection thrown as a ParameterError for this type and place. */
function accept<T>(result: T | ValueRejection, type: ClickHouseType, value: unknown, ctx: ValueContext): T {
  if (result instanceof ValueRejection) {
    const reason = result.kind === 'subsecond-date' ? result.reason + SUBSECOND_HINT : result.reason
    throw valueError(type, value, reason, ctx)
  }
  return result
}

/** A `TypedValue` stands for its value once the type is known. */
export function unwrapTyped(value: unknown): unknown {
  return value instanceof TypedValue ? value.value : value
}

// ---------------------------------------------------------------- integers

/** An integer value of an (U)IntN type, exactly. */
export function toInteger(value: unknown, type: Of<'Int'>, ctx: ValueContext): bigint {
  return accept(exactInteger(value, type.bits, type.signed), type, value, ctx)
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

/** Exact decimal text with exactly `scale` fraction digits; refuses values that need rounding or overflow. */
export function toDecimalText(value: unknown, type: Of<'Decimal'>, ctx: ValueContext): string {
  return accept(exactDecimal(value, type.precision, type.scale), type, value, ctx)
}

// ---------------------------------------------------------------- strings

/** The UTF-8 bytes or the text of a String/FixedString value. */
export function toStringValue(
  value: unknown,
  type: ClickHouseType,
  ctx: ValueContext,
): { text: string } | { bytes: Uint8Array } {
  if (typeof value === 'string') {
    const problem = checkUnicode(value)
    if (problem !== undefined) throw valueError(type, value, problem.reason, ctx)
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

// ---------------------------------------------------------------- dates

const DATE_RANGE = { Date: [0, 65535], Date32: [-25567, 120529] } as const

/** `YYYY-MM-DD` for a Date/Date32 value (a 'YYYY-MM-DD' string or a Date at UTC midnight). */
export function toDateText(value: unknown, type: Of<'Date'> | Of<'Date32'>, ctx: ValueContext): string {
  const day = accept(calendarDay(value), type, value, ctx)
  const [min, max] = DATE_RANGE[type.kind]
  if (day < min || day > max) throw valueError(type, value, 'outside the range of the type', ctx)
  return formatCalendarDay(day)
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
  return accept(instantOf(value, precision, ctx), type, value, ctx)
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

/** The entries of a Map value: a JS Map, a plain object, or `[key, value]` pairs (duplicate keys kept). */
export function mapEntries(value: unknown, type: ClickHouseType, ctx: ValueContext): [unknown, unknown][] {
  if (value instanceof Map) return [...value.entries()]
  if (isPlainObject(value)) return Object.entries(value)
  if (Array.isArray(value) && value.every((pair) => Array.isArray(pair) && pair.length === 2))
    return value as [unknown, unknown][]
  throw valueError(type, value, 'expected a plain object, a Map or [key, value] pairs', ctx)
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
