/**
 * Reading SQL text without parsing it: where string literals, quoted
 * identifiers and comments are, so that a statement's first keyword and its
 * parameter markers are found only in code. Each database describes its
 * lexical rules once (`SqlLexicon`); everything that looks into SQL text
 * (statement classifiers, placeholder finders, literal substitution) goes
 * through these functions.
 */

export interface SqlLexicon {
  /** Characters that open and close string literals (`'`). */
  readonly strings: readonly string[]
  /** Characters that open and close quoted identifiers (`"`, `` ` ``). */
  readonly identifiers: readonly string[]
  /** Backslash escapes the next character inside quotes (ClickHouse, Hive). Doubling the quote always escapes. */
  readonly backslashEscapes: boolean
  /** Line comment openers (`--`, `#`). */
  readonly lineComments: readonly string[]
  /** `/* … *\/` comments nest (ClickHouse, PostgreSQL) rather than ending at the first `*\/`. */
  readonly nestedBlockComments: boolean
}

/** Standard SQL: `'…'` strings, `"…"` identifiers, `--` and non-nesting block comments. */
export const STANDARD_SQL: SqlLexicon = {
  strings: ["'"],
  identifiers: ['"'],
  backslashEscapes: false,
  lineComments: ['--'],
  nestedBlockComments: false,
}

/** Index just past the quoted text that starts at `start` (its closing quote), or the end of `sql`. */
export function skipQuoted(sql: string, start: number, lexicon: SqlLexicon): number {
  const quote = sql[start]!
  let i = start + 1
  while (i < sql.length) {
    const c = sql[i]
    if (c === '\\' && lexicon.backslashEscapes) i += 2
    else if (c === quote) {
      if (sql[i + 1] === quote) i += 2
      else return i + 1
    } else i++
  }
  return sql.length
}

/** Index just past the comment that starts at `start`, or `start` when none starts there. */
export function skipComment(sql: string, start: number, lexicon: SqlLexicon): number {
  const c = sql[start]
  if (c === '/' && sql[start + 1] === '*') return skipBlockComment(sql, start, lexicon.nestedBlockComments)
  for (const opener of lexicon.lineComments) {
    if (sql.startsWith(opener, start)) {
      const end = sql.indexOf('\n', start)
      return end === -1 ? sql.length : end + 1
    }
  }
  return start
}

function skipBlockComment(sql: string, start: number, nested: boolean): number {
  if (!nested) {
    const end = sql.indexOf('*/', start + 2)
    return end === -1 ? sql.length : end + 2
  }
  let depth = 0
  let i = start
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++
      i += 2
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--
      i += 2
      if (depth === 0) return i
    } else i++
  }
  return sql.length
}

/**
 * Walks the code of `sql` (everything outside strings, quoted identifiers and
 * comments), calling `atCode(i)` at each code character. `atCode` returns the
 * index to continue from when it consumed a token there (a placeholder), or
 * `undefined` to move on by one character; returning `false` stops the walk.
 */
export function scanCode(
  sql: string,
  lexicon: SqlLexicon,
  atCode: (index: number) => number | undefined | false,
): void {
  const n = sql.length
  let i = 0
  while (i < n) {
    const c = sql[i]!
    if (lexicon.strings.includes(c) || lexicon.identifiers.includes(c)) {
      i = skipQuoted(sql, i, lexicon)
      continue
    }
    const afterComment = skipComment(sql, i, lexicon)
    if (afterComment !== i) {
      i = afterComment
      continue
    }
    const next = atCode(i)
    if (next === false) return
    i = next === undefined ? i + 1 : Math.max(next, i + 1)
  }
}

/** Index of the first character that is not whitespace, a comment or an opening parenthesis. */
export function skipLeadingTrivia(sql: string, lexicon: SqlLexicon, from = 0): number {
  let i = from
  const n = sql.length
  while (i < n) {
    const c = sql[i]!
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '(') {
      i++
      continue
    }
    const after = skipComment(sql, i, lexicon)
    if (after === i) break
    i = after
  }
  return i
}

/** The statement's first keyword in upper case (`SELECT`, `WITH`, …), or `''` when it starts otherwise. */
export function firstKeyword(sql: string, lexicon: SqlLexicon): string {
  const i = skipLeadingTrivia(sql, lexicon)
  let end = i
  while (end < sql.length && end - i < 32 && isWordChar(sql.charCodeAt(end))) end++
  return sql.slice(i, end).toUpperCase()
}

/** The keywords at the start of the statement, in upper case (`['CREATE', 'OR', 'REPLACE', 'VIEW']`). */
export function leadingKeywords(sql: string, lexicon: SqlLexicon, count: number): string[] {
  const words: string[] = []
  let i = skipLeadingTrivia(sql, lexicon)
  while (words.length < count && i < sql.length) {
    let end = i
    while (end < sql.length && isWordChar(sql.charCodeAt(end))) end++
    if (end === i) break
    words.push(sql.slice(i, end).toUpperCase())
    i = skipLeadingTrivia(sql, lexicon, end)
  }
  return words
}

/** Offsets of every `marker` character (`?`) in code. */
export function findMarkers(sql: string, lexicon: SqlLexicon, marker = '?'): number[] {
  const found: number[] = []
  scanCode(sql, lexicon, (i) => {
    if (sql[i] === marker) found.push(i)
    return undefined
  })
  return found
}

/** Replaces each marker found by `findMarkers` with `replacement(k)` for the k-th marker. */
export function replaceMarkers(
  sql: string,
  lexicon: SqlLexicon,
  replacement: (index: number) => string,
  marker = '?',
): string {
  const positions = findMarkers(sql, lexicon, marker)
  if (positions.length === 0) return sql
  let out = ''
  let last = 0
  for (let k = 0; k < positions.length; k++) {
    out += sql.slice(last, positions[k]) + replacement(k)
    last = positions[k]! + 1
  }
  return out + sql.slice(last)
}

function isWordChar(code: number): boolean {
  return (
    (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || (code >= 48 && code <= 57)
  )
}
