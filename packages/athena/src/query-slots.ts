/**
 * The client-side limit of queries in flight. Athena's active-query quota
 * counts queued and running queries and answers TooManyRequestsException past
 * it; a client that knows its share waits here instead, in arrival order. A
 * slot is held from before StartQueryExecution until the query reaches a final
 * state (reading its results does not count against the quota).
 */
import { abortError, ConfigurationError } from '@tributary/core'

interface Waiter {
  resolve: (release: () => void) => void
  reject: (error: unknown) => void
  signal: AbortSignal | undefined
  onAbort: () => void
}

export class QuerySlots {
  readonly limit: number
  #busy = 0
  readonly #queue: Waiter[] = []

  constructor(limit: number) {
    if (!(Number.isInteger(limit) && limit >= 1) && limit !== Number.POSITIVE_INFINITY) {
      throw new ConfigurationError(`maxConcurrentQueries must be a positive integer, got ${limit}`, {
        system: 'athena',
      })
    }
    this.limit = limit
  }

  /** Queries holding a slot. */
  get busy(): number {
    return this.#busy
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#queue.length
  }

  /** Resolves with the function that gives the slot back (calling it twice gives back one slot). */
  acquire(signal?: AbortSignal | undefined): Promise<() => void> {
    if (signal?.aborted)
      return Promise.reject(abortError(signal, 'the query was aborted while waiting for a slot', 'athena'))
    if (this.#busy < this.limit) {
      this.#busy++
      return Promise.resolve(this.#releaser())
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.#queue.indexOf(waiter)
          if (i >= 0) this.#queue.splice(i, 1)
          reject(abortError(signal!, 'the query was aborted while waiting for a slot', 'athena'))
        },
      }
      signal?.addEventListener('abort', waiter.onAbort, { once: true })
      this.#queue.push(waiter)
    })
  }

  #releaser(): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.#queue.shift()
      if (next) {
        next.signal?.removeEventListener('abort', next.onAbort)
        next.resolve(this.#releaser())
      } else this.#busy--
    }
  }
}
