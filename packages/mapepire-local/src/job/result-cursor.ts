/**
 * An open result set of a job, fetched in blocks the way the Mapepire server fetches from a JDBC
 * ResultSet (`is_done` becomes true only when a fetch runs past the last row).
 *
 * Rows come from PostgreSQL either whole (CALL result sets, statements under commitment control) or
 * through a portal of the job's connection (`RowSource`), read a block at a time, so a large result
 * costs a block of memory and its first block goes out before PostgreSQL has produced the rest.
 * Blocks are serialized straight from PostgreSQL's text by one writer per column.
 */

import type { Db2Type } from '../db2/types.ts'
import { type CellWriter, cellWriter, type DateTimeFormat, JsonText } from '../db2/values.ts'

export interface ColumnMeta {
  name: string
  type: Db2Type
  /** JDBC ResultSetMetaData.isNullable: 0 no nulls, 1 nullable, 2 unknown. */
  nullable: 0 | 1 | 2
  autoIncrement: boolean
}

export type TextRow = (string | null)[]

/** Where more rows come from: a PostgreSQL portal the job reads on its connection, in turn with its other work. */
export interface RowSource {
  /** Up to `count` more rows; fewer means the portal is exhausted (and closed). */
  read(count: number): Promise<TextRow[]>
  /** Closes the portal (a no-op once it is exhausted). */
  close(): Promise<void>
  readonly exhausted: boolean
}

export class ResultCursor {
  readonly columns: ColumnMeta[]
  #buffer: TextRow[]
  #source: RowSource | undefined
  #done = false
  #closed = false
  /** A close was asked for while the portal may still be in use: it is closed, never read to its end. */
  #closing = false
  /** A read ahead failed: the fetch that reaches it fails with it. */
  #failure: unknown
  readonly #terseRow: (row: TextRow) => string
  readonly #keyedRow: (row: TextRow) => string

  constructor(columns: ColumnMeta[], rows: TextRow[], formats: DateTimeFormat, source?: RowSource) {
    this.columns = columns
    this.#buffer = rows
    this.#source = source?.exhausted ? undefined : source
    const writers = columns.map((c) => cellWriter(c.type.form, formats))
    this.#terseRow = terseWriter(writers)
    // Keyed rows collapse duplicate names as a map does: the last value, at the first key's place.
    const keys: string[] = []
    const columnOf = new Map<string, number>()
    columns.forEach((c, i) => {
      if (!columnOf.has(c.name)) keys.push(c.name)
      columnOf.set(c.name, i)
    })
    this.#keyedRow = keyedWriter(
      keys.map((k) => JSON.stringify(k)),
      keys.map((k) => columnOf.get(k)!),
      writers,
    )
  }

  get done(): boolean {
    return this.#done
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Rows are still to be read from PostgreSQL. */
  get streaming(): boolean {
    return this.#source !== undefined
  }

  /** Whether fetching `count` rows must read from the portal (and so wait for the job's connection). */
  needsSource(count: number): boolean {
    return this.#source !== undefined && !this.#closed && !this.#done && this.#buffer.length < count
  }

  /**
   * Reads the next block into memory before it is asked for (one block ahead at most), so PostgreSQL
   * produces it while the last one travels. A failure is kept for the fetch that reaches it.
   */
  async readAhead(count: number): Promise<void> {
    const source = this.#source
    if (!source || this.#closed || this.#closing || this.#done || this.#buffer.length >= count) return
    try {
      const more = await source.read(count - this.#buffer.length)
      for (const row of more) this.#buffer.push(row)
    } catch (error) {
      this.#failure = error
      this.#source = undefined
      return
    }
    if (source.exhausted) this.#source = undefined
  }

  /** Marks the result closed at once (`sqlclose`); its portal is closed when the job's connection is free. */
  requestClose(): void {
    this.#closing = true
    this.#buffer = []
  }

  /** Forgets the result without touching the connection (its job is ending). */
  discard(): void {
    this.#closed = true
    this.#buffer = []
    this.#source = undefined
  }

  /**
   * Up to `count` rows, serialized as the JSON array of the reply's `data`; past the end the cursor
   * is done and closed (JDBC closes the result set).
   */
  async fetch(count: number, terse: boolean): Promise<JsonText> {
    if (this.#done || this.#closed || this.#closing || count <= 0) return new JsonText('[]')
    const rows = await this.#take(count)
    const write = terse ? this.#terseRow : this.#keyedRow
    let text = '['
    for (let i = 0; i < rows.length; i++) text += (i === 0 ? '' : ',') + write(rows[i]!)
    return new JsonText(`${text}]`)
  }

  /** Reads every remaining row into memory, so the job's connection is free for other statements. */
  async materialize(): Promise<void> {
    if (this.#closing) return this.close()
    const source = this.#source
    if (!source) return
    this.#source = undefined
    try {
      for (;;) {
        const more = await source.read(10_000)
        for (const row of more) this.#buffer.push(row)
        if (more.length < 10_000) break
      }
    } finally {
      await source.close()
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#buffer = []
    const source = this.#source
    this.#source = undefined
    await source?.close()
  }

  async #take(count: number): Promise<TextRow[]> {
    let rows: TextRow[]
    if (this.#buffer.length >= count) {
      rows = this.#buffer.length === count ? this.#buffer : this.#buffer.slice(0, count)
      this.#buffer = this.#buffer.length === count ? [] : this.#buffer.slice(count)
      return rows
    }
    rows = this.#buffer
    this.#buffer = []
    if (this.#failure !== undefined) {
      const failure = this.#failure
      this.#failure = undefined
      this.#done = true
      await this.close()
      throw failure
    }
    const source = this.#source
    if (source) {
      const more = await source.read(count - rows.length)
      if (source.exhausted) this.#source = undefined
      rows = rows.length === 0 ? more : rows.concat(more)
    }
    if (rows.length < count) {
      this.#done = true
      await this.close()
    }
    return rows
  }
}

function terseWriter(writers: CellWriter[]): (row: TextRow) => string {
  const width = writers.length
  return (row) => {
    let text = '['
    for (let i = 0; i < width; i++) {
      const cell = row[i]
      text += (i === 0 ? '' : ',') + (cell === null || cell === undefined ? 'null' : writers[i]!(cell))
    }
    return `${text}]`
  }
}

function keyedWriter(keys: string[], columns: number[], writers: CellWriter[]): (row: TextRow) => string {
  return (row) => {
    let text = '{'
    for (let k = 0; k < keys.length; k++) {
      const i = columns[k]!
      const cell = row[i]
      text += `${k === 0 ? '' : ','}${keys[k]}:${cell === null || cell === undefined ? 'null' : writers[i]!(cell)}`
    }
    return `${text}}`
  }
}
