/**
 * Small, pull-based helpers shared by every client. Nothing here buffers more
 * than one batch ahead: a consumer that stops pulling stops the producer.
 */

/**
 * Regroups batches of any size into batches of exactly `size` rows (the last
 * may be shorter). Returning early returns the source iterator, so the query
 * underneath is stopped.
 */
export async function* rebatch<R>(source: AsyncIterable<R[]>, size: number): AsyncGenerator<R[], void, undefined> {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch size must be a positive integer, got ${size}`)
  let pending: R[] = []
  for await (const batch of source) {
    if (pending.length === 0 && batch.length === size) {
      yield batch
      continue
    }
    for (let i = 0; i < batch.length; i++) {
      pending.push(batch[i]!)
      if (pending.length === size) {
        yield pending
        pending = []
      }
    }
  }
  if (pending.length > 0) yield pending
}

/** Flattens batches into single rows. */
export async function* flatten<R>(source: AsyncIterable<R[]>): AsyncGenerator<R, void, undefined> {
  for await (const batch of source) yield* batch
}

/** Calls `fn` when `signal` aborts; the returned function removes the listener. */
export function onAbort(signal: AbortSignal | undefined, fn: () => void): () => void {
  if (!signal) return noop
  if (signal.aborted) {
    fn()
    return noop
  }
  signal.addEventListener('abort', fn, { once: true })
  return () => signal.removeEventListener('abort', fn)
}

function noop(): void {}
