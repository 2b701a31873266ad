/**
 * A lexer for Db2 for i SQL. The translator works on tokens, never on raw text, so string
 * literals, quoted identifiers and comments are never rewritten by accident.
 */

export type TokenKind =
  | 'word' // unquoted identifier or keyword
  | 'quoted' // "delimited identifier"
  | 'string' // 'literal' (also X'..', N'..', G'..' with `prefix`)
  | 'number'
  | 'param' // ?
  | 'op' // operators and punctuation
  | 'space' // whitespace and comments

export interface Token {
  kind: TokenKind
  /** Source text of the token, exactly as written. */
  text: string
  /** For words: the upper-cased text. For quoted identifiers: the name inside the quotes. */
  value: string
  /** Offset in the source. */
  start: number
  /** String literal prefix (X, N, G, UX …) when present. */
  prefix?: string
}

export class LexError extends Error {
  readonly offset: number
  constructor(message: string, offset: number) {
    super(message)
    this.offset = offset
  }
}

const WORD_START = /[A-Za-z_#@$\u00C0-\uFFFF]/
const WORD_PART = /[A-Za-z0-9_#@$\u00C0-\uFFFF]/
const MULTI_OPS = [
  '<>',
  '<=',
  '>=',
  '!=',
  '||',
  '::',
  '->>',
  '->',
  '#>>',
  '#>',
  '@>',
  '<@',
  '=>',
  '**',
  '¬=',
  '!<',
  '!>',
]

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  const n = sql.length
  while (i < n) {
    const c = sql[i]!
    const start = i
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(sql[i]!)) i++
      tokens.push({ kind: 'space', text: sql.slice(start, i), value: ' ', start })
      continue
    }
    if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++
      tokens.push({ kind: 'space', text: sql.slice(start, i), value: ' ', start })
      continue
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2)
      i = end < 0 ? n : end + 2
      tokens.push({ kind: 'space', text: sql.slice(start, i), value: ' ', start })
      continue
    }
    if (c === "'") {
      i = readQuoted(sql, i, "'")
      tokens.push({
        kind: 'string',
        text: sql.slice(start, i),
        value: unquote(sql.slice(start, i), "'"),
        start,
      })
      continue
    }
    if (c === '"') {
      i = readQuoted(sql, i, '"')
      tokens.push({
        kind: 'quoted',
        text: sql.slice(start, i),
        value: unquote(sql.slice(start, i), '"'),
        start,
      })
      continue
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      while (i < n && /[0-9]/.test(sql[i]!)) i++
      if (sql[i] === '.') {
        i++
        while (i < n && /[0-9]/.test(sql[i]!)) i++
      }
      if ((sql[i] === 'E' || sql[i] === 'e') && /[-+0-9]/.test(sql[i + 1] ?? '')) {
        i += 2
        while (i < n && /[0-9]/.test(sql[i]!)) i++
      }
      tokens.push({ kind: 'number', text: sql.slice(start, i), value: sql.slice(start, i), start })
      continue
    }
    if (WORD_START.test(c)) {
      while (i < n && WORD_PART.test(sql[i]!)) i++
      const word = sql.slice(start, i)
      const upper = word.toUpperCase()
      // X'..', N'..', G'..', UX'..', GX'..' literals
      if (sql[i] === "'" && ['X', 'N', 'G', 'UX', 'GX', 'BX'].includes(upper)) {
        const end = readQuoted(sql, i, "'")
        tokens.push({
          kind: 'string',
          text: sql.slice(start, end),
          value: unquote(sql.slice(i, end), "'"),
          start,
          prefix: upper,
        })
        i = end
        continue
      }
      tokens.push({ kind: 'word', text: word, value: upper, start })
      continue
    }
    if (c === '?') {
      tokens.push({ kind: 'param', text: '?', value: '?', start })
      i++
      continue
    }
    const op = MULTI_OPS.find((candidate) => sql.startsWith(candidate, i))
    if (op !== undefined) {
      tokens.push({ kind: 'op', text: op, value: op, start })
      i += op.length
      continue
    }
    tokens.push({ kind: 'op', text: c, value: c, start })
    i++
  }
  return tokens
}

function readQuoted(sql: string, from: number, quote: string): number {
  let i = from + 1
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2
        continue
      }
      return i + 1
    }
    i++
  }
  throw new LexError(
    quote === "'" ? 'unterminated string constant' : 'unterminated delimited identifier',
    from,
  )
}

function unquote(text: string, quote: string): string {
  return text
    .slice(1, -1)
    .split(quote + quote)
    .join(quote)
}

/** Tokens without whitespace and comments. */
export function significant(tokens: Token[]): Token[] {
  return tokens.filter((t) => t.kind !== 'space')
}

export function isWord(token: Token | undefined, ...words: string[]): boolean {
  return token !== undefined && token.kind === 'word' && (words.length === 0 || words.includes(token.value))
}

export function isOp(token: Token | undefined, ...ops: string[]): boolean {
  return token !== undefined && token.kind === 'op' && ops.includes(token.value)
}
