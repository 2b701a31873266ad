// Hive's text formats as Athena reads and writes them: LazySimpleSerDe (delimited text, nested values by
// level separators \x02, \x03, …, `\N` for NULL, base64 binary, missing trailing fields NULL),
// OpenCSVSerde and the JSON SerDes. Values come out as DuckDB values of the column types.
import {
  blobValue,
  type DuckDBBlobValue,
  type DuckDBDateValue,
  type DuckDBDecimalValue,
  type DuckDBListValue,
  type DuckDBMapValue,
  type DuckDBStructValue,
  type DuckDBTimestampValue,
  type DuckDBValue,
  dateValue,
  decimalValue,
  listValue,
  mapValue,
  structValue,
  timestampValue,
} from '@duckdb/node-api'
import { formatDate, formatDecimal, formatTimestamp, javaDouble, javaFloat } from '../results/render.ts'
import type { SqlType } from '../sql/ast.ts'
import { HIVE_SERDE } from '../sql/hive-parser.ts'

export interface TextFormat {
  serde: string
  fieldDelim: string
  /** Separators by nesting level after the field level: collection items, map keys, then \x04… */
  levels: string[]
  nullFormat: string
  escape: string | null
  skipHeaderLines: number
}

export function textFormat(
  serde: string,
  serdeParameters: Record<string, string>,
  tableParameters: Record<string, string>,
): TextFormat {
  const p = serdeParameters
  const fieldDelim =
    p['field.delim'] ?? p['serialization.format'] ?? (serde === HIVE_SERDE.openCsv ? ',' : '\u0001')
  const levels = [p['collection.delim'] ?? p['colelction.delim'] ?? '\u0002', p['mapkey.delim'] ?? '\u0003']
  for (let c = 4; c <= 8; c++) levels.push(String.fromCharCode(c))
  return {
    serde,
    fieldDelim: serde === HIVE_SERDE.openCsv ? (p.separatorChar ?? ',') : fieldDelim,
    levels,
    nullFormat: p['serialization.null.format'] ?? '\\N',
    escape: serde === HIVE_SERDE.openCsv ? (p.escapeChar ?? '\\') : (p['escape.delim'] ?? null),
    skipHeaderLines: Number(tableParameters['skip.header.line.count'] ?? '0') || 0,
  }
}

const INT_RANGES: Record<string, [bigint, bigint]> = {
  tinyint: [-128n, 127n],
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
}

/** One field's text as a value of `type` (LazySimpleSerDe rules: unparsable → NULL). */
export function parseField(text: string, type: SqlType, format: TextFormat, level: number): DuckDBValue {
  if (text === format.nullFormat) return null
  switch (type.kind) {
    case 'array': {
      if (text === '') return listValue([])
      const sep = format.levels[level] ?? '\u0002'
      return listValue(text.split(sep).map((t) => parseField(t, type.element, format, level + 1)))
    }
    case 'map': {
      if (text === '') return mapValue([])
      const sep = format.levels[level] ?? '\u0002'
      const kv = format.levels[level + 1] ?? '\u0003'
      const entries = text.split(sep).map((entry) => {
        const at = entry.indexOf(kv)
        const k = at < 0 ? entry : entry.slice(0, at)
        const v = at < 0 ? format.nullFormat : entry.slice(at + kv.length)
        return {
          key: parseField(k, type.key, format, level + 2),
          value: parseField(v, type.value, format, level + 2),
        }
      })
      return mapValue(entries.filter((e) => e.key !== null))
    }
    case 'row': {
      const sep = format.levels[level] ?? '\u0002'
      const parts = text.split(sep)
      const entries: Record<string, DuckDBValue> = {}
      type.fields.forEach((f, i) => {
        entries[f.name ?? `field${i}`] =
          parts[i] === undefined ? null : parseField(parts[i]!, f.type, format, level + 1)
      })
      return structValue(entries)
    }
    case 'interval':
      return null
    case 'simple':
      return parseScalar(text, type)
  }
}

export function parseScalar(text: string, type: Extract<SqlType, { kind: 'simple' }>): DuckDBValue {
  switch (type.name) {
    case 'varchar':
    case 'string':
      return type.params[0] !== undefined ? [...text].slice(0, type.params[0]).join('') : text
    case 'char': {
      const n = type.params[0] ?? 1
      return [...text].slice(0, n).join('').padEnd(n, ' ')
    }
    case 'boolean': {
      const t = text.trim().toLowerCase()
      return t === 'true' ? true : t === 'false' ? false : null
    }
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'bigint': {
      const t = text.trim()
      if (!/^[+-]?\d+$/.test(t)) return null
      const v = BigInt(t)
      const [lo, hi] = INT_RANGES[type.name]!
      if (v < lo || v > hi) return null
      return type.name === 'bigint' ? v : Number(v)
    }
    case 'real':
    case 'double': {
      const t = text.trim()
      if (!/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|NaN|Infinity)$/.test(t)) return null
      const v = Number(t)
      return type.name === 'real' ? Math.fround(v) : v
    }
    case 'decimal': {
      const [p, s] = [type.params[0] ?? 10, type.params[1] ?? 0]
      const m = /^\s*([+-])?(\d*)(?:\.(\d*))?\s*$/.exec(text)
      if (!m || (m[2] === '' && !m[3])) return null
      const frac = (m[3] ?? '').padEnd(s + 1, '0')
      let scaled = BigInt((m[2] || '0') + frac.slice(0, s))
      if (Number(frac[s] ?? '0') >= 5) scaled += 1n
      if (scaled.toString().length > p) return null
      return decimalValue(m[1] === '-' ? -scaled : scaled, p, s)
    }
    case 'date': {
      const m = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})/.exec(text)
      if (!m) return null
      return dateValue(Math.round(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!) / 86400000))
    }
    case 'timestamp': {
      const m = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*$/.exec(
        text,
      )
      if (!m) {
        const d = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$/.exec(text)
        if (!d) return null
        return timestampValue(BigInt(Date.UTC(+d[1]!, +d[2]! - 1, +d[3]!)) * 1000n)
      }
      const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0))
      const fraction = BigInt((m[7] ?? '').padEnd(6, '0').slice(0, 6) || '0')
      return timestampValue(BigInt(ms) * 1000n + fraction)
    }
    case 'varbinary':
    case 'binary': {
      const t = text.trim()
      if (/^[A-Za-z0-9+/]*={0,2}$/.test(t) && t.length % 4 === 0) return blobValue(Buffer.from(t, 'base64'))
      return blobValue(Buffer.from(text, 'utf8'))
    }
    default:
      return text
  }
}

/** Splits a delimited line into fields, honouring the escape character when one is set. */
function splitFields(line: string, format: TextFormat): string[] {
  if (!format.escape) return line.split(format.fieldDelim)
  const out: string[] = []
  let cur = ''
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (c === format.escape && i + 1 < line.length) {
      cur += line[++i]
      continue
    }
    if (line.startsWith(format.fieldDelim, i)) {
      out.push(cur)
      cur = ''
      i += format.fieldDelim.length - 1
      continue
    }
    cur += c
  }
  out.push(cur)
  return out
}

function parseCsvLine(line: string, sep: string, quote: string, escapeChar: string): string[] {
  const out: string[] = []
  let cur = ''
  let inQuotes = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (inQuotes) {
      if (c === escapeChar && escapeChar !== quote && i + 1 < line.length) cur += line[++i]
      else if (c === quote && line[i + 1] === quote) {
        cur += quote
        i++
      } else if (c === quote) inQuotes = false
      else cur += c
    } else if (c === quote) inQuotes = true
    else if (c === sep) {
      out.push(cur)
      cur = ''
    } else cur += c
  }
  out.push(cur)
  return out
}

/** Rows of a text file's content for the given columns. */
export function parseTextRows(
  content: string,
  columns: { name: string; type: SqlType }[],
  format: TextFormat,
  serdeParameters: Record<string, string>,
): DuckDBValue[][] {
  let lines = content.split('\n')
  if (lines.at(-1) === '') lines.pop()
  if (format.skipHeaderLines > 0) lines = lines.slice(format.skipHeaderLines)
  const rows: DuckDBValue[][] = []
  for (let line of lines) {
    if (line.endsWith('\r')) line = line.slice(0, -1)
    if (format.serde === HIVE_SERDE.json || format.serde === HIVE_SERDE.hiveJson) {
      rows.push(parseJsonLine(line, columns))
      continue
    }
    const fields =
      format.serde === HIVE_SERDE.openCsv
        ? parseCsvLine(line, format.fieldDelim, serdeParameters.quoteChar ?? '"', format.escape ?? '\\')
        : splitFields(line, format)
    rows.push(
      columns.map(({ type: t }, i) => {
        const f = fields[i]
        if (f === undefined) return null
        if (format.serde === HIVE_SERDE.openCsv) return t.kind === 'simple' ? parseScalar(f, t) : null
        return parseField(f, t, format, 0)
      }),
    )
  }
  return rows
}

function parseJsonLine(line: string, columns: { name: string; type: SqlType }[]): DuckDBValue[] {
  let obj: Record<string, unknown>
  try {
    obj = JSON.parse(line) as Record<string, unknown>
  } catch {
    return columns.map(() => null)
  }
  // the JSON SerDes match fields by case-insensitive column name
  const lowered = new Map(Object.entries(obj).map(([k, v]) => [k.toLowerCase(), v]))
  return columns.map((c) => jsonToValue(lowered.get(c.name) ?? null, c.type))
}

function jsonToValue(v: unknown, t: SqlType): DuckDBValue {
  if (v === null || v === undefined) return null
  switch (t.kind) {
    case 'array':
      return Array.isArray(v) ? listValue(v.map((x) => jsonToValue(x, t.element))) : null
    case 'map':
      return typeof v === 'object' && !Array.isArray(v)
        ? mapValue(
            Object.entries(v as object).map(([k, x]) => ({
              key: jsonToValue(k, t.key),
              value: jsonToValue(x, t.value),
            })),
          )
        : null
    case 'row': {
      if (typeof v !== 'object' || Array.isArray(v)) return null
      const lowered = new Map(Object.entries(v as object).map(([k, x]) => [k.toLowerCase(), x]))
      const entries: Record<string, DuckDBValue> = {}
      t.fields.forEach((f, i) => {
        entries[f.name ?? `field${i}`] = jsonToValue(lowered.get(f.name ?? '') ?? null, f.type)
      })
      return structValue(entries)
    }
    case 'simple':
      return parseScalar(typeof v === 'string' ? v : JSON.stringify(v), t)
    default:
      return null
  }
}

// ---------- writing (INSERT into text tables) ----------

/** One value in LazySimpleSerDe's text form at a nesting level. */
export function formatField(v: DuckDBValue, type: SqlType, format: TextFormat, level: number): string {
  if (v === null || v === undefined) return format.nullFormat
  switch (type.kind) {
    case 'array':
      return (v as DuckDBListValue).items
        .map((x) => formatField(x, type.element, format, level + 1))
        .join(format.levels[level] ?? '\u0002')
    case 'map':
      return (v as DuckDBMapValue).entries
        .map(
          (e) =>
            `${formatField(e.key, type.key, format, level + 2)}${format.levels[level + 1] ?? '\u0003'}${formatField(e.value, type.value, format, level + 2)}`,
        )
        .join(format.levels[level] ?? '\u0002')
    case 'row': {
      const entries = (v as DuckDBStructValue).entries
      const values = Object.values(entries)
      return type.fields
        .map((f, i) => formatField(values[i] ?? null, f.type, format, level + 1))
        .join(format.levels[level] ?? '\u0002')
    }
    case 'interval':
      return String(v)
    case 'simple':
      switch (type.name) {
        case 'double':
          return javaDouble(v as number)
        case 'real':
          return javaFloat(v as number)
        case 'decimal':
          return formatDecimal((v as DuckDBDecimalValue).value, (v as DuckDBDecimalValue).scale)
        case 'date':
          return formatDate((v as DuckDBDateValue).days)
        case 'timestamp':
          return formatTimestamp((v as DuckDBTimestampValue).micros, 3)
        case 'varbinary':
          return Buffer.from((v as DuckDBBlobValue).bytes).toString('base64')
        case 'boolean':
          return v ? 'true' : 'false'
        default:
          return String(v)
      }
  }
}

export function formatTextRow(values: DuckDBValue[], types: SqlType[], format: TextFormat): string {
  return values.map((v, i) => formatField(v, types[i]!, format, 0)).join(format.fieldDelim)
}
