/**
 * Cell values as the Mapepire server writes them: Gson over JTOpen's getObject/getString.
 * Exact numbers (BIGINT, DECIMAL) are written from their text, the way Gson writes a
 * BigDecimal or Long, so nothing is rounded on our side.
 */

import type { ValueForm } from './types.ts'

/** A number written to JSON verbatim. */
export class JsonNumber {
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
}

export interface DateTimeFormat {
  dateFormat: string
  dateSeparator: string
  timeFormat: string
  timeSeparator: string
}

export type CellValue = string | number | boolean | null | JsonNumber

export function cellValue(text: string | null, form: ValueForm, formats: DateTimeFormat): CellValue {
  if (text === null) return null
  switch (form) {
    case 'integer':
      return Number(text)
    case 'bigint':
      return new JsonNumber(text)
    case 'decimal':
      return new JsonNumber(javaBigDecimal(text))
    case 'float':
      return new JsonNumber(javaFloatingPoint(text))
    case 'char':
      return trimEnd(text)
    case 'boolean':
      return text === 't' || text === 'true'
    case 'binary':
      return text.startsWith('\\x') ? text.slice(2).toUpperCase() : text
    case 'date':
      return formatDate(text, formats)
    case 'time':
      return formatTime(text, formats)
    case 'timestamp':
      return formatTimestamp(text)
    default:
      return text
  }
}

/** java.math.BigDecimal#toString of a plain decimal string (scientific when the exponent is small). */
export function javaBigDecimal(text: string): string {
  if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return '0'
  // Most values print as they are: an integer part that is not zero means an adjusted exponent >= 0.
  const c = text.charCodeAt(text[0] === '-' ? 1 : 0)
  if (c >= 49 && c <= 57) return text
  let s = text
  let sign = ''
  if (s.startsWith('-')) {
    sign = '-'
    s = s.slice(1)
  }
  const dot = s.indexOf('.')
  const scale = dot < 0 ? 0 : s.length - dot - 1
  const digits = (dot < 0 ? s : s.slice(0, dot) + s.slice(dot + 1)).replace(/^0+(?=\d)/, '')
  const adjusted = digits.length - 1 - scale
  if (scale >= 0 && adjusted >= -6) return sign + s
  // Scientific notation: d.dddE-n
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
  return `${sign}${mantissa}E${adjusted}`
}

/** java.lang.Double#toString of PostgreSQL's float text. */
export function javaFloatingPoint(text: string): string {
  if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return 'null'
  const value = Number(text)
  const abs = Math.abs(value)
  if (value === 0) return text.startsWith('-') ? '-0.0' : '0.0'
  if (abs >= 1e-3 && abs < 1e7) {
    const plain = String(value)
    return plain.includes('.') ? plain : `${plain}.0`
  }
  const [mantissa, exponent] = value.toExponential().split('e') as [string, string]
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`
  return `${m}E${Number(exponent)}`
}

function formatDate(text: string, f: DateTimeFormat): string {
  const m = /^(\d{4,})-(\d{2})-(\d{2})/.exec(text)
  if (!m) return text
  const [, y, mo, d] = m as unknown as [string, string, string, string]
  const yy = y.slice(-2)
  const sep = f.dateSeparator === 'b' ? ' ' : f.dateSeparator
  switch (f.dateFormat) {
    case 'mdy':
      return [mo, d, yy].join(sep)
    case 'dmy':
      return [d, mo, yy].join(sep)
    case 'ymd':
      return [yy, mo, d].join(sep)
    case 'usa':
      return `${mo}/${d}/${y}`
    case 'eur':
      return `${d}.${mo}.${y}`
    case 'julian': {
      const start = Date.UTC(Number(y), 0, 1)
      const day = Math.round((Date.UTC(Number(y), Number(mo) - 1, Number(d)) - start) / 86400000) + 1
      return `${yy}${sep}${String(day).padStart(3, '0')}`
    }
    default:
      return `${y}-${mo}-${d}`
  }
}

function formatTime(text: string, f: DateTimeFormat): string {
  const m = /^(\d{2}):(\d{2}):(\d{2})/.exec(text)
  if (!m) return text
  const [, h, mi, s] = m as unknown as [string, string, string, string]
  switch (f.timeFormat) {
    case 'usa': {
      const hour = Number(h)
      const suffix = hour >= 12 ? 'PM' : 'AM'
      const h12 = hour % 12 === 0 ? 12 : hour % 12
      return `${String(h12).padStart(2, '0')}:${mi} ${suffix}`
    }
    case 'iso':
    case 'eur':
      return `${h}.${mi}.${s}`
    case 'jis':
      return `${h}:${mi}:${s}`
    default: {
      const sep = f.timeSeparator === 'b' ? ' ' : f.timeSeparator
      return [h, mi, s].join(sep)
    }
  }
}

function formatTimestamp(text: string): string {
  const m = /^(\d{4,}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?/.exec(text)
  if (!m) return text
  const fraction = (m[3] ?? '').padEnd(6, '0')
  return `${m[1]} ${m[2]}.${fraction}`
}

/** JSON text written verbatim by `toJson` (a result page serialized once by its row writer). */
export class JsonText {
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
}

/** Writes one cell of a column from PostgreSQL's text, as `toJson(cellValue(...))` would. */
export type CellWriter = (text: string) => string

/** The writer of a column's cells: built once per result, so a page is serialized without per-cell objects. */
export function cellWriter(form: ValueForm, formats: DateTimeFormat): CellWriter {
  switch (form) {
    case 'integer':
      // PostgreSQL writes integers as plain digits: the JSON number is the text itself.
      return (text) => text
    case 'bigint':
      return (text) => text
    case 'decimal':
      return javaBigDecimal
    case 'float':
      return javaFloatingPoint
    case 'char':
      return (text) => JSON.stringify(trimEnd(text))
    case 'boolean':
      return (text) => (text === 't' || text === 'true' ? 'true' : 'false')
    case 'binary':
      return (text) => JSON.stringify(text.startsWith('\\x') ? text.slice(2).toUpperCase() : text)
    case 'date':
      return (text) => JSON.stringify(formatDate(text, formats))
    case 'time':
      return (text) => JSON.stringify(formatTime(text, formats))
    case 'timestamp':
      return (text) => JSON.stringify(formatTimestamp(text))
    default:
      return (text) => JSON.stringify(text)
  }
}

/** Trailing white space removed, as `replace(/\s+$/, '')` (without a regular expression for the common case). */
function trimEnd(text: string): string {
  const last = text.charCodeAt(text.length - 1)
  return last === 32 || (last <= 13 && last >= 9) || last > 127 ? text.replace(/\s+$/, '') : text
}

/**
 * JSON.stringify that writes JsonNumber and JsonText verbatim and keeps insertion order (and nulls);
 * undefined properties are left out, undefined array items are null.
 */
export function toJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null'
    case 'boolean':
      return value ? 'true' : 'false'
    case 'object':
      break
    default:
      return 'null'
  }
  if (value === null) return 'null'
  if (value instanceof JsonNumber || value instanceof JsonText) return value.text
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + toJson(value[i])
    return `${out}]`
  }
  let out = '{'
  let first = true
  const record = value as Record<string, unknown>
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue
    const v = record[key]
    if (v === undefined) continue
    out += `${first ? '' : ','}${JSON.stringify(key)}:${toJson(v)}`
    first = false
  }
  return `${out}}`
}
