import { decodeUtf8, NotSupportedError } from '@tributary/core'
import type { ClickHouseType } from './types.ts'

/**
 * Decoder for ClickHouse's binary type encoding, which prefixes every value of
 * a `Dynamic` column in RowBinary. Reads from `bytes` at `pos`; returns the type
 * and the position after it, or throws `need` when the bytes end first.
 */
export function readBinaryType(
  bytes: Uint8Array,
  pos: number,
  end: number,
  need: unknown,
): { type: ClickHouseType; pos: number } {
  const r = { pos }
  const byte = (): number => {
    if (r.pos >= end) throw need
    return bytes[r.pos++] as number
  }
  const varUInt = (): number => {
    let result = 0
    let shift = 1
    for (;;) {
      const b = byte()
      result += (b & 0x7f) * shift
      if (b < 0x80) return result
      shift *= 128
    }
  }
  const str = (): string => {
    const n = varUInt()
    if (r.pos + n > end) throw need
    const s = decodeUtf8(bytes.subarray(r.pos, r.pos + n))
    r.pos += n
    return s
  }
  const read = (): ClickHouseType => {
    const code = byte()
    switch (code) {
      case 0x00:
        return { kind: 'Nothing' }
      case 0x01:
      case 0x02:
      case 0x03:
      case 0x04:
      case 0x05:
      case 0x06:
        return { kind: 'Int', signed: false, bits: INT_BITS[code - 0x01] as 8 }
      case 0x07:
      case 0x08:
      case 0x09:
      case 0x0a:
      case 0x0b:
      case 0x0c:
        return { kind: 'Int', signed: true, bits: INT_BITS[code - 0x07] as 8 }
      case 0x0d:
        return { kind: 'Float', bits: 32 }
      case 0x0e:
        return { kind: 'Float', bits: 64 }
      case 0x0f:
        return { kind: 'Date' }
      case 0x10:
        return { kind: 'Date32' }
      case 0x11:
        return { kind: 'DateTime' }
      case 0x12:
        return { kind: 'DateTime', timezone: str() }
      case 0x13:
        return { kind: 'DateTime64', precision: byte() }
      case 0x14: {
        const precision = byte()
        return { kind: 'DateTime64', precision, timezone: str() }
      }
      case 0x15:
        return { kind: 'String' }
      case 0x16:
        return { kind: 'FixedString', length: varUInt() }
      case 0x17:
      case 0x18: {
        const wide = code === 0x18
        const n = varUInt()
        const values = new Map<number, string>()
        for (let i = 0; i < n; i++) {
          const name = str()
          let v: number
          if (wide) {
            const lo = byte()
            v = (((byte() << 8) | lo) << 16) >> 16
          } else v = (byte() << 24) >> 24
          values.set(v, name)
        }
        return { kind: 'Enum', bits: wide ? 16 : 8, values }
      }
      case 0x19:
      case 0x1a:
      case 0x1b:
      case 0x1c: {
        const precision = byte()
        const scale = byte()
        return { kind: 'Decimal', precision, scale, bits: DECIMAL_BITS[code - 0x19] as 32 }
      }
      case 0x1d:
        return { kind: 'UUID' }
      case 0x1e:
        return { kind: 'Array', element: read() }
      case 0x1f: {
        const n = varUInt()
        const elements: ClickHouseType[] = []
        for (let i = 0; i < n; i++) elements.push(read())
        return { kind: 'Tuple', elements }
      }
      case 0x20: {
        const n = varUInt()
        const elements: ClickHouseType[] = []
        const names: string[] = []
        for (let i = 0; i < n; i++) {
          names.push(str())
          elements.push(read())
        }
        return { kind: 'Tuple', elements, names }
      }
      case 0x23:
        return { kind: 'Nullable', inner: read() }
      case 0x26:
        return { kind: 'LowCardinality', inner: read() }
      case 0x27: {
        const key = read()
        return { kind: 'Map', key, value: read() }
      }
      case 0x28:
        return { kind: 'IPv4' }
      case 0x29:
        return { kind: 'IPv6' }
      case 0x2a: {
        const n = varUInt()
        const variants: ClickHouseType[] = []
        for (let i = 0; i < n; i++) variants.push(read())
        return { kind: 'Variant', variants }
      }
      case 0x2b:
        byte()
        return { kind: 'Dynamic' }
      case 0x2d:
        return { kind: 'Bool' }
      case 0x2f: {
        // Nested(...) is stored as Array(Tuple(named ...)).
        const n = varUInt()
        const elements: ClickHouseType[] = []
        const names: string[] = []
        for (let i = 0; i < n; i++) {
          names.push(str())
          elements.push(read())
        }
        return { kind: 'Array', element: { kind: 'Tuple', elements, names } }
      }
      default:
        throw new NotSupportedError(
          `Dynamic value of binary type code 0x${code.toString(16)} is not supported by the RowBinary reader`,
          { system: 'clickhouse' },
        )
    }
  }
  const type = read()
  return { type, pos: r.pos }
}

const INT_BITS = [8, 16, 32, 64, 128, 256] as const
const DECIMAL_BITS = [32, 64, 128, 256] as const
