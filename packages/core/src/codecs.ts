/**
 * Value conversions every dialect shares: exact instants as ISO strings,
 * calendar dates, and a JSON form that keeps bigint exact.
 */

/** `2024-01-02T03:04:05.123Z` style text with `fractionDigits` (0–9) digits, from a Date plus extra sub-ms ticks. */
export function formatIsoInstant(epochMs: number, fractionDigits: number, subMillisecondNs = 0): string {
  const iso = new Date(epochMs).toISOString() // always YYYY-MM-DDTHH:MM:SS.mmmZ for years 0..9999
  const base = iso.slice(0, 19)
  if (fractionDigits === 0) return `${base}Z`
  const ns = String(Number(iso.slice(20, 23)) * 1_000_000 + subMillisecondNs).padStart(9, '0')
  return `${base}.${ns.slice(0, fractionDigits)}Z`
}

/** `YYYY-MM-DD` for days since 1970-01-01 (negative allowed). */
export function formatEpochDay(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10)
}

/** Days since 1970-01-01 for a `YYYY-MM-DD` string; NaN when malformed. */
export function parseEpochDay(text: string): number {
  if (!/^-?\d{4,}-\d{2}-\d{2}$/.test(text)) return Number.NaN
  const ms = Date.parse(`${text}T00:00:00Z`)
  return Number.isNaN(ms) ? Number.NaN : Math.round(ms / 86_400_000)
}

/**
 * `JSON.stringify` replacer that writes bigint as a JSON number without losing
 * digits is impossible with the built-in serializer, so bigint becomes a string.
 */
export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}
