/**
 * Rows sent from the Parquet decoder's thread in columns. Structured clone
 * copies a slice of rows value by value and builds each value again on the
 * receiving side, which is most of the main thread's work in unload mode.
 * Columns whose values are all of one plain kind travel as typed arrays
 * (transferred, not copied) or, for text, as one string and its ends; the
 * receiver builds the row arrays from them. Anything else (nested values,
 * bytes, parsed JSON, a bigint outside int64) is sent as it is.
 */

export type SliceColumn =
  | { kind: 'bigint'; values: BigInt64Array; nulls: Uint8Array | undefined }
  | { kind: 'number'; values: Float64Array; nulls: Uint8Array | undefined }
  | { kind: 'date'; values: Float64Array; nulls: Uint8Array | undefined }
  | { kind: 'boolean'; values: Uint8Array; nulls: Uint8Array | undefined }
  | { kind: 'string'; text: string; ends: Uint32Array; nulls: Uint8Array | undefined }
  | { kind: 'values'; values: unknown[] }

export interface RowSlice {
  length: number
  columns: SliceColumn[]
}

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

type Kind = 'bigint' | 'number' | 'date' | 'boolean' | 'string' | 'values'

function kindOf(value: unknown): Kind {
  switch (typeof value) {
    case 'bigint':
      return value >= INT64_MIN && value <= INT64_MAX ? 'bigint' : 'values'
    case 'number':
      return 'number'
    case 'boolean':
      return 'boolean'
    case 'string':
      return 'string'
    default:
      return value instanceof Date ? 'date' : 'values'
  }
}

/** Rows `from` to `to` of a row group given in columns (NULL as null or undefined), and the buffers to transfer. */
export function encodeSlice(
  columns: readonly ArrayLike<unknown>[],
  from: number,
  to: number,
): { slice: RowSlice; transfer: ArrayBuffer[] } {
  const length = to - from
  const out: SliceColumn[] = []
  const transfer: ArrayBuffer[] = []
  for (const column of columns) {
    const encoded = typedSlice(column, from, to) ?? encodeColumn(column, from, to, length)
    out.push(encoded)
    const c = encoded as { values?: unknown; ends?: Uint32Array; nulls?: Uint8Array }
    if (ArrayBuffer.isView(c.values)) transfer.push(c.values.buffer as ArrayBuffer)
    if (c.ends) transfer.push(c.ends.buffer as ArrayBuffer)
    if (c.nulls) transfer.push(c.nulls.buffer as ArrayBuffer)
  }
  return { slice: { length, columns: out }, transfer }
}

/** A column hyparquet gave as a typed array (no NULLs), copied as one. */
function typedSlice(column: ArrayLike<unknown>, from: number, to: number): SliceColumn | undefined {
  if (column instanceof BigInt64Array)
    return { kind: 'bigint', values: column.slice(from, to), nulls: undefined }
  if (
    column instanceof Float64Array ||
    column instanceof Float32Array ||
    column instanceof Int32Array ||
    column instanceof Uint32Array
  )
    return { kind: 'number', values: Float64Array.from(column.subarray(from, to)), nulls: undefined }
  return undefined
}

function encodeColumn(column: ArrayLike<unknown>, from: number, to: number, length: number): SliceColumn {
  let kind: Kind | undefined
  let hasNull = false
  for (let r = from; r < to; r++) {
    const v = column[r]
    if (v === null || v === undefined) {
      hasNull = true
      continue
    }
    const k = kindOf(v)
    if (kind === undefined) kind = k
    else if (k !== kind) kind = 'values'
    if (kind === 'values') break
  }
  kind ??= 'values'
  let nulls: Uint8Array | undefined
  if (hasNull && kind !== 'values') {
    nulls = new Uint8Array(length)
    for (let r = 0; r < length; r++) {
      const v = column[from + r]
      if (v === null || v === undefined) nulls[r] = 1
    }
  }
  switch (kind) {
    case 'bigint': {
      const values = new BigInt64Array(length)
      for (let r = 0; r < length; r++) if (!nulls?.[r]) values[r] = column[from + r] as bigint
      return { kind, values, nulls }
    }
    case 'number':
    case 'date': {
      const values = new Float64Array(length)
      for (let r = 0; r < length; r++) {
        if (nulls?.[r]) continue
        const v = column[from + r]
        values[r] = kind === 'date' ? (v as Date).getTime() : (v as number)
      }
      return { kind, values, nulls }
    }
    case 'boolean': {
      const values = new Uint8Array(length)
      for (let r = 0; r < length; r++) if (column[from + r] === true) values[r] = 1
      return { kind, values, nulls }
    }
    case 'string': {
      const ends = new Uint32Array(length)
      const parts: string[] = new Array(length)
      let end = 0
      for (let r = 0; r < length; r++) {
        const v = nulls?.[r] ? '' : (column[from + r] as string)
        parts[r] = v
        end += v.length
        ends[r] = end
      }
      return { kind, text: parts.join(''), ends, nulls }
    }
    default: {
      const values: unknown[] = new Array(length)
      for (let r = 0; r < length; r++) {
        const v = column[from + r]
        values[r] = v === undefined ? null : v
      }
      return { kind: 'values', values }
    }
  }
}

/** The rows of a slice, values in column order. */
export function decodeSlice(slice: RowSlice): unknown[][] {
  const { length, columns } = slice
  const width = columns.length
  const rows: unknown[][] = new Array(length)
  for (let r = 0; r < length; r++) rows[r] = new Array(width)
  for (let c = 0; c < width; c++) {
    const column = columns[c]!
    switch (column.kind) {
      case 'bigint':
      case 'number':
      case 'boolean': {
        const { values, nulls } = column
        const bool = column.kind === 'boolean'
        for (let r = 0; r < length; r++) rows[r]![c] = nulls?.[r] ? null : bool ? values[r] === 1 : values[r]
        break
      }
      case 'date': {
        const { values, nulls } = column
        for (let r = 0; r < length; r++) rows[r]![c] = nulls?.[r] ? null : new Date(values[r]!)
        break
      }
      case 'string': {
        const { text, ends, nulls } = column
        let start = 0
        for (let r = 0; r < length; r++) {
          const end = ends[r]!
          rows[r]![c] = nulls?.[r] ? null : text.slice(start, end)
          start = end
        }
        break
      }
      default: {
        const { values } = column
        for (let r = 0; r < length; r++) rows[r]![c] = values[r]
      }
    }
  }
  return rows
}
