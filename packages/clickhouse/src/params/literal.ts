import { utcCalendarText } from '@tributary/core'
import { formatType } from '../formats/type-parser.ts'
import type { ClickHouseType } from '../formats/types.ts'
import { legacyNull, legacyScalar } from './legacy-literal.ts'
import {
  checkInstantRange,
  mapEntries,
  toBool,
  toDateText,
  toDecimalText,
  toEnumName,
  toFloatText,
  toInstant,
  toInteger,
  toIpText,
  toJsonText,
  toStringValue,
  toUuidText,
  tupleElements,
  unwrapTyped,
  type ValueContext,
  valueError,
} from './scalars.ts'

export interface LiteralOptions extends ValueContext {
  /**
   * Servers without query parameters (e.g. Debian's 18.16): Bool becomes
   * UInt8 1/0, and the scalars those servers' text parsers misread take the
   * forms of legacy-literal.ts; every scalar inside a container is typed on
   * its own. Types such servers lack (DateTime64, Map, JSON) are still
   * written; the server reports them.
   */
  legacy?: boolean | undefined
}

/**
 * A SQL expression for a value of a ClickHouse type, for the client-side path
 * (servers without query parameters). Every scalar is written as a string
 * literal (or NULL, or a UTC DateTime constructor), and the whole value is cast
 * once to the declared type: the server then parses each scalar with the same
 * text parser it uses for parameters, so nothing is rounded by the SQL lexer,
 * and arrays never mix literal types that have no common supertype. With
 * `legacy`, scalars take the forms 18.16 reads exactly (see legacy-literal.ts).
 */
export function formatLiteral(value: unknown, type: ClickHouseType, options: LiteralOptions = {}): string {
  const v = unwrapTyped(value)
  const body = encodeLiteral(v, type, options, false)
  if (type.kind === 'String' && body !== 'NULL') return body
  return `CAST(${body} AS ${formatType(castType(type, options.legacy === true))})`
}

/** The declared type, with Bool spelled UInt8 for servers that lack it. */
function castType(type: ClickHouseType, legacy: boolean): ClickHouseType {
  if (!legacy) return type
  switch (type.kind) {
    case 'Bool':
      return { kind: 'Int', signed: false, bits: 8 }
    case 'Nullable':
    case 'LowCardinality':
      return { ...type, inner: castType(type.inner, legacy) }
    case 'Array':
      return { kind: 'Array', element: castType(type.element, legacy) }
    case 'Tuple':
      return { ...type, elements: type.elements.map((e) => castType(e, legacy)) }
    case 'Map':
      return { kind: 'Map', key: castType(type.key, legacy), value: castType(type.value, legacy) }
    default:
      return type
  }
}

/** Scalars written as a string literal and cast; legacy servers need the cast per element. */
const TEXT_CAST_KINDS: ReadonlySet<ClickHouseType['kind']> = new Set([
  'Int',
  'Bool',
  'Decimal',
  'FixedString',
  'Date32',
  'DateTime64',
  'Enum',
  'IPv4',
  'IPv6',
  'JSON',
])

function encodeLiteral(value: unknown, type: ClickHouseType, opts: LiteralOptions, nested: boolean): string {
  switch (type.kind) {
    case 'Nullable':
      if (value === null || value === undefined)
        return opts.legacy === true ? legacyNull(withoutLowCardinality(type.inner), quoteLiteral) : 'NULL'
      return encodeLiteral(value, type.inner, opts, nested)
    case 'LowCardinality':
      return encodeLiteral(value, type.inner, opts, nested)
    case 'Array':
    case 'Map':
      // An inner [] or map() has type Array(Nothing)/Map(Nothing, Nothing), which
      // has no common type with its siblings; casting each inner container to its
      // declared type keeps every sibling the same type.
      if (nested && value !== null && value !== undefined)
        return `CAST(${encodeLiteral(value, type, opts, false)} AS ${formatType(castType(type, opts.legacy === true))})`
  }
  if (value === null || value === undefined)
    throw valueError(type, value, 'NULL for a type that is not Nullable', opts)
  if (opts.legacy !== true) return encodeValue(value, type, opts)
  const special = legacyScalar(value, type, nested, opts)
  if (special !== undefined) return special
  // 18.16 has no '[]' of more than one dimension; the text form casts to any depth.
  if (type.kind === 'Array' && Array.isArray(value) && value.length === 0) return "'[]'"
  const body = encodeValue(value, type, opts)
  return nested && TEXT_CAST_KINDS.has(type.kind)
    ? `CAST(${body} AS ${formatType(castType(type, true))})`
    : body
}

function withoutLowCardinality(type: ClickHouseType): ClickHouseType {
  return type.kind === 'LowCardinality' ? type.inner : type
}

/** A non-NULL value of a type that is neither Nullable nor LowCardinality. */
function encodeValue(value: unknown, type: ClickHouseType, opts: LiteralOptions): string {
  switch (type.kind) {
    case 'Int':
      return `'${toInteger(value, type, opts)}'`
    case 'Float':
      return `'${toFloatText(value, type, opts)}'`
    case 'Bool': {
      const b = toBool(value, type, opts)
      return opts.legacy === true ? `'${b ? 1 : 0}'` : `'${b}'`
    }
    case 'Decimal':
      return `'${toDecimalText(value, type, opts)}'`
    case 'String':
    case 'FixedString': {
      const v = toStringValue(value, type, opts)
      return 'text' in v ? quoteLiteral(v.text) : quoteBytesLiteral(v.bytes)
    }
    case 'Date':
    case 'Date32':
      return `'${toDateText(value, type, opts)}'`
    case 'DateTime': {
      const instant = toInstant(value, 0, type, opts)
      checkInstantRange(instant, type, value, opts)
      // Wall time in UTC, so the server's own zone never shifts the instant.
      return `toDateTime('${utcCalendarText(instant)}', 'UTC')`
    }
    case 'DateTime64': {
      const instant = toInstant(value, type.precision, type, opts)
      checkInstantRange(instant, type, value, opts)
      return `toDateTime64('${utcCalendarText(instant)}', ${type.precision}, 'UTC')`
    }
    case 'Enum':
      return quoteLiteral(toEnumName(value, type, opts))
    case 'UUID':
      return `'${toUuidText(value, type, opts)}'`
    case 'IPv4':
    case 'IPv6':
      return `'${toIpText(value, type, opts)}'`
    case 'JSON':
      return quoteLiteral(toJsonText(value, type, opts))
    case 'Array':
      if (!Array.isArray(value)) throw valueError(type, value, 'expected an array', opts)
      return `[${value.map((v) => encodeLiteral(v, type.element, opts, true)).join(', ')}]`
    case 'Tuple': {
      const items = tupleElements(value, type, opts)
      return `tuple(${items.map((v, i) => encodeLiteral(v, type.elements[i] as ClickHouseType, opts, true)).join(', ')})`
    }
    case 'Map': {
      const parts = mapEntries(value, type, opts).map(
        ([k, v]) => `${encodeLiteral(k, type.key, opts, true)}, ${encodeLiteral(v, type.value, opts, true)}`,
      )
      return `map(${parts.join(', ')})`
    }
    case 'Nullable':
    case 'LowCardinality':
      return encodeLiteral(value, type, opts, true)
    case 'Nothing':
      throw valueError(type, value, 'only NULL has type Nothing', opts)
    case 'Variant':
    case 'Dynamic':
      throw valueError(type, value, 'state the concrete type of the value instead', opts)
  }
}

const LITERAL_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
}

function hexEscape(code: number): string {
  return `\\x${code.toString(16).padStart(2, '0').toUpperCase()}`
}

/** A single-quoted SQL string: \ and ' escaped, every control character escaped. */
export function quoteLiteral(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped here
  return `'${s.replace(/[\\'\x00-\x1f\x7f]/g, (c) => LITERAL_ESCAPES[c] ?? hexEscape(c.charCodeAt(0)))}'`
}

/** Bytes as a SQL string: UTF-8 text when valid, \xHH for every other non-ASCII byte. */
function quoteBytesLiteral(bytes: Uint8Array): string {
  let out = "'"
  for (const b of bytes) {
    const c = String.fromCharCode(b)
    if (b >= 0x80 || b < 0x20 || b === 0x7f) out += LITERAL_ESCAPES[c] ?? hexEscape(b)
    else out += LITERAL_ESCAPES[c] ?? c
  }
  return `${out}'`
}
