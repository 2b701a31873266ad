import { ProtocolError } from '@tributary/core'
import { readBinaryType } from './binary-type.ts'
import { formatType } from './type-parser.ts'
import type { ClickHouseType } from './types.ts'
import {
  addFirst,
  dateTime64Value,
  dateTimeValue,
  formatDays,
  formatDecimal,
  formatIPv6,
  formatUuid,
  mapKeyText,
  parseJsonLossless,
  setOwn,
} from './value-text.ts'

/** The bytes a decoder reads from; `pos` advances as values are read. */
/**
 * Node's Buffer has had these slice-to-string methods since its beginning;
 * `toString(encoding, start, end)` calls them after argument checks we do not need.
 */
export type SliceableBuffer = Buffer & {
  latin1Slice(start: number, end: number): string
  utf8Slice(start: number, end: number): string
}

export interface ByteCursor {
  bytes: SliceableBuffer
  view: DataView
  pos: number
  end: number
}

export type BinaryDecoder = (c: ByteCursor) => unknown

/** Thrown (not an Error: no stack to capture) when a value runs past the buffered bytes. */
export const NEED_MORE: { readonly needMore: true } = Object.freeze({ needMore: true })

export interface BinaryDecoderOptions {
  binaryStrings: boolean
  dateTimesAsString: boolean
  /** Map values as `[key, value][]` instead of objects. */
  mapEntries: boolean
}

export function readVarUInt(c: ByteCursor): number {
  const bytes = c.bytes
  let pos = c.pos
  if (pos >= c.end) throw NEED_MORE
  let b = bytes[pos++] as number
  if (b < 0x80) {
    c.pos = pos
    return b
  }
  let result = b & 0x7f
  let shift = 128
  for (;;) {
    if (pos >= c.end) throw NEED_MORE
    b = bytes[pos++] as number
    result += (b & 0x7f) * shift
    if (b < 0x80) break
    shift *= 128
    if (shift > 2 ** 56)
      throw new ProtocolError('RowBinary: malformed variable-length integer', { system: 'clickhouse' })
  }
  c.pos = pos
  return result
}

/** UTF-8 text of bytes[start, end); short ASCII runs skip the generic decoder. */
export function utf8(bytes: SliceableBuffer, start: number, end: number): string {
  const len = end - start
  if (len === 0) return ''
  if (len <= 16) {
    let ascii = true
    for (let i = start; i < end; i++) {
      if ((bytes[i] as number) >= 0x80) {
        ascii = false
        break
      }
    }
    if (ascii) return bytes.latin1Slice(start, end)
  }
  return bytes.utf8Slice(start, end)
}

/** A plain Uint8Array copy of bytes[start, end) (Buffer#slice would give a Buffer). */
export function copyBytes(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + end))
}

function readString(c: ByteCursor): string {
  const len = readVarUInt(c)
  const start = c.pos
  const end = start + len
  if (end > c.end) throw NEED_MORE
  c.pos = end
  return utf8(c.bytes, start, end)
}

function readStringBytes(c: ByteCursor): Uint8Array {
  const len = readVarUInt(c)
  const start = c.pos
  const end = start + len
  if (end > c.end) throw NEED_MORE
  c.pos = end
  return copyBytes(c.bytes, start, end)
}

function need(c: ByteCursor, n: number): number {
  const pos = c.pos
  if (pos + n > c.end) throw NEED_MORE
  c.pos = pos + n
  return pos
}

/** Little-endian two's complement integer of `bytes` (8, 16 or 32) bytes as bigint. */
function wideInt(c: ByteCursor, size: number, signed: boolean): bigint {
  const p = need(c, size)
  const view = c.view
  let v = 0n
  for (let off = size - 8; off >= 0; off -= 8) {
    const word =
      off === size - 8 && signed ? view.getBigInt64(p + off, true) : view.getBigUint64(p + off, true)
    v = (v << 64n) | word
  }
  return v
}

function signedWide(v: bigint, bits: number): bigint {
  return BigInt.asIntN(bits, v)
}

export function buildBinaryDecoder(type: ClickHouseType, options: BinaryDecoderOptions): BinaryDecoder {
  switch (type.kind) {
    case 'Int':
      return intDecoder(type.signed, type.bits)
    case 'Float':
      return type.bits === 32
        ? (c) => c.view.getFloat32(need(c, 4), true)
        : (c) => c.view.getFloat64(need(c, 8), true)
    case 'Bool':
      return (c) => c.bytes[need(c, 1)] !== 0
    case 'Decimal': {
      const scale = type.scale
      switch (type.bits) {
        case 32:
          return (c) => formatDecimal(c.view.getInt32(need(c, 4), true), scale)
        case 64:
          return (c) => formatDecimal(c.view.getBigInt64(need(c, 8), true), scale)
        case 128:
          return (c) => formatDecimal(signedWide(wideInt(c, 16, false), 128), scale)
        default:
          return (c) => formatDecimal(signedWide(wideInt(c, 32, false), 256), scale)
      }
    }
    case 'String':
      return options.binaryStrings ? readStringBytes : readString
    case 'FixedString': {
      const n = type.length
      if (options.binaryStrings) return (c) => copyBytes(c.bytes, need(c, n), c.pos)
      return (c) => {
        const p = need(c, n)
        return utf8(c.bytes, p, p + n)
      }
    }
    case 'Date':
      return (c) => formatDays(c.view.getUint16(need(c, 2), true))
    case 'Date32':
      return (c) => formatDays(c.view.getInt32(need(c, 4), true))
    case 'DateTime': {
      const asString = options.dateTimesAsString
      return (c) => dateTimeValue(c.view.getUint32(need(c, 4), true), asString)
    }
    case 'DateTime64': {
      const precision = type.precision
      const asString = options.dateTimesAsString
      if (!asString && precision <= 3) {
        const factor = 10 ** (3 - precision)
        // Ticks of DateTime64(<=3) fit a double exactly; skip the bigint.
        return (c) => {
          const p = need(c, 8)
          const ms = (c.view.getInt32(p + 4, true) * 4294967296 + c.view.getUint32(p, true)) * factor
          return new Date(ms)
        }
      }
      return (c) => dateTime64Value(c.view.getBigInt64(need(c, 8), true), precision, asString)
    }
    case 'Enum': {
      const names = type.values
      const read =
        type.bits === 8
          ? (c: ByteCursor) => c.view.getInt8(need(c, 1))
          : (c: ByteCursor) => c.view.getInt16(need(c, 2), true)
      return (c) => {
        const v = read(c)
        const name = names.get(v)
        if (name === undefined) {
          throw new ProtocolError(`RowBinary: value ${v} is not in ${formatType(type)}`, {
            system: 'clickhouse',
          })
        }
        return name
      }
    }
    case 'UUID':
      return (c) => formatUuid(c.bytes, need(c, 16))
    case 'IPv4':
      return (c) => {
        const p = need(c, 4)
        const b = c.bytes
        return `${b[p + 3]}.${b[p + 2]}.${b[p + 1]}.${b[p]}`
      }
    case 'IPv6':
      return (c) => formatIPv6(c.bytes, need(c, 16))
    case 'Nothing':
      return () => null
    case 'Nullable': {
      const inner = buildBinaryDecoder(type.inner, options)
      return (c) => (c.bytes[need(c, 1)] !== 0 ? null : inner(c))
    }
    case 'LowCardinality':
      return buildBinaryDecoder(type.inner, options)
    case 'Array': {
      const element = buildBinaryDecoder(type.element, options)
      return (c) => {
        const n = readVarUInt(c)
        // Each element takes at least one byte (Nothing aside); reject absurd counts before allocating.
        if (n > c.end - c.pos && type.element.kind !== 'Nothing') throw NEED_MORE
        const out = new Array(n)
        for (let i = 0; i < n; i++) out[i] = element(c)
        return out
      }
    }
    case 'Tuple': {
      const elements = type.elements.map((e) => buildBinaryDecoder(e, options))
      const names = type.names
      if (names === undefined) {
        return (c) => {
          const out = new Array(elements.length)
          for (let i = 0; i < elements.length; i++) out[i] = (elements[i] as BinaryDecoder)(c)
          return out
        }
      }
      return (c) => {
        const out: Record<string, unknown> = {}
        for (let i = 0; i < elements.length; i++)
          setOwn(out, names[i] as string, (elements[i] as BinaryDecoder)(c))
        return out
      }
    }
    case 'Map': {
      const value = buildBinaryDecoder(type.value, options)
      if (options.mapEntries) {
        const key = buildBinaryDecoder(type.key, options)
        return (c) => {
          const n = readVarUInt(c)
          if (n > c.end - c.pos) throw NEED_MORE
          const out: [unknown, unknown][] = new Array(n)
          for (let i = 0; i < n; i++) {
            const k = key(c)
            out[i] = [k, value(c)]
          }
          return out
        }
      }
      const key = buildBinaryDecoder(type.key, { ...options, binaryStrings: false })
      return (c) => {
        const n = readVarUInt(c)
        if (n > c.end - c.pos) throw NEED_MORE
        const out: Record<string, unknown> = {}
        for (let i = 0; i < n; i++) {
          const k = mapKeyText(key(c))
          addFirst(out, k, value(c))
        }
        return out
      }
    }
    case 'Variant': {
      const variants = type.variants.map((v) => buildBinaryDecoder(v, options))
      return (c) => {
        const d = c.bytes[need(c, 1)] as number
        if (d === 0xff) return null
        const decode = variants[d]
        if (decode === undefined) {
          throw new ProtocolError(`RowBinary: variant ${d} out of range in ${formatType(type)}`, {
            system: 'clickhouse',
          })
        }
        return decode(c)
      }
    }
    case 'JSON':
      // Requested as text (output_format_binary_write_json_as_string=1).
      return (c) => parseJsonLossless(readString(c))
    case 'Dynamic':
      return dynamicDecoder(options)
  }
}

function intDecoder(signed: boolean, bits: number): BinaryDecoder {
  switch (bits) {
    case 8:
      return signed ? (c) => c.view.getInt8(need(c, 1)) : (c) => c.bytes[need(c, 1)]
    case 16:
      return signed ? (c) => c.view.getInt16(need(c, 2), true) : (c) => c.view.getUint16(need(c, 2), true)
    case 32:
      return signed ? (c) => c.view.getInt32(need(c, 4), true) : (c) => c.view.getUint32(need(c, 4), true)
    case 64:
      return signed
        ? (c) => c.view.getBigInt64(need(c, 8), true)
        : (c) => c.view.getBigUint64(need(c, 8), true)
    case 128:
      return signed ? (c) => signedWide(wideInt(c, 16, false), 128) : (c) => wideInt(c, 16, false)
    default:
      return signed ? (c) => signedWide(wideInt(c, 32, false), 256) : (c) => wideInt(c, 32, false)
  }
}

/** Dynamic values carry their own type; decoders are built once per distinct type prefix. */
function dynamicDecoder(options: BinaryDecoderOptions): BinaryDecoder {
  const cache = new Map<string, BinaryDecoder>()
  return (c) => {
    const start = c.pos
    const { type, pos } = readBinaryType(c.bytes, start, c.end, NEED_MORE)
    const key = c.bytes.latin1Slice(start, pos)
    let decode = cache.get(key)
    if (decode === undefined) {
      decode = buildBinaryDecoder(type, options)
      if (cache.size < 1000) cache.set(key, decode)
    }
    c.pos = pos
    return decode(c)
  }
}
