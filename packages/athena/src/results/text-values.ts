/**
 * Athena's text forms of values (GetQueryResults' `VarCharValue`, the fields
 * of `<id>.csv`) as JS values, chosen by the column's type from ColumnInfo.
 * NULL never reaches a decoder: the readers tell it apart from '' first.
 *
 * ColumnInfo names `array`, `map` and `row` without their element types, and
 * Athena's `[a, b]` / `{k=v}` text cannot be read back exactly when strings
 * hold `, `, `=` or `}`; such columns keep that text unless the query casts
 * them to JSON (then they are parsed exactly) or the result is UNLOADed.
 */

import type { ColumnInfo } from '@aws-sdk/client-athena'
import { ProtocolError } from '@tributary/core'
import { parseJsonExact } from './json.ts'

export type ValueDecoder = (text: string) => unknown

export interface ResultColumn {
  name: string
  /** Athena's type name; decimals with their precision and scale (`decimal(10, 2)`). */
  type: string
}

export function columnsOf(info: readonly ColumnInfo[]): ResultColumn[] {
  return info.map((c) => {
    const type = (c.Type ?? 'varchar').toLowerCase()
    return {
      name: c.Name ?? c.Label ?? '',
      type: type === 'decimal' ? `decimal(${c.Precision ?? 38}, ${c.Scale ?? 0})` : type,
    }
  })
}

const DATE_TIME = /^(-?\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?: (.+))?$/

/** `n` decimal digits of `text` from `at` as a number, or -1 if one is not a digit. */
function digitsAt(text: string, at: number, n: number): number {
  let value = 0
  for (let i = at; i < at + n; i++) {
    const d = text.charCodeAt(i) - 48
    if (d < 0 || d > 9) return -1
    value = value * 10 + d
  }
  return value
}

/**
 * The common form, `YYYY-MM-DD HH:MM:SS[.f…]` without a zone and from the year 100 on (where `Date.UTC`
 * reads the year as written), read without a regular expression: a million timestamps a result is not rare.
 */
function plainTimestamp(text: string): Date | undefined {
  const n = text.length
  if (
    n < 19 ||
    text[4] !== '-' ||
    text[7] !== '-' ||
    text[10] !== ' ' ||
    text[13] !== ':' ||
    text[16] !== ':'
  )
    return undefined
  const year = digitsAt(text, 0, 4)
  const month = digitsAt(text, 5, 2)
  const day = digitsAt(text, 8, 2)
  const hour = digitsAt(text, 11, 2)
  const minute = digitsAt(text, 14, 2)
  const second = digitsAt(text, 17, 2)
  let ms = 0
  if (n > 19) {
    if (text[19] !== '.' || n === 20 || digitsAt(text, 20, n - 20) < 0) return undefined
    ms = digitsAt(`${text.slice(20, 23)}00`, 0, 3)
  }
  if (year < 100 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms))
}

/** `2024-01-02 03:04:05.123` (UTC wall time; with a zone: `… UTC`, `… +02:00`) as a Date, milliseconds kept. */
export function parseTimestamp(text: string): Date {
  const plain = plainTimestamp(text)
  if (plain !== undefined) return plain
  const m = DATE_TIME.exec(text)
  if (!m)
    throw new ProtocolError(`not an Athena timestamp: ${JSON.stringify(text.slice(0, 40))}`, {
      system: 'athena',
    })
  const [, y, mo, d, h, mi, s, frac = '', zone] = m
  const date = new Date(0)
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d))
  date.setUTCHours(Number(h), Number(mi), Number(s), Number(frac.slice(0, 3).padEnd(3, '0')))
  if (zone === undefined || zone === 'UTC' || zone === 'Z') return date
  const offset = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)
  if (!offset) {
    throw new ProtocolError(`cannot read the time zone ${JSON.stringify(zone)} of an Athena timestamp`, {
      system: 'athena',
    })
  }
  const minutes = (Number(offset[2]) * 60 + Number(offset[3])) * (offset[1] === '-' ? -1 : 1)
  return new Date(date.getTime() - minutes * 60_000)
}

/** `01 02 ff` (Athena's varbinary text) as bytes. */
export function parseVarbinary(text: string): Uint8Array {
  const hex = text.replace(/ /g, '')
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new ProtocolError('not an Athena varbinary text', { system: 'athena' })
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

const identity: ValueDecoder = (text) => text
const integer: ValueDecoder = (text) => Number(text)
const double: ValueDecoder = (text) => Number(text)
const boolean: ValueDecoder = (text) => text === 'true'
const bigint: ValueDecoder = (text) => BigInt(text)

/** The decoder for one column type. */
export function textDecoder(type: string): ValueDecoder {
  const base = /^[a-z ]+/.exec(type)?.[0].trim() ?? type
  switch (base) {
    case 'boolean':
      return boolean
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int':
      return integer
    case 'bigint':
      return bigint
    case 'real':
    case 'float':
    case 'double':
      return double
    case 'timestamp':
    case 'timestamp with time zone':
      return parseTimestamp
    case 'varbinary':
      return parseVarbinary
    case 'json':
      return parseJsonExact
    default:
      // varchar, char, decimal (exact text), date (YYYY-MM-DD), time, interval, uuid, ipaddress,
      // and array/map/row (Athena's text, see above).
      return identity
  }
}
