/**
 * A value with the Athena type it is written as, for values whose JS type
 * does not say it: `typed('2026-01-02', 'date')`, `typed('12.50', 'decimal(10,2)')`,
 * `typed({ a: 1 }, 'json')`, `typed(new Map([['k', 1]]), 'map(varchar, integer)')`.
 */
import { ParameterError } from '@tributary/core'

/** Type names: words, digits, spaces, commas and parentheses only, so a type can never end a literal or a statement. */
const TYPE_TEXT = /^[A-Za-z][A-Za-z0-9_ ]*(?:\([A-Za-z0-9_, ()]*\))?$/

export class TypedValue {
  readonly value: unknown
  /** Lower case, single spaces: `decimal(10,2)`, `timestamp(3)`, `array(varchar)`. */
  readonly type: string

  constructor(value: unknown, type: string) {
    const normal = normalizeType(type)
    if (normal === undefined) {
      throw new ParameterError(`not an Athena type name: ${JSON.stringify(type)}`, { system: 'athena' })
    }
    this.value = value
    this.type = normal
  }
}

export function typed(value: unknown, type: string): TypedValue {
  return new TypedValue(value, type)
}

export function normalizeType(type: string): string | undefined {
  const text = type.trim().replace(/\s+/g, ' ').toLowerCase()
  if (!TYPE_TEXT.test(text)) return undefined
  let depth = 0
  for (const c of text) {
    if (c === '(') depth++
    else if (c === ')' && --depth < 0) return undefined
  }
  return depth === 0 ? text.replace(/\s*([(),])\s*/g, (_, p: string) => (p === ',' ? ', ' : p)) : undefined
}
