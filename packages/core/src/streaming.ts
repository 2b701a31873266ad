/**
 * Small, pull-based helpers shared by every client. Nothing here buffers more
 * than one batch ahead: a consumer that stops pulling stops the producer.
 */

/**
 * Regroups batches of any size into batches of exactly `size` rows (the last
 * may be shorter). Returning early returns the source iterator, so the query
 * underneath is stopped.
 */
export async function* rebatch<R>(
  source: AsyncIterable<R[]>,
  size: number,
): AsyncGenerator<R[], void, undefined> {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`batch size must be a positive integer, got ${size}`)
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

/**
 * Flattens batches into single rows. Hand-written rather than an async generator:
 * rows already in a batch are handed out without generator machinery per row,
 * which dominates the cost of `for await` over millions of small rows.
 */
export function flatten<R>(source: AsyncIterable<R[]>): AsyncIterableIterator<R> {
  const batches = source[Symbol.asyncIterator]()
  let batch: R[] = []
  let index = 0
  let finished = false
  const pull = async (): Promise<IteratorResult<R, undefined>> => {
    // Let go of the rows already handed out, so they can be collected while the next batch is produced.
    batch = []
    index = 0
    for (;;) {
      const next = await batches.next()
      if (next.done) {
        finished = true
        return { value: undefined, done: true }
      }
      batch = next.value
      index = 0
      if (batch.length > 0) return { value: batch[index++]!, done: false }
    }
  }
  return {
    next(): Promise<IteratorResult<R, undefined>> {
      if (index < batch.length) return Promise.resolve({ value: batch[index++]!, done: false })
      if (finished) return Promise.resolve({ value: undefined, done: true })
      return pull()
    },
    async return(): Promise<IteratorResult<R, undefined>> {
      finished = true
      batch = []
      await batches.return?.()
      return { value: undefined, done: true }
    },
    [Symbol.asyncIterator]() {
      return this
    },
  }
}

/**
 * Hands on the batches of `source` until `signal` aborts. Nothing is pulled or handed out after the
 * abort, not even rows decoded from bytes that arrived before it: the stream ends with `stopped(signal)`,
 * the database's error naming the query. Ending early (break, an error) returns `source`; on an error, a
 * rejection of that return() is dropped so the error stays the stream's.
 */
export async function* untilAborted<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal | undefined,
  stopped: (signal: AbortSignal) => Error,
): AsyncGenerator<T, void, undefined> {
  const iterator = source[Symbol.asyncIterator]()
  // A source that ended or threw has nothing left to release, as with `for await`.
  let ended = false
  try {
    for (;;) {
      if (signal?.aborted) throw stopped(signal)
      ended = true
      const next = await iterator.next()
      ended = next.done === true
      if (signal?.aborted) throw stopped(signal)
      if (ended) return
      yield next.value
    }
  } catch (error) {
    // As `for await` does on a throw: the source is closed, and a failure to close does not replace the error.
    if (!ended) {
      ended = true
      try {
        await iterator.return?.()
      } catch {}
    }
    throw error
  } finally {
    if (!ended) await iterator.return?.()
  }
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
