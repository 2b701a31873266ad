// Tokens of Athena's SQL: the Trino lexical rules, plus backquoted identifiers, which only the Hive DDL
// parser accepts (the Trino parser refuses them with Trino's own message).

export type TokenKind =
  | 'ident' // unquoted identifier or keyword (text keeps its spelling)
  | 'quoted' // "double quoted" identifier
  | 'backquoted' // `backquoted` identifier
  | 'string' // 'single quoted'
  | 'binary' // X'00ff'
  | 'integer'
  | 'decimal'
  | 'double'
  | 'op' // punctuation and operators
  | 'param' // ?
  | 'eof'

export interface Token {
  kind: TokenKind
  /** Identifier name, string value, number text or operator. */
  value: string
  /** Source text of the token. */
  text: string
  start: number
  end: number
  /** 1-based line and column, as Trino reports positions. */
  line: number
  column: number
}

export class SqlSyntaxError extends Error {
  readonly line: number
  readonly column: number
  constructor(message: string, line: number, column: number) {
    super(`line ${line}:${column}: ${message}`)
    this.name = 'SqlSyntaxError'
    this.line = line
    this.column = column
  }
}

const OPERATORS = ['<>', '!=', '<=', '>=', '||', '->', '=>', '::']
const SINGLE = '=<>+-*/%(),.[];:{}|^&~'

export interface TokenizeOptions {
  /** Hive string rules: backslash escapes in '…' and "…" (Athena's DDL engine). */
  hive?: boolean
}

export function tokenize(sql: string, options: TokenizeOptions = {}): Token[] {
  const tokens: Token[] = []
  let i = 0
  let line = 1
  let lineStart = 0
  const n = sql.length

  const advanceLines = (from: number, to: number) => {
    for (let k = from; k < to; k++) {
      if (sql.charCodeAt(k) === 10) {
        line++
        lineStart = k + 1
      }
    }
  }

  while (i < n) {
    const c = sql[i]!
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\f') {
      if (c === '\n') {
        line++
        lineStart = i + 1
      }
      i++
      continue
    }
    if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++
      continue
    }
    if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2)
      const end = close < 0 ? n : close + 2
      advanceLines(i, end)
      i = end
      continue
    }
    const start = i
    const tokLine = line
    const tokCol = i - lineStart + 1
    const push = (kind: TokenKind, value: string, end: number) => {
      tokens.push({ kind, value, text: sql.slice(start, end), start, end, line: tokLine, column: tokCol })
      advanceLines(start, end)
      i = end
    }

    if ((c === 'X' || c === 'x') && sql[i + 1] === "'") {
      const { value, end } = readQuoted(sql, i + 1, "'", tokLine, tokCol)
      push('binary', value, end)
      continue
    }
    if ((c === 'U' || c === 'u') && sql[i + 1] === '&' && sql[i + 2] === "'") {
      const { value, end } = readQuoted(sql, i + 2, "'", tokLine, tokCol)
      push('string', decodeUnicodeEscapes(value), end)
      continue
    }
    if (isIdentStart(c)) {
      let j = i + 1
      while (j < n && isIdentPart(sql[j]!)) j++
      push('ident', sql.slice(i, j), j)
      continue
    }
    if (isDigit(c) || (c === '.' && isDigit(sql[i + 1] ?? ''))) {
      let j = i
      while (j < n && isDigit(sql[j]!)) j++
      let kind: TokenKind = 'integer'
      if (sql[j] === '.') {
        kind = 'decimal'
        j++
        while (j < n && isDigit(sql[j]!)) j++
      }
      if (
        (sql[j] === 'e' || sql[j] === 'E') &&
        (isDigit(sql[j + 1] ?? '') ||
          ((sql[j + 1] === '+' || sql[j + 1] === '-') && isDigit(sql[j + 2] ?? '')))
      ) {
        kind = 'double'
        j += 2
        while (j < n && isDigit(sql[j]!)) j++
      }
      if (j < n && isIdentStart(sql[j]!)) {
        // Trino: identifiers must not start with a digit
        let k = j
        while (k < n && isIdentPart(sql[k]!)) k++
        throw new SqlSyntaxError(
          `identifiers must not start with a digit; surround the identifier with double quotes`,
          tokLine,
          tokCol,
        )
      }
      push(kind, sql.slice(i, j), j)
      continue
    }
    if (options.hive && (c === "'" || c === '"')) {
      const { value, end } = readHiveString(sql, i, tokLine, tokCol)
      push(c === "'" ? 'string' : 'quoted', value, end)
      continue
    }
    if (c === "'") {
      const { value, end } = readQuoted(sql, i, "'", tokLine, tokCol)
      push('string', value, end)
      continue
    }
    if (c === '"') {
      const { value, end } = readQuoted(sql, i, '"', tokLine, tokCol)
      push('quoted', value, end)
      continue
    }
    if (c === '`') {
      const { value, end } = readQuoted(sql, i, '`', tokLine, tokCol)
      push('backquoted', value, end)
      continue
    }
    if (c === '?') {
      push('param', '?', i + 1)
      continue
    }
    const two = sql.slice(i, i + 2)
    if (OPERATORS.includes(two)) {
      push('op', two, i + 2)
      continue
    }
    if (SINGLE.includes(c)) {
      push('op', c, i + 1)
      continue
    }
    throw new SqlSyntaxError(`token recognition error at: '${c}'`, tokLine, tokCol)
  }
  tokens.push({
    kind: 'eof',
    value: '<EOF>',
    text: '<EOF>',
    start: n,
    end: n,
    line,
    column: n - lineStart + 1,
  })
  return tokens
}

function readQuoted(sql: string, at: number, quote: string, line: number, column: number) {
  let j = at + 1
  let value = ''
  for (;;) {
    const k = sql.indexOf(quote, j)
    if (k < 0) {
      throw new SqlSyntaxError(`mismatched input '${sql.slice(at, at + 20)}'. Expecting: <EOF>`, line, column)
    }
    value += sql.slice(j, k)
    if (sql[k + 1] === quote) {
      value += quote
      j = k + 2
      continue
    }
    return { value, end: k + 1 }
  }
}

function readHiveString(sql: string, at: number, line: number, column: number) {
  const quote = sql[at]!
  let j = at + 1
  let value = ''
  while (j < sql.length) {
    const c = sql[j]!
    if (c === '\\' && j + 1 < sql.length) {
      const rest = sql.slice(j + 1)
      const octal = /^[0-7]{3}/.exec(rest)
      const unicode = /^u[0-9a-fA-F]{4}/.exec(rest)
      if (octal) {
        value += String.fromCharCode(Number.parseInt(octal[0], 8))
        j += 4
      } else if (unicode) {
        value += String.fromCharCode(Number.parseInt(unicode[0].slice(1), 16))
        j += 6
      } else {
        const e = rest[0]!
        value +=
          ({ t: '\t', n: '\n', r: '\r', '0': '\0', b: '\b', Z: '\x1a' } as Record<string, string>)[e] ?? e
        j += 2
      }
      continue
    }
    if (c === quote) return { value, end: j + 1 }
    value += c
    j++
  }
  throw new SqlSyntaxError(`mismatched input '${sql.slice(at, at + 20)}'. Expecting: <EOF>`, line, column)
}

function decodeUnicodeEscapes(value: string): string {
  return value.replace(/\\(\+[0-9a-fA-F]{6}|[0-9a-fA-F]{4}|\\)/g, (_m, code: string) => {
    if (code === '\\') return '\\'
    return String.fromCodePoint(Number.parseInt(code.replace('+', ''), 16))
  })
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9'
}

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c.charCodeAt(0) > 127
}

function isIdentPart(c: string): boolean {
  return isIdentStart(c) || isDigit(c) || c === '@' || c === '$'
}
