/**
 * Job-scoped object locks (ALCOBJ / DLCOBJ). A lock belongs to the job that allocated it until
 * DLCOBJ or the end of the job; a job's own locks never conflict with each other, as on IBM i.
 */

export type LockState = '*EXCL' | '*EXCLRD' | '*SHRUPD' | '*SHRNUP' | '*SHRRD'

export const LOCK_STATES: readonly LockState[] = ['*EXCL', '*EXCLRD', '*SHRUPD', '*SHRNUP', '*SHRRD']

/** Which states another job may hold at the same time (IBM i lock compatibility). */
const COMPATIBLE: Record<LockState, readonly LockState[]> = {
  '*EXCL': [],
  '*EXCLRD': ['*SHRRD'],
  '*SHRUPD': ['*SHRUPD', '*SHRRD'],
  '*SHRNUP': ['*SHRNUP', '*SHRRD'],
  '*SHRRD': ['*SHRRD', '*SHRUPD', '*SHRNUP', '*EXCLRD'],
}

interface Held {
  job: string
  state: LockState
  count: number
}

export class ObjectLocks {
  readonly #held = new Map<string, Held[]>()
  readonly #waiters = new Set<() => void>()

  /** Allocates or waits up to `waitMs`; resolves false when the lock could not be had in time. */
  async allocate(object: string, state: LockState, job: string, waitMs: number): Promise<boolean> {
    const deadline = Date.now() + waitMs
    while (!this.#tryAllocate(object, state, job)) {
      const remaining = deadline - Date.now()
      if (remaining <= 0) return false
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer)
          this.#waiters.delete(wake)
          resolve()
        }
        const timer = setTimeout(wake, remaining)
        this.#waiters.add(wake)
      })
    }
    return true
  }

  #tryAllocate(object: string, state: LockState, job: string): boolean {
    const held = this.#held.get(object) ?? []
    const conflict = held.some((h) => h.job !== job && !COMPATIBLE[state].includes(h.state))
    if (conflict) return false
    const own = held.find((h) => h.job === job && h.state === state)
    if (own) own.count++
    else held.push({ job, state, count: 1 })
    this.#held.set(object, held)
    return true
  }

  /** Releases one allocation; false when the job held no such lock. */
  deallocate(object: string, state: LockState, job: string): boolean {
    const held = this.#held.get(object)
    const own = held?.find((h) => h.job === job && h.state === state)
    if (!held || !own) return false
    own.count--
    if (own.count === 0) held.splice(held.indexOf(own), 1)
    if (held.length === 0) this.#held.delete(object)
    this.#wake()
    return true
  }

  /** Everything the job holds goes when the job ends. */
  releaseJob(job: string): void {
    for (const [object, held] of this.#held) {
      const rest = held.filter((h) => h.job !== job)
      if (rest.length === 0) this.#held.delete(object)
      else this.#held.set(object, rest)
    }
    this.#wake()
  }

  holders(object: string): { job: string; state: LockState }[] {
    return (this.#held.get(object) ?? []).map((h) => ({ job: h.job, state: h.state }))
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake()
  }
}
