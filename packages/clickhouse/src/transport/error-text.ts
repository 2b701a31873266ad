/**
 * Reading ClickHouse's error text: `Code: N. DB::Exception: … (NAME) (version …)`
 * (19.x and later) and `Code: N, e.displayText() = DB::Exception: …, e.what() = DB::Exception`
 * (18.x and earlier).
 */

export interface ClickHouseErrorText {
  /** The numeric code as text (`'60'`), when the text carries one. */
  code: string | undefined
  /** The server's message without the stack trace and version suffix. */
  message: string
}

const CODE_PREFIX = /^\s*Code:\s*(\d+)\s*[.,]/

/** Extracts the code and a readable message from a server error body. */
export function parseClickHouseErrorText(text: string): ClickHouseErrorText {
  const match = CODE_PREFIX.exec(text)
  return { code: match?.[1], message: trimErrorText(text) }
}

/** Drops what only makes the text long: the stack trace, the old `e.what()` echo, the version suffix. */
export function trimErrorText(text: string): string {
  let out = text
  const stack = out.search(/\n\s*(?:Stack trace|0\. [^\n]*0x[0-9a-f]+)/i)
  if (stack >= 0) out = out.slice(0, stack)
  out = out.replace(/, e\.what\(\) = DB::Exception\s*$/, '')
  out = out.replace(/\s*\(version [^()]*\)\s*$/, '')
  return out.trim()
}
