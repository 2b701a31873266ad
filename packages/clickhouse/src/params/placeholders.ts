import { ParameterError } from '@tributary/core'
import { parseType } from '../formats/type-parser.ts'
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
 * The `{name:Type}` placeholders of a statement, skipping string literals
 * ('…' with backslash and doubled-quote escapes), quoted identifiers ("…", `…`)
 * and comments (-- …, # …, nested /* … *\/), where the same text is data.
 */
export function findPlaceholders(sql: string): Placeholder[] {
  const found: Placeholder[] = []
  const n = sql.length
  let i = 0
  while (i < n) {
    const c = sql[i]
    if (c === "'" || c === '"' || c === '`') i = skipQuoted(sql, i, c)
    else if (c === '-' && sql[i + 1] === '-') i = skipLine(sql, i)
    else if (c === '#') i = skipLine(sql, i)
    else if (c === '/' && sql[i + 1] === '*') i = skipBlockComment(sql, i)
    else if (c === '{') {
      const p = readPlaceholder(sql, i)
      if (p === undefined) i++
      else {
        found.push(p)
        i = p.end
      }
    } else i++
  }
  return found
}

function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1
  while (i < sql.length) {
    const c = sql[i]
    if (c === '\\') i += 2
    else if (c === quote) {
      if (sql[i + 1] === quote) i += 2
      else return i + 1
    } else i++
  }
  return sql.length
}

function skipLine(sql: string, start: number): number {
  const end = sql.indexOf('\n', start)
  return end === -1 ? sql.length : end + 1
}

function skipBlockComment(sql: string, start: number): number {
  let depth = 0
  let i = start
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++
      i += 2
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--
      i += 2
      if (depth === 0) return i
    } else i++
  }
  return sql.length
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
    if (c === "'" || c === '"' || c === '`') {
      i = skipQuoted(sql, i, c)
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
  let out = ''
  let last = 0
  for (const p of findPlaceholders(sql)) {
    if (only && !only.has(p.name)) continue
    if (!Object.hasOwn(values, p.name))
      throw new ParameterError(`No value for parameter '${p.name}'`, { system: 'clickhouse' })
    const raw = values[p.name]
    const value = raw instanceof TypedValue ? raw.value : raw
    const where = targets?.[p.name] ?? { name: p.name }
    out += sql.slice(last, p.start) + formatLiteral(value, parseType(p.type), { ...options, ...where })
    last = p.end
  }
  return out + sql.slice(last)
}
