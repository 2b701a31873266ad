/**
 * A request as the Java server reads it with Gson: numbers keep their source text (parameters
 * are bound with `getAsString`), and field access follows JsonElement's rules.
 */

import { RequestError } from '../db2/errors.ts'

/** A JSON number with the exact text the client sent. */
export class SourceNumber {
  readonly source: string
  constructor(source: string) {
    this.source = source
  }
}

export type JsonValue = string | boolean | null | SourceNumber | JsonValue[] | { [key: string]: JsonValue }

/**
 * A number token whose text `String(Number(text))` may not give back: a fraction, an exponent, a
 * leading zero, 16 or more digits, or minus zero. Matches inside strings only cost the slow path.
 */
const INEXACT_NUMBER = /[[:,]\s*-?(?:0\d|\d*[.eE]|\d{16}|0\s*[,\]}])/

export function parseRequest(text: string): JsonValue {
  // Most requests hold only plain integers (rows, ids), which the native parser gives back exactly.
  if (!INEXACT_NUMBER.test(text)) return withSourceNumbers(JSON.parse(text) as unknown)
  return JSON.parse(text, (_key, value, context?: { source?: string }) =>
    typeof value === 'number' ? new SourceNumber(context?.source ?? String(value)) : value,
  ) as JsonValue
}

function withSourceNumbers(value: unknown): JsonValue {
  if (typeof value === 'number') return new SourceNumber(String(value))
  if (typeof value !== 'object' || value === null) return value as JsonValue
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = withSourceNumbers(value[i])
    return value as JsonValue
  }
  const record = value as Record<string, unknown>
  for (const key in record) {
    const converted = withSourceNumbers(record[key])
    // An own "__proto__" key, as JSON.parse made it: assignment would set the prototype instead.
    if (key === '__proto__') {
      Object.defineProperty(record, key, {
        value: converted,
        enumerable: true,
        writable: true,
        configurable: true,
      })
    } else record[key] = converted
  }
  return record as JsonValue
}

export function isObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof SourceNumber)
}

/** Gson's JsonElement.toString (for messages such as `Not a JSON Array: 99`). */
export function gsonText(v: JsonValue | undefined): string {
  if (v === undefined) return 'null'
  if (v instanceof SourceNumber) return v.source
  if (Array.isArray(v)) return `[${v.map(gsonText).join(',')}]`
  if (isObject(v)) {
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}:${gsonText(x)}`)
      .join(',')}}`
  }
  return JSON.stringify(v)
}

/** JsonElement.getAsString: strings, numbers (as sent), booleans; anything else fails. */
export function asString(v: JsonValue | undefined, field: string): string {
  if (v === undefined) {
    throw new RequestError(
      `Internal Error: NullPointerException: Cannot invoke "com.google.gson.JsonElement.getAsString()" because the request field "${field}" is null`,
    )
  }
  if (typeof v === 'string') return v
  if (v instanceof SourceNumber) return v.source
  if (typeof v === 'boolean') return String(v)
  if (v === null) throw new RequestError('JsonNull')
  if (Array.isArray(v) && v.length === 1) return asString(v[0], field)
  throw new RequestError(Array.isArray(v) ? 'JsonArray' : 'JsonObject')
}

/** getRequestFieldInt: the value as an int, or the default when it is not one. */
export function asInt(v: JsonValue | undefined, fallback: number): number {
  if (v instanceof SourceNumber) {
    const n = Number(v.source)
    return Number.isFinite(n) ? Math.trunc(n) : fallback
  }
  if (typeof v === 'string' && /^[-+]?\d+$/.test(v.trim())) return Number.parseInt(v, 10)
  if (Array.isArray(v) && v.length === 1) return asInt(v[0], fallback)
  return fallback
}

/** getRequestFieldBoolean: booleans, or strings parsed as Boolean.parseBoolean. */
export function asBoolean(v: JsonValue | undefined, fallback: boolean): boolean {
  if (typeof v === 'boolean') return v
  if (typeof v === 'string') return v.toLowerCase() === 'true'
  if (v instanceof SourceNumber) return false
  return fallback
}

/** Parameter values as JDBC setString/setNull receives them. */
export function parameterValues(values: JsonValue[]): (string | null)[] {
  return values.map((v) => (v === null ? null : asString(v, 'parameters')))
}
