/**
 * Result cells as JavaScript values, decided by the column metadata of the
 * reply (see docs/mapepire.md, "Types"): 64-bit integers as `bigint`, exact
 * decimals as strings, binary and CCSID 65535 columns as bytes, dates and times
 * in ISO form, timestamps as `Date` (read as UTC) or text.
 */
import { objectBuilder, ProtocolError } from '@tributary/core'
import { SYSTEM } from '../errors.ts'
import { ExactNumber } from './reply-json.ts'
import { CELL_INTEGER, CELL_TEXT, CELL_VALUE } from './terse-rows.ts'

export interface ValueOptions {
  /** BIGINT as `bigint` (default), `string`, or `number` (rounded past 2^53). */
  bigint?: 'bigint' | 'string' | 'number' | undefined
  /** DECIMAL, NUMERIC and DECFLOAT as exact `string` (default) or `number`. */
  decimal?: 'string' | 'number' | undefined
  /** TIMESTAMP as `Date` read as UTC (default; microseconds beyond the millisecond are dropped) or its text. */
  timestamp?: 'date' | 'string' | undefined
}

/** A column of a result as the server describes it. */
export interface ResultColumn {
  name: string
  type: string
  precision: number | undefined
  scale: number | undefined
  nullable: boolean | undefined
}

/** A BLOB cell a newer server did not inline: fetched with `GET <url>` before the rows are handed out. */
export class BlobReference {
  readonly url: string
  readonly size: number | undefined
  constructor(url: string, size: number | undefined) {
    this.url = url
    this.size = size
  }
}

type Decoder = (value: unknown) => unknown

/** How each column's cells are turned into values; built once per result. */
export interface RowDecoder {
  readonly columns: readonly ResultColumn[]
  /** Object keys: the column names, with later duplicates renamed `NAME_2`, `NAME_3`, … */
  readonly keys: readonly string[]
  /** How each column's cells are read from a frame (`CELL_VALUE`, `CELL_TEXT`, `CELL_INTEGER`; see terse-rows.ts). */
  readonly cells: Uint8Array
  /** Some column's numbers must be read as the server wrote them (DECIMAL, NUMERIC, DECFLOAT, BIGINT). */
  readonly exactCells: boolean
  /** Decodes one terse row in place and returns it (positional rows). */
  array(row: unknown[]): unknown[]
  /** Decodes one terse row into a keyed object. */
  object(row: unknown[]): Record<string, unknown>
}

export function readColumns(metadata: unknown): ResultColumn[] {
  const columns = (metadata as { columns?: unknown } | undefined)?.columns
  if (!Array.isArray(columns)) return []
  return columns.map((c: Record<string, unknown>) => ({
    name: typeof c.name === 'string' ? c.name : String(c.name ?? ''),
    type: typeof c.type === 'string' ? c.type.toUpperCase() : '',
    precision: toInteger(c.precision),
    scale: toInteger(c.scale),
    nullable: c.nullable === undefined ? undefined : Number(c.nullable) !== 0,
  }))
}

/** How a column's cells are read: exact numbers as the text the server wrote (unless asked for as numbers). */
function cellKind(column: ResultColumn, options: ValueOptions): number {
  switch (baseType(column.type)) {
    case 'DECIMAL':
    case 'NUMERIC':
    case 'DECFLOAT':
      return options.decimal === 'number' ? CELL_VALUE : CELL_TEXT
    case 'BIGINT':
      return options.bigint === 'number' ? CELL_VALUE : CELL_INTEGER
    default:
      return CELL_VALUE
  }
}

export function rowDecoder(columns: readonly ResultColumn[], options: ValueOptions = {}): RowDecoder {
  const decoders: (Decoder | undefined)[] = columns.map((c) => decoderFor(c, options))
  const keys = distinctKeys(columns.map((c) => c.name))
  const width = columns.length
  const cells = Uint8Array.from(columns, (c) => cellKind(c, options))
  const array = (row: unknown[]): unknown[] => {
    if (!Array.isArray(row) || row.length !== width) throw malformedRow(row, width)
    for (let i = 0; i < width; i++) {
      const decode = decoders[i]
      const cell = row[i]
      if (cell === null) continue
      if (decode !== undefined) row[i] = decode(cell)
      else if (cell instanceof ExactNumber) row[i] = cell.text
    }
    return row
  }
  const build = objectBuilder<Record<string, unknown>>(keys)
  return {
    columns,
    keys,
    cells,
    exactCells: cells.some((kind) => kind !== CELL_VALUE),
    array,
    object: (row) => build(array(row)),
  }
}

/** Column names as object keys: a repeated name gets `_2`, `_3`, … (never clashing with another column). */
export function distinctKeys(names: readonly string[]): string[] {
  const taken = new Set(names)
  const seen = new Set<string>()
  return names.map((name) => {
    if (!seen.has(name)) {
      seen.add(name)
      return name
    }
    let n = 2
    while (taken.has(`${name}_${n}`) || seen.has(`${name}_${n}`)) n++
    const key = `${name}_${n}`
    seen.add(key)
    return key
  })
}

/** The type name without length and qualifiers: `DECIMAL`, `VARCHAR`, `CHAR () FOR BIT DATA` → `BINARY`. */
export function baseType(type: string): string {
  if (/FOR BIT DATA/.test(type)) return 'BINARY'
  const match = /^[A-Z_]+(?: [A-Z_]+)*?(?=\s*\(|$)/.exec(type)
  return match ? match[0] : type
}

function decoderFor(column: ResultColumn, options: ValueOptions): Decoder | undefined {
  switch (baseType(column.type)) {
    case 'SMALLINT':
    case 'INTEGER':
    case 'INT':
    case 'REAL':
    case 'DOUBLE':
    case 'FLOAT':
    case 'DOUBLE PRECISION':
      return toNumber
    case 'BIGINT':
      return options.bigint === 'string' ? toIntegerText : options.bigint === 'number' ? toNumber : toBigInt
    case 'DECIMAL':
    case 'NUMERIC':
      return options.decimal === 'number' ? toNumber : decimalText(column.scale)
    case 'DECFLOAT':
      return options.decimal === 'number' ? toNumber : toDecfloatText
    case 'BINARY':
    case 'VARBINARY':
    case 'BLOB':
    case 'ROWID':
      return toBytes
    case 'TIME':
      return toIsoTime
    case 'TIMESTAMP':
      return options.timestamp === 'string' ? undefined : toUtcDate
    default:
      return undefined
  }
}

// Numeric cells arrive as numbers, as the text of a long number (a string), or as ExactNumber.
const toNumber: Decoder = (v) =>
  typeof v === 'number'
    ? v
    : typeof v === 'string'
      ? Number(v)
      : v instanceof ExactNumber
        ? Number(v.text)
        : v

const toBigInt: Decoder = (v) => {
  if (typeof v === 'number') return BigInt(v)
  if (v instanceof ExactNumber) return BigInt(v.text)
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v)
  return v
}

const toIntegerText: Decoder = (v) =>
  v instanceof ExactNumber ? v.text : typeof v === 'number' ? BigInt(v).toString() : v

/**
 * A DECIMAL's exact text. A number parsed natively had at most 15 significant
 * digits, so printing it with the column's scale gives back the server's text.
 */
function decimalText(scale: number | undefined): Decoder {
  return (v) => {
    if (typeof v === 'number') return scale !== undefined && scale <= 100 ? v.toFixed(scale) : plainNumber(v)
    if (typeof v === 'string') return plainDecimal(v)
    if (v instanceof ExactNumber) return plainDecimal(v.text)
    return v
  }
}

const toDecfloatText: Decoder = (v) =>
  v instanceof ExactNumber ? v.text : typeof v === 'number' ? plainNumber(v) : v

/** `1.5E-7` → `0.00000015`, `-2E+3` → `-2000`; other text unchanged. */
export function plainDecimal(text: string): string {
  if (text.indexOf('E') === -1 && text.indexOf('e') === -1) return text
  const match = /^(-?)(\d+)(?:\.(\d*))?[eE]([+-]?\d+)$/.exec(text)
  if (!match) return text
  const [, sign, whole, fraction = '', exponentText] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ]
  const exponent = Number(exponentText)
  const digits = whole + fraction
  const point = whole.length + exponent
  let out: string
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length)
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`
  out = out.replace(/^0+(?=\d)/, '')
  return sign + out
}

function plainNumber(n: number): string {
  const text = String(n)
  return /e/i.test(text) ? plainDecimal(text) : text
}

const HEX = /^(?:[0-9A-Fa-f]{2})*$/

const toBytes: Decoder = (v) => {
  if (typeof v === 'string') {
    if (!HEX.test(v)) {
      throw new ProtocolError('Mapepire sent a binary cell that is not hexadecimal', { system: SYSTEM })
    }
    return Buffer.from(v, 'hex')
  }
  const blob = (v as { JBLOB?: { blob_url?: unknown; size?: unknown } } | null)?.JBLOB
  if (blob && typeof blob.blob_url === 'string') {
    return new BlobReference(blob.blob_url, typeof blob.size === 'number' ? blob.size : undefined)
  }
  return v
}

/** IBM's ISO time is `13.45.30`; ISO 8601 (and JavaScript) read `13:45:30`. */
const toIsoTime: Decoder = (v) =>
  typeof v === 'string' && /^\d{2}\.\d{2}\.\d{2}$/.test(v) ? v.replace(/\./g, ':') : v

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T-](\d{2})[:.](\d{2})[:.](\d{2})(?:\.(\d{1,12}))?$/

/** A Db2 TIMESTAMP (no time zone) read as UTC wall-clock time. */
const toUtcDate: Decoder = (v) => {
  if (typeof v !== 'string') return v
  const m = TIMESTAMP.exec(v)
  if (!m) return v
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0
  const date = new Date(
    Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms),
  )
  // Date.UTC maps years 0-99 to 1900-1999.
  if (Number(m[1]) < 100) date.setUTCFullYear(Number(m[1]))
  return date
}

function toInteger(v: unknown): number | undefined {
  const n =
    typeof v === 'number'
      ? v
      : v instanceof ExactNumber
        ? Number(v.text)
        : typeof v === 'string' && v !== ''
          ? Number(v)
          : Number.NaN
  return Number.isInteger(n) ? n : undefined
}

function malformedRow(row: unknown, width: number): ProtocolError {
  return new ProtocolError(
    `Mapepire sent a row that does not match its ${width} columns (${Array.isArray(row) ? `${row.length} cells` : typeof row})`,
    { system: SYSTEM },
  )
}
