import { decodeUtf8 } from '@tributary/core'

/**
 * Value shaping shared by the RowBinary and TSV readers, so that both give the
 * very same JS values for the same data (see docs/clickhouse-types.md).
 */

const HEX: string[] = []
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'))

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`
}

/** 'YYYY-MM-DD' for a day number counted from 1970-01-01 (proleptic Gregorian). */
export function formatDays(days: number): string {
  // Civil-from-days (H. Hinnant): exact integer arithmetic, no Date object.
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0)
  return `${y < 1000 ? String(y).padStart(4, '0') : y}-${pad2(m)}-${pad2(d)}`
}

/** 'YYYY-MM-DDThh:mm:ss' (UTC, no zone suffix) for whole seconds since the epoch. */
export function formatIsoSeconds(seconds: number): string {
  const days = Math.floor(seconds / 86400)
  let rest = seconds - days * 86400
  const h = Math.floor(rest / 3600)
  rest -= h * 3600
  const mi = Math.floor(rest / 60)
  return `${formatDays(days)}T${pad2(h)}:${pad2(mi)}:${pad2(rest - mi * 60)}`
}

const POW10_BIG: bigint[] = []
for (let i = 0n; i <= 9n; i++) POW10_BIG.push(10n ** i)

/**
 * A DateTime64 value (ticks of 10^-precision seconds) as the decided JS value:
 * a `Date` when it is exact (precision <= 3 and Date mode), otherwise an
 * ISO-8601 UTC string with exactly `precision` fraction digits.
 */
export function dateTime64Value(ticks: bigint, precision: number, asString: boolean): Date | string {
  if (!asString && precision <= 3) return new Date(Number(ticks) * 10 ** (3 - precision))
  return isoFromTicks(ticks, precision)
}

export function isoFromTicks(ticks: bigint, precision: number): string {
  if (precision === 0) return `${formatIsoSeconds(Number(ticks))}Z`
  const scale = POW10_BIG[precision] as bigint
  let seconds = ticks / scale
  let frac = ticks % scale
  if (frac < 0n) {
    frac += scale
    seconds -= 1n
  }
  return `${formatIsoSeconds(Number(seconds))}.${frac.toString().padStart(precision, '0')}Z`
}

/** A DateTime (whole seconds) as the decided JS value. */
export function dateTimeValue(seconds: number, asString: boolean): Date | string {
  return asString ? `${formatIsoSeconds(seconds)}Z` : new Date(seconds * 1000)
}

/** Exact decimal text with exactly `scale` fraction digits from the scaled integer. */
export function formatDecimal(scaled: bigint | number, scale: number): string {
  let digits = typeof scaled === 'number' ? String(scaled) : scaled.toString()
  if (scale === 0) return digits
  let sign = ''
  if (digits.charCodeAt(0) === 45) {
    sign = '-'
    digits = digits.slice(1)
  }
  if (digits.length <= scale) digits = digits.padStart(scale + 1, '0')
  const cut = digits.length - scale
  return `${sign}${digits.slice(0, cut)}.${digits.slice(cut)}`
}

/**
 * Normalises decimal text as ClickHouse prints it (with or without trailing
 * zeros, depending on version and `output_format_decimal_trailing_zeros`) to
 * exactly `scale` fraction digits.
 */
export function normalizeDecimalText(text: string, scale: number): string {
  const dot = text.indexOf('.')
  let int = dot < 0 ? text : text.slice(0, dot)
  let frac = dot < 0 ? '' : text.slice(dot + 1)
  if (int === '' || int === '-' || int === '+') int += '0'
  if (int.charCodeAt(0) === 43) int = int.slice(1)
  if (frac.length > scale) frac = frac.slice(0, scale)
  else if (frac.length < scale) frac = frac.padEnd(scale, '0')
  if (int === '-0' && /^0*$/.test(frac)) int = '0'
  return scale === 0 ? int : `${int}.${frac}`
}

/** Canonical lowercase UUID from ClickHouse's layout: two little-endian 64-bit halves. */
export function formatUuid(b: Uint8Array, p: number): string {
  return (
    HEX[b[p + 7] as number]! +
    HEX[b[p + 6] as number]! +
    HEX[b[p + 5] as number]! +
    HEX[b[p + 4] as number]! +
    '-' +
    HEX[b[p + 3] as number]! +
    HEX[b[p + 2] as number]! +
    '-' +
    HEX[b[p + 1] as number]! +
    HEX[b[p] as number]! +
    '-' +
    HEX[b[p + 15] as number]! +
    HEX[b[p + 14] as number]! +
    '-' +
    HEX[b[p + 13] as number]! +
    HEX[b[p + 12] as number]! +
    HEX[b[p + 11] as number]! +
    HEX[b[p + 10] as number]! +
    HEX[b[p + 9] as number]! +
    HEX[b[p + 8] as number]!
  )
}

/**
 * IPv6 text exactly as ClickHouse prints it: the longest run (first on ties)
 * of two or more zero words becomes '::', and IPv4-mapped (::ffff:a.b.c.d) or
 * IPv4-compatible (::a.b.c.d with six leading zero words) addresses end in
 * dotted form.
 */
export function formatIPv6(b: Uint8Array, p: number): string {
  const words = new Array<number>(8)
  for (let i = 0; i < 8; i++) words[i] = ((b[p + 2 * i] as number) << 8) | (b[p + 2 * i + 1] as number)
  let bestBase = -1
  let bestLen = 0
  let curBase = -1
  let curLen = 0
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (curBase < 0) {
        curBase = i
        curLen = 1
      } else curLen++
      if (curLen > bestLen) {
        bestBase = curBase
        bestLen = curLen
      }
    } else curBase = -1
  }
  if (bestLen < 2) bestBase = -1
  let out = ''
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':'
      continue
    }
    if (i > 0) out += ':'
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += `${b[p + 12]}.${b[p + 13]}.${b[p + 14]}.${b[p + 15]}`
      break
    }
    out += (words[i] as number).toString(16)
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':'
  return out
}

/** The text form of a decoded Map key (Map values become plain objects keyed by text). */
export function mapKeyText(key: unknown): string {
  if (typeof key === 'string') return key
  if (key instanceof Date) return key.toISOString()
  if (key instanceof Uint8Array) return decodeUtf8(key)
  return String(key)
}

/** Sets `key` unless it is already there: the first of duplicate Map keys wins, as `m[key]` does in SQL. */
export function addFirst(target: Record<string, unknown>, key: string, value: unknown): void {
  if (!Object.hasOwn(target, key)) setOwn(target, key, value)
}

/** Assigns an own property even for the name '__proto__'. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  else target[key] = value
}

/**
 * JSON text to JS values, with integers beyond Number's safe range as bigint.
 * A safe integer has at most 16 digits, so texts without such a digit run take
 * the plain `JSON.parse` path.
 */
export function parseJsonLossless(text: string): unknown {
  if (!/\d{16}/.test(text)) return JSON.parse(text)
  return JSON.parse(text, reviveBigInt)
}

function reviveBigInt(this: unknown, _key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined) {
    if (/^-?\d+$/.test(context.source)) return BigInt(context.source)
  }
  return value
}
