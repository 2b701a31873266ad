/**
 * The one literal formatter of Athena. Athena parses every `ExecutionParameters`
 * value as SQL (a value that parses as an expression is evaluated: `1 OR 1=1`
 * is not a string), so nothing reaches Athena as a bare value: each value is a
 * literal written here, whether it travels as an execution parameter or is
 * inlined into the statement. Trino literals double `'`; Hive DDL strings
 * escape with backslashes.
 */
import {
  calendarDay,
  checkUnicode,
  exactDecimal,
  exactInteger,
  formatCalendarDay,
  integerRange,
  plainDecimal,
  toInstant,
  utcCalendarText,
  ValueRejection,
  type ValueTarget,
  valueError,
} from '@tributary/core'
import type { Engine } from '../statement-kind.ts'
import { TypedValue } from './typed.ts'

export interface LiteralOptions {
  /** Which parser reads the statement: Trino (DML, default) or Hive (DDL). */
  engine?: Engine | undefined
  /** Names the value in errors. */
  target?: ValueTarget | undefined
}

const [INT64_MIN, INT64_MAX] = integerRange(64, true)
const DECIMAL_TEXT = /^[+-]?\d+(?:\.\d+)?$/

/** The SQL literal for a JS value. Throws `ParameterError` for a value Athena cannot be sent exactly. */
export function formatLiteral(value: unknown, options: LiteralOptions = {}): string {
  const engine = options.engine ?? 'trino'
  const target = options.target ?? {}
  const refuse = (type: string, reason: string): never => {
    throw valueError(value, type, reason, target, 'athena')
  }
  if (value === null || value === undefined) return 'NULL'
  if (value instanceof TypedValue) return formatTyped(value, engine, target)
  switch (typeof value) {
    case 'boolean':
      return value ? 'TRUE' : 'FALSE'
    case 'number':
      return formatNumber(value)
    case 'bigint':
      if (value < INT64_MIN || value > INT64_MAX)
        return refuse('bigint', "out of range (-2^63 … 2^63 - 1); send it with typed(value, 'decimal(38,0)')")
      return value.toString()
    case 'string':
      return quoteString(value, engine, refuse)
    case 'object':
      break
    default:
      return refuse('a literal', `a ${typeof value} has no SQL form`)
  }
  if (value instanceof Date) return `TIMESTAMP '${timestampText(value, 3, refuse)}'`
  if (value instanceof Uint8Array)
    return `X'${Buffer.from(value.buffer, value.byteOffset, value.length).toString('hex')}'`
  if (Array.isArray(value)) {
    return `ARRAY[${value.map((v, i) => formatLiteral(v, { engine, target: element(target, i) })).join(', ')}]`
  }
  return refuse(
    'a literal',
    "objects have no single Athena type; send it with typed(value, 'json') or typed(value, 'map(varchar, …)')",
  )
}

/** A `'…'` string literal. */
export function quoteString(
  text: string,
  engine: Engine,
  refuse?: (type: string, reason: string) => never,
): string {
  const bad = checkUnicode(text)
  if (bad) {
    if (refuse) return refuse('varchar', bad.reason)
    throw valueError(text, 'varchar', bad.reason, {}, 'athena')
  }
  if (engine === 'hive') return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`
  return `'${text.replace(/'/g, "''")}'`
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'nan()'
  if (value === Number.POSITIVE_INFINITY) return 'infinity()'
  if (value === Number.NEGATIVE_INFINITY) return '-infinity()'
  if (Object.is(value, -0)) return '-0E0'
  if (Number.isSafeInteger(value)) return String(value)
  // An exponent makes it a DOUBLE literal whatever Athena's setting for unsuffixed decimals.
  const text = String(value)
  return /e/i.test(text) ? text.toUpperCase() : `${text}E0`
}

function timestampText(
  value: unknown,
  precision: number,
  refuse: (type: string, reason: string) => never,
): string {
  const instant = toInstant(value, precision)
  if (instant instanceof ValueRejection) return refuse(`timestamp(${precision})`, instant.reason)
  if (instant.seconds < -62135596800n || instant.seconds > 253402300799n)
    return refuse(`timestamp(${precision})`, 'outside the years 0001 to 9999')
  return utcCalendarText(instant)
}

function formatTyped(typedValue: TypedValue, engine: Engine, target: ValueTarget): string {
  const { value, type } = typedValue
  const refuse = (reason: string): never => {
    throw valueError(value, type, reason, target, 'athena')
  }
  if (value === null || value === undefined) return `CAST(NULL AS ${type})`
  const base = /^[a-z ]+/.exec(type)![0].trim()
  const args = /\(([^)]*)\)$/.exec(type)?.[1]
  switch (base) {
    case 'date': {
      const day = calendarDay(value)
      if (day instanceof ValueRejection) return refuse(day.reason)
      return `DATE '${formatCalendarDay(day)}'`
    }
    case 'timestamp': {
      const precision = args === undefined ? 3 : Number(args)
      if (!Number.isInteger(precision) || precision < 0 || precision > 12)
        return refuse('precision must be 0 to 12')
      return `TIMESTAMP '${timestampText(value, precision, (_, reason) => refuse(reason))}'`
    }
    case 'decimal': {
      if (args === undefined) {
        // The literal's own precision and scale, as written (`DECIMAL '1.50'` is decimal(3,2)).
        const written = typeof value === 'string' ? value.trim() : undefined
        const text =
          written !== undefined && DECIMAL_TEXT.test(written)
            ? written.replace(/^\+/, '')
            : typeof value === 'bigint' || typeof value === 'number'
              ? plainDecimal(String(value))
              : undefined
        if (text === undefined) return refuse('expected a decimal number')
        if (text.replace(/[-.]/g, '').replace(/^0+(?=\d)/, '').length > 38)
          return refuse('more than 38 digits')
        return `DECIMAL '${text}'`
      }
      const [p, s] = (args ?? '38, 0').split(',').map((x) => Number(x.trim()))
      const precision = p!
      const scale = s ?? 0
      if (!(precision >= 1 && precision <= 38 && scale >= 0 && scale <= precision))
        return refuse('precision 1 to 38, scale 0 to precision')
      const exact = exactDecimal(value, precision, scale)
      if (exact instanceof ValueRejection) return refuse(exact.reason)
      return `CAST(DECIMAL '${exact}' AS DECIMAL(${precision}, ${scale}))`
    }
    case 'json': {
      const text = typeof value === 'string' ? value : jsonText(value, refuse)
      return `JSON ${quoteString(text, engine, (_, reason) => refuse(reason))}`
    }
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int':
    case 'bigint': {
      const bits = base === 'tinyint' ? 8 : base === 'smallint' ? 16 : base === 'bigint' ? 64 : 32
      const n = exactInteger(value, bits, true)
      if (n instanceof ValueRejection) return refuse(n.reason)
      return `CAST(${n} AS ${base === 'int' ? 'integer' : base})`
    }
    case 'map': {
      const entries =
        value instanceof Map
          ? [...value.entries()]
          : typeof value === 'object' && !Array.isArray(value)
            ? Object.entries(value as Record<string, unknown>)
            : refuse('expected a Map or an object')
      const parts = splitTypeArguments(args ?? '')
      const [keyType, valueType] = parts.length === 2 ? parts : refuse('write map(key type, value type)')
      const keys = entries.map(([k]) => formatLiteral(new TypedValue(k, keyType!), { engine, target }))
      const values = entries.map(([, v]) => formatLiteral(new TypedValue(v, valueType!), { engine, target }))
      return `CAST(MAP(ARRAY[${keys.join(', ')}], ARRAY[${values.join(', ')}]) AS ${type})`
    }
    case 'array': {
      if (!Array.isArray(value)) return refuse('expected an array')
      const inner = args ?? refuse('write array(element type)')
      const items = value.map((v, i) =>
        formatLiteral(new TypedValue(v, inner), { engine, target: element(target, i) }),
      )
      return `CAST(ARRAY[${items.join(', ')}] AS ${type})`
    }
    default: {
      const literal = formatLiteral(value, { engine, target })
      return `CAST(${literal} AS ${type})`
    }
  }
}

/** `varchar, map(varchar, integer)` → its top-level parts. */
function splitTypeArguments(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let current = ''
  for (const c of text) {
    if (c === '(') depth++
    if (c === ')') depth--
    if (c === ',' && depth === 0) {
      parts.push(current.trim())
      current = ''
    } else current += c
  }
  if (current.trim() !== '') parts.push(current.trim())
  return parts
}

function jsonText(value: unknown, refuse: (reason: string) => never): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) =>
      typeof v === 'bigint'
        ? (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON(v.toString())
        : v,
    )
  } catch (error) {
    return refuse(`cannot be written as JSON (${error instanceof Error ? error.message : String(error)})`)
  }
}

function element(target: ValueTarget, index: number): ValueTarget {
  return { ...target, name: `${target.name ?? 'value'}[${index}]` }
}
