/**
 * Reading reply frames without losing digits.
 *
 * The server writes BIGINT, DECIMAL, NUMERIC and DECFLOAT cells as JSON
 * numbers from their exact text, which `JSON.parse` rounds to doubles. The rows
 * of a result are read from the frame by their columns (terse-rows.ts); what is
 * here serves the other replies and the frames that reader does not follow. A
 * frame where no number has more than 15 significant digits is parsed
 * natively; in any other frame the longer numbers (and, for rows with exact
 * columns, every number with a fraction or an exponent) are quoted
 * (`quoteNumbers`, one pass that skips strings) and the frame is then parsed
 * natively, so they arrive as their text; a frame that is not valid JSON goes
 * through `parseExact`, which keeps such numbers as `ExactNumber` text and says
 * where it fails. Decoders of numeric columns take all three forms: a number,
 * the text of one, an ExactNumber.
 */
import { ProtocolError } from '@tributary/core'
import { SYSTEM } from '../errors.ts'

/** A JSON number kept as the text the server wrote. */
export class ExactNumber {
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
}

/** A run of 16 or more digits (and points): a number a double may not hold exactly. */
const LONG_NUMBER = /\d[\d.]{15,}/

/** True when `JSON.parse` could round a number of this frame. */
export function needsExactParse(text: string): boolean {
  return LONG_NUMBER.test(text)
}

/** A frame whose numbers of more than 15 digits arrive as their text (strings); the others as numbers. */
export function parseLongNumbersAsText(text: string): Record<string, unknown> {
  return parseQuoted(text, false)
}

/**
 * A frame whose numbers arrive as their text unless they are integers of at most 15 digits (which
 * JSON.parse gives back exactly): for rows with DECIMAL columns, whose text (trailing zeros included)
 * is the value, whatever the metadata says of its scale.
 */
export function parseNumbersAsText(text: string): Record<string, unknown> {
  return parseQuoted(text, true)
}

function parseQuoted(text: string, all: boolean): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(quoteNumbers(text, all))
  } catch {
    return parseReply(text, true)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return parseReply(text, true)
  return value as Record<string, unknown>
}

/**
 * The frame with numbers written as strings: those of 16 or more digits, and with `all` every number
 * with a fraction or an exponent (the text of a DECIMAL, trailing zeros included). Strings are skipped whole (found with indexOf), so only numbers are touched;
 * outside strings, JSON has a digit or a minus sign only where a number starts.
 */
export function quoteNumbers(text: string, all: boolean): string {
  const n = text.length
  let out = ''
  let last = 0
  let i = 0
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c === 34) {
      // A string: to the first quote not escaped by an odd run of backslashes.
      let close = text.indexOf('"', i + 1)
      for (;;) {
        if (close === -1) return text
        let backslashes = 0
        while (text.charCodeAt(close - 1 - backslashes) === 92) backslashes++
        if (backslashes % 2 === 0) break
        close = text.indexOf('"', close + 1)
      }
      i = close + 1
      continue
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      const start = i
      let digits = 0
      let fraction = false
      let exponent = false
      for (; i < n; i++) {
        const d = text.charCodeAt(i)
        if (d >= 48 && d <= 57) {
          if (!exponent) digits++
        } else if (d === 46) fraction = true
        else if (d === 101 || d === 69) exponent = true
        else if (d !== 43 && d !== 45) break
      }
      // An integer of at most 15 digits is given back exactly by JSON.parse: it stays a number.
      if (digits >= 16 || (all && (fraction || exponent))) {
        out += `${text.slice(last, start)}"${text.slice(start, i)}"`
        last = i
      }
      continue
    }
    i++
  }
  return last === 0 ? text : out + text.slice(last)
}

export function parseReply(text: string, exact: boolean): Record<string, unknown> {
  let value: unknown
  try {
    value = exact ? parseExact(text) : JSON.parse(text)
  } catch (error) {
    throw new ProtocolError(`Mapepire sent a frame that is not JSON: ${preview(text)}`, {
      system: SYSTEM,
      cause: error,
    })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError(`Mapepire sent a frame that is not a JSON object: ${preview(text)}`, {
      system: SYSTEM,
    })
  }
  return value as Record<string, unknown>
}

/**
 * The request id at the start of a reply (`{"id":"…",`), read without parsing
 * the frame, so the frame can be parsed the way its request needs.
 */
export function leadingId(text: string): string | undefined {
  let i = 0
  while (i < text.length && text.charCodeAt(i) <= 32) i++
  if (!text.startsWith('{"id":"', i)) return undefined
  const start = i + 7
  const end = text.indexOf('"', start)
  if (end === -1) return undefined
  const id = text.slice(start, end)
  return id.includes('\\') ? undefined : id
}

function preview(text: string): string {
  const trimmed = text.trim()
  return trimmed.length > 120 ? `${trimmed.slice(0, 120)}…` : trimmed
}

/**
 * A JSON parser whose only difference from `JSON.parse` is that numbers a
 * double cannot hold exactly (more than 15 digits, a fraction or an exponent)
 * come back as `ExactNumber`.
 */
export function parseExact(text: string): unknown {
  const parser = new ExactParser(text)
  const value = parser.value()
  parser.end()
  return value
}

class ExactParser {
  readonly #text: string
  #i = 0
  /** The next backslash at or after the current string, found once rather than per string. */
  #backslash = -1

  constructor(text: string) {
    this.#text = text
    this.#backslash = text.indexOf('\\')
  }

  end(): void {
    this.#space()
    if (this.#i < this.#text.length) this.#fail('unexpected text after the value')
  }

  value(): unknown {
    this.#space()
    const c = this.#text.charCodeAt(this.#i)
    switch (c) {
      case 34: // "
        return this.#string()
      case 123: // {
        return this.#object()
      case 91: // [
        return this.#array()
      case 110: // n
        return this.#word('null', null)
      case 116: // t
        return this.#word('true', true)
      case 102: // f
        return this.#word('false', false)
      default:
        if (c === 45 || (c >= 48 && c <= 57)) return this.#number()
        return this.#fail('unexpected character')
    }
  }

  #space(): void {
    const text = this.#text
    let i = this.#i
    for (;;) {
      const c = text.charCodeAt(i)
      if (c === 32 || c === 10 || c === 13 || c === 9) i++
      else break
    }
    this.#i = i
  }

  #word<T>(word: string, value: T): T {
    if (!this.#text.startsWith(word, this.#i)) this.#fail('unexpected word')
    this.#i += word.length
    return value
  }

  #string(): string {
    const text = this.#text
    const start = this.#i + 1
    const close = text.indexOf('"', start)
    if (close === -1) this.#fail('unterminated string')
    if (this.#backslash !== -1 && this.#backslash < start) this.#backslash = text.indexOf('\\', start)
    const backslash = this.#backslash
    if (backslash === -1 || backslash > close) {
      this.#i = close + 1
      return text.slice(start, close)
    }
    // Escapes: find the real closing quote, then let JSON.parse decode the literal.
    let j = backslash
    for (;;) {
      const c = text.charCodeAt(j)
      if (Number.isNaN(c)) this.#fail('unterminated string')
      if (c === 92) j += 2
      else if (c === 34) break
      else j++
    }
    this.#i = j + 1
    return JSON.parse(text.slice(start - 1, j + 1)) as string
  }

  #number(): number | ExactNumber {
    const text = this.#text
    const start = this.#i
    let i = start
    let plain = true
    if (text.charCodeAt(i) === 45) i++
    for (;;) {
      const c = text.charCodeAt(i)
      if (c >= 48 && c <= 57) i++
      else if (c === 46 || c === 101 || c === 69 || c === 43 || c === 45) {
        plain = false
        i++
      } else break
    }
    this.#i = i
    const literal = text.slice(start, i)
    const n = Number(literal)
    if (Number.isNaN(n)) this.#fail('malformed number')
    if (plain && i - start <= 15) return n
    return new ExactNumber(literal)
  }

  #array(): unknown[] {
    this.#i++
    const out: unknown[] = []
    this.#space()
    if (this.#text.charCodeAt(this.#i) === 93) {
      this.#i++
      return out
    }
    for (;;) {
      out.push(this.value())
      this.#space()
      const c = this.#text.charCodeAt(this.#i++)
      if (c === 93) return out
      if (c !== 44) this.#fail('expected , or ]')
    }
  }

  #object(): Record<string, unknown> {
    this.#i++
    const out: Record<string, unknown> = {}
    this.#space()
    if (this.#text.charCodeAt(this.#i) === 125) {
      this.#i++
      return out
    }
    for (;;) {
      this.#space()
      if (this.#text.charCodeAt(this.#i) !== 34) this.#fail('expected a key')
      const key = this.#string()
      this.#space()
      if (this.#text.charCodeAt(this.#i++) !== 58) this.#fail('expected :')
      out[key] = this.value()
      this.#space()
      const c = this.#text.charCodeAt(this.#i++)
      if (c === 125) return out
      if (c !== 44) this.#fail('expected , or }')
    }
  }

  #fail(reason: string): never {
    throw new SyntaxError(`${reason} at offset ${this.#i}`)
  }
}
