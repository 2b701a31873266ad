import { formatType } from '../formats/type-parser.ts'
import type { ClickHouseType } from '../formats/types.ts'
import {
  checkInstantRange,
  toDateText,
  toFloatText,
  toInstant,
  toUuidText,
  type ValueContext,
} from './scalars.ts'

/**
 * Scalar SQL forms for servers without query parameters (Debian's 18.16).
 * Their text parsers misread values the modern path sends as text:
 * - floats are parsed inexactly (last digit off, subnormals become 0), so a
 *   float travels as its IEEE-754 bytes;
 * - dates after 2105-12-31 and times from 2106 parse as 0 or wrap around, so
 *   Date travels as its day number and DateTime as its Unix seconds;
 * - a String cannot be cast to Nullable(UUID), so UUIDs go through toUUID.
 * Also, converting a whole Array(Nullable(String)) to, say,
 * Array(Nullable(Decimal)) parses the empty strings behind the NULLs and
 * fails, so every scalar inside a container is typed on its own.
 */

const DAY_MS = 86_400_000

type Of<K extends ClickHouseType['kind']> = Extract<ClickHouseType, { kind: K }>

/**
 * An expression for a non-NULL scalar, or undefined for kinds whose string
 * literal 18.16 reads correctly (the caller casts it). Inside a container
 * (`nested`) the expression has the scalar's own type; at the top the
 * caller's cast to the declared type does that.
 */
export function legacyScalar(
  value: unknown,
  type: ClickHouseType,
  nested: boolean,
  ctx: ValueContext,
): string | undefined {
  const typed = (source: string) => (nested ? `CAST(${source} AS ${formatType(type)})` : source)
  switch (type.kind) {
    case 'Float':
      return floatBytes(value, type, ctx)
    case 'Date': {
      const day = Date.parse(`${toDateText(value, type, ctx)}T00:00:00Z`) / DAY_MS
      return typed(`toUInt16('${day}')`)
    }
    case 'DateTime': {
      const instant = toInstant(value, 0, type, ctx)
      checkInstantRange(instant, type, value, ctx)
      return typed(`toUInt32('${instant.seconds}')`)
    }
    case 'UUID':
      return `toUUID('${toUuidText(value, type, ctx)}')`
    default:
      return undefined
  }
}

/**
 * NULL of a Nullable type. A bare NULL cast to Nullable(Enum) fails on 18.16
 * (it converts the hidden default 0, which is not an enum value), so that NULL
 * is made from an enum value instead.
 */
export function legacyNull(inner: ClickHouseType, quote: (s: string) => string): string {
  if (inner.kind !== 'Enum') return 'NULL'
  const first = inner.values.values().next()
  if (first.done === true) return 'NULL'
  const some = `CAST(${quote(first.value)} AS ${formatType(inner)})`
  return `nullIf(${some}, ${some})`
}

/** A float as its little-endian IEEE-754 bytes, reinterpreted by the server. */
function floatBytes(value: unknown, type: Of<'Float'>, ctx: ValueContext): string {
  const text = toFloatText(value, type, ctx)
  const x =
    text === 'nan'
      ? Number.NaN
      : text === 'inf'
        ? Number.POSITIVE_INFINITY
        : text === '-inf'
          ? Number.NEGATIVE_INFINITY
          : Number(text)
  const bytes = new DataView(new ArrayBuffer(type.bits / 8))
  // Float32 from a double rounds to nearest, as the server's own conversion does.
  if (type.bits === 32) bytes.setFloat32(0, x, true)
  else bytes.setFloat64(0, x, true)
  let hex = ''
  for (let i = 0; i < bytes.byteLength; i++) hex += bytes.getUint8(i).toString(16).padStart(2, '0')
  return `reinterpretAsFloat${type.bits}(unhex('${hex.toUpperCase()}'))`
}
