import { ProtocolError } from '@tributary/core'
import type { ClickHouseType } from './types.ts'

/**
 * Parses a ClickHouse type string as the server reports it (in
 * `RowBinaryWithNamesAndTypes` / `TSVWithNamesAndTypes` headers, `DESCRIBE`,
 * `system.columns`) into the shared type tree. Wrappers that do not change
 * the value on the wire (SimpleAggregateFunction, Nested, geo aliases) are
 * reduced to the type they carry.
 */
export function parseType(text: string): ClickHouseType {
  const parser = new TypeTextParser(text)
  const type = parser.parseType()
  parser.skipSpace()
  if (!parser.atEnd()) parser.fail('unexpected text after the type')
  return type
}

/** Prints a type tree back in ClickHouse syntax (the canonical spelling). */
export function formatType(t: ClickHouseType): string {
  switch (t.kind) {
    case 'Int':
      return `${t.signed ? 'Int' : 'UInt'}${t.bits}`
    case 'Float':
      return `Float${t.bits}`
    case 'Bool':
    case 'String':
    case 'Date':
    case 'Date32':
    case 'UUID':
    case 'IPv4':
    case 'IPv6':
    case 'Nothing':
    case 'JSON':
    case 'Dynamic':
      return t.kind
    case 'Decimal':
      return `Decimal(${t.precision}, ${t.scale})`
    case 'FixedString':
      return `FixedString(${t.length})`
    case 'DateTime':
      return t.timezone === undefined ? 'DateTime' : `DateTime(${quoteString(t.timezone)})`
    case 'DateTime64':
      return t.timezone === undefined
        ? `DateTime64(${t.precision})`
        : `DateTime64(${t.precision}, ${quoteString(t.timezone)})`
    case 'Enum': {
      const parts: string[] = []
      for (const [value, name] of t.values) parts.push(`${quoteString(name)} = ${value}`)
      return `Enum${t.bits}(${parts.join(', ')})`
    }
    case 'Nullable':
      return `Nullable(${formatType(t.inner)})`
    case 'LowCardinality':
      return `LowCardinality(${formatType(t.inner)})`
    case 'Array':
      return `Array(${formatType(t.element)})`
    case 'Tuple': {
      const names = t.names
      const parts = t.elements.map((e, i) =>
        names === undefined ? formatType(e) : `${quoteIdentifier(names[i] as string)} ${formatType(e)}`,
      )
      return `Tuple(${parts.join(', ')})`
    }
    case 'Map':
      return `Map(${formatType(t.key)}, ${formatType(t.value)})`
    case 'Variant':
      return `Variant(${t.variants.map(formatType).join(', ')})`
  }
}

/** Single-quoted ClickHouse string literal. */
function quoteString(s: string): string {
  return `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`
}

function quoteIdentifier(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return name
  return `\`${name.replace(/[\\`]/g, (c) => `\\${c}`)}\``
}

/** Types without arguments, by exact name and by case-insensitive SQL alias. */
const SIMPLE_TYPES: Record<string, ClickHouseType> = {
  Int8: { kind: 'Int', signed: true, bits: 8 },
  Int16: { kind: 'Int', signed: true, bits: 16 },
  Int32: { kind: 'Int', signed: true, bits: 32 },
  Int64: { kind: 'Int', signed: true, bits: 64 },
  Int128: { kind: 'Int', signed: true, bits: 128 },
  Int256: { kind: 'Int', signed: true, bits: 256 },
  UInt8: { kind: 'Int', signed: false, bits: 8 },
  UInt16: { kind: 'Int', signed: false, bits: 16 },
  UInt32: { kind: 'Int', signed: false, bits: 32 },
  UInt64: { kind: 'Int', signed: false, bits: 64 },
  UInt128: { kind: 'Int', signed: false, bits: 128 },
  UInt256: { kind: 'Int', signed: false, bits: 256 },
  Float32: { kind: 'Float', bits: 32 },
  Float64: { kind: 'Float', bits: 64 },
  Bool: { kind: 'Bool' },
  String: { kind: 'String' },
  Date: { kind: 'Date' },
  Date32: { kind: 'Date32' },
  UUID: { kind: 'UUID' },
  IPv4: { kind: 'IPv4' },
  IPv6: { kind: 'IPv6' },
  Nothing: { kind: 'Nothing' },
  JSON: { kind: 'JSON' },
  Dynamic: { kind: 'Dynamic' },
}

const POINT: ClickHouseType = {
  kind: 'Tuple',
  elements: [
    { kind: 'Float', bits: 64 },
    { kind: 'Float', bits: 64 },
  ],
}
const RING: ClickHouseType = { kind: 'Array', element: POINT }
const POLYGON: ClickHouseType = { kind: 'Array', element: RING }
const MULTI_POLYGON: ClickHouseType = { kind: 'Array', element: POLYGON }

/** Geo types are stored exactly as these containers. */
const GEO_TYPES: Record<string, ClickHouseType> = {
  Point: POINT,
  Ring: RING,
  LineString: RING,
  MultiLineString: POLYGON,
  Polygon: POLYGON,
  MultiPolygon: MULTI_POLYGON,
}

/** SQL-standard and MySQL-compatible aliases (ClickHouse matches them case-insensitively). */
const ALIASES: Record<string, string> = {
  BOOL: 'Bool',
  BOOLEAN: 'Bool',
  TINYINT: 'Int8',
  INT1: 'Int8',
  BYTE: 'Int8',
  SMALLINT: 'Int16',
  INT2: 'Int16',
  INT: 'Int32',
  INT4: 'Int32',
  INTEGER: 'Int32',
  MEDIUMINT: 'Int32',
  BIGINT: 'Int64',
  FLOAT: 'Float32',
  REAL: 'Float32',
  SINGLE: 'Float32',
  DOUBLE: 'Float64',
  TEXT: 'String',
  VARCHAR: 'String',
  CHAR: 'String',
  BLOB: 'String',
  BINARY: 'FixedString',
  DEC: 'Decimal',
  NUMERIC: 'Decimal',
  FIXED: 'Decimal',
  TIMESTAMP: 'DateTime',
}

function decimalBits(precision: number): 32 | 64 | 128 | 256 {
  if (precision <= 9) return 32
  if (precision <= 18) return 64
  if (precision <= 38) return 128
  return 256
}

const DECIMAL_MAX_PRECISION: Record<string, [number, 32 | 64 | 128 | 256]> = {
  Decimal32: [9, 32],
  Decimal64: [18, 64],
  Decimal128: [38, 128],
  Decimal256: [76, 256],
}

class TypeTextParser {
  readonly text: string
  pos = 0

  constructor(text: string) {
    this.text = text
  }

  atEnd(): boolean {
    return this.pos >= this.text.length
  }

  fail(why: string): never {
    throw new ProtocolError(`Cannot parse ClickHouse type '${this.text}': ${why} at offset ${this.pos}`, {
      system: 'clickhouse',
    })
  }

  skipSpace(): void {
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos)
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break
      this.pos++
    }
  }

  peek(): string {
    return this.text[this.pos] ?? ''
  }

  expect(ch: string): void {
    this.skipSpace()
    if (this.text[this.pos] !== ch) this.fail(`expected '${ch}'`)
    this.pos++
  }

  /** Consumes `ch` if it is next (after spaces). */
  accept(ch: string): boolean {
    this.skipSpace()
    if (this.text[this.pos] === ch) {
      this.pos++
      return true
    }
    return false
  }

  readWord(): string {
    this.skipSpace()
    const start = this.pos
    while (this.pos < this.text.length && /[A-Za-z0-9_]/.test(this.text[this.pos] as string)) this.pos++
    if (start === this.pos) this.fail('expected a name')
    return this.text.slice(start, this.pos)
  }

  readInteger(): number {
    this.skipSpace()
    const m = /^[-+]?\d+/.exec(this.text.slice(this.pos))
    if (m === null) this.fail('expected a number')
    this.pos += m[0].length
    return Number(m[0])
  }

  /** A quoted literal or identifier with backslash escapes; the quote is also escaped by doubling. */
  readQuoted(): string {
    this.skipSpace()
    const quote = this.text[this.pos]
    if (quote !== "'" && quote !== '`' && quote !== '"') this.fail('expected a quoted string')
    this.pos++
    let out = ''
    for (;;) {
      if (this.pos >= this.text.length) this.fail('unterminated quoted string')
      const c = this.text[this.pos++] as string
      if (c === quote) {
        if (this.text[this.pos] === quote) {
          out += quote
          this.pos++
          continue
        }
        return out
      }
      if (c !== '\\') {
        out += c
        continue
      }
      if (this.pos >= this.text.length) this.fail('unterminated escape')
      const e = this.text[this.pos++] as string
      switch (e) {
        case 'n':
          out += '\n'
          break
        case 't':
          out += '\t'
          break
        case 'r':
          out += '\r'
          break
        case '0':
          out += '\0'
          break
        case 'b':
          out += '\b'
          break
        case 'f':
          out += '\f'
          break
        case 'a':
          out += '\x07'
          break
        case 'v':
          out += '\v'
          break
        case 'e':
          out += '\x1b'
          break
        case 'x': {
          const hex = this.text.slice(this.pos, this.pos + 2)
          if (!/^[0-9A-Fa-f]{2}$/.test(hex)) this.fail('bad \\x escape')
          out += String.fromCharCode(Number.parseInt(hex, 16))
          this.pos += 2
          break
        }
        default:
          out += e
      }
    }
  }

  /** Skips balanced parentheses content (for arguments we do not model, e.g. JSON hints). */
  skipArguments(): void {
    let depth = 1
    while (depth > 0) {
      if (this.pos >= this.text.length) this.fail("expected ')'")
      const c = this.text[this.pos] as string
      if (c === "'" || c === '`' || c === '"') {
        this.readQuoted()
        continue
      }
      if (c === '(') depth++
      else if (c === ')') depth--
      this.pos++
    }
  }

  parseType(): ClickHouseType {
    const word = this.readWord()
    this.skipSpace()
    const hasArgs = this.peek() === '('
    if (hasArgs) this.pos++
    let name = word
    const alias = SIMPLE_TYPES[word] === undefined ? ALIASES[word.toUpperCase()] : undefined
    if (alias !== undefined) {
      name = alias
      // `DOUBLE PRECISION` is the one alias made of two words.
      if (!hasArgs && name === 'Float64' && /^PRECISION\b/i.test(this.text.slice(this.pos))) this.readWord()
      // SQL aliases such as VARCHAR(255) and FLOAT(24) carry arguments ClickHouse ignores.
      if (hasArgs && SIMPLE_TYPES[name] !== undefined) {
        this.skipArguments()
        return SIMPLE_TYPES[name] as ClickHouseType
      }
    }

    if (!hasArgs) {
      const simple = SIMPLE_TYPES[name] ?? GEO_TYPES[name]
      if (simple !== undefined) return simple
      if (name === 'DateTime') return { kind: 'DateTime' }
      this.fail(`unknown type ${word}`)
    }
    return this.parseWithArguments(name, word)
  }

  parseWithArguments(name: string, word: string): ClickHouseType {
    switch (name) {
      case 'Nullable': {
        const inner = this.parseType()
        this.expect(')')
        return { kind: 'Nullable', inner }
      }
      case 'LowCardinality': {
        const inner = this.parseType()
        this.expect(')')
        return { kind: 'LowCardinality', inner }
      }
      case 'Array': {
        const element = this.parseType()
        this.expect(')')
        return { kind: 'Array', element }
      }
      case 'Map': {
        const key = this.parseType()
        this.expect(',')
        const value = this.parseType()
        this.expect(')')
        return { kind: 'Map', key, value }
      }
      case 'Variant': {
        const variants: ClickHouseType[] = []
        do variants.push(this.parseType())
        while (this.accept(','))
        this.expect(')')
        return { kind: 'Variant', variants }
      }
      case 'Tuple':
        return this.parseTupleElements(false)
      case 'Nested': {
        const tuple = this.parseTupleElements(true)
        return { kind: 'Array', element: tuple }
      }
      case 'SimpleAggregateFunction': {
        // The function may itself have parameters, e.g. `sumMap` or `groupUniqArrayArray(10)`.
        this.readWord()
        this.skipSpace()
        if (this.peek() === '(') {
          this.pos++
          this.skipArguments()
        }
        this.expect(',')
        const inner = this.parseType()
        this.expect(')')
        return inner
      }
      case 'Decimal': {
        const precision = this.readInteger()
        const scale = this.accept(',') ? this.readInteger() : 0
        this.expect(')')
        if (precision < 1 || precision > 76 || scale < 0 || scale > precision)
          this.fail('bad Decimal precision/scale')
        return { kind: 'Decimal', precision, scale, bits: decimalBits(precision) }
      }
      case 'Decimal32':
      case 'Decimal64':
      case 'Decimal128':
      case 'Decimal256': {
        const [precision, bits] = DECIMAL_MAX_PRECISION[name] as [number, 32 | 64 | 128 | 256]
        const scale = this.readInteger()
        this.expect(')')
        if (scale < 0 || scale > precision) this.fail('bad Decimal scale')
        return { kind: 'Decimal', precision, scale, bits }
      }
      case 'FixedString': {
        const length = this.readInteger()
        this.expect(')')
        if (length < 1) this.fail('bad FixedString length')
        return { kind: 'FixedString', length }
      }
      case 'DateTime': {
        if (this.accept(')')) return { kind: 'DateTime' }
        const timezone = this.readQuoted()
        this.expect(')')
        return { kind: 'DateTime', timezone }
      }
      case 'DateTime64': {
        const precision = this.readInteger()
        if (precision < 0 || precision > 9) this.fail('bad DateTime64 precision')
        let timezone: string | undefined
        if (this.accept(',')) timezone = this.readQuoted()
        this.expect(')')
        return timezone === undefined
          ? { kind: 'DateTime64', precision }
          : { kind: 'DateTime64', precision, timezone }
      }
      case 'Enum8':
      case 'Enum16':
      case 'Enum': {
        const values = new Map<number, string>()
        let max = 0
        let min = 0
        let next = 1
        do {
          const label = this.readQuoted()
          // `Enum` without explicit numbers numbers them from 1.
          const value = this.accept('=') ? this.readInteger() : next
          next = value + 1
          values.set(value, label)
          if (value > max) max = value
          if (value < min) min = value
        } while (this.accept(','))
        this.expect(')')
        const bits = name === 'Enum8' ? 8 : name === 'Enum16' ? 16 : min >= -128 && max <= 127 ? 8 : 16
        return { kind: 'Enum', bits, values }
      }
      case 'Object': {
        // The deprecated Object('json') type is the JSON type under an older name.
        this.skipArguments()
        return { kind: 'JSON' }
      }
      case 'JSON': {
        this.skipArguments()
        return { kind: 'JSON' }
      }
      case 'Dynamic': {
        this.skipArguments()
        return { kind: 'Dynamic' }
      }
      case 'String': {
        // String(N) from SQL aliases like CHAR(N) / VARCHAR(N) is still String.
        this.skipArguments()
        return { kind: 'String' }
      }
      default:
        this.fail(`unknown type ${word}`)
    }
  }

  /** `Tuple(` / `Nested(` contents up to the closing parenthesis. */
  parseTupleElements(requireNames: boolean): ClickHouseType {
    const elements: ClickHouseType[] = []
    const names: string[] = []
    let named = 0
    do {
      this.skipSpace()
      const name = this.tryElementName()
      if (name !== undefined) {
        names.push(name)
        named++
      } else if (requireNames) {
        this.fail('expected a name in Nested')
      }
      elements.push(this.parseType())
    } while (this.accept(','))
    this.expect(')')
    if (named !== 0 && named !== elements.length) this.fail('a Tuple mixes named and unnamed elements')
    return named === 0 ? { kind: 'Tuple', elements } : { kind: 'Tuple', elements, names }
  }

  /**
   * A tuple element is either `Type` or `name Type`: a leading word followed by
   * whitespace and another word (or a quoted name) is a name.
   */
  tryElementName(): string | undefined {
    const start = this.pos
    const c = this.peek()
    if (c === '`' || c === '"') return this.readQuoted()
    if (!/[A-Za-z_]/.test(c)) return undefined
    const word = this.readWord()
    const afterWord = this.pos
    this.skipSpace()
    const next = this.peek()
    if (afterWord !== this.pos && /[A-Za-z_]/.test(next)) {
      // `DOUBLE PRECISION` is the one alias made of two words.
      if (word.toUpperCase() === 'DOUBLE' && /^PRECISION\b/i.test(this.text.slice(this.pos))) {
        this.pos = start
        return undefined
      }
      return word
    }
    this.pos = start
    return undefined
  }
}
