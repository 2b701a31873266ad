import { scanCode } from '@tributary/core'
import { CLICKHOUSE_SQL } from '../statement-kind.ts'

/**
 * Types the query compilers cannot decide, because they depend on what only
 * the client knows when the statement runs: the columns of the table a value
 * is written to, and the server's version. A compiler writes a mark where the
 * type goes (a private-use character, a JSON payload, another private-use
 * character: never SQL anyone writes); the client replaces every mark before
 * it binds the parameters (`findDeferredTypes`, client.ts).
 */
export type DeferredType =
  /** `{name:…}` written to `column` of `table` (INSERT … VALUES); `set`: by ALTER TABLE … UPDATE. */
  | { kind: 'column' | 'set'; name: string; table: string; column: string }
  /** `{name:…}` typed from its value, as the server can take it (a JS Date: DateTime64 or DateTime). */
  | { kind: 'value'; name: string }
  /** A column type in DDL for an instant with `precision` fraction digits: DateTime64, or DateTime where there is none. */
  | { kind: 'instant'; precision: number }

const OPEN = '\uE010'
const CLOSE = '\uE011'

export function deferredMark(type: DeferredType): string {
  const payload =
    type.kind === 'instant'
      ? ['instant', type.precision]
      : type.kind === 'value'
        ? ['value', type.name]
        : [type.kind, type.name, type.table, type.column]
  // ASCII only, so the payload can hold neither mark character.
  const json = JSON.stringify(payload).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
  return `${OPEN}${json}${CLOSE}`
}

/** `{name:mark}` for a parameter whose type the client decides. */
export function deferredPlaceholder(type: Exclude<DeferredType, { kind: 'instant' }>): string {
  return `{${type.name}:${deferredMark(type)}}`
}

export interface FoundDeferredType {
  type: DeferredType
  /** Offsets of the mark in the SQL text. */
  start: number
  end: number
}

export function hasDeferredTypes(sql: string): boolean {
  return sql.includes(OPEN)
}

/** Every mark in the code of `sql` (string literals and comments are data, never marks). */
export function findDeferredTypes(sql: string): FoundDeferredType[] {
  const found: FoundDeferredType[] = []
  scanCode(sql, CLICKHOUSE_SQL, (i) => {
    if (sql[i] !== OPEN) return undefined
    const close = sql.indexOf(CLOSE, i + 1)
    const type = close === -1 ? undefined : parseMark(sql.slice(i + 1, close))
    if (type === undefined) return undefined
    found.push({ type, start: i, end: close + 1 })
    return close + 1
  })
  return found
}

function parseMark(json: string): DeferredType | undefined {
  let payload: unknown
  try {
    payload = JSON.parse(json)
  } catch {
    return undefined
  }
  if (!Array.isArray(payload)) return undefined
  const [kind, a, b, c] = payload as unknown[]
  if (kind === 'instant' && typeof a === 'number') return { kind, precision: a }
  if (kind === 'value' && typeof a === 'string') return { kind, name: a }
  if (
    (kind === 'column' || kind === 'set') &&
    typeof a === 'string' &&
    typeof b === 'string' &&
    typeof c === 'string'
  )
    return { kind, name: a, table: b, column: c }
  return undefined
}

/** `sql` with each found mark replaced by its text. */
export function replaceDeferredTypes(
  sql: string,
  found: readonly FoundDeferredType[],
  text: (type: DeferredType) => string,
): string {
  let out = ''
  let last = 0
  for (const mark of found) {
    out += sql.slice(last, mark.start) + text(mark.type)
    last = mark.end
  }
  return out + sql.slice(last)
}
