import { ParameterError, strictUtf8, zonedCalendarText } from '@tributary/core'
import type { ClickHouseType } from '../formats/types.ts'
import {
  checkInstantRange,
  type Instant,
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

/**
 * ClickHouse's text form of a value, as the server reads `param_<name>` and
 * TabSeparated input: a top-level value in the "escaped" form (strings bare,
 * backslash escapes, `\N` for NULL), values inside arrays, tuples and maps in
 * the "quoted" form (strings in '…', `NULL`).
 */
export function formatParamText(value: unknown, type: ClickHouseType, options: ValueContext = {}): string {
  return encodeText(unwrapTyped(value), type, false, options)
}

/** The escaped text form of one value: a TSV field or a parameter value. */
export function encodeText(value: unknown, type: ClickHouseType, nested: boolean, ctx: ValueContext): string {
  switch (type.kind) {
    case 'Nullable':
      if (value === null || value === undefined) return nested ? 'NULL' : '\\N'
      return encodeText(value, type.inner, nested, ctx)
    case 'LowCardinality':
      return encodeText(value, type.inner, nested, ctx)
    case 'Variant':
      if (value === null || value === undefined) return nested ? 'NULL' : '\\N'
      return encodeVariant(value, type, nested, ctx)
  }
  if (value === null || value === undefined)
    throw valueError(type, value, 'NULL for a type that is not Nullable', ctx)
  switch (type.kind) {
    case 'Int':
      return toInteger(value, type, ctx).toString()
    case 'Float':
      return toFloatText(value, type, ctx)
    case 'Bool':
      return toBool(value, type, ctx) ? 'true' : 'false'
    case 'Decimal':
      return toDecimalText(value, type, ctx)
    case 'String':
    case 'FixedString': {
      const v = toStringValue(value, type, ctx)
      if ('text' in v) return nested ? quoteText(v.text) : escapeText(v.text)
      const text = strictUtf8(v.bytes)
      if (text !== undefined) return nested ? quoteText(text) : escapeText(text)
      return nested ? `'${escapeBytes(v.bytes, true)}'` : escapeBytes(v.bytes, false)
    }
    case 'Date':
    case 'Date32':
      return wrap(toDateText(value, type, ctx), nested)
    case 'DateTime': {
      const instant = toInstant(value, 0, type, ctx)
      checkInstantRange(instant, type, value, ctx)
      return wrap(instant.seconds.toString().padStart(10, '0'), nested)
    }
    case 'DateTime64': {
      const instant = toInstant(value, type.precision, type, ctx)
      checkInstantRange(instant, type, value, ctx)
      return wrap(dateTime64Text(instant, type, value, ctx), nested)
    }
    case 'Enum': {
      const name = toEnumName(value, type, ctx)
      return nested ? quoteText(name) : escapeText(name)
    }
    case 'UUID':
      return wrap(toUuidText(value, type, ctx), nested)
    case 'IPv4':
    case 'IPv6':
      return wrap(toIpText(value, type, ctx), nested)
    case 'JSON': {
      const text = toJsonText(value, type, ctx)
      return nested ? quoteText(text) : escapeText(text)
    }
    case 'Array': {
      if (!Array.isArray(value)) throw valueError(type, value, 'expected an array', ctx)
      return `[${value.map((v) => encodeText(v, type.element, true, ctx)).join(',')}]`
    }
    case 'Tuple': {
      const items = tupleElements(value, type, ctx)
      return `(${items.map((v, i) => encodeText(v, type.elements[i] as ClickHouseType, true, ctx)).join(',')})`
    }
    case 'Map': {
      const parts = mapEntries(value, type, ctx).map(
        ([k, v]) => `${encodeText(k, type.key, true, ctx)}:${encodeText(v, type.value, true, ctx)}`,
      )
      return `{${parts.join(',')}}`
    }
    case 'Nothing':
      throw valueError(type, value, 'only NULL has type Nothing', ctx)
    case 'Dynamic':
      throw valueError(type, value, 'state the concrete type of the value instead', ctx)
  }
}

/**
 * The text of the first variant that accepts the JS value. The server picks
 * the variant from the text alone, so a string that reads as another variant
 * ('42' in Variant(String, UInt64)) arrives as that variant. A top-level field
 * is unescaped once and then parsed as the variant's own escaped text
 * (verified on 26.7: the field a\tb is refused, a\\tb reads as a, tab, b),
 * so it is escaped twice.
 */
function encodeVariant(
  value: unknown,
  type: Extract<ClickHouseType, { kind: 'Variant' }>,
  nested: boolean,
  ctx: ValueContext,
): string {
  for (const variant of type.variants) {
    try {
      const text = encodeText(value, variant, nested, ctx)
      return nested ? text : escapeText(text)
    } catch (error) {
      if (!(error instanceof ParameterError)) throw error
    }
  }
  throw valueError(type, value, 'no variant accepts this value', ctx)
}

function wrap(text: string, nested: boolean): string {
  return nested ? `'${text}'` : text
}

/**
 * Unix seconds with fraction. The server reads '-S.F' as -(S + F); it also
 * drops the sign when S is 0 (verified on 26.7: '-0.5' reads as +0.5), so an
 * instant in the last second before 1970 is sent as wall time in the type's
 * zone instead.
 */
function dateTime64Text(
  instant: Instant,
  type: Extract<ClickHouseType, { kind: 'DateTime64' }>,
  value: unknown,
  ctx: ValueContext,
) {
  const { seconds, fraction } = instant
  const pad = (n: bigint) => n.toString().padStart(10, '0')
  if (seconds >= 0n) return fraction === '' ? pad(seconds) : `${pad(seconds)}.${fraction}`
  if (fraction === '' || /^0+$/.test(fraction))
    return fraction === '' ? `-${pad(-seconds)}` : `-${pad(-seconds)}.${fraction}`
  if (seconds === -1n) {
    const wall = type.timezone === undefined ? undefined : zonedCalendarText(instant, type.timezone)
    if (wall === undefined)
      throw valueError(
        type,
        value,
        'an instant in the second before 1970 needs a DateTime64 type with a time zone',
        ctx,
      )
    return wall
  }
  const scale = 10n ** BigInt(type.precision)
  const complement = (scale - BigInt(fraction)).toString().padStart(type.precision, '0')
  return `-${pad(-seconds - 1n)}.${complement}`
}

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
  "'": "\\'",
}

/** A top-level string: backslash escapes, no quotes (a quote needs no escape there). */
export function escapeText(s: string): string {
  return s.replace(/[\\\t\n\r\0\b\f]/g, (c) => ESCAPES[c] as string)
}

/** A string inside a container: quoted, with the quote escaped as well. */
export function quoteText(s: string): string {
  return `'${s.replace(/[\\\t\n\r\0\b\f']/g, (c) => ESCAPES[c] as string)}'`
}

/** Bytes that are not UTF-8: ASCII as text, everything else as \xHH. */
function escapeBytes(bytes: Uint8Array, quoted: boolean): string {
  let out = ''
  for (const b of bytes) {
    const c = String.fromCharCode(b)
    if (b >= 0x80) out += `\\x${b.toString(16).padStart(2, '0')}`
    else if (ESCAPES[c] !== undefined && (quoted || c !== "'")) out += ESCAPES[c]
    else out += c
  }
  return out
}

const CHDB_UNESCAPES: Record<string, string> = {
  '\\': '\\',
  t: '\t',
  n: '\n',
  r: '\r',
  '0': '\0',
  b: '\b',
  f: '\f',
  // chDB re-escapes the string it is given but has no way to produce \', so a
  // quote inside a quoted string is written SQL-style as '' (read the same way).
  "'": "''",
}

/**
 * chDB's `queryBind` TSV-escapes every string value it is given (`\ \0 \b \f
 * \n \r \t`) before binding, and turns `null` into `\N`. This returns what to
 * hand it so that the text the engine reads is equivalent to `text` from
 * `formatParamText`: `null` for `\N`, otherwise `text` with those escapes
 * undone. Throws for escapes chDB cannot reproduce (\xHH from non-UTF-8 bytes).
 */
export function toChdbParam(text: string): string | null {
  if (text === '\\N') return null
  if (!text.includes('\\')) return text
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string
    if (c !== '\\') {
      out += c
      continue
    }
    const next = text[i + 1] ?? ''
    const plain = CHDB_UNESCAPES[next]
    if (plain === undefined)
      throw new ParameterError(`chDB cannot bind the escape \\${next} (bytes that are not UTF-8)`, {
        system: 'clickhouse',
      })
    out += plain
    i++
  }
  return out
}
