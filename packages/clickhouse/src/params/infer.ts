import { integerRange, ParameterError, previewValue } from '@tributary/core'
import { formatType, parseType } from '../formats/type-parser.ts'
import type { ClickHouseType } from '../formats/types.ts'
import { deferredPlaceholder } from './deferred.ts'
import { isPlainObject } from './scalars.ts'
import { TypedValue } from './typed.ts'

/**
 * Picks the ClickHouse type a JS value is sent as when the caller did not
 * give one with `typed()`. Integers stay exact (bigint widens to the smallest
 * 64/128/256-bit type that holds it); anything ambiguous is refused so the
 * caller can state the type.
 */
export function inferType(value: unknown, server: InferenceServer = MODERN): string {
  return formatType(inferTypeTree(value, server))
}

/** What inference needs to know of the server. */
export interface InferenceServer {
  /** The server has DateTime64 (20.1 and later, chDB); older servers get a JS Date as DateTime('UTC'). */
  dateTime64: boolean
}

const MODERN: InferenceServer = { dateTime64: true }

/**
 * `{name:Type}` for a value, ready to put into SQL. The type of a value that
 * holds a JS Date depends on the server, so it is left for the client to
 * decide when the statement runs.
 */
export function placeholder(name: string, value: unknown): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new ParameterError(`Invalid parameter name ${previewValue(name)}`, { system: 'clickhouse' })
  const type = inferType(value)
  return containsDate(value) ? deferredPlaceholder({ kind: 'value', name }) : `{${name}:${type}}`
}

/** Whether inference meets a JS Date in the value (whose type then depends on the server). */
function containsDate(value: unknown): boolean {
  if (value instanceof Date) return true
  if (value instanceof TypedValue || value === null || typeof value !== 'object') return false
  if (Array.isArray(value)) return value.some(containsDate)
  if (value instanceof Map) return [...value.values()].some(containsDate)
  if (isPlainObject(value)) return Object.values(value).some(containsDate)
  return false
}

const INT64: ClickHouseType = { kind: 'Int', signed: true, bits: 64 }
const FLOAT64: ClickHouseType = { kind: 'Float', bits: 64 }
const NOTHING: ClickHouseType = { kind: 'Nothing' }
const NULL_TYPE: ClickHouseType = { kind: 'Nullable', inner: NOTHING }
const STRING: ClickHouseType = { kind: 'String' }

function fail(value: unknown, reason: string): never {
  throw new ParameterError(
    `Cannot infer a ClickHouse type for ${previewValue(value)}: ${reason}; use typed(value, 'Type')`,
    {
      system: 'clickhouse',
    },
  )
}

export function inferTypeTree(value: unknown, server: InferenceServer = MODERN): ClickHouseType {
  if (value instanceof TypedValue) return parseType(value.type)
  if (value === null || value === undefined) return NULL_TYPE
  switch (typeof value) {
    case 'number':
      return Number.isSafeInteger(value) ? INT64 : FLOAT64
    case 'bigint':
      return bigintType(value)
    case 'boolean':
      return { kind: 'Bool' }
    case 'string':
      return STRING
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) fail(value, 'invalid Date')
    return server.dateTime64
      ? { kind: 'DateTime64', precision: 3, timezone: 'UTC' }
      : { kind: 'DateTime', timezone: 'UTC' }
  }
  if (value instanceof Uint8Array) return STRING
  if (Array.isArray(value)) {
    let element: ClickHouseType = NOTHING
    for (const item of value) element = unify(element, inferTypeTree(item, server), value)
    return { kind: 'Array', element }
  }
  if (isPlainObject(value) || value instanceof Map) {
    const values = value instanceof Map ? [...value.values()] : Object.values(value)
    if (value instanceof Map)
      for (const key of value.keys()) if (typeof key !== 'string') fail(value, 'Map keys other than strings')
    let inner: ClickHouseType = NOTHING
    for (const item of values) inner = unify(inner, inferTypeTree(item, server), value)
    return { kind: 'Map', key: STRING, value: inner }
  }
  return fail(value, 'unsupported value')
}

function bigintType(n: bigint): ClickHouseType {
  for (const bits of [64, 128, 256] as const) {
    for (const signed of [true, false]) {
      const [min, max] = integerRange(bits, signed)
      if (n >= min && n <= max) return { kind: 'Int', signed, bits }
    }
  }
  return fail(n, 'wider than 256 bits')
}

/** The type of a container that holds values of both types. */
function unify(a: ClickHouseType, b: ClickHouseType, whole: unknown): ClickHouseType {
  if (a.kind === 'Nothing') return b
  if (b.kind === 'Nothing') return a
  if (a.kind === 'Nullable' || b.kind === 'Nullable') {
    const inner = unify(a.kind === 'Nullable' ? a.inner : a, b.kind === 'Nullable' ? b.inner : b, whole)
    if (inner.kind === 'Nothing' || inner.kind === 'Nullable')
      return { kind: 'Nullable', inner: inner.kind === 'Nullable' ? inner.inner : inner }
    if (['Array', 'Map', 'Tuple', 'LowCardinality'].includes(inner.kind))
      fail(whole, `NULL mixed with ${inner.kind} values`)
    return { kind: 'Nullable', inner }
  }
  if (a.kind === 'Int' && b.kind === 'Int') return widerInt(a, b, whole)
  if ((a.kind === 'Int' || a.kind === 'Float') && (b.kind === 'Int' || b.kind === 'Float')) return FLOAT64
  if (a.kind === 'Array' && b.kind === 'Array')
    return { kind: 'Array', element: unify(a.element, b.element, whole) }
  if (a.kind === 'Map' && b.kind === 'Map')
    return { kind: 'Map', key: STRING, value: unify(a.value, b.value, whole) }
  const ta = formatType(a)
  if (ta === formatType(b)) return a
  return fail(whole, `elements of different types (${ta}, ${formatType(b)})`)
}

function widerInt(
  a: Extract<ClickHouseType, { kind: 'Int' }>,
  b: Extract<ClickHouseType, { kind: 'Int' }>,
  whole: unknown,
): ClickHouseType {
  const [minA, maxA] = integerRange(a.bits, a.signed)
  const [minB, maxB] = integerRange(b.bits, b.signed)
  // biome-ignore lint/complexity/useMathMinMax: bigint operands
  const min = minA < minB ? minA : minB
  // biome-ignore lint/complexity/useMathMinMax: bigint operands
  const max = maxA > maxB ? maxA : maxB
  for (const bits of [64, 128, 256] as const) {
    for (const signed of [true, false]) {
      const [lo, hi] = integerRange(bits, signed)
      if (min >= lo && max <= hi) return { kind: 'Int', signed, bits }
    }
  }
  return fail(whole, 'integers that no single 256-bit type holds')
}
