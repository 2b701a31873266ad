/** How the result decoders map ClickHouse values to JS values. */
export interface DecodeOptions {
  /** String and FixedString as a `Uint8Array` copy instead of UTF-8 decoded text. */
  binaryStrings?: boolean
  /**
   * DateTime / DateTime64 as JS `Date` (default; DateTime64 with more than 3
   * fraction digits still comes as a string so nothing is lost) or always as an
   * ISO-8601 UTC string.
   */
  dateTimes?: 'Date' | 'string'
  /**
   * The server's time zone (IANA name). Only the TSV reader uses it: TSV prints
   * DateTime columns without their own zone as wall time in this zone.
   * Defaults to UTC.
   */
  timezone?: string
  /**
   * `Map(K, V)` values: `'object'` (default), a plain object keyed by the
   * keys' text where the first of duplicate keys wins (as `m[key]` does in
   * SQL), or `'entries'`, the exact `[key, value][]` list in the server's order
   * with keys decoded by their own type (duplicates kept).
   */
  maps?: 'object' | 'entries'
}
