/**
 * Finds a ClickHouse exception that the server wrote into a response body
 * after it had already answered `200 OK` and streamed some data, in any
 * output format, without ever handing the exception bytes on as data.
 *
 * Two shapes exist:
 *
 * - 25.11 and later send `X-ClickHouse-Exception-Tag: <TAG>` (16 random
 *   characters) on every response and, on failure, append
 *   `\r\n__exception__\r\n<TAG>\r\n<message>\n<len> <TAG>\r\n__exception__\r\n`
 *   and then break the HTTP framing. The tag is unknowable to the query, so
 *   the opening marker cannot occur in data: detection is exact.
 * - Older servers append the plain error text (`Code: N, e.displayText() =
 *   DB::Exception: …\n` on 18.x, `Code: N. DB::Exception: …\n` later) right
 *   after the last data byte and end the body normally. Checked on 18.16: in
 *   TSV it starts a line, in RowBinary and JSONCompact it follows the data with
 *   no line break. This can only be told from data by looking at how the body
 *   ends, so it is heuristic: a String value that itself ends the body with such
 *   text is misread as an error. `legacy: 'line'` narrows it to text that
 *   starts a line; `'anywhere'` also catches binary formats.
 *
 * The scanner is pure (no I/O): feed it chunks with `push`, then call `end`
 * (the body ended cleanly) or `broken` (the body ended early).
 */

import { parseClickHouseErrorText } from './error-text.ts'

export interface ScannedException {
  code: string | undefined
  message: string
  /** The block was cut short (the connection ended inside it). */
  truncated: boolean
}

export interface ScanStep {
  /** Bytes that are data for sure; may be empty. */
  data: Uint8Array
  /** Set once an exception was found; nothing after it is data. */
  exception: ScannedException | undefined
}

export interface StreamExceptionScannerOptions {
  /** The `X-ClickHouse-Exception-Tag` response header, when the server sent one. */
  tag?: string | undefined
  /** How to look for old-style appended error text when there is no tag. Default `'anywhere'`. */
  legacy?: 'line' | 'anywhere' | 'off' | undefined
  /** Most bytes of error text kept (and, in legacy mode, withheld from the data). Default 64 KiB. */
  maxExceptionBytes?: number | undefined
}

const EMPTY = new Uint8Array(0)
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8')
const LF = 0x0a
const CODE = encoder.encode('Code: ')
const OLD_FORM = encoder.encode(', e.displayText() = DB::Exception:')
const NEW_FORM = encoder.encode('. DB::Exception:')
const MAX_CODE_DIGITS = 10

type HeadMatch = 'yes' | 'no' | 'more'

/** Whether `buf[start..]` begins with ClickHouse error text; `'more'` when it cannot tell yet. */
export function matchErrorHead(buf: Uint8Array, start: number): HeadMatch {
  let i = start
  for (let k = 0; k < CODE.length; k++, i++) {
    if (i >= buf.length) return 'more'
    if (buf[i] !== CODE[k]) return 'no'
  }
  const digitsStart = i
  while (i < buf.length && buf[i] >= 0x30 && buf[i] <= 0x39) {
    i++
    if (i - digitsStart > MAX_CODE_DIGITS) return 'no'
  }
  if (i >= buf.length) return 'more'
  if (i === digitsStart) return 'no'
  let oldOk = true
  let newOk = true
  for (let k = 0; ; k++, i++) {
    if (oldOk && k >= OLD_FORM.length) return 'yes'
    if (newOk && k >= NEW_FORM.length) return 'yes'
    if (i >= buf.length) return 'more'
    if (oldOk && buf[i] !== OLD_FORM[k]) oldOk = false
    if (newOk && buf[i] !== NEW_FORM[k]) newOk = false
    if (!oldOk && !newOk) return 'no'
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b
  if (b.length === 0) return a
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(needle, from)
}

/** Length of the longest suffix of `buf` that is a proper prefix of `marker`. */
function heldPrefixLength(buf: Uint8Array, marker: Uint8Array): number {
  const max = Math.min(marker.length - 1, buf.length)
  for (let k = max; k > 0; k--) {
    const offset = buf.length - k
    let same = true
    for (let j = 0; j < k; j++) {
      if (buf[offset + j] !== marker[j]) {
        same = false
        break
      }
    }
    if (same) return k
  }
  return 0
}

export class StreamExceptionScanner {
  readonly #tag: string | undefined
  readonly #legacy: 'line' | 'anywhere' | 'off'
  readonly #maxBytes: number
  readonly #open: Uint8Array | undefined
  readonly #close: Uint8Array | undefined
  /** Bytes not yet released: a possible marker start (tag mode) or possible error text (legacy mode). */
  #held: Uint8Array = EMPTY
  /** Tag mode, after the opening marker: the block so far. */
  #block: Uint8Array | undefined
  /** Legacy 'line' mode: whether the byte before `#held` was a line feed (or the body start). */
  #atLineStart = true
  #found: ScannedException | undefined

  constructor(options: StreamExceptionScannerOptions = {}) {
    this.#tag = options.tag || undefined
    this.#legacy = this.#tag ? 'off' : (options.legacy ?? 'anywhere')
    this.#maxBytes = options.maxExceptionBytes ?? 64 * 1024
    if (this.#tag) {
      this.#open = encoder.encode(`\r\n__exception__\r\n${this.#tag}\r\n`)
      this.#close = encoder.encode(` ${this.#tag}\r\n__exception__\r\n`)
    }
  }

  /** The exception found so far, if any. */
  get exception(): ScannedException | undefined {
    return this.#found
  }

  push(chunk: Uint8Array): ScanStep {
    if (this.#found) return { data: EMPTY, exception: this.#found }
    if (this.#block) {
      this.#appendBlock(chunk)
      return { data: EMPTY, exception: this.#found }
    }
    if (this.#open) return this.#pushTagged(chunk)
    if (this.#legacy === 'off') return { data: chunk, exception: undefined }
    return this.#pushLegacy(chunk)
  }

  /** The body ended cleanly: releases what was held back, or reports the error text it was. */
  end(): ScanStep {
    if (this.#found) return { data: EMPTY, exception: this.#found }
    if (this.#block) {
      this.#found = this.#blockException(true)
      return { data: EMPTY, exception: this.#found }
    }
    const held = this.#held
    this.#held = EMPTY
    if (this.#open || held.length === 0) return { data: held, exception: undefined }
    // Old servers end the error text with a line feed and nothing after it.
    if (held[held.length - 1] === LF && matchErrorHead(held, 0) === 'yes') {
      this.#found = legacyException(held, false)
      return { data: EMPTY, exception: this.#found }
    }
    return { data: held, exception: undefined }
  }

  /**
   * The body ended early (socket closed, framing broken). Returns the exception
   * when the held bytes show one had begun (25.11+ breaks the framing on purpose
   * right after the block), otherwise undefined: the caller reports a broken body.
   */
  broken(): ScannedException | undefined {
    if (this.#found) return this.#found
    if (this.#block) {
      this.#found = this.#blockException(true)
      return this.#found
    }
    if (!this.#open && this.#held.length > 0 && matchErrorHead(this.#held, 0) === 'yes') {
      this.#found = legacyException(this.#held, true)
      this.#held = EMPTY
      return this.#found
    }
    return undefined
  }

  #pushTagged(chunk: Uint8Array): ScanStep {
    const open = this.#open as Uint8Array
    const buf = concat(this.#held, chunk)
    const at = indexOf(buf, open, 0)
    if (at >= 0) {
      this.#held = EMPTY
      this.#block = EMPTY
      this.#appendBlock(buf.subarray(at + open.length))
      return { data: buf.subarray(0, at), exception: this.#found }
    }
    const keep = heldPrefixLength(buf, open)
    this.#held = keep === 0 ? EMPTY : buf.slice(buf.length - keep)
    return { data: keep === 0 ? buf : buf.subarray(0, buf.length - keep), exception: undefined }
  }

  #appendBlock(bytes: Uint8Array): void {
    const block = this.#block as Uint8Array
    const room = this.#maxBytes - block.length
    // Keep reading (the closing marker may still come) but store no more than the cap.
    if (room > 0) this.#block = concat(block, bytes.length > room ? bytes.subarray(0, room) : bytes)
    const close = this.#close as Uint8Array
    if (indexOf(this.#block as Uint8Array, close, 0) >= 0) this.#found = this.#blockException(false)
  }

  #blockException(truncated: boolean): ScannedException {
    const block = this.#block as Uint8Array
    const close = this.#close as Uint8Array
    const at = indexOf(block, close, 0)
    let text: string
    if (at >= 0) {
      // `<message>\n<len>` precedes the closing marker and the message starts the block, so the
      // boundary is the last line feed before it; the declared length only restates it.
      const lengthStart = block.lastIndexOf(LF, at - 1)
      text = decoder.decode(block.subarray(0, lengthStart > 0 ? lengthStart : at))
    } else {
      text = decoder.decode(block)
    }
    const parsed = parseClickHouseErrorText(text)
    return {
      code: parsed.code,
      message: parsed.message || 'ClickHouse reported an error in the response stream',
      truncated: truncated && at < 0,
    }
  }

  #pushLegacy(chunk: Uint8Array): ScanStep {
    const buf = concat(this.#held, chunk)
    const start = this.#findCandidate(buf)
    if (start < 0) {
      this.#held = EMPTY
      if (buf.length > 0) this.#atLineStart = buf[buf.length - 1] === LF
      return { data: buf, exception: undefined }
    }
    if (start > 0) this.#atLineStart = buf[start - 1] === LF
    this.#held = start === 0 && buf === this.#held ? buf : buf.slice(start)
    return { data: buf.subarray(0, start), exception: undefined }
  }

  /** First offset where error text may begin (and that is not too far from the end to be it), or -1. */
  #findCandidate(buf: Uint8Array): number {
    const lineOnly = this.#legacy === 'line'
    let from = 0
    while (from < buf.length) {
      const at = lineOnly ? this.#nextLineStart(buf, from) : buf.indexOf(CODE[0], from)
      if (at < 0) return -1
      const match = matchErrorHead(buf, at)
      if (match === 'more') return at
      if (match === 'yes' && buf.length - at <= this.#maxBytes) return at
      from = at + 1
    }
    return -1
  }

  #nextLineStart(buf: Uint8Array, from: number): number {
    for (let i = from; i < buf.length; i++) {
      const lineStart = i === 0 ? this.#atLineStart : buf[i - 1] === LF
      if (lineStart && buf[i] === CODE[0]) return i
      if (!lineStart) {
        const next = buf.indexOf(LF, i)
        if (next < 0) return -1
        i = next
      }
    }
    return -1
  }
}

function legacyException(held: Uint8Array, truncated: boolean): ScannedException {
  const parsed = parseClickHouseErrorText(decoder.decode(held))
  return { code: parsed.code, message: parsed.message, truncated }
}
