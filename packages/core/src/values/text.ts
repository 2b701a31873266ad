import { ValueRejection } from './rejection.ts'

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * Undefined for text that has a UTF-8 form, otherwise why not: a lone UTF-16
 * surrogate has none, and encoders would silently put U+FFFD in its place.
 */
export function checkUnicode(text: string): ValueRejection | undefined {
  const m = LONE_SURROGATE.exec(text)
  if (m === null) return undefined
  return new ValueRejection(`contains a lone UTF-16 surrogate at index ${m.index}`)
}

// ignoreBOM: a leading U+FEFF is part of the value, not a marker to drop.
const lenient = new TextDecoder('utf-8', { ignoreBOM: true })
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** UTF-8 bytes as text, keeping a leading U+FEFF; invalid sequences become U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  return lenient.decode(bytes)
}

/** UTF-8 bytes as text (a leading U+FEFF kept), or undefined when they are not valid UTF-8. */
export function strictUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strict.decode(bytes)
  } catch {
    return undefined
  }
}
