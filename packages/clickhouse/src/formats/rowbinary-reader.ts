import { ProtocolError } from '@tributary/core'
import {
  type BinaryDecoder,
  type BinaryDecoderOptions,
  type ByteCursor,
  buildBinaryDecoder,
  NEED_MORE,
  readVarUInt,
  type SliceableBuffer,
  utf8,
} from './rowbinary-decoders.ts'
import { formatType, parseType } from './type-parser.ts'
import type { ClickHouseType } from './types.ts'
import type { DecodeOptions } from './value-options.ts'

/** A result column: its name, the type text the server reported, and that type parsed. */
export interface ResultColumn {
  name: string
  type: string
  parsedType: ClickHouseType
}

/** A column given up front, for plain `RowBinary` (which has no header). */
export interface ColumnSpec {
  name: string
  type: string | ClickHouseType
}

/** Turns a row's values (positional, in column order) into the row handed out; it must not keep the array. */
export type RowShape = (values: unknown[]) => unknown

export interface RowBinaryReaderOptions extends DecodeOptions {
  /** Columns of a plain `RowBinary` body; without them the body must start with the `…WithNamesAndTypes` header. */
  columns?: readonly ColumnSpec[]
}

const EMPTY = Buffer.alloc(0) as SliceableBuffer

function toBuffer(chunk: Uint8Array): SliceableBuffer {
  return (
    Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  ) as SliceableBuffer
}

/**
 * Incremental decoder of `RowBinaryWithNamesAndTypes` (or plain `RowBinary`
 * with columns given up front). Feed body chunks with `push`, take complete
 * rows with `readRows`, and call `finish` at the end of the body.
 *
 * A pushed chunk may be kept (not copied) until its rows have been read, so
 * callers must not modify it afterwards.
 */
export class RowBinaryReader {
  #options: BinaryDecoderOptions
  #columns: ResultColumn[] | undefined
  #decoders: BinaryDecoder[] = []
  #cursor: ByteCursor = { bytes: EMPTY, view: new DataView(EMPTY.buffer, 0, 0), pos: 0, end: 0 }
  /** Whether `#cursor.bytes` is our own buffer (writable, reusable) or a borrowed chunk. */
  #owned = false
  /** Whether a chunk has been pushed before: only the first is borrowed. */
  #pushed = false
  /** Rows decoded by `finish` and not yet taken by `readRows`. */
  #tail: unknown[][] = []
  #tailPos = 0

  constructor(options: RowBinaryReaderOptions = {}) {
    this.#options = {
      binaryStrings: options.binaryStrings === true,
      dateTimesAsString: options.dateTimes === 'string',
      mapEntries: options.maps === 'entries',
    }
    if (options.columns !== undefined) {
      this.#setColumns(
        options.columns.map((c) =>
          typeof c.type === 'string'
            ? { name: c.name, type: c.type, parsedType: parseType(c.type) }
            : { name: c.name, type: formatType(c.type), parsedType: c.type },
        ),
      )
    }
  }

  /** The result columns, once the header has arrived (at once for plain RowBinary). */
  get columns(): ResultColumn[] | undefined {
    return this.#columns
  }

  /** Bytes buffered but not yet decoded. */
  get bufferedBytes(): number {
    return this.#cursor.end - this.#cursor.pos
  }

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return
    const c = this.#cursor
    const left = c.end - c.pos
    if (!this.#pushed) {
      // A result that fits one chunk (most do) is decoded straight from it. Later chunks are copied
      // into one reused buffer instead: a borrowed chunk stays referenced for as long as its rows take
      // to decode, long enough for the garbage collector to move it to the old generation, where the
      // chunks of a long stream pile up (megabytes of them) until a full collection.
      this.#pushed = true
      const bytes = toBuffer(chunk)
      c.bytes = bytes
      c.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      c.pos = 0
      c.end = bytes.byteLength
      this.#owned = false
      return
    }
    const needed = left + chunk.byteLength
    if (this.#owned && c.bytes.byteLength >= needed) {
      // Compact in place: move the unread tail to the front, append the chunk.
      if (c.pos > 0) c.bytes.copyWithin(0, c.pos, c.end)
    } else {
      const grown = Buffer.allocUnsafe(Math.max(needed, 2 * c.bytes.byteLength, 65536)) as SliceableBuffer
      c.bytes.copy(grown, 0, c.pos, c.end)
      c.bytes = grown
      c.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength)
      this.#owned = true
    }
    c.bytes.set(chunk, left)
    c.pos = 0
    c.end = needed
  }

  /**
   * Decodes up to `max` complete buffered rows, appending each (an array of
   * column values in column order) to `out`. Returns the number of rows added;
   * 0 means more bytes are needed (or the header is still incomplete).
   */
  readRows(out: unknown[], max: number = Number.POSITIVE_INFINITY, shape?: RowShape): number {
    if (this.#tailPos < this.#tail.length) return this.#takeTail(out, max, shape)
    return this.#decodeRows(out, max, shape)
  }

  #decodeRows(out: unknown[], max: number, shape?: RowShape): number {
    const c = this.#cursor
    if (this.#columns === undefined && !this.#readHeader()) return 0
    const decoders = this.#decoders
    const width = decoders.length
    if (width === 0) return 0
    let count = 0
    let rowStart = c.pos
    try {
      // With a shape, values go through one reused array: no per-row array when rows become objects.
      const scratch = shape ? new Array(width) : undefined
      while (count < max && c.pos < c.end) {
        rowStart = c.pos
        const row = scratch ?? new Array(width)
        for (let i = 0; i < width; i++) row[i] = (decoders[i] as BinaryDecoder)(c)
        out.push(shape ? shape(row) : row)
        count++
      }
    } catch (e) {
      if (e !== NEED_MORE) throw e
      c.pos = rowStart
    }
    return count
  }

  /**
   * Declares the end of the body; throws `ProtocolError` if it ended inside the
   * header or a row. Rows still buffered stay available to `readRows`.
   */
  finish(): void {
    if (this.#columns === undefined) this.#readHeader()
    if (this.#columns === undefined) {
      throw new ProtocolError('RowBinary: truncated body (incomplete names-and-types header)', {
        system: 'clickhouse',
      })
    }
    if (this.#tailPos > 0) {
      this.#tail = this.#tail.slice(this.#tailPos)
      this.#tailPos = 0
    }
    this.#decodeRows(this.#tail, Number.POSITIVE_INFINITY)
    const left = this.#cursor.end - this.#cursor.pos
    if (left > 0 && this.#decoders.length > 0) {
      throw new ProtocolError(`RowBinary: truncated body (${left} bytes of an incomplete row left)`, {
        system: 'clickhouse',
      })
    }
  }

  #takeTail(out: unknown[], max: number, shape?: RowShape): number {
    let count = 0
    while (count < max && this.#tailPos < this.#tail.length) {
      const row = this.#tail[this.#tailPos++] as unknown[]
      out.push(shape ? shape(row) : row)
      count++
    }
    return count
  }

  #setColumns(columns: ResultColumn[]): void {
    this.#columns = columns
    this.#decoders = columns.map((col) => buildBinaryDecoder(col.parsedType, this.#options))
  }

  #readHeader(): boolean {
    const c = this.#cursor
    const start = c.pos
    try {
      const n = readVarUInt(c)
      const names: string[] = []
      for (let i = 0; i < n; i++) names.push(this.#readText(c))
      const types: string[] = []
      for (let i = 0; i < n; i++) types.push(this.#readText(c))
      this.#setColumns(
        names.map((name, i) => ({
          name,
          type: types[i] as string,
          parsedType: parseType(types[i] as string),
        })),
      )
      return true
    } catch (e) {
      if (e !== NEED_MORE) throw e
      c.pos = start
      return false
    }
  }

  #readText(c: ByteCursor): string {
    const len = readVarUInt(c)
    if (c.pos + len > c.end) throw NEED_MORE
    const s = utf8(c.bytes, c.pos, c.pos + len)
    c.pos += len
    return s
  }
}
