/**
 * An incremental RFC 4180 reader for Athena's result files. Athena quotes
 * every non-NULL field (`""` for a quote inside) and writes NULL as an empty
 * unquoted field, so the one thing a reader must keep that most drop is
 * whether a field was quoted: `,,` is NULL, `,"",` is ''. Fields may span
 * lines and chunks; text is fed as it arrives and complete records come out.
 *
 * Hand-written because no CSV library does this at speed: csv-parse keeps the
 * distinction (its cast context says whether a field was quoted) but read
 * about 40,000 four-column rows per second that way on the machine where this
 * was measured (70,000 without the cast), papaparse is fast but reports both
 * as ''. This reader read about 400,000 (docs/architecture.md, "Athena decisions").
 */

export type CsvField = string | null

const State = {
  FieldStart: 0,
  Unquoted: 1,
  Quoted: 2,
  /** A quote inside a quoted field was the last character of a chunk: a `""` or the field's end. */
  QuoteInQuoted: 3,
  AfterField: 4,
  /** A `\r` ended a record; a `\n` may follow. */
  CarriageReturn: 5,
} as const
type State = (typeof State)[keyof typeof State]

const COMMA = 44
const QUOTE = 34
const LF = 10
const CR = 13

export class CsvRecordReader {
  #state: State = State.FieldStart
  #field = ''
  #quoted = false
  #record: CsvField[] = []
  /** Records completed so far (by `push`), taken by the caller. */
  #out: CsvField[][] = []
  /** Whether anything of the current record was read (a record in progress at the end is still a record). */
  #inRecord = false

  /** Feeds text; returns the records it completed. */
  push(text: string): CsvField[][] {
    const n = text.length
    let i = 0
    let state: State = this.#state
    while (i < n) {
      switch (state) {
        case State.FieldStart: {
          this.#inRecord = true
          const c = text.charCodeAt(i)
          if (c === QUOTE) {
            this.#quoted = true
            this.#field = ''
            state = State.Quoted
            i++
          } else {
            this.#quoted = false
            this.#field = ''
            state = State.Unquoted
          }
          break
        }
        case State.Unquoted: {
          let j = i
          while (j < n) {
            const c = text.charCodeAt(j)
            if (c === COMMA || c === LF || c === CR) break
            j++
          }
          this.#field += text.slice(i, j)
          i = j
          if (j < n) state = State.AfterField
          break
        }
        case State.Quoted: {
          const j = text.indexOf('"', i)
          if (j === -1) {
            this.#field += text.slice(i)
            i = n
            break
          }
          this.#field += text.slice(i, j)
          i = j + 1
          if (i === n) state = State.QuoteInQuoted
          else if (text.charCodeAt(i) === QUOTE) {
            this.#field += '"'
            i++
          } else state = State.AfterField
          break
        }
        case State.QuoteInQuoted: {
          if (text.charCodeAt(i) === QUOTE) {
            this.#field += '"'
            i++
            state = State.Quoted
          } else state = State.AfterField
          break
        }
        case State.AfterField: {
          const c = text.charCodeAt(i)
          if (c === COMMA) {
            this.#endField()
            i++
            state = State.FieldStart
          } else if (c === LF) {
            this.#endField()
            this.#endRecord()
            i++
            state = State.FieldStart
          } else if (c === CR) {
            this.#endField()
            this.#endRecord()
            i++
            state = State.CarriageReturn
          } else {
            throw new CsvSyntaxError(`unexpected ${JSON.stringify(text[i])} after a quoted field`)
          }
          break
        }
        case State.CarriageReturn: {
          if (text.charCodeAt(i) === LF) i++
          state = State.FieldStart
          this.#inRecord = false
          break
        }
      }
      // A record ends at a line end; the next FieldStart has not begun one yet.
      if (state === State.FieldStart && this.#record.length === 0) this.#inRecord = false
    }
    this.#state = state
    const out = this.#out
    this.#out = []
    return out
  }

  /** The input ended: returns the last record if one was in progress; throws inside an open quote. */
  end(): CsvField[][] {
    const state = this.#state
    if (state === State.Quoted) throw new CsvSyntaxError('the file ends inside a quoted field')
    if (state !== State.CarriageReturn && (this.#inRecord || this.#record.length > 0)) {
      this.#endField()
      this.#endRecord()
    }
    this.#state = State.FieldStart
    const out = this.#out
    this.#out = []
    return out
  }

  #endField(): void {
    this.#record.push(this.#quoted || this.#field !== '' ? this.#field : null)
    this.#field = ''
    this.#quoted = false
  }

  #endRecord(): void {
    this.#out.push(this.#record)
    this.#record = []
    this.#inRecord = false
  }
}

export class CsvSyntaxError extends Error {
  override name = 'CsvSyntaxError'
}
