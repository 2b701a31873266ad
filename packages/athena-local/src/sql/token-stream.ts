// Cursor over tokens with the helpers both parsers use and Trino-shaped error messages.
import { SqlSyntaxError, type Token } from './lexer.ts'

export class TokenStream {
  readonly tokens: Token[]
  readonly sql: string
  pos = 0

  constructor(tokens: Token[], sql: string) {
    this.tokens = tokens
    this.sql = sql
  }

  get peek(): Token {
    return this.tokens[this.pos]!
  }

  ahead(n: number): Token {
    return this.tokens[Math.min(this.pos + n, this.tokens.length - 1)]!
  }

  next(): Token {
    const t = this.tokens[this.pos]!
    if (t.kind !== 'eof') this.pos++
    return t
  }

  /** True when the token at `offset` is the unquoted keyword `word`. */
  isWord(word: string, offset = 0): boolean {
    const t = this.ahead(offset)
    return t.kind === 'ident' && t.value.toUpperCase() === word
  }

  isOp(op: string, offset = 0): boolean {
    const t = this.ahead(offset)
    return t.kind === 'op' && t.value === op
  }

  acceptWord(...words: string[]): boolean {
    for (let i = 0; i < words.length; i++) if (!this.isWord(words[i]!, i)) return false
    this.pos += words.length
    return true
  }

  acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false
    this.pos++
    return true
  }

  expectWord(...words: string[]): void {
    for (const word of words) {
      if (!this.isWord(word)) this.fail([`'${word}'`])
      this.pos++
    }
  }

  expectOp(op: string): void {
    if (!this.isOp(op)) this.fail([`'${op}'`])
    this.pos++
  }

  fail(expecting: string[], token: Token = this.peek): never {
    const list = expecting.length > 0 ? `. Expecting: ${expecting.join(', ')}` : ''
    throw new SqlSyntaxError(`mismatched input '${token.text}'${list}`, token.line, token.column)
  }

  /** Trino's "no viable alternative" form: the input from the statement start through `token`. */
  noViableAlternative(token: Token = this.peek, from = 0): never {
    const start = this.tokens[from]!.start
    throw new SqlSyntaxError(
      `no viable alternative at input '${this.sql.slice(start, token.end)}'`,
      token.line,
      token.column,
    )
  }
}
