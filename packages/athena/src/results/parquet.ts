/**
 * UNLOAD's Parquet files read with hyparquet over S3 range reads, one row
 * group at a time (memory is bounded by a row group, never the file). The
 * footer is read here; row groups are decoded by `ParquetDecoder` on a worker
 * thread (`parquet-decoder.ts`), which runs `decodeRowGroup` below.
 *
 * Values stay exact: hyparquet turns DECIMAL into JS numbers, so the
 * annotation is taken off a copy of the footer and the raw unscaled integers
 * are written out as decimal text here; INT96 timestamps (Athena's) and
 * TIMESTAMP columns come as nanoseconds, micro- or milliseconds and become
 * Dates by floor division; DATE becomes `YYYY-MM-DD`; REAL the shortest text
 * that reads back as the same float, as Athena prints it; BYTE_ARRAY without
 * a string annotation stays bytes.
 */
import { decodeUtf8, formatCalendarDay } from '@tributary/core'
import {
  type AsyncBuffer,
  type FileMetaData,
  type ParquetParsers,
  parquetMetadataAsync,
  parquetRead,
  parquetSchema,
  type SchemaElement,
  type SchemaTree,
} from 'hyparquet'
import type { AwsTransport } from '../transport/aws.ts'
import { parseJsonExact } from './json.ts'
import type { ResultColumn } from './text-values.ts'

type Convert = (value: unknown) => unknown

/** A Parquet file whose footer has been read: its columns, and what a decoder needs to read its row groups. */
export interface ParquetFile {
  columns: ResultColumn[]
  rowGroups: number
  metadata: FileMetaData
  buffer: AsyncBuffer
}

const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (ms: bigint) => new Date(Number(ms)),
  timestampFromMicroseconds: (us: bigint) => new Date(Number(floorDiv(us, 1000n))),
  timestampFromNanoseconds: (ns: bigint) => new Date(Number(floorDiv(ns, 1_000_000n))),
  dateFromDays: (days: number) => formatCalendarDay(days),
  stringFromBytes: (bytes: Uint8Array) => (bytes === undefined ? bytes : decodeUtf8(bytes)),
  jsonFromBytes: (bytes: Uint8Array) => (bytes === undefined ? bytes : parseJsonExact(decodeUtf8(bytes))),
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b
  return a % b < 0n ? q - 1n : q
}

/** An S3 object as hyparquet's AsyncBuffer: its size once, then range reads. */
export async function s3AsyncBuffer(
  transport: AwsTransport,
  uri: string,
  signal: AbortSignal | undefined,
  queryId: string,
): Promise<AsyncBuffer> {
  const byteLength = await transport.objectSize(uri, signal, queryId)
  return {
    byteLength,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const bytes = await transport.getObjectRange(uri, start, end ?? byteLength, signal, queryId)
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
    },
  }
}

/** Reads a file's footer. */
export async function openParquetFile(buffer: AsyncBuffer): Promise<ParquetFile> {
  const metadata = await parquetMetadataAsync(buffer, { parsers: PARSERS, geoparquet: false })
  const columns = parquetSchema(metadata).children.map((child) => ({
    name: child.element.name,
    type: typeName(child),
  }))
  return { columns, rowGroups: metadata.row_groups.length, metadata, buffer }
}

/** How a file's row groups are decoded: hyparquet's footer without DECIMAL annotations, and each column's conversion. */
export interface RowGroupDecoding {
  raw: FileMetaData
  /** Each top-level column's place by name. */
  names: Map<string, number>
  converts: (Convert | undefined)[]
}

export function rowGroupDecoding(metadata: FileMetaData): RowGroupDecoding {
  const children = parquetSchema(metadata).children
  return {
    raw: withoutDecimalAnnotations(metadata),
    names: new Map(children.map((child, i) => [child.element.name, i])),
    converts: children.map(converter),
  }
}

/** A decoded row group: its values column by column (NULL as null), each `length` long. */
export interface DecodedColumns {
  length: number
  columns: ArrayLike<unknown>[]
}

/**
 * Row group `index` in columns, values converted, in column order. Runs on a decoder thread. hyparquet
 * decodes column by column; its chunks are taken as they are rather than turned into rows, since the rows
 * travel to the main thread in columns anyway (`row-slices.ts`).
 */
export async function decodeRowGroup(
  file: AsyncBuffer,
  decoding: RowGroupDecoding,
  index: number,
): Promise<DecodedColumns> {
  const groups = decoding.raw.row_groups
  let start = 0
  for (let g = 0; g < index; g++) start += Number(groups[g]!.num_rows)
  const length = Number(groups[index]!.num_rows)
  const end = start + length
  const converts = decoding.converts
  const columns: ArrayLike<unknown>[] = converts.map(() => [])
  const parts: { at: number; data: ArrayLike<unknown> }[][] = converts.map(() => [])
  await parquetRead({
    file,
    metadata: decoding.raw,
    rowStart: start,
    rowEnd: end,
    utf8: false,
    parsers: PARSERS,
    geoparquet: false,
    onChunk: ({ columnName, columnData, rowStart }) => {
      const c = decoding.names.get(columnName)
      if (c !== undefined) parts[c]!.push({ at: rowStart - start, data: columnData })
    },
  })
  for (let c = 0; c < converts.length; c++) {
    const chunks = parts[c]!
    const only = chunks.length === 1 ? chunks[0]! : undefined
    const convert = converts[c]
    // A column of one chunk with no conversion (a typed array, or values hyparquet already made ours) as it came.
    if (only && only.at === 0 && only.data.length === length && !convert) {
      columns[c] = only.data
      continue
    }
    const column: unknown[] = new Array(length).fill(null)
    for (const { at, data } of chunks) {
      const from = Math.max(0, -at)
      const to = Math.min(data.length, length - at)
      for (let i = from; i < to; i++) {
        const value = data[i]
        column[at + i] = value === null || value === undefined ? null : convert ? convert(value) : value
      }
    }
    columns[c] = column
  }
  return { length, columns }
}

/** A copy of the footer in which DECIMAL leaves have no annotation, so hyparquet hands over raw integers. */
function withoutDecimalAnnotations(metadata: FileMetaData): FileMetaData {
  return {
    ...metadata,
    schema: metadata.schema.map((element) =>
      isDecimal(element) ? { ...element, converted_type: undefined, logical_type: undefined } : element,
    ),
  }
}

function isDecimal(element: SchemaElement): boolean {
  return element.converted_type === 'DECIMAL' || element.logical_type?.type === 'DECIMAL'
}

function typeName(node: SchemaTree): string {
  const e = node.element
  if (e.converted_type === 'LIST' || e.logical_type?.type === 'LIST') return 'array'
  if (e.converted_type === 'MAP' || e.logical_type?.type === 'MAP') return 'map'
  if (node.children.length > 0) return 'row'
  if (isDecimal(e)) return `decimal(${e.precision ?? 38}, ${e.scale ?? 0})`
  if (e.converted_type === 'DATE') return 'date'
  if (e.converted_type === 'JSON') return 'json'
  if (e.type === 'INT96' || e.converted_type?.startsWith('TIMESTAMP') || e.logical_type?.type === 'TIMESTAMP')
    return 'timestamp'
  switch (e.type) {
    case 'BOOLEAN':
      return 'boolean'
    case 'INT32':
      return e.converted_type === 'INT_8' ? 'tinyint' : e.converted_type === 'INT_16' ? 'smallint' : 'integer'
    case 'INT64':
      return 'bigint'
    case 'FLOAT':
      return 'real'
    case 'DOUBLE':
      return 'double'
    default:
      return e.converted_type === 'UTF8' || e.logical_type?.type === 'STRING' ? 'varchar' : 'varbinary'
  }
}

/** How a column's assembled values become ours; undefined where hyparquet's are right as they are. */
function converter(node: SchemaTree): Convert | undefined {
  const e = node.element
  const kind = typeName(node)
  if (kind === 'array') {
    const item = node.children[0]?.children[0] ?? node.children[0]
    const inner = item ? converter(item) : undefined
    if (!inner) return undefined
    return (value) => (value as unknown[]).map((v) => (v === null || v === undefined ? null : inner(v)))
  }
  if (kind === 'map') {
    const valueNode = node.children[0]?.children[1]
    const inner = valueNode ? converter(valueNode) : undefined
    if (!inner) return undefined
    return (value) => {
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(value as Record<string, unknown>))
        out[k] = v === null || v === undefined ? null : inner(v)
      return out
    }
  }
  if (kind === 'row') {
    const fields = node.children.map((child) => [child.element.name, converter(child)] as const)
    if (fields.every(([, c]) => c === undefined)) return undefined
    return (value) => {
      const row = value as Record<string, unknown>
      for (const [name, convert] of fields) {
        const v = row[name]
        if (convert && v !== null && v !== undefined) row[name] = convert(v)
      }
      return row
    }
  }
  if (isDecimal(e)) {
    const scale = e.scale ?? 0
    return (value) => decimalText(unscaled(value), scale)
  }
  if (kind === 'real') return (value) => shortestFloat(value as number)
  if (kind === 'varbinary') return (value) => Uint8Array.from(value as Uint8Array)
  return undefined
}

function unscaled(value: unknown): bigint {
  if (typeof value === 'bigint') return value
  if (typeof value === 'number') return BigInt(value)
  const bytes = value as Uint8Array
  let n = 0n
  for (const b of bytes) n = (n << 8n) | BigInt(b)
  const bits = BigInt(bytes.length * 8)
  if (bytes.length > 0 && bytes[0]! & 0x80) n -= 1n << bits
  return n
}

function decimalText(n: bigint, scale: number): string {
  const negative = n < 0n
  const digits = (negative ? -n : n).toString().padStart(scale + 1, '0')
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`
  return negative ? `-${text}` : text
}

/** The shortest decimal that reads back as the same 32-bit float (`0.1`, not `0.10000000149011612`). */
function shortestFloat(value: number): number {
  if (!Number.isFinite(value)) return value
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(value.toPrecision(p))
    if (Math.fround(candidate) === value) return candidate
  }
  return value
}
