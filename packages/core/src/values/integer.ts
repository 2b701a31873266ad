import { ValueRejection } from './rejection.ts'

const RANGES = new Map<number, readonly [bigint, bigint]>()

/** The smallest and largest value of a signed or unsigned integer type of `bits` bits (8 to 256). */
export function integerRange(bits: number, signed: boolean): readonly [bigint, bigint] {
  const key = signed ? -bits : bits
  let range = RANGES.get(key)
  if (range === undefined) {
    const b = BigInt(bits)
    range = signed ? [-(1n << (b - 1n)), (1n << (b - 1n)) - 1n] : [0n, (1n << b) - 1n]
    RANGES.set(key, range)
  }
  return range
}

/** The range as a reader wants it: digits up to 32 bits, powers of two beyond. */
export function describeIntegerRange(bits: number, signed: boolean): string {
  if (bits <= 32) {
    const [min, max] = integerRange(bits, signed)
    return `${min} … ${max}`
  }
  return signed ? `-2^${bits - 1} … 2^${bits - 1} - 1` : `0 … 2^${bits} - 1`
}

const DIGITS = /^[+-]?\d{1,80}$/

/**
 * The exact integer a value stands for, checked against the range of a
 * `bits`-bit integer: a bigint, a safe-integer number (beyond 2^53 a number
 * may already have been rounded), or decimal digits.
 */
export function exactInteger(value: unknown, bits: number, signed: boolean): bigint | ValueRejection {
  let n: bigint
  if (typeof value === 'bigint') n = value
  else if (typeof value === 'number') {
    if (!Number.isInteger(value)) return new ValueRejection('not an integer')
    if (!Number.isSafeInteger(value)) return new ValueRejection('unsafe integer; pass a bigint')
    n = BigInt(value)
  } else if (typeof value === 'string' && DIGITS.test(value)) n = BigInt(value)
  else return new ValueRejection('expected an integer (number, bigint or decimal digits)')
  const [min, max] = integerRange(bits, signed)
  if (n < min || n > max) return new ValueRejection(`out of range (${describeIntegerRange(bits, signed)})`)
  return n
}
