import { ParameterError } from '../errors.ts'

/**
 * Why a value cannot be written as a type. The checks return it instead of
 * throwing, so each database words the error with its own type name and the
 * place of the value (`valueError`).
 */
export class ValueRejection {
  readonly reason: string
  /** `subsecond-date`: a JS Date whose milliseconds the type cannot hold (a caller may offer truncation). */
  readonly kind: 'subsecond-date' | undefined

  constructor(reason: string, kind?: 'subsecond-date') {
    this.reason = reason
    this.kind = kind
  }
}

/** Where a value is written, for error messages. */
export interface ValueTarget {
  /** The parameter or column the value is written to. */
  name?: string | undefined
  /** What `name` is: `parameter` unless told (`column`, `key`, …). */
  role?: string | undefined
  /** The row of an insert, counted from 0 like the index of an array of rows. */
  row?: number | undefined
}

const PREVIEW_LIMIT = 64

/** A short, single-line rendering of a value for error messages (never the whole of a huge value). */
export function previewValue(value: unknown): string {
  let text: string
  if (typeof value === 'string') text = JSON.stringify(value)
  else if (typeof value === 'bigint') text = `${value}n`
  else if (value instanceof Date) text = Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()
  else if (value instanceof Uint8Array) text = `Uint8Array(${value.length})`
  else if (Array.isArray(value)) text = `array(${value.length})`
  else if (value === null || value === undefined) text = String(value)
  else if (typeof value === 'object') text = value instanceof Map ? `Map(${value.size})` : 'object'
  else text = String(value)
  return text.length > PREVIEW_LIMIT ? `${text.slice(0, PREVIEW_LIMIT)}…(${text.length} chars)` : text
}

/** ` for column 'age' of row 3`: the place of a value, or '' when unknown. */
export function describeTarget(target: ValueTarget): string {
  let where = target.name === undefined ? '' : ` for ${target.role ?? 'parameter'} '${target.name}'`
  if (target.row !== undefined) where += `${where === '' ? ' in' : ' of'} row ${target.row}`
  return where
}

/**
 * The one wording of a refused value:
 * `Cannot send 300 as UInt8 for column 'age' of row 3: out of range (0 … 255)`.
 */
export function valueError(
  value: unknown,
  typeName: string,
  reason: string,
  target: ValueTarget,
  system?: string,
): ParameterError {
  return new ParameterError(
    `Cannot send ${previewValue(value)} as ${typeName}${describeTarget(target)}: ${reason}`,
    { system },
  )
}
