import { ProtocolError } from '@tributary/core'
import type { SliceableBuffer } from './rowbinary-decoders.ts'
import type { ResultColumn, RowShape } from './rowbinary-reader.ts'
import { buildFieldDecoder, type FieldDecoder, fieldText, type TextDecodeOptions } from './tsv-values.ts'
import { parseType } from './type-parser.ts'
import type { DecodeOptions } from './value-options.ts'

const NEWLINE = 10
const TAB = 9
const EMPTY = Buffer.alloc(0) as SliceableBuffer

/**
 * Incremental decoder of `TSVWithNamesAndTypes` (TabSeparatedWithNamesAndTypes)
 * giving the same JS values as `RowBinaryReader`. Works on servers without
 * RowBinaryWithNamesAndTypes (before 19.3). Same API: `push`, `readRows`,
 * `finish`, `columns`.
 *
 * A pushed chunk may be kept (not copied) until its rows have been read, so
 * callers must not modify it afterwards.
 */
export class TsvReader {
  #options: TextDecodeOptions
  #columns: ResultColumn[] | undefined
  #decoders: FieldDecoder[] = []
  #bytes: SliceableBuffer = EMPTY
  #pos = 0
  #end = 0
  #owned = false
  /** Where the search for the next newline resumes (bytes before it have none). */
  #scanFrom = 0
  #headerLines: string[][] = []

  constructor(options: DecodeOptions = {}) {
    this.#options = {
      binaryStrings: options.binaryStrings === true,
      dateTimesAsString: options.dateTimes === 'string',
      mapEntries: options.maps === 'entries',
      serverZone: options.timezone ?? 'UTC',
    }
  }

  get columns(): ResultColumn[] | undefined {
    return this.#columns
  }

  /** Bytes buffered but not yet decoded. */
  get bufferedBytes(): number {
    return this.#end - this.#pos
  }

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return
    const left = this.#end - this.#pos
    if (left === 0) {
      this.#bytes = (
        Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      ) as SliceableBuffer
      this.#pos = 0
      this.#end = chunk.byteLength
      this.#scanFrom = 0
      this.#owned = false
      return
    }
    const needed = left + chunk.byteLength
    const scanned = this.#scanFrom - this.#pos
    if (this.#owned && this.#bytes.byteLength >= needed) {
      if (this.#pos > 0) this.#bytes.copyWithin(0, this.#pos, this.#end)
    } else {
      const grown = Buffer.allocUnsafe(Math.max(needed, 2 * this.#bytes.byteLength, 65536)) as SliceableBuffer
      this.#bytes.copy(grown, 0, this.#pos, this.#end)
      this.#bytes = grown
      this.#owned = true
    }
    this.#bytes.set(chunk, left)
    this.#pos = 0
    this.#end = needed
    this.#scanFrom = scanned
  }

  /** Decodes up to `max` complete buffered rows into `out`; returns how many were added. */
  readRows(out: unknown[], max: number = Number.POSITIVE_INFINITY, shape?: RowShape): number {
    let count = 0
    while (count < max) {
      const lineEnd = this.#nextLineEnd()
      if (lineEnd < 0) break
      const start = this.#pos
      this.#pos = lineEnd + 1
      this.#scanFrom = this.#pos
      if (this.#columns === undefined) {
        this.#headerLine(start, lineEnd)
        continue
      }
      const row = this.#decodeRow(start, lineEnd)
      out.push(shape ? shape(row) : row)
      count++
    }
    return count
  }

  /**
   * Declares the end of the body; throws `ProtocolError` if it ended inside the
   * header or a row. Complete rows still buffered stay available to `readRows`.
   */
  finish(): void {
    // Read the header if it is complete; rows stay buffered for readRows.
    while (this.#columns === undefined && this.#nextLineEnd() >= 0) {
      const start = this.#pos
      const lineEnd = this.#nextLineEnd()
      this.#pos = lineEnd + 1
      this.#scanFrom = this.#pos
      this.#headerLine(start, lineEnd)
    }
    if (this.#columns === undefined) {
      throw new ProtocolError('TSV: truncated body (incomplete names-and-types header)', {
        system: 'clickhouse',
      })
    }
    if (this.#end > this.#pos && this.#bytes[this.#end - 1] !== NEWLINE) {
      throw new ProtocolError(
        `TSV: truncated body (${this.#end - this.#lastLineStart()} bytes of an incomplete row left)`,
        {
          system: 'clickhouse',
        },
      )
    }
  }

  #lastLineStart(): number {
    const i = this.#bytes.lastIndexOf(NEWLINE, this.#end - 1)
    return i >= this.#pos ? i + 1 : this.#pos
  }

  #nextLineEnd(): number {
    if (this.#scanFrom >= this.#end) return -1
    const i = this.#bytes.indexOf(NEWLINE, this.#scanFrom)
    if (i < 0 || i >= this.#end) {
      this.#scanFrom = this.#end
      return -1
    }
    return i
  }

  #headerLine(start: number, end: number): void {
    const fields: string[] = []
    let s = start
    for (;;) {
      const tab = this.#bytes.indexOf(TAB, s)
      const e = tab < 0 || tab > end ? end : tab
      fields.push(fieldText(this.#bytes, s, e))
      if (e === end) break
      s = e + 1
    }
    this.#headerLines.push(fields)
    if (this.#headerLines.length < 2) return
    const [names, types] = this.#headerLines as [string[], string[]]
    if (names.length !== types.length) {
      throw new ProtocolError(`TSV: header has ${names.length} names but ${types.length} types`, {
        system: 'clickhouse',
      })
    }
    const columns = names.map((name, i) => ({
      name,
      type: types[i] as string,
      parsedType: parseType(types[i] as string),
    }))
    this.#decoders = columns.map((c) => buildFieldDecoder(c.parsedType, this.#options))
    this.#columns = columns
  }

  #decodeRow(start: number, end: number): unknown[] {
    const decoders = this.#decoders
    const width = decoders.length
    const bytes = this.#bytes
    const row = new Array(width)
    let s = start
    for (let i = 0; i < width; i++) {
      let e: number
      if (i === width - 1) {
        e = end
        const extra = bytes.indexOf(TAB, s)
        if (extra >= 0 && extra < end) this.#badRow(start, end)
      } else {
        e = bytes.indexOf(TAB, s)
        if (e < 0 || e > end) this.#badRow(start, end)
      }
      try {
        row[i] = (decoders[i] as FieldDecoder)(bytes, s, e)
      } catch (err) {
        if (err instanceof ProtocolError && this.#columns !== undefined) {
          const col = this.#columns[i] as ResultColumn
          throw new ProtocolError(`${err.message} (column ${col.name} ${col.type})`, {
            system: 'clickhouse',
            cause: err,
          })
        }
        throw err
      }
      s = e + 1
    }
    return row
  }

  #badRow(start: number, end: number): never {
    const fields = fieldText(this.#bytes, start, end).split('\t').length
    throw new ProtocolError(`TSV: a row has ${fields} fields, expected ${this.#decoders.length}`, {
      system: 'clickhouse',
    })
  }
}
