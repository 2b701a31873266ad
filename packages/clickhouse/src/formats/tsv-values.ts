import { decodeUtf8, ProtocolError } from '@tributary/core'
import { copyBytes, type SliceableBuffer, utf8 } from './rowbinary-decoders.ts'
import { formatType } from './type-parser.ts'
import type { ClickHouseType } from './types.ts'
import {
  addFirst,
  dateTime64Value,
  dateTimeValue,
  mapKeyText,
  normalizeDecimalText,
  parseJsonLossless,
  setOwn,
} from './value-text.ts'
import { daysFromCivil, wallTimeZone } from './wall-time.ts'

/**
 * Text decoders for TabSeparated output. A top-level field is TSV-escaped; the
 * elements inside Array / Tuple / Map are printed in ClickHouse's "quoted"
 * text form (strings, dates, UUIDs in single quotes, NULL as `NULL`).
 */

export interface TextDecodeOptions {
  binaryStrings: boolean
  dateTimesAsString: boolean
  /** Map values as `[key, value][]` instead of objects. */
  mapEntries: boolean
  /** Zone of DateTime columns that have none of their own (the server's zone). */
  serverZone: string
}

/** Decodes one whole TSV field, bytes [start, end). */
export type FieldDecoder = (b: SliceableBuffer, start: number, end: number) => unknown

/** A position inside a composite value's text. */
export interface TextCursor {
  b: SliceableBuffer
  pos: number
  end: number
}

/** Decodes one element inside a composite value, advancing the cursor. */
export type NestedDecoder = (c: TextCursor) => unknown

const BACKSLASH = 92
const QUOTE = 39

function bad(what: string, text: string): never {
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text
  throw new ProtocolError(`TSV: cannot read ${what} from '${shown}'`, { system: 'clickhouse' })
}

function escapeByte(ch: number, b: Uint8Array, i: number, end: number): [number, number] {
  switch (ch) {
    case 116: // t
      return [9, 1]
    case 110: // n
      return [10, 1]
    case 114: // r
      return [13, 1]
    case 48: // 0
      return [0, 1]
    case 98: // b
      return [8, 1]
    case 102: // f
      return [12, 1]
    case 97: // a
      return [7, 1]
    case 118: // v
      return [11, 1]
    case 101: // e
      return [27, 1]
    case 120: {
      // xHH
      if (i + 3 <= end) {
        const hex = String.fromCharCode(b[i + 1] as number, b[i + 2] as number)
        if (/^[0-9A-Fa-f]{2}$/.test(hex)) return [Number.parseInt(hex, 16), 3]
      }
      return [ch, 1]
    }
    default:
      return [ch, 1]
  }
}

/** Removes backslash escapes from bytes [start, end). */
export function unescapeBytes(b: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start)
  let n = 0
  for (let i = start; i < end; i++) {
    const ch = b[i] as number
    if (ch !== BACKSLASH || i + 1 >= end) {
      out[n++] = ch
      continue
    }
    const [value, used] = escapeByte(b[i + 1] as number, b, i + 1, end)
    out[n++] = value
    i += used
  }
  return out.subarray(0, n)
}

function hasBackslash(b: Uint8Array, start: number, end: number): boolean {
  // A loop, not indexOf: indexOf would scan past `end` to the end of the buffer.
  for (let i = start; i < end; i++) if (b[i] === BACKSLASH) return true
  return false
}

/** An escaped field as text. */
export function fieldText(b: SliceableBuffer, start: number, end: number): string {
  if (!hasBackslash(b, start, end)) return utf8(b, start, end)
  return decodeUtf8(unescapeBytes(b, start, end))
}

function fieldBytes(b: SliceableBuffer, start: number, end: number): Uint8Array {
  if (!hasBackslash(b, start, end)) return copyBytes(b, start, end)
  return unescapeBytes(b, start, end).slice()
}

function isNullField(b: Uint8Array, start: number, end: number): boolean {
  return end - start === 2 && b[start] === BACKSLASH && b[start + 1] === 78
}

// ---------------------------------------------------------------- nested text

function isDelimiter(ch: number): boolean {
  return ch === 44 || ch === 93 || ch === 41 || ch === 125 || ch === 58 // , ] ) } :
}

function skipSpaces(c: TextCursor): void {
  while (c.pos < c.end && c.b[c.pos] === 32) c.pos++
}

function expectByte(c: TextCursor, ch: number): void {
  skipSpaces(c)
  if (c.b[c.pos] !== ch || c.pos >= c.end) {
    bad(`'${String.fromCharCode(ch)}'`, utf8(c.b, c.pos, Math.min(c.end, c.pos + 40)))
  }
  c.pos++
}

/** The bytes of a quoted literal (escapes removed) or of a bare token. */
function readTokenBytes(c: TextCursor): Uint8Array {
  skipSpaces(c)
  const b = c.b
  if (b[c.pos] === QUOTE && c.pos < c.end) {
    const start = ++c.pos
    let escaped = false
    while (c.pos < c.end) {
      const ch = b[c.pos] as number
      if (ch === BACKSLASH) {
        escaped = true
        c.pos += 2
        continue
      }
      if (ch === QUOTE) {
        const stop = c.pos++
        return escaped ? unescapeBytes(b, start, stop).slice() : copyBytes(b, start, stop)
      }
      c.pos++
    }
    bad('a quoted value', utf8(b, start - 1, c.end))
  }
  const start = c.pos
  while (c.pos < c.end && !isDelimiter(b[c.pos] as number)) c.pos++
  return copyBytes(b, start, c.pos)
}

function readToken(c: TextCursor): string {
  skipSpaces(c)
  const b = c.b
  if (b[c.pos] === QUOTE && c.pos < c.end) {
    const start = c.pos + 1
    let i = start
    while (i < c.end) {
      const ch = b[i] as number
      if (ch === BACKSLASH) return decodeUtf8(readTokenBytes(c))
      if (ch === QUOTE) {
        c.pos = i + 1
        return utf8(b, start, i)
      }
      i++
    }
    bad('a quoted value', utf8(b, c.pos, c.end))
  }
  const start = c.pos
  while (c.pos < c.end && !isDelimiter(b[c.pos] as number)) c.pos++
  return utf8(b, start, c.pos)
}

/** Consumes a bare `NULL` if it is next. */
function acceptNull(c: TextCursor): boolean {
  skipSpaces(c)
  const b = c.b
  const p = c.pos
  if (p + 4 <= c.end && b[p] === 78 && b[p + 1] === 85 && b[p + 2] === 76 && b[p + 3] === 76) {
    if (p + 4 === c.end || isDelimiter(b[p + 4] as number) || b[p + 4] === 32) {
      c.pos = p + 4
      return true
    }
  }
  return false
}

function peek(c: TextCursor): number {
  skipSpaces(c)
  return c.pos < c.end ? (c.b[c.pos] as number) : -1
}

// ---------------------------------------------------------------- scalars

type TextConverter = (text: string) => unknown

const INT_RE = /^[-+]?\d+$/
const DECIMAL_RE = /^[-+]?\d*(?:\.\d*)?$/
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/
// Servers before 20.x print day 0 and second 0 (the epoch) as zeros; RowBinary gives the epoch.
const ZERO_DATE = '0000-00-00'
const ZERO_DATETIME = '0000-00-00 00:00:00'
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/
const IPV4_RE = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/
const IPV6_RE = /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$/
const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z)?$/

function parseFloatText(text: string): number {
  switch (text) {
    case 'nan':
    case '-nan':
    case '+nan':
    case 'NaN':
      return Number.NaN
    case 'inf':
    case '+inf':
    case 'Infinity':
      return Number.POSITIVE_INFINITY
    case '-inf':
    case '-Infinity':
      return Number.NEGATIVE_INFINITY
  }
  const v = Number(text)
  if (Number.isNaN(v) || text.trim() === '') bad('a Float', text)
  return v
}

/**
 * A DateTime / DateTime64 text as [seconds since epoch, fraction digits].
 * Accepts the default 'YYYY-MM-DD hh:mm:ss[.f]' wall time, ISO with 'Z', and
 * plain unix seconds (date_time_output_format = iso / unix_timestamp).
 */
function parseDateTimeText(text: string, zoneName: string): [number, string] {
  if (text === ZERO_DATETIME) return [0, '']
  const m = DATETIME_RE.exec(text)
  if (m === null) {
    const unix = /^(-?\d+)(?:\.(\d+))?$/.exec(text)
    if (unix === null) bad('a DateTime', text)
    return [Number(unix[1]), unix[2] ?? '']
  }
  const days = daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]))
  const wall = days * 86400 + Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6])
  const seconds = m[8] === 'Z' ? wall : wallTimeZone(zoneName).toEpochSeconds(wall)
  return [seconds, m[7] ?? '']
}

function scalarConverter(type: ClickHouseType, options: TextDecodeOptions): TextConverter | undefined {
  switch (type.kind) {
    case 'Int':
      if (type.bits <= 32) {
        return (t) => {
          if (!INT_RE.test(t)) bad(formatType(type), t)
          return Number(t)
        }
      }
      return (t) => {
        if (!INT_RE.test(t)) bad(formatType(type), t)
        return BigInt(t)
      }
    case 'Float':
      return type.bits === 32 ? (t) => Math.fround(parseFloatText(t)) : parseFloatText
    case 'Bool':
      return (t) => {
        if (t === 'true') return true
        if (t === 'false') return false
        return bad('a Bool', t)
      }
    case 'Decimal': {
      const scale = type.scale
      return (t) => {
        if (!DECIMAL_RE.test(t) || !/\d/.test(t)) bad(formatType(type), t)
        return normalizeDecimalText(t, scale)
      }
    }
    case 'String':
      return (t) => t
    case 'FixedString':
      return (t) => t
    case 'Date':
    case 'Date32':
      return (t) => {
        if (!DATE_RE.test(t)) bad('a Date', t)
        return t === ZERO_DATE ? '1970-01-01' : t
      }
    case 'DateTime': {
      const zone = type.timezone ?? options.serverZone
      const asString = options.dateTimesAsString
      return (t) => dateTimeValue(parseDateTimeText(t, zone)[0], asString)
    }
    case 'DateTime64': {
      const zone = type.timezone ?? options.serverZone
      const precision = type.precision
      const asString = options.dateTimesAsString
      const scale = 10n ** BigInt(precision)
      return (t) => {
        const [seconds, fraction] = parseDateTimeText(t, zone)
        const frac = fraction === '' ? 0n : BigInt(fraction.padEnd(precision, '0').slice(0, precision))
        return dateTime64Value(BigInt(seconds) * scale + frac, precision, asString)
      }
    }
    case 'Enum': {
      const names = new Set(type.values.values())
      return (t) => {
        if (!names.has(t)) bad(formatType(type), t)
        return t
      }
    }
    case 'UUID':
      return (t) => {
        if (!UUID_RE.test(t)) bad('a UUID', t)
        return t.toLowerCase()
      }
    case 'IPv4':
      return (t) => {
        if (!IPV4_RE.test(t)) bad('an IPv4', t)
        return t
      }
    case 'IPv6':
      return (t) => {
        if (!IPV6_RE.test(t)) bad('an IPv6', t)
        return t.toLowerCase()
      }
    case 'JSON':
      return parseJsonLossless
    default:
      return undefined
  }
}

// ---------------------------------------------------------------- builders

/** Variants are tried in this order when the text alone must tell which one it is. */
const VARIANT_PRIORITY: Record<ClickHouseType['kind'], number> = {
  Nothing: 0,
  Bool: 1,
  Int: 2,
  Float: 3,
  Decimal: 4,
  Date: 5,
  Date32: 6,
  DateTime: 7,
  DateTime64: 8,
  UUID: 9,
  IPv4: 10,
  IPv6: 11,
  Enum: 12,
  Array: 13,
  Map: 14,
  Tuple: 15,
  JSON: 16,
  Nullable: 17,
  LowCardinality: 18,
  Variant: 19,
  Dynamic: 20,
  FixedString: 21,
  String: 22,
}

function variantOrder(types: readonly ClickHouseType[]): ClickHouseType[] {
  return [...types].sort((a, b) => VARIANT_PRIORITY[a.kind] - VARIANT_PRIORITY[b.kind])
}

export function buildFieldDecoder(type: ClickHouseType, options: TextDecodeOptions): FieldDecoder {
  switch (type.kind) {
    case 'Nullable': {
      const inner = buildFieldDecoder(type.inner, options)
      return (b, s, e) => (isNullField(b, s, e) ? null : inner(b, s, e))
    }
    case 'LowCardinality':
      return buildFieldDecoder(type.inner, options)
    case 'Nothing':
      return () => null
    case 'String':
    case 'FixedString':
      return options.binaryStrings ? fieldBytes : fieldText
    case 'Array':
    case 'Tuple':
    case 'Map': {
      const nested = buildNestedDecoder(type, options)
      return (b, start, end) => {
        const c: TextCursor = { b, pos: start, end }
        const value = nested(c)
        skipSpaces(c)
        if (c.pos !== end) bad(formatType(type), utf8(b, start, end))
        return value
      }
    }
    case 'Variant': {
      const candidates = variantOrder(type.variants).map((v) => buildFieldDecoder(v, options))
      return (b, s, e) => {
        if (isNullField(b, s, e)) return null
        for (const candidate of candidates) {
          try {
            return candidate(b, s, e)
          } catch (err) {
            if (!(err instanceof ProtocolError) && !(err instanceof SyntaxError)) throw err
          }
        }
        return bad(formatType(type), fieldText(b, s, e))
      }
    }
    case 'Dynamic':
      // The text carries no type; the value comes as its text.
      return (b, s, e) => (isNullField(b, s, e) ? null : fieldText(b, s, e))
    default: {
      const convert = scalarConverter(type, options) as TextConverter
      return (b, s, e) => convert(fieldText(b, s, e))
    }
  }
}

export function buildNestedDecoder(type: ClickHouseType, options: TextDecodeOptions): NestedDecoder {
  switch (type.kind) {
    case 'Nullable': {
      const inner = buildNestedDecoder(type.inner, options)
      return (c) => (acceptNull(c) ? null : inner(c))
    }
    case 'LowCardinality':
      return buildNestedDecoder(type.inner, options)
    case 'Nothing':
      return (c) => {
        if (!acceptNull(c)) bad('NULL', readToken(c))
        return null
      }
    case 'String':
    case 'FixedString':
      return options.binaryStrings ? readTokenBytes : readToken
    case 'Array': {
      const element = buildNestedDecoder(type.element, options)
      return (c) => {
        expectByte(c, 91)
        const out: unknown[] = []
        if (peek(c) === 93) {
          c.pos++
          return out
        }
        for (;;) {
          out.push(element(c))
          const next = peek(c)
          c.pos++
          if (next === 93) return out
          if (next !== 44) bad(formatType(type), utf8(c.b, c.pos - 1, c.end))
        }
      }
    }
    case 'Tuple': {
      const elements = type.elements.map((e) => buildNestedDecoder(e, options))
      const names = type.names
      return (c) => {
        expectByte(c, 40)
        const values = new Array(elements.length)
        for (let i = 0; i < elements.length; i++) {
          if (i > 0) expectByte(c, 44)
          values[i] = (elements[i] as NestedDecoder)(c)
        }
        expectByte(c, 41)
        if (names === undefined) return values
        const out: Record<string, unknown> = {}
        for (let i = 0; i < values.length; i++) setOwn(out, names[i] as string, values[i])
        return out
      }
    }
    case 'Map': {
      const entries = options.mapEntries
      const key = buildNestedDecoder(type.key, entries ? options : { ...options, binaryStrings: false })
      const value = buildNestedDecoder(type.value, options)
      return (c) => {
        expectByte(c, 123)
        const pairs: [unknown, unknown][] = []
        const out: Record<string, unknown> = {}
        if (peek(c) === 125) {
          c.pos++
          return entries ? pairs : out
        }
        for (;;) {
          const k = key(c)
          expectByte(c, 58)
          const v = value(c)
          if (entries) pairs.push([k, v])
          else addFirst(out, mapKeyText(k), v)
          const next = peek(c)
          c.pos++
          if (next === 125) return entries ? pairs : out
          if (next !== 44) bad(formatType(type), utf8(c.b, c.pos - 1, c.end))
        }
      }
    }
    case 'Variant': {
      const candidates = variantOrder(type.variants).map((v) => buildNestedDecoder(v, options))
      return (c) => {
        if (acceptNull(c)) return null
        const start = c.pos
        for (const candidate of candidates) {
          try {
            const value = candidate(c)
            const next = peek(c)
            if (next === -1 || isDelimiter(next)) return value
          } catch (err) {
            if (!(err instanceof ProtocolError) && !(err instanceof SyntaxError)) throw err
          }
          c.pos = start
        }
        return bad(formatType(type), readToken(c))
      }
    }
    case 'Dynamic':
      return options.mapEntries ? readDynamicEntries : readDynamicText
    default: {
      const convert = scalarConverter(type, options) as TextConverter
      return (c) => convert(readToken(c))
    }
  }
}

/** Dynamic inside a composite: containers keep their shape, scalars come as text. */
function readDynamicText(c: TextCursor): unknown {
  return readDynamic(c, false)
}

function readDynamicEntries(c: TextCursor): unknown {
  return readDynamic(c, true)
}

/** `entries`: maps as `[key, value][]` (see DecodeOptions.maps). */
function readDynamic(c: TextCursor, entries: boolean): unknown {
  if (acceptNull(c)) return null
  const first = peek(c)
  if (first === 91 || first === 40) {
    const close = first === 91 ? 93 : 41
    c.pos++
    const out: unknown[] = []
    if (peek(c) === close) {
      c.pos++
      return out
    }
    for (;;) {
      out.push(readDynamic(c, entries))
      const next = peek(c)
      c.pos++
      if (next === close) return out
      if (next !== 44) bad('a Dynamic value', utf8(c.b, c.pos - 1, c.end))
    }
  }
  if (first === 123) {
    c.pos++
    const pairs: [unknown, unknown][] = []
    const out: Record<string, unknown> = {}
    if (peek(c) === 125) {
      c.pos++
      return entries ? pairs : out
    }
    for (;;) {
      const k = readDynamic(c, entries)
      expectByte(c, 58)
      const v = readDynamic(c, entries)
      if (entries) pairs.push([k, v])
      else addFirst(out, mapKeyText(k), v)
      const next = peek(c)
      c.pos++
      if (next === 125) return entries ? pairs : out
      if (next !== 44) bad('a Dynamic value', utf8(c.b, c.pos - 1, c.end))
    }
  }
  return readToken(c)
}
