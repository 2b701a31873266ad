/**
 * Waiting done once: abortable sleeps, deadlines, exponential backoff with
 * jitter, and the poll loop that every "wait until the server says done" uses
 * (ClickHouse mutations, migration-lock leases, Athena query states).
 */
import { QueryCancelledError, TimeoutError } from './errors.ts'

export interface BackoffOptions {
  /** First delay. Default 50 ms. */
  initialDelayMs?: number | undefined
  /** Largest delay. Default 2 s. */
  maxDelayMs?: number | undefined
  /** Growth per attempt. Default 2. */
  multiplier?: number | undefined
  /**
   * `full` (default): a uniform delay in [0, d] ("full jitter", which spreads
   * many waiting clients best); `none`: exactly d.
   */
  jitter?: 'full' | 'none' | undefined
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: (() => number) | undefined
}

/** The delay before retry number `attempt` (0-based). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialDelayMs ?? 50
  const max = options.maxDelayMs ?? 2000
  const ceiling = Math.min(max, initial * (options.multiplier ?? 2) ** attempt)
  if (options.jitter === 'none') return ceiling
  return Math.floor((options.random ?? Math.random)() * ceiling)
}

/** The error a signal's abort becomes: its reason if that is already ours, else `QueryCancelledError`. */
export function abortError(signal: AbortSignal, message = 'the operation was aborted', system?: string) {
  const reason: unknown = signal.reason
  if (reason instanceof QueryCancelledError || reason instanceof TimeoutError) return reason
  return new QueryCancelledError(message, { system, cause: reason })
}

/** Resolves after `ms`, or rejects with `abortError(signal)` as soon as the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal))
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer)
      reject(abortError(signal!))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** A point in time after which work is given up. `Infinity` never passes. */
export class Deadline {
  readonly at: number

  constructor(timeoutMs: number | undefined) {
    this.at = timeoutMs === undefined || !Number.isFinite(timeoutMs) ? Infinity : Date.now() + timeoutMs
  }

  get remainingMs(): number {
    return Math.max(0, this.at - Date.now())
  }

  get passed(): boolean {
    return Date.now() >= this.at
  }
}

export interface PollOptions extends BackoffOptions {
  signal?: AbortSignal | undefined
  /** Give up after this long. Default: never. */
  timeoutMs?: number | undefined
  /** The error thrown when `timeoutMs` passes. */
  onTimeout?: (() => Error) | undefined
}

/**
 * Calls `check` until it returns something other than `undefined`, waiting a
 * backoff delay (never longer than the time left) between calls. An abort
 * rejects at once; a passed deadline throws `onTimeout()`.
 */
export async function pollUntil<T>(
  check: (attempt: number) => Promise<T | undefined>,
  options: PollOptions = {},
): Promise<T> {
  const deadline = new Deadline(options.timeoutMs)
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) throw abortError(options.signal)
    const result = await check(attempt)
    if (result !== undefined) return result
    if (deadline.passed) {
      throw options.onTimeout?.() ?? new TimeoutError(`gave up waiting after ${options.timeoutMs} ms`)
    }
    await sleep(Math.min(backoffDelay(attempt, options), deadline.remainingMs), options.signal)
  }
}
