/**
 * JSON parsed without losing numbers: `JSON.parse` with the source text of
 * each number (Node 22+), so integers beyond 2^53 become `bigint` and numbers
 * whose double would differ from what was written (`0.1000000000000000055`,
 * `1e400`) stay as their text. Nothing else changes, so no library is needed.
 */

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown

const INTEGER = /^-?\d+$/

const exact: Reviver = (_key, value, context) => {
  if (typeof value !== 'number' || context?.source === undefined) return value
  const source = context.source
  if (INTEGER.test(source)) return Number.isSafeInteger(value) ? value : BigInt(source)
  return sameNumber(source, value) ? value : source
}

/** Whether `value` is exactly the number `source` writes (ignoring spelling: `1.50`, `15e-1`). */
function sameNumber(source: string, value: number): boolean {
  if (!Number.isFinite(value)) return false
  return normalize(source) === normalize(String(value))
}

function normalize(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text)
  if (!m) return text
  const [, sign, int, frac = '', exp = '0'] = m
  let digits = `${int}${frac}`.replace(/^0+/, '')
  const leadingZeros = `${int}${frac}`.length - digits.length
  let point = int!.length - leadingZeros + Number(exp)
  digits = digits.replace(/0+$/, '')
  if (digits === '') {
    digits = '0'
    point = 1
  }
  return `${digits === '0' ? '' : sign}${digits}e${point}`
}

/** `JSON.parse` keeping every number exact (see above). */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(text, exact as (key: string, value: unknown) => unknown)
}
