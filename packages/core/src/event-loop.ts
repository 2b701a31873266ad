/**
 * Work that never holds the event loop long. Bytes a client reads are often
 * buffered already (a fast socket, a prefetched page, an async iterable that
 * never waits), and awaiting what is there settles in microtasks, so a decoding
 * or encoding loop alone would never let timers or other sockets run.
 * `EventLoopTurns` hands the loop a turn (`setImmediate`) once work has run
 * `sliceMs` without one; callers look at `due` every few hundred rows, since
 * reading the clock per row costs more than the row.
 */
import { setImmediate } from 'node:timers/promises'

export class EventLoopTurns {
  readonly #sliceMs: number
  #since = performance.now()

  /** `sliceMs`: the longest stretch of work between two turns. */
  constructor(sliceMs = 8) {
    this.#sliceMs = sliceMs
  }

  /** Whether a turn is due; then `yield()` should be awaited. */
  get due(): boolean {
    return performance.now() - this.#since >= this.#sliceMs
  }

  async yield(): Promise<void> {
    await setImmediate()
    this.#since = performance.now()
  }

  async maybeYield(): Promise<void> {
    if (this.due) await this.yield()
  }

  /** Starts a new stretch now (work began after a wait that let the loop run). */
  restart(): void {
    this.#since = performance.now()
  }
}
