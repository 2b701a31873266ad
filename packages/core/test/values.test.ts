import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ParameterError } from '../src/errors.ts'
import {
  calendarDay,
  checkUnicode,
  decodeUtf8,
  exactDecimal,
  exactInteger,
  formatCalendarDay,
  integerRange,
  plainDecimal,
  previewValue,
  strictUtf8,
  toInstant,
  utcCalendarText,
  ValueRejection,
  valueError,
  zonedCalendarText,
} from '../src/values/index.ts'

function reason(result: unknown): string {
  assert.ok(result instanceof ValueRejection, `expected a rejection, got ${String(result)}`)
  return result.reason
}

describe('integers', () => {
  test('every width from 8 to 256 bits accepts exactly its range, signed and unsigned', () => {
    for (const bits of [8, 16, 32, 64, 128, 256]) {
      for (const signed of [true, false]) {
        const [min, max] = integerRange(bits, signed)
        assert.equal(max - min + 1n, 1n << BigInt(bits))
        assert.equal(min, signed ? -(1n << BigInt(bits - 1)) : 0n)
        assert.equal(exactInteger(min, bits, signed), min)
        assert.equal(exactInteger(max, bits, signed), max)
        assert.equal(exactInteger(max.toString(), bits, signed), max)
        assert.match(reason(exactInteger(max + 1n, bits, signed)), /^out of range/)
        assert.match(reason(exactInteger(min - 1n, bits, signed)), /^out of range/)
      }
    }
  })

  test('the range in the reason is readable', () => {
    assert.equal(reason(exactInteger(300, 8, false)), 'out of range (0 … 255)')
    assert.equal(reason(exactInteger(-1, 8, false)), 'out of range (0 … 255)')
    assert.equal(reason(exactInteger(2 ** 31, 32, true)), 'out of range (-2147483648 … 2147483647)')
    assert.equal(reason(exactInteger(-1n, 64, false)), 'out of range (0 … 2^64 - 1)')
    assert.equal(reason(exactInteger(1n << 127n, 128, true)), 'out of range (-2^127 … 2^127 - 1)')
  })

  test('numbers must be safe integers; text must be decimal digits', () => {
    assert.equal(exactInteger(-42, 8, true), -42n)
    assert.equal(exactInteger('+7', 8, true), 7n)
    assert.equal(reason(exactInteger(1.5, 32, true)), 'not an integer')
    assert.match(reason(exactInteger(2 ** 53, 64, true)), /unsafe integer; pass a bigint/)
    for (const bad of ['1e3', '0x10', '', ' 1', '1.0', true, null, {}])
      assert.match(reason(exactInteger(bad, 64, true)), /expected an integer/)
  })
})

describe('decimals', () => {
  test('exact text with exactly `scale` fraction digits, exponents expanded', () => {
    assert.equal(exactDecimal('1.5', 10, 2), '1.50')
    assert.equal(exactDecimal(-0.25, 10, 2), '-0.25')
    assert.equal(exactDecimal('-0.00', 10, 2), '0.00')
    assert.equal(exactDecimal('1.5e3', 10, 0), '1500')
    assert.equal(exactDecimal('12e-3', 10, 4), '0.0120')
    assert.equal(exactDecimal(99999999n, 10, 2), '99999999.00')
    assert.equal(exactDecimal(' 3 ', 5, 0), '3')
    assert.equal(plainDecimal('-000.100e1'), '-1')
    assert.equal(plainDecimal('.'), undefined)
  })

  test('refuses what would need rounding or does not fit the precision', () => {
    assert.match(reason(exactDecimal('1.005', 10, 2)), /more than 2 fraction digits/)
    assert.match(reason(exactDecimal(12345678901.5, 10, 2)), /more than 8 integer digits/)
    assert.match(reason(exactDecimal(100000000n, 10, 2)), /more than 8 integer digits/)
    assert.equal(reason(exactDecimal(Number.NaN, 10, 2)), 'not a finite number')
    for (const bad of ['abc', '1,5', '', true])
      assert.equal(reason(exactDecimal(bad, 10, 2)), 'expected a decimal number')
  })
})

describe('dates and instants', () => {
  test('calendar days from text or a Date at UTC midnight', () => {
    assert.equal(calendarDay('1970-01-02'), 1)
    assert.equal(calendarDay('1969-12-31'), -1)
    assert.equal(calendarDay(new Date(Date.UTC(2024, 1, 29))), 19782)
    assert.equal(formatCalendarDay(19782), '2024-02-29')
    assert.match(reason(calendarDay('2023-02-29')), /expected 'YYYY-MM-DD'/)
    assert.match(reason(calendarDay(new Date(Date.UTC(2024, 0, 1, 5)))), /time of day/)
    assert.equal(reason(calendarDay(new Date(Number.NaN))), 'invalid Date')
  })

  test('instants from Dates, ISO text with offsets, and Unix seconds', () => {
    assert.deepEqual(toInstant(new Date(1500), 3), { seconds: 1n, fraction: '500' })
    assert.deepEqual(toInstant(new Date(-1500), 3), { seconds: -2n, fraction: '500' })
    assert.deepEqual(toInstant(new Date(2000), 0), { seconds: 2n, fraction: '' })
    assert.deepEqual(toInstant('1970-01-01T05:30:00.25+05:30', 2), { seconds: 0n, fraction: '25' })
    assert.deepEqual(toInstant('1970-01-01 00:00:10', 0), { seconds: 10n, fraction: '' })
    assert.deepEqual(toInstant('-1.25', 2), { seconds: -2n, fraction: '75' })
    assert.deepEqual(toInstant(12n, 1), { seconds: 12n, fraction: '0' })
    assert.match(reason(toInstant('2024-02-30T00:00:00Z', 0)), /not a valid calendar date/)
    assert.equal(reason(toInstant('1.5', 0)), 'more than 0 fraction digits')
    assert.equal(reason(toInstant('1970-01-01T00:00:00.1234Z', 3)), 'more than 3 fraction digits')
    assert.match(reason(toInstant('yesterday', 0)), /expected a Date/)
  })

  test('a Date with milliseconds for a type of whole seconds is refused unless truncation is asked for', () => {
    const refused = toInstant(new Date(1234), 0)
    assert.ok(refused instanceof ValueRejection)
    assert.equal(refused.kind, 'subsecond-date')
    assert.equal(refused.reason, 'has milliseconds and the type holds whole seconds')
    assert.equal((toInstant(new Date(1230), 2) as ValueRejection).kind, undefined)
    assert.deepEqual(toInstant(new Date(1234), 0, { subsecondDates: 'truncate' }), {
      seconds: 1n,
      fraction: '',
    })
    assert.deepEqual(toInstant(new Date(1234), 1, { subsecondDates: 'truncate' }), {
      seconds: 1n,
      fraction: '2',
    })
    // Toward the earlier instant, as a clock shows it.
    assert.deepEqual(toInstant(new Date(-1), 0, { subsecondDates: 'truncate' }), {
      seconds: -1n,
      fraction: '',
    })
    // Text and numbers say what they mean: never cut.
    assert.ok(toInstant('1.5', 0, { subsecondDates: 'truncate' }) instanceof ValueRejection)
  })

  test('calendar text of an instant in UTC and in a zone', () => {
    assert.equal(utcCalendarText({ seconds: 86_399n, fraction: '5' }), '1970-01-01 23:59:59.5')
    assert.equal(zonedCalendarText({ seconds: 0n, fraction: '' }, 'Asia/Kolkata'), '1970-01-01 05:30:00')
    assert.equal(zonedCalendarText({ seconds: 0n, fraction: '' }, 'Not/AZone'), undefined)
  })
})

describe('text', () => {
  test('lone surrogates are found, pairs are not', () => {
    assert.equal(checkUnicode('a😀b'), undefined)
    assert.equal(checkUnicode('ab\uD800')?.reason, 'contains a lone UTF-16 surrogate at index 2')
    assert.equal(checkUnicode('\uDC00x')?.reason, 'contains a lone UTF-16 surrogate at index 0')
  })

  test('decoding keeps a leading U+FEFF', () => {
    const bytes = new TextEncoder().encode('\uFEFF\\N')
    assert.equal(decodeUtf8(bytes), '\uFEFF\\N')
    assert.equal(strictUtf8(bytes), '\uFEFF\\N')
    assert.equal(strictUtf8(new Uint8Array([0xff])), undefined)
    assert.equal(decodeUtf8(new Uint8Array([0xff])), '\uFFFD')
  })
})

describe('error wording', () => {
  test('previews are short and single-line', () => {
    assert.equal(previewValue('x'.repeat(100)), `${JSON.stringify('x'.repeat(100)).slice(0, 64)}…(102 chars)`)
    assert.equal(previewValue(5n), '5n')
    assert.equal(previewValue(new Uint8Array(3)), 'Uint8Array(3)')
    assert.equal(previewValue(new Map([[1, 2]])), 'Map(1)')
    assert.equal(previewValue('a\nb'), '"a\\nb"')
  })

  test('the error names the type, the column and the row', () => {
    const e = valueError(300, 'UInt8', 'out of range (0 … 255)', { name: 'age', role: 'column', row: 3 }, 'x')
    assert.ok(e instanceof ParameterError)
    assert.equal(e.system, 'x')
    assert.equal(e.message, "Cannot send 300 as UInt8 for column 'age' of row 3: out of range (0 … 255)")
    assert.equal(valueError(1, 'T', 'r', {}).message, 'Cannot send 1 as T: r')
    assert.equal(valueError(1, 'T', 'r', { row: 0 }).message, 'Cannot send 1 as T in row 0: r')
  })
})
