/**
 * Column builders for ClickHouse types, on pg-core's `customType`.
 *
 * Each builder's SQL type (`getSQLType()`, what DDL helpers read) is the exact
 * ClickHouse type, and every value written goes out as `typed(value, type)`,
 * so parameters get the column's type instead of an inferred one. The JS type
 * of each builder is listed in docs/clickhouse-drizzle.md; `fromDriver` also
 * accepts the other spellings a value may arrive in (text from old servers).
 * A registry remembers each builder's spec so composites (`array(uint8())`)
 * can read their inner types.
 */

import { ConfigurationError, decodeUtf8 } from '@tributary/core'
import {
  type ConvertCustomConfig,
  customType,
  type PgCustomColumnBuilder,
  pgTable,
} from 'drizzle-orm/pg-core'
import { mapKeyText } from '../formats/value-text.ts'
import { quoteLiteral } from '../params/literal.ts'
import { typed } from '../params/typed.ts'

/** A ClickHouse column builder whose values have JS type `TData`. */
export type ClickHouseColumnBuilder<TData, TNotNull extends boolean = true> = PgCustomColumnBuilder<
  ConvertCustomConfig<string, { data: TData; driverData: unknown; notNull: TNotNull }>
>

type AnyClickHouseColumnBuilder = PgCustomColumnBuilder<any>

/** The JS value type of a builder (after `.$type<T>()` if used). */
export type ColumnData<B> = B extends { _: { $type: infer T } }
  ? T
  : B extends PgCustomColumnBuilder<infer C>
    ? C['data']
    : never

interface TypeSpec {
  /** The ClickHouse type, e.g. `Nullable(UInt64)`. */
  type: string
  /** Driver value → JS value (never called with NULL by Drizzle). */
  decode: (value: unknown) => unknown
}

interface Registered {
  spec: TypeSpec
  name: string
}

// Which spec and name each builder was made from, so composites can read their inner types.
const registry = new WeakMap<object, Registered>()

function build<TData, TNotNull extends boolean = true>(
  name: string,
  spec: TypeSpec,
): ClickHouseColumnBuilder<TData, TNotNull> {
  const factory = customType<{ data: unknown; driverData: unknown }>({
    dataType: () => spec.type,
    toDriver: (value) => (value === null || value === undefined ? value : typed(value, spec.type)),
    fromDriver: (value) => spec.decode(value),
  })
  const builder = factory(name)
  registry.set(builder, { spec, name })
  return builder as unknown as ClickHouseColumnBuilder<TData, TNotNull>
}

function innerOf(builder: AnyClickHouseColumnBuilder, where: string): Registered {
  const registered = registry.get(builder)
  if (!registered) {
    throw new ConfigurationError(
      `${where}: the inner type must be a column builder from @tributary/clickhouse/drizzle`,
      {
        system: 'clickhouse',
      },
    )
  }
  return registered
}

/** Splits the optional leading column name off a builder's arguments. */
function named<A extends unknown[]>(
  args: [string, ...A] | A,
  isName: (first: unknown) => boolean,
): [string, A] {
  if (args.length > 0 && isName(args[0])) return [args[0] as string, args.slice(1) as A]
  return ['', args as A]
}

const isString = (v: unknown) => typeof v === 'string'

// ---- decoders -----------------------------------------------------------------

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value
  if (typeof value === 'string') {
    const lower = value.toLowerCase()
    if (lower === 'inf' || lower === '+inf') return Number.POSITIVE_INFINITY
    if (lower === '-inf') return Number.NEGATIVE_INFINITY
    if (lower === 'nan' || lower === '+nan' || lower === '-nan') return Number.NaN
  }
  return Number(value)
}

function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean')
    return BigInt(value)
  return BigInt(String(value))
}

function toText(value: unknown): string {
  if (typeof value === 'string') return value
  if (value instanceof Uint8Array) return decodeUtf8(value)
  return String(value)
}

function toDateText(value: unknown): string {
  if (value instanceof Date) return value.toISOString().slice(0, 10)
  return toText(value).slice(0, 10)
}

/** A DateTime as an instant; text without a zone is read as UTC (the client's ISO form has one). */
function toDate(value: unknown): Date {
  if (value instanceof Date) return value
  if (typeof value === 'number') return new Date(value * 1000)
  if (typeof value === 'bigint') return new Date(Number(value) * 1000)
  const text = toText(value)
  if (/^\d+(\.\d+)?$/.test(text)) return new Date(Number(text) * 1000)
  const iso = text.includes('T') ? text : text.replace(' ', 'T')
  return new Date(/(Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : `${iso}Z`)
}

function toIsoText(value: unknown): string {
  if (value instanceof Date) return value.toISOString()
  return toText(value)
}

function toBool(value: unknown): boolean {
  if (typeof value === 'boolean') return value
  if (typeof value === 'number' || typeof value === 'bigint') return value !== 0 && value !== 0n
  const text = toText(value)
  return text === 'true' || text === '1'
}

function toDecimalText(value: unknown): string {
  return typeof value === 'string' ? value : String(value)
}

function toJson(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value
}

const identity = (value: unknown) => value

// ---- scalar builders ----------------------------------------------------------

function scalar<TData>(type: string, decode: (value: unknown) => unknown) {
  return (name = ''): ClickHouseColumnBuilder<TData> => build<TData>(name, { type, decode })
}

export const uint8 = scalar<number>('UInt8', toNumber)
export const uint16 = scalar<number>('UInt16', toNumber)
export const uint32 = scalar<number>('UInt32', toNumber)
export const uint64 = scalar<bigint>('UInt64', toBigInt)
export const uint128 = scalar<bigint>('UInt128', toBigInt)
export const uint256 = scalar<bigint>('UInt256', toBigInt)
export const int8 = scalar<number>('Int8', toNumber)
export const int16 = scalar<number>('Int16', toNumber)
export const int32 = scalar<number>('Int32', toNumber)
export const int64 = scalar<bigint>('Int64', toBigInt)
export const int128 = scalar<bigint>('Int128', toBigInt)
export const int256 = scalar<bigint>('Int256', toBigInt)
export const float32 = scalar<number>('Float32', toNumber)
export const float64 = scalar<number>('Float64', toNumber)
export const string = scalar<string>('String', toText)
export const date = scalar<string>('Date', toDateText)
export const date32 = scalar<string>('Date32', toDateText)
export const bool = scalar<boolean>('Bool', toBool)
export const uuid = scalar<string>('UUID', toText)
export const ipv4 = scalar<string>('IPv4', toText)
export const ipv6 = scalar<string>('IPv6', toText)
export const json = scalar<unknown>('JSON', toJson)

/** `Decimal(P, S)`, read and written as an exact decimal string. */
export function decimal(precision: number, scale: number): ClickHouseColumnBuilder<string>
export function decimal(name: string, precision: number, scale: number): ClickHouseColumnBuilder<string>
export function decimal(
  ...args: [string, number, number] | [number, number]
): ClickHouseColumnBuilder<string> {
  const [name, [precision, scale]] = named<[number, number]>(args, isString)
  checkInteger('decimal precision', precision, 1, 76)
  checkInteger('decimal scale', scale, 0, precision)
  return build<string>(name, { type: `Decimal(${precision}, ${scale})`, decode: toDecimalText })
}

/** `FixedString(N)`; values shorter than N come back padded with NUL bytes, as ClickHouse stores them. */
export function fixedString(length: number): ClickHouseColumnBuilder<string>
export function fixedString(name: string, length: number): ClickHouseColumnBuilder<string>
export function fixedString(...args: [string, number] | [number]): ClickHouseColumnBuilder<string> {
  const [name, [length]] = named<[number]>(args, isString)
  checkInteger('fixedString length', length, 1, Number.MAX_SAFE_INTEGER)
  return build<string>(name, { type: `FixedString(${length})`, decode: toText })
}

/**
 * `DateTime` or `DateTime('zone')`, as a JS Date. The type holds whole seconds:
 * a Date with milliseconds is refused with a `ParameterError` unless the client
 * has `subsecondDates: 'truncate'` (use `dateTime64(3)` to keep them).
 */
export function dateTime(name?: string, timezone?: string): ClickHouseColumnBuilder<Date> {
  const type = timezone === undefined ? 'DateTime' : `DateTime(${quoteLiteral(timezone)})`
  return build<Date>(name ?? '', { type, decode: toDate })
}

type DateTime64Data<P extends number> = number extends P
  ? Date | string
  : P extends 0 | 1 | 2 | 3
    ? Date
    : string

/** `DateTime64(P)` / `DateTime64(P, 'zone')`: a Date up to millisecond precision, an ISO string beyond. */
export function dateTime64<P extends number>(
  precision: P,
  timezone?: string,
): ClickHouseColumnBuilder<DateTime64Data<P>>
export function dateTime64<P extends number>(
  name: string,
  precision: P,
  timezone?: string,
): ClickHouseColumnBuilder<DateTime64Data<P>>
export function dateTime64(
  ...args: [string, number, string?] | [number, string?]
): ClickHouseColumnBuilder<Date | string> {
  const [name, [precision, timezone]] = named<[number, string?]>(args, isString)
  checkInteger('dateTime64 precision', precision, 0, 9)
  const type =
    timezone === undefined
      ? `DateTime64(${precision})`
      : `DateTime64(${precision}, ${quoteLiteral(timezone)})`
  return build<Date | string>(name, { type, decode: precision <= 3 ? toDate : toIsoText })
}

type EnumValues = readonly [string, ...string[]] | Readonly<Record<string, number>>
type EnumName<V extends EnumValues> = V extends readonly string[] ? V[number] : Extract<keyof V, string>

function enumBuilder(bits: 8 | 16) {
  const limit = bits === 8 ? [-128, 127] : [-32768, 32767]
  function enumColumn<const V extends EnumValues>(values: V): ClickHouseColumnBuilder<EnumName<V>>
  function enumColumn<const V extends EnumValues>(
    name: string,
    values: V,
  ): ClickHouseColumnBuilder<EnumName<V>>
  function enumColumn(...args: [string, EnumValues] | [EnumValues]): ClickHouseColumnBuilder<string> {
    const [name, [values]] = named<[EnumValues]>(args, isString)
    const entries: [string, number][] = Array.isArray(values)
      ? (values as readonly string[]).map((v, i) => [v, i + 1])
      : Object.entries(values as Record<string, number>)
    if (entries.length === 0)
      throw new ConfigurationError(`enum${bits} needs at least one value`, { system: 'clickhouse' })
    for (const [, n] of entries) checkInteger(`enum${bits} value`, n, limit[0] as number, limit[1] as number)
    const byNumber = new Map(entries.map(([k, n]) => [n, k]))
    const type = `Enum${bits}(${entries.map(([k, n]) => `${quoteLiteral(k)} = ${n}`).join(', ')})`
    return build<string>(name, {
      type,
      decode: (value) => (typeof value === 'number' ? (byNumber.get(value) ?? String(value)) : toText(value)),
    })
  }
  return enumColumn
}

export const enum8 = enumBuilder(8)
export const enum16 = enumBuilder(16)

// ---- composite builders -------------------------------------------------------

/** `Nullable(T)`: adds `null` to the inner type. */
export function nullable<B extends AnyClickHouseColumnBuilder>(
  inner: B,
): ClickHouseColumnBuilder<ColumnData<B> | null, false>
export function nullable<B extends AnyClickHouseColumnBuilder>(
  name: string,
  inner: B,
): ClickHouseColumnBuilder<ColumnData<B> | null, false>
export function nullable(
  ...args: [AnyClickHouseColumnBuilder] | [string, AnyClickHouseColumnBuilder]
): AnyClickHouseColumnBuilder {
  const [explicit, [innerBuilder]] = named<[AnyClickHouseColumnBuilder]>(args, isString)
  const inner = innerOf(innerBuilder, 'nullable()')
  const decode = inner.spec.decode
  return build(explicit || inner.name, {
    type: `Nullable(${inner.spec.type})`,
    decode: (value) => (value === null || value === undefined ? null : decode(value)),
  })
}

/** `LowCardinality(T)`: same values as the inner type. */
export function lowCardinality<B extends AnyClickHouseColumnBuilder>(
  inner: B,
): ClickHouseColumnBuilder<ColumnData<B>>
export function lowCardinality<B extends AnyClickHouseColumnBuilder>(
  name: string,
  inner: B,
): ClickHouseColumnBuilder<ColumnData<B>>
export function lowCardinality(
  ...args: [AnyClickHouseColumnBuilder] | [string, AnyClickHouseColumnBuilder]
): AnyClickHouseColumnBuilder {
  const [explicit, [innerBuilder]] = named<[AnyClickHouseColumnBuilder]>(args, isString)
  const inner = innerOf(innerBuilder, 'lowCardinality()')
  return build(explicit || inner.name, {
    type: `LowCardinality(${inner.spec.type})`,
    decode: inner.spec.decode,
  })
}

/** `Array(T)`. */
export function array<B extends AnyClickHouseColumnBuilder>(
  inner: B,
): ClickHouseColumnBuilder<ColumnData<B>[]>
export function array<B extends AnyClickHouseColumnBuilder>(
  name: string,
  inner: B,
): ClickHouseColumnBuilder<ColumnData<B>[]>
export function array(
  ...args: [AnyClickHouseColumnBuilder] | [string, AnyClickHouseColumnBuilder]
): AnyClickHouseColumnBuilder {
  const [explicit, [innerBuilder]] = named<[AnyClickHouseColumnBuilder]>(args, isString)
  const inner = innerOf(innerBuilder, 'array()')
  const decode = inner.spec.decode
  return build(explicit || inner.name, {
    type: `Array(${inner.spec.type})`,
    decode: (value) => (value as unknown[]).map((item) => (item === null ? null : decode(item))),
  })
}

/** `Map(K, V)`, as a plain object keyed by the keys' text. */
export function map<V extends AnyClickHouseColumnBuilder>(
  key: AnyClickHouseColumnBuilder,
  value: V,
): ClickHouseColumnBuilder<Record<string, ColumnData<V>>>
export function map<V extends AnyClickHouseColumnBuilder>(
  name: string,
  key: AnyClickHouseColumnBuilder,
  value: V,
): ClickHouseColumnBuilder<Record<string, ColumnData<V>>>
export function map(
  ...args:
    | [AnyClickHouseColumnBuilder, AnyClickHouseColumnBuilder]
    | [string, AnyClickHouseColumnBuilder, AnyClickHouseColumnBuilder]
): AnyClickHouseColumnBuilder {
  const [name, [keyBuilder, valueBuilder]] = named<[AnyClickHouseColumnBuilder, AnyClickHouseColumnBuilder]>(
    args,
    isString,
  )
  const key = innerOf(keyBuilder, 'map()')
  const value = innerOf(valueBuilder, 'map()')
  const decode = value.spec.decode
  return build(name, {
    type: `Map(${key.spec.type}, ${value.spec.type})`,
    decode: (raw) => {
      // Entries when the client reads maps as [key, value][]; the first of duplicate keys wins, as m[key] does.
      const entries = Array.isArray(raw)
        ? (raw as [unknown, unknown][])
        : raw instanceof Map
          ? [...raw.entries()]
          : Object.entries(raw as Record<string, unknown>)
      const out: Record<string, unknown> = {}
      for (const [k, v] of entries) {
        const key = mapKeyText(k)
        if (Object.hasOwn(out, key)) continue
        Object.defineProperty(out, key, {
          value: v === null ? null : decode(v),
          enumerable: true,
          writable: true,
          configurable: true,
        })
      }
      return out
    },
  })
}

type TupleData<T extends readonly AnyClickHouseColumnBuilder[]> = {
  -readonly [K in keyof T]: ColumnData<T[K]>
}

/** `Tuple(T1, T2, …)`, as a JS array. */
export function tuple<const T extends readonly [AnyClickHouseColumnBuilder, ...AnyClickHouseColumnBuilder[]]>(
  ...elements: T
): ClickHouseColumnBuilder<TupleData<T>>
export function tuple<const T extends readonly [AnyClickHouseColumnBuilder, ...AnyClickHouseColumnBuilder[]]>(
  name: string,
  ...elements: T
): ClickHouseColumnBuilder<TupleData<T>>
export function tuple(...args: unknown[]): AnyClickHouseColumnBuilder {
  const [name, elements] = named<AnyClickHouseColumnBuilder[]>(args as AnyClickHouseColumnBuilder[], isString)
  if (elements.length === 0)
    throw new ConfigurationError('tuple() needs at least one element type', { system: 'clickhouse' })
  const inner = elements.map((e) => innerOf(e, 'tuple()'))
  return build(name, {
    type: `Tuple(${inner.map((i) => i.spec.type).join(', ')})`,
    decode: (value) => {
      const items = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>)
      return items.map((item, i) => (item === null ? null : (inner[i]?.spec.decode ?? identity)(item)))
    },
  })
}

/** pg-core's table builder under a ClickHouse name; the columns above are what make it ClickHouse. */
export const chTable = pgTable

function checkInteger(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigurationError(`${what} must be an integer from ${min} to ${max}, got ${String(value)}`, {
      system: 'clickhouse',
    })
  }
}
