/**
 * The one time limit of an HTTP request: how long ClickHouse may keep the client
 * waiting. It runs while the client waits for the response to start and, after
 * that, only while the reader waits for the next chunk. Time the reader spends
 * elsewhere is backpressure (TCP pauses the server meanwhile), and time the
 * caller spends producing an INSERT body is the caller's, so neither counts.
 *
 * Progress headers do not stop it: undici hands over a response only once its
 * header block is complete, and ClickHouse completes it when the first result
 * bytes (or the end of the result) are ready.
 */

import type { FailureReason } from './http-errors.ts'

export class ServerWait {
  readonly controller = new AbortController()
  /** Why the request was aborted, once it was. */
  reason: FailureReason
  readonly limitMs: number
  readonly #callerSignal: AbortSignal | undefined
  readonly #onTimeout: () => void
  readonly #onCallerAbort = () => this.#abort('cancelled')
  /** One timer for the whole request, re-armed with `refresh()` rather than re-created per chunk. */
  #timer: NodeJS.Timeout | undefined
  #waiting = false
  #disposed = false

  constructor(limitMs: number, callerSignal: AbortSignal | undefined, onTimeout: () => void) {
    this.limitMs = limitMs
    this.#onTimeout = onTimeout
    this.#callerSignal = callerSignal
    if (callerSignal) {
      if (callerSignal.aborted) this.#abort('cancelled')
      else callerSignal.addEventListener('abort', this.#onCallerAbort, { once: true })
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  /** The client starts waiting for the server: the limit runs from now. */
  arm(): void {
    if (this.#disposed || this.controller.signal.aborted) return
    if (!Number.isFinite(this.limitMs) || this.limitMs <= 0) return
    this.#waiting = true
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        if (this.#waiting && this.#abort('timeout')) this.#onTimeout()
      }, this.limitMs)
      this.#timer.unref()
    } else {
      this.#timer.refresh()
    }
  }

  /** The server answered (or the wait is over for another reason). */
  disarm(): void {
    this.#waiting = false
  }

  dispose(): void {
    this.#disposed = true
    this.#waiting = false
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#callerSignal?.removeEventListener('abort', this.#onCallerAbort)
  }

  #abort(reason: FailureReason): boolean {
    if (this.controller.signal.aborted) return false
    this.reason = reason
    this.controller.abort(reason)
    return true
  }
}
