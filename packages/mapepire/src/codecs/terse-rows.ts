/**
 * The rows of a terse reply read straight from the frame's text, without `JSON.parse`.
 *
 * The server writes `"data":[[cell,…],…]` compactly, so a row is read cell by cell: strings are found
 * with `indexOf` and sliced (`JSON.parse` decodes only those with escapes), numbers are scanned once, and
 * the numbers of exact columns are sliced as written instead of being rounded to doubles (and then quoted
 * back into the frame, as the general path must). Anything else in the rows (white space, an object cell,
 * a row of another width, a malformed number) makes the reader give up, and the frame is parsed the
 * general way, which also reports what is wrong with it.
 */

/** A cell as `JSON.parse` reads it. */
export const CELL_VALUE = 0
/** A number as the text the server wrote (DECIMAL, NUMERIC, DECFLOAT). */
export const CELL_TEXT = 1
/** An integer of at most 15 digits as a number, any other number as its text (BIGINT). */
export const CELL_INTEGER = 2

export interface TerseRows {
  rows: unknown[][]
  /** The offsets of the data array in the frame: its `[` and just past its `]`. */
  start: number
  end: number
}

/** The rows of the frame's `data` array, each cell read by the kind of its column; undefined if the rows are not laid out as the server writes them. */
export function readTerseRows(text: string, kinds: Uint8Array): TerseRows | undefined {
  const start = dataArray(text)
  const width = kinds.length
  if (start === -1 || width === 0) return undefined
  const rows: unknown[][] = []
  let i = start + 1
  if (text.charCodeAt(i) === 93) return { rows, start, end: i + 1 }
  // The next backslash at or after the current string, found once rather than per string.
  let backslash = text.indexOf('\\', i)
  const last = width - 1
  for (;;) {
    if (text.charCodeAt(i) !== 91) return undefined
    i++
    const row: unknown[] = new Array(width)
    for (let c = 0; c < width; c++) {
      const first = text.charCodeAt(i)
      if (first === 34) {
        const close = text.indexOf('"', i + 1)
        if (close === -1) return undefined
        if (backslash !== -1 && backslash < i) backslash = text.indexOf('\\', i)
        if (backslash === -1 || backslash > close) {
          row[c] = text.slice(i + 1, close)
          i = close + 1
        } else {
          // Escapes: find the real closing quote, then let JSON.parse decode the literal.
          let j = backslash
          for (;;) {
            const d = text.charCodeAt(j)
            if (d === 92) j += 2
            else if (d === 34) break
            else if (Number.isNaN(d)) return undefined
            else j++
          }
          try {
            row[c] = JSON.parse(text.slice(i, j + 1))
          } catch {
            return undefined
          }
          i = j + 1
        }
      } else if (first === 45 || (first >= 48 && first <= 57)) {
        // -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?, with the integer part's value while it is exact.
        let j = first === 45 ? i + 1 : i
        let d = text.charCodeAt(j)
        let whole = 0
        if (d === 48) j++
        else if (d >= 49 && d <= 57) {
          do {
            whole = whole * 10 + d - 48
            d = text.charCodeAt(++j)
          } while (d >= 48 && d <= 57)
        } else return undefined
        const digits = j - i - (first === 45 ? 1 : 0)
        let plain = true
        d = text.charCodeAt(j)
        if (d === 46) {
          plain = false
          d = text.charCodeAt(++j)
          if (d < 48 || d > 57) return undefined
          do d = text.charCodeAt(++j)
          while (d >= 48 && d <= 57)
        }
        if (d === 101 || d === 69) {
          plain = false
          d = text.charCodeAt(++j)
          if (d === 43 || d === 45) d = text.charCodeAt(++j)
          if (d < 48 || d > 57) return undefined
          do d = text.charCodeAt(++j)
          while (d >= 48 && d <= 57)
        }
        const kind = kinds[c]
        if (kind === CELL_TEXT || (kind === CELL_INTEGER && (!plain || digits > 15)))
          row[c] = text.slice(i, j)
        else if (plain && digits <= 15) row[c] = first === 45 ? -whole : whole
        else row[c] = Number(text.slice(i, j))
        i = j
      } else if (first === 110 && text.startsWith('null', i)) {
        row[c] = null
        i += 4
      } else if (first === 116 && text.startsWith('true', i)) {
        row[c] = true
        i += 4
      } else if (first === 102 && text.startsWith('false', i)) {
        row[c] = false
        i += 5
      } else return undefined
      if (text.charCodeAt(i) !== (c === last ? 93 : 44)) return undefined
      i++
    }
    rows.push(row)
    const next = text.charCodeAt(i)
    if (next === 44) i++
    else if (next === 93) return { rows, start, end: i + 1 }
    else return undefined
  }
}

/** The offset of the `[` of `"data":[` where a key can be (after `{` or `,`), or -1. */
function dataArray(text: string): number {
  const at = text.indexOf('"data":[')
  if (at <= 0) return -1
  const before = text.charCodeAt(at - 1)
  return before === 44 || before === 123 ? at + 7 : -1
}

/**
 * True when the reply says more rows follow (`"is_done":false`), read from the end of the frame without
 * parsing it: the key comes after the rows, and no string can hold it unescaped.
 */
export function hasMoreRows(text: string): boolean {
  const at = text.lastIndexOf('"is_done":')
  return at !== -1 && text.startsWith('false', at + 10)
}
