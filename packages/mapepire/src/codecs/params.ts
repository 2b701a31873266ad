/**
 * Parameter values as the Mapepire server binds them: every value travels as
 * text (the server calls JDBC `setString`), `null` as SQL NULL. Each JavaScript
 * type has one text form that Db2 for i reads back as the same value; anything
 * else is refused with `ParameterError` before the statement is sent. Error
 * messages name the parameter's position and type, never its value (it may be
 * a secret).
 */
import { ParameterError } from '@tributary/core'
import { SYSTEM } from '../errors.ts'

export type WireValue = string | null

export function encodeParameters(values: readonly unknown[]): WireValue[] {
  const out = new Array<WireValue>(values.length)
  for (let i = 0; i < values.length; i++) out[i] = encodeParameter(values[i], i)
  return out
}

export function encodeParameter(value: unknown, index: number): WireValue {
  switch (typeof value) {
    case 'string':
      if (hasLoneSurrogate(value)) throw refused(index, 'a string with a lone UTF-16 surrogate')
      return value
    case 'number':
      if (!Number.isFinite(value)) throw refused(index, `the number ${String(value)}`)
      // Integers past 1e21 would print in exponent form.
      return Number.isInteger(value) && Math.abs(value) >= 1e21 ? BigInt(value).toString() : String(value)
    case 'bigint':
      return value.toString()
    case 'boolean':
      // 1/0 are read as TRUE/FALSE by BOOLEAN (7.5+) and as numbers by the SMALLINT flags that predate it.
      return value ? '1' : '0'
    case 'object':
      if (value === null) return null
      if (value instanceof Date) return timestampText(value, index)
      if (value instanceof Uint8Array)
        return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex').toUpperCase()
      if (value instanceof ArrayBuffer) return Buffer.from(value).toString('hex').toUpperCase()
      throw refused(index, describe(value))
    default:
      throw refused(index, typeof value)
  }
}

/** `2024-06-15 13:45:30.123000`: the Date's UTC wall-clock time, which TIMESTAMP columns store. */
export function timestampText(date: Date, index = 0): string {
  const ms = date.getTime()
  if (Number.isNaN(ms)) throw refused(index, 'an invalid Date')
  const year = date.getUTCFullYear()
  if (year < 1 || year > 9999) throw refused(index, `a Date in the year ${year} (Db2 holds 0001-9999)`)
  const iso = date.toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Such a string has no UTF-8 (or EBCDIC) form: the server would store a substitute character. */
function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text)
}

function describe(value: object): string {
  const name = value.constructor?.name
  return name && name !== 'Object' ? `a ${name}` : 'an object'
}

function refused(index: number, what: string): ParameterError {
  return new ParameterError(
    `parameter ${index + 1} cannot be sent to Db2 for i: ${what} (strings, numbers, bigint, boolean, Date, bytes and null can)`,
    { system: SYSTEM },
  )
}
