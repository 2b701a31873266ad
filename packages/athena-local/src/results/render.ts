// Values in Athena's text forms, rendered by the server from DuckDB's values: Java notation for doubles and
// reals, `[1, 2]` arrays, `{a=1, b=2}` maps with sorted keys, `{x=1, y=abc}` rows, timestamps with their
// precision, varbinary as space-separated hex.
import {
  type DuckDBBlobValue,
  type DuckDBDateValue,
  DuckDBDecimalValue,
  type DuckDBIntervalValue,
  type DuckDBListValue,
  type DuckDBMapValue,
  type DuckDBStructValue,
  type DuckDBTimestampTZValue,
  type DuckDBTimestampValue,
  type DuckDBTimeValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
} from '@duckdb/node-api'
import type { SqlType } from '../sql/ast.ts'

/** Java's Double.toString. */
export function javaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Number.POSITIVE_INFINITY) return 'Infinity'
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  return javaNotation(x, x.toExponential())
}

/** Java's Float.toString for a value that is exactly a float32. */
export function javaFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Number.POSITIVE_INFINITY) return 'Infinity'
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const f = Math.fround(x)
  let exp = f.toExponential()
  for (let p = 1; p <= 9; p++) {
    const s = f.toExponential(p - 1)
    if (Math.fround(Number(s)) === f) {
      exp = s
      break
    }
  }
  return javaNotation(f, exp)
}

/** Formats shortest digits (`d.ddde±x`) the way Java prints floating point numbers. */
function javaNotation(x: number, exponential: string): string {
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exponential)!
  const sign = m[1]!
  const digits = (m[2]! + (m[3] ?? '')).replace(/0+$/, '') || '0'
  const exp = Number(m[4])
  const abs = Math.abs(x)
  if (abs >= 1e-3 && abs < 1e7) {
    const point = exp + 1
    let out: string
    if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`
    else if (point >= digits.length) out = `${digits}${'0'.repeat(point - digits.length)}.0`
    else out = `${digits.slice(0, point)}.${digits.slice(point)}`
    return sign + out
  }
  return `${sign}${digits[0]}.${digits.length > 1 ? digits.slice(1) : '0'}E${exp}`
}

const pad = (n: number | bigint, w: number) => String(n).padStart(w, '0')

export function formatDate(days: number): string {
  const d = new Date(days * 86400000)
  const y = d.getUTCFullYear()
  const year = y < 0 ? `-${pad(-y, 4)}` : pad(y, 4)
  return `${year}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`
}

/** `YYYY-MM-DD HH:MM:SS[.fff…]` from microseconds since the epoch, with `precision` fraction digits. */
export function formatTimestamp(micros: bigint, precision: number): string {
  const dayMicros = 86400000000n
  let days = micros / dayMicros
  let rest = micros % dayMicros
  if (rest < 0n) {
    rest += dayMicros
    days -= 1n
  }
  return `${formatDate(Number(days))} ${formatTime(rest, precision)}`
}

export function formatTime(micros: bigint, precision: number): string {
  const totalSeconds = micros / 1000000n
  const fraction = micros % 1000000n
  const h = totalSeconds / 3600n
  const m = (totalSeconds % 3600n) / 60n
  const s = totalSeconds % 60n
  let out = `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}`
  if (precision > 0) {
    const digits = pad(fraction, 6)
    out += `.${precision <= 6 ? digits.slice(0, precision) : digits.padEnd(precision, '0')}`
  }
  return out
}

export function formatDecimal(value: bigint, scale: number): string {
  const negative = value < 0n
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0')
  const out =
    scale > 0 ? `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}` : digits
  return negative ? `-${out}` : out
}

export function formatInterval(v: DuckDBIntervalValue, yearMonth: boolean): string {
  if (yearMonth || (v.months !== 0 && v.days === 0 && v.micros === 0n)) {
    const negative = v.months < 0
    const months = Math.abs(v.months)
    return `${negative ? '-' : ''}${Math.floor(months / 12)}-${months % 12}`
  }
  let micros = BigInt(v.days) * 86400000000n + v.micros
  const negative = micros < 0n
  if (negative) micros = -micros
  const days = micros / 86400000000n
  return `${negative ? '-' : ''}${days} ${formatTime(micros % 86400000000n, 3)}`
}

export function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ')
}

export interface RenderOptions {
  /** Athena type of the column, when the translation knew it (timestamp precision, json). */
  type?: SqlType | null
}

function precisionOf(type: SqlType | null | undefined, fallback: number): number {
  return type?.kind === 'simple' && type.params.length > 0 ? type.params[0]! : fallback
}

/** A value as text in Athena's forms; null stays null (a Datum without VarCharValue). */
export function renderValue(
  value: DuckDBValue,
  duckType: DuckDBType,
  type: SqlType | null = null,
  nested = false,
): string | null {
  if (value === null || value === undefined) return nested ? 'null' : null
  switch (duckType.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return value ? 'true' : 'false'
    case DuckDBTypeId.FLOAT:
      return javaFloat(value as number)
    case DuckDBTypeId.DOUBLE:
      return javaDouble(value as number)
    case DuckDBTypeId.DECIMAL: {
      const d = value as DuckDBDecimalValue
      return formatDecimal(d.value, d.scale)
    }
    case DuckDBTypeId.VARCHAR:
      return value as string
    case DuckDBTypeId.BLOB:
      return hexBytes((value as DuckDBBlobValue).bytes)
    case DuckDBTypeId.DATE:
      return formatDate((value as DuckDBDateValue).days)
    case DuckDBTypeId.TIME:
      return formatTime((value as DuckDBTimeValue).micros, precisionOf(type, 3))
    case DuckDBTypeId.TIMESTAMP:
      return formatTimestamp((value as DuckDBTimestampValue).micros, precisionOf(type, 3))
    case DuckDBTypeId.TIMESTAMP_TZ:
      return `${formatTimestamp((value as DuckDBTimestampTZValue).micros, precisionOf(type, 3))} UTC`
    case DuckDBTypeId.TIMESTAMP_NS: {
      const nanos = (value as { nanos: bigint }).nanos
      return (
        formatTimestamp(nanos / 1000n, Math.min(precisionOf(type, 9), 6)) +
        (precisionOf(type, 9) > 6
          ? String(nanos % 1000n)
              .padStart(3, '0')
              .slice(0, precisionOf(type, 9) - 6)
          : '')
      )
    }
    case DuckDBTypeId.INTERVAL:
      return formatInterval(value as DuckDBIntervalValue, type?.kind === 'interval' && type.from === 'year')
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const items = (value as DuckDBListValue).items
      const child = (duckType as unknown as { valueType: DuckDBType }).valueType
      const childType = type?.kind === 'array' ? type.element : null
      return `[${items.map((v) => renderValue(v, child, childType, true)).join(', ')}]`
    }
    case DuckDBTypeId.MAP: {
      const entries = (value as DuckDBMapValue).entries
      const mt = duckType as unknown as { keyType: DuckDBType; valueType: DuckDBType }
      const keyType = type?.kind === 'map' ? type.key : null
      const valueType = type?.kind === 'map' ? type.value : null
      const sorted = [...entries].sort((a, b) => compareMapKeys(a.key, b.key))
      return `{${sorted.map((e) => `${renderValue(e.key, mt.keyType, keyType, true)}=${renderValue(e.value, mt.valueType, valueType, true)}`).join(', ')}}`
    }
    case DuckDBTypeId.STRUCT: {
      const st = duckType as unknown as { entryNames: string[]; entryTypes: DuckDBType[] }
      const entries = (value as DuckDBStructValue).entries
      const fieldTypes = type?.kind === 'row' ? type.fields : null
      const parts = st.entryNames.map((name, i) => {
        const text = renderValue(
          entries[name] ?? null,
          st.entryTypes[i]!,
          fieldTypes?.[i]?.type ?? null,
          true,
        )
        const label = fieldTypes ? fieldTypes[i]?.name : name
        return label ? `${label}=${text}` : String(text)
      })
      return `{${parts.join(', ')}}`
    }
    case DuckDBTypeId.UUID:
      return String(value)
    default:
      return typeof value === 'bigint' || typeof value === 'number' ? String(value) : String(value)
  }
}

function compareMapKeys(a: DuckDBValue, b: DuckDBValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0
  if (a instanceof DuckDBDecimalValue && b instanceof DuckDBDecimalValue) return a.toDouble() - b.toDouble()
  const x = String(a)
  const y = String(b)
  return x < y ? -1 : x > y ? 1 : 0
}
