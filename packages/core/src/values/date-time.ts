import { plainDecimal } from './decimal.ts'
import { ValueRejection } from './rejection.ts'

export const DAY_MS = 86_400_000

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/

/** `YYYY-MM-DD` for days since 1970-01-01 (negative allowed, years 0000–9999). */
export function formatCalendarDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10)
}

/**
 * Days since 1970-01-01 of a calendar date: `'YYYY-MM-DD'` text (a real day
 * of the proleptic Gregorian calendar) or a JS Date at UTC midnight. A Date
 * with a time of day is refused rather than cut to its day.
 */
export function calendarDay(value: unknown): number | ValueRejection {
  if (typeof value === 'string') {
    const m = DATE_TEXT.exec(value)
    if (m) {
      const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
      if (!Number.isNaN(ms) && formatCalendarDay(ms / DAY_MS) === value) return ms / DAY_MS
    }
  } else if (value instanceof Date) {
    const ms = value.getTime()
    if (Number.isNaN(ms)) return new ValueRejection('invalid Date')
    if (ms % DAY_MS !== 0) return new ValueRejection('has a time of day (expected UTC midnight)')
    return ms / DAY_MS
  }
  return new ValueRejection("expected 'YYYY-MM-DD' or a Date at UTC midnight")
}

/** An instant as whole seconds (floor) plus exactly `precision` fraction digits (so never negative). */
export interface Instant {
  seconds: bigint
  fraction: string
}

export interface InstantOptions {
  /**
   * A JS Date with more sub-second digits than the type holds: `refuse`
   * (default; a rejection of kind `subsecond-date`) or `truncate` (toward the
   * earlier instant, as a clock shows it). Text and numbers are never cut.
   */
  subsecondDates?: 'refuse' | 'truncate' | undefined
}

const DATETIME_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/i
const SECONDS_TEXT = /^[+-]?\d+(\.\d+)?$/

/** `frac` with exactly `precision` digits, or undefined when non-zero digits would be lost. */
function fitFraction(frac: string, precision: number): string | undefined {
  const trimmed = frac.replace(/0+$/, '')
  if (trimmed.length > precision) return undefined
  return trimmed.padEnd(precision, '0')
}

function tooPrecise(precision: number): ValueRejection {
  return new ValueRejection(`more than ${precision} fraction digits`)
}

/**
 * The instant a value stands for, with `precision` fraction digits: a JS Date,
 * ISO-8601 text (`2024-01-02T03:04:05.123+05:30`; text without an offset is
 * UTC), or Unix seconds as a number, bigint or decimal text. Sub-second digits
 * the precision cannot hold are refused (see `InstantOptions` for Dates).
 */
export function toInstant(
  value: unknown,
  precision: number,
  options?: InstantOptions,
): Instant | ValueRejection {
  if (value instanceof Date) {
    const ms = value.getTime()
    if (Number.isNaN(ms)) return new ValueRejection('invalid Date')
    const seconds = Math.floor(ms / 1000)
    const millis = String(ms - seconds * 1000).padStart(3, '0')
    const fraction = fitFraction(millis, precision)
    if (fraction !== undefined) return { seconds: BigInt(seconds), fraction }
    if (options?.subsecondDates === 'truncate')
      return { seconds: BigInt(seconds), fraction: millis.slice(0, precision) }
    return new ValueRejection(
      precision === 0
        ? 'has milliseconds and the type holds whole seconds'
        : `has milliseconds and the type holds ${precision} fraction digit${precision === 1 ? '' : 's'}`,
      'subsecond-date',
    )
  }
  if (typeof value === 'string') {
    const m = DATETIME_TEXT.exec(value.trim())
    if (m) {
      const [, y, mo, d, h, mi, s, frac = '', zone] = m
      const base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
      if (
        Number.isNaN(base) ||
        new Date(base).toISOString().slice(0, 19) !== `${y}-${mo}-${d}T${h}:${mi}:${s}`
      )
        return new ValueRejection('not a valid calendar date and time')
      let offsetSeconds = 0
      if (zone !== undefined && zone.toUpperCase() !== 'Z') {
        const digits = zone.replace(':', '')
        const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))
        offsetSeconds = (digits[0] === '-' ? -1 : 1) * minutes * 60
      }
      const fraction = fitFraction(frac, precision)
      if (fraction === undefined) return tooPrecise(precision)
      return { seconds: BigInt(base / 1000 - offsetSeconds), fraction }
    }
  }
  let plain: string | undefined
  if (typeof value === 'bigint') plain = value.toString()
  else if (typeof value === 'number' && Number.isFinite(value)) plain = plainDecimal(String(value))
  else if (typeof value === 'string' && SECONDS_TEXT.test(value.trim())) plain = plainDecimal(value.trim())
  if (plain === undefined) return new ValueRejection('expected a Date, an ISO-8601 string or Unix seconds')
  const negative = plain.startsWith('-')
  const [int = '0', frac = ''] = (negative ? plain.slice(1) : plain).split('.')
  const fraction = fitFraction(frac, precision)
  if (fraction === undefined) return tooPrecise(precision)
  const seconds = BigInt(int)
  if (!negative || /^0*$/.test(fraction)) return { seconds: negative ? -seconds : seconds, fraction }
  // Floor: -1.25 is -2 seconds plus 0.75.
  const scale = 10n ** BigInt(precision)
  return { seconds: -seconds - 1n, fraction: (scale - BigInt(fraction)).toString().padStart(precision, '0') }
}

/** `YYYY-MM-DD hh:mm:ss[.fraction]` of an instant as UTC wall time. */
export function utcCalendarText(instant: Instant): string {
  const iso = new Date(Number(instant.seconds) * 1000).toISOString()
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`
  return instant.fraction === '' ? base : `${base}.${instant.fraction}`
}

/** The wall time of an instant in an IANA zone, or undefined for a zone the runtime does not know. */
export function zonedCalendarText(instant: Instant, timezone: string): string | undefined {
  let parts: Intl.DateTimeFormatPart[]
  try {
    parts = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(new Date(Number(instant.seconds) * 1000))
  } catch {
    return undefined
  }
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? ''
  const base = `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`
  return instant.fraction === '' ? base : `${base}.${instant.fraction}`
}
