import { ValueRejection } from './rejection.ts'

const NUMBER_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/

/**
 * Plain decimal digits (no exponent, no redundant zeros) for numeric text,
 * e.g. `'-1.50e2'` → `'-150'`; undefined when the text is not a number.
 */
export function plainDecimal(text: string): string | undefined {
  const m = NUMBER_TEXT.exec(text)
  if (!m) return undefined
  const [, sign, intPart = '', fracPart = '', expText] = m
  if (intPart === '' && fracPart === '') return undefined
  let digits = intPart + fracPart
  let point = intPart.length + (expText === undefined ? 0 : Number(expText))
  if (!Number.isFinite(point) || Math.abs(point) > 1000) return undefined
  if (point < 0) {
    digits = '0'.repeat(-point) + digits
    point = 0
  }
  if (point > digits.length) digits += '0'.repeat(point - digits.length)
  const int = digits.slice(0, point).replace(/^0+/, '') || '0'
  const frac = digits.slice(point).replace(/0+$/, '')
  const negative = sign === '-' && !(int === '0' && frac === '')
  return `${negative ? '-' : ''}${int}${frac === '' ? '' : `.${frac}`}`
}

/**
 * Exact decimal text with exactly `scale` fraction digits (no point when
 * `scale` is 0) for a value of a DECIMAL(precision, scale) type: numeric text
 * (an exponent is allowed), a finite number (its shortest round-trip form is
 * the decimal it was written as) or a bigint. Nothing is rounded: more
 * fraction or integer digits than the type holds is a rejection.
 */
export function exactDecimal(value: unknown, precision: number, scale: number): string | ValueRejection {
  let text: string | undefined
  if (typeof value === 'bigint') text = value.toString()
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) return new ValueRejection('not a finite number')
    text = plainDecimal(String(value))
  } else if (typeof value === 'string') text = plainDecimal(value.trim())
  if (text === undefined) return new ValueRejection('expected a decimal number')
  const negative = text.startsWith('-')
  const [int = '0', frac = ''] = (negative ? text.slice(1) : text).split('.')
  if (frac.length > scale)
    return new ValueRejection(`more than ${scale} fraction digits (nothing is rounded)`)
  const intDigits = int === '0' ? 0 : int.length
  if (intDigits > precision - scale)
    return new ValueRejection(
      `more than ${precision - scale} integer digits (precision ${precision}, scale ${scale})`,
    )
  return `${negative ? '-' : ''}${int}${scale > 0 ? `.${frac.padEnd(scale, '0')}` : ''}`
}
