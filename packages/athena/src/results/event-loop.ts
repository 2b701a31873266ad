/**
 * Decoding that never holds the event loop long. A result's bytes are often
 * buffered already (a fast S3 body, a prefetched page), and awaiting data that
 * is there settles in microtasks, so a reading loop alone would never let
 * timers or I/O run. `EventLoopTurns.maybeYield()` hands the loop a turn
 * (`setImmediate`) once work has run this long without one.
 */
import { setImmediate } from 'node:timers/promises'

/** Longest stretch of decoding between two turns of the event loop. */
export const TURN_MS = 8

export class EventLoopTurns {
  #since = performance.now()

  /** Whether a turn is due; then `yield()` should be awaited. */
  get due(): boolean {
    return performance.now() - this.#since >= TURN_MS
  }

  async yield(): Promise<void> {
    await setImmediate()
    this.#since = performance.now()
  }

  async maybeYield(): Promise<void> {
    if (this.due) await this.yield()
  }
}
