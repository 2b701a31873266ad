import type { ColumnInfo, RowMode } from '@tributary/core'
import { EventLoopTurns, objectBuilder, ProtocolError } from '@tributary/core'
import { RowBinaryReader, type RowShape } from './formats/rowbinary-reader.ts'
import { TsvReader } from './formats/tsv-reader.ts'
import type { DecodeOptions } from './formats/value-options.ts'

/**
 * Result formats the client reads: binary with its own header where the server has it;
 * on older servers plain `RowBinary` with the columns learned up front, or typed text.
 */
export type ResultFormat = 'RowBinaryWithNamesAndTypes' | 'RowBinary' | 'TSVWithNamesAndTypes'

interface RowReader {
  push(chunk: Uint8Array): void
  readRows(out: unknown[], max?: number, shape?: RowShape): number
  finish(): void
  readonly columns: { name: string; type: string }[] | undefined
}

function createReader(
  format: ResultFormat,
  options: DecodeOptions,
  columns?: readonly ColumnInfo[],
): RowReader {
  if (format === 'RowBinary') return new RowBinaryReader({ ...options, columns })
  return format === 'RowBinaryWithNamesAndTypes' ? new RowBinaryReader(options) : new TsvReader(options)
}

export interface DecodedBatches<R> extends AsyncIterable<R[]> {
  /** Known once the header has been read (after the first batch, or at the end for empty results). */
  readonly columns: ColumnInfo[] | undefined
}

/**
 * Longest stretch of decoding, together with the consumer's work on the rows handed out, before
 * the event loop gets a turn. Chunks that are already buffered (a fast server, an embedded
 * engine's blocks of thousands of rows) would otherwise be decoded back to back in microtasks,
 * and timers and other sockets wait for the whole result.
 */
const SLICE_MS = 2
/** Rows decoded between two looks at the clock. */
const SLICE_ROWS = 512

/**
 * Decodes a response body into batches of at most `batchSize` rows. Pulls one
 * chunk at a time from the body: nothing is read ahead of what the consumer asks for.
 * Every `SLICE_MS` of work it yields to the event loop (`setImmediate`).
 */
export function decodeBatches<R>(
  body: AsyncIterable<Uint8Array>,
  format: ResultFormat,
  rowMode: RowMode,
  batchSize: number,
  options: DecodeOptions,
  knownColumns?: readonly ColumnInfo[],
): DecodedBatches<R> {
  const reader = createReader(format, options, knownColumns)
  let columns: ColumnInfo[] | undefined
  let toObject: ((row: unknown[]) => R) | undefined

  const readColumns = (): ColumnInfo[] | undefined => {
    columns ??= reader.columns?.map((c) => ({ name: c.name, type: c.type }))
    return columns
  }
  // Rows become objects as they are decoded (the header is known by then), not in a second pass.
  const rowShape: RowShape | undefined =
    rowMode === 'array'
      ? undefined
      : (values) => {
          toObject ??= objectBuilder<R>(readColumns()!.map((c) => c.name))
          return toObject(values)
        }

  const turns = new EventLoopTurns(SLICE_MS)

  async function* batches(): AsyncGenerator<R[], void, undefined> {
    let pending: unknown[] = []
    turns.restart()
    for await (const chunk of body) {
      reader.push(chunk)
      for (;;) {
        const decoded = reader.readRows(pending, Math.min(batchSize - pending.length, SLICE_ROWS), rowShape)
        if (pending.length >= batchSize) {
          yield pending as R[]
          pending = []
        }
        if (decoded === 0) break
        if (turns.due) await turns.yield()
      }
    }
    reader.finish()
    while (reader.readRows(pending, Math.min(batchSize - pending.length, SLICE_ROWS), rowShape) > 0) {
      if (pending.length >= batchSize) {
        yield pending as R[]
        pending = []
      }
      if (turns.due) await turns.yield()
    }
    if (pending.length > 0) yield pending as R[]
    if (readColumns() === undefined)
      throw new ProtocolError('the result had no header', { system: 'clickhouse' })
  }

  const iterable = batches()
  return {
    get columns() {
      return columns
    },
    [Symbol.asyncIterator]: () => iterable,
  }
}
