/**
 * Checks for values written to a database: each returns the exact form of a
 * value or a `ValueRejection` saying why it cannot be written, and never
 * rounds, clamps or wraps. Database packages word the error with their own
 * type names through `valueError`.
 */
export {
  calendarDay,
  DAY_MS,
  formatCalendarDay,
  type Instant,
  type InstantOptions,
  toInstant,
  utcCalendarText,
  zonedCalendarText,
} from './date-time.ts'
export { exactDecimal, plainDecimal } from './decimal.ts'
export { describeIntegerRange, exactInteger, integerRange } from './integer.ts'
export { describeTarget, previewValue, ValueRejection, type ValueTarget, valueError } from './rejection.ts'
export { checkUnicode, decodeUtf8, strictUtf8 } from './text.ts'
