import { ParameterError, scanCode, skipQuoted } from '@tributary/core'
import { parseType } from '../formats/type-parser.ts'
import { CLICKHOUSE_SQL } from '../statement-kind.ts'
import { formatLiteral, type LiteralOptions } from './literal.ts'
import type { ValueContext } from './scalars.ts'
import { TypedValue } from './typed.ts'

export interface Placeholder {
  name: string
  /** The type text as written, e.g. `DateTime64(3, 'UTC')`. */
  type: string
  /** Offset of `{` in the SQL. */
  start: number
  /** Offset just past `}`. */
  end: number
}

/**
 * The `{name:Type}` placeholders of a statement, found only in code: string
 * literals, quoted identifiers and comments are data, as core's SQL scanner
 * reads them with ClickHouse's lexical rules (`CLICKHOUSE_SQL`).
 */
export function findPlaceholders(sql: string): Placeholder[] {
  const found: Placeholder[] = []
  scanCode(sql, CLICKHOUSE_SQL, (i) => {
    if (sql[i] !== '{') return undefined
    const p = readPlaceholder(sql, i)
    if (p === undefined) return undefined
    found.push(p)
    return p.end
  })
  return found
}

const HEAD = /\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*/y

function readPlaceholder(sql: string, start: number): Placeholder | undefined {
  HEAD.lastIndex = start
  const m = HEAD.exec(sql)
  if (!m) return undefined
  const typeStart = HEAD.lastIndex
  let depth = 0
  let i = typeStart
  while (i < sql.length) {
    const c = sql[i]
    // A quoted name or string in the type (an Enum's labels, a time zone) may hold `}` or `)`.
    if (CLICKHOUSE_SQL.strings.includes(c!) || CLICKHOUSE_SQL.identifiers.includes(c!)) {
      i = skipQuoted(sql, i, CLICKHOUSE_SQL)
      continue
    }
    if (c === '(') depth++
    else if (c === ')') depth--
    else if (c === '}' && depth === 0) {
      const type = sql.slice(typeStart, i).trim()
      if (type === '') return undefined
      return { name: m[1] as string, type, start, end: i + 1 }
    } else if (c === '{' || c === ';' || depth < 0) return undefined
    i++
  }
  return undefined
}

/**
 * `sql` with each placeholder for which `replace` returns text replaced by it;
 * the others, and every look-alike in strings, quoted names and comments, stay.
 */
export function replacePlaceholders(
  sql: string,
  replace: (placeholder: Placeholder) => string | undefined,
): string {
  let out = ''
  let last = 0
  for (const p of findPlaceholders(sql)) {
    const text = replace(p)
    if (text === undefined) continue
    out += sql.slice(last, p.start) + text
    last = p.end
  }
  return out + sql.slice(last)
}

/**
 * Replaces every placeholder with a SQL literal of its declared type, for
 * servers without query parameters. Each name must have a value; a
 * `TypedValue` stands for its value (the placeholder's type decides).
 */
export function substitutePlaceholders(
  sql: string,
  values: Readonly<Record<string, unknown>>,
  options: LiteralOptions = {},
  only?: ReadonlySet<string>,
  /** Where a parameter's value is written (a column), for error messages; by parameter name. */
  targets?: Readonly<Record<string, ValueContext>>,
): string {
  return replacePlaceholders(sql, (p) => {
    if (only && !only.has(p.name)) return undefined
    if (!Object.hasOwn(values, p.name))
      throw new ParameterError(`No value for parameter '${p.name}'`, { system: 'clickhouse' })
    const raw = values[p.name]
    const value = raw instanceof TypedValue ? raw.value : raw
    const where = targets?.[p.name] ?? { name: p.name }
    return formatLiteral(value, parseType(p.type), { ...options, ...where })
  })
}
