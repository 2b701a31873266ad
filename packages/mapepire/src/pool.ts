/**
 * A pool of Mapepire jobs of one kind (autocommit jobs, or transaction jobs).
 *
 * Two ways to use a job:
 * - `forStatement()`: a job to send one statement on, shared with other
 *   statements (multiplexed). The pool picks the job with the fewest
 *   statements running (a job runs one at a time): an idle job if there is
 *   one; else it opens a new job while below `max`; at `max` it queues the
 *   statement on the least busy job, up to `maxStatementsPerJob` each; beyond
 *   that the statement waits for a slot.
 * - `pin()`: a job of its own until `unpin()` (a transaction, a lease that
 *   needs job state). A pinned job runs nothing else. To pin at `max`, the pool
 *   stops sending shared statements to the least busy job and hands it over
 *   once its statements are done.
 *
 * Every wait is in one FIFO queue with a timeout and an optional signal: the
 * pool never answers "no job" while it can still open or free one (mapepire-js
 * #60). Failed connects back off; a refused sign-on is never retried at once
 * (IBM i disables a profile after repeated failed sign-ons). Idle jobs are
 * pinged, closed after `idleTimeoutMs` (above `min`) and replaced after
 * `maxLifetimeMs`.
 */
import {
  abortError,
  backoffDelay,
  ConfigurationError,
  ConnectionError,
  type DatabaseError,
  log,
  TimeoutError,
} from '@tributary/core'
import type { ResolvedConfig } from './config.ts'
import { isAuthenticationFailure, SYSTEM } from './errors.ts'
import { type JobProfile, MapepireJob, profileKey } from './job.ts'

interface Waiter {
  mode: 'shared' | 'pin'
  profile: JobProfile
  key: string
  resolve(job: MapepireJob): void
  reject(error: Error): void
  timer: NodeJS.Timeout | undefined
  detach: () => void
  /** For a pin at max: the job being drained for it. */
  draining: MapepireJob | undefined
}

export interface PoolOptions {
  /** Name in messages and logs (`autocommit`, `transaction`). */
  name: string
  min: number
  max: number
  /** The profile shared statements use (autocommit pools); transaction pools only pin. */
  sharedProfile: JobProfile | undefined
  /** Called with each new job (e.g. to read the server's version once). */
  onConnect?: ((job: MapepireJob) => void) | undefined
}

export interface PoolStats {
  jobs: number
  connecting: number
  pinned: number
  running: number
  waiting: number
}

export class JobPool {
  readonly #config: ResolvedConfig
  readonly #options: PoolOptions
  readonly #jobs = new Set<MapepireJob>()
  readonly #connecting = new Map<string, number>()
  #connectingTotal = 0
  readonly #waiters: Waiter[] = []
  #failures = 0
  #lastConnectError: DatabaseError | undefined
  /** A refused sign-on: further connects wait until this time. */
  #refusedUntil = 0
  #refusal: DatabaseError | undefined
  #retryTimer: NodeJS.Timeout | undefined
  #maintenance: NodeJS.Timeout | undefined
  #closed = false

  constructor(config: ResolvedConfig, options: PoolOptions) {
    this.#config = config
    this.#options = options
    const every = Math.max(1000, Math.min(config.pool.healthCheckIntervalMs, config.pool.idleTimeoutMs))
    this.#maintenance = setInterval(() => void this.#maintain(), every)
    this.#maintenance.unref()
    if (options.min > 0 && options.sharedProfile) this.#grow(options.sharedProfile)
  }

  get stats(): PoolStats {
    let pinned = 0
    let running = 0
    for (const job of this.#jobs) {
      if (job.pinned) pinned++
      running += job.running
    }
    return {
      jobs: this.#jobs.size,
      connecting: this.#connectingTotal,
      pinned,
      running,
      waiting: this.#waiters.length,
    }
  }

  /** Every job, for diagnostics and tests. */
  get jobs(): readonly MapepireJob[] {
    return [...this.#jobs]
  }

  /**
   * A job to send one statement on. The caller sends it before yielding to the
   * event loop (so `running` counts it when the next statement chooses).
   */
  forStatement(signal?: AbortSignal): Promise<MapepireJob> | MapepireJob {
    this.#assertOpen()
    const profile = this.#options.sharedProfile
    if (!profile) throw new ConfigurationError(`the ${this.#options.name} pool has no shared jobs`)
    const job = this.#pickShared(true)
    if (job) {
      job.reserved++
      return job
    }
    return this.#wait('shared', profile, signal)
  }

  /** A job of `profile` for one lease alone, until `unpin`. */
  pin(profile: JobProfile, signal?: AbortSignal): Promise<MapepireJob> {
    this.#assertOpen()
    const key = profileKey(profile)
    const job = this.#idleJob(key)
    if (job) {
      job.pinned = true
      return Promise.resolve(job)
    }
    return this.#wait('pin', profile, signal)
  }

  /**
   * Gives a pinned job back. `discard` (its state changed or is unknown)
   * closes it; the pool opens another when one is needed.
   */
  unpin(job: MapepireJob, discard: boolean): void {
    job.pinned = false
    const expired = Date.now() - job.createdAt > this.#config.pool.maxLifetimeMs
    if (discard || expired || !job.healthy || this.#closed) {
      this.#remove(job)
      job.close()
    }
    this.#serve()
  }

  /** A job's statement settled or a cancel hold ended: waiters may go now. */
  notify(): void {
    this.#serve()
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#maintenance) clearInterval(this.#maintenance)
    if (this.#retryTimer) clearTimeout(this.#retryTimer)
    const error = new ConfigurationError('the Mapepire client is closed', { system: SYSTEM })
    for (const waiter of this.#waiters.splice(0)) {
      waiter.detach()
      waiter.reject(error)
    }
    const closing = [...this.#jobs].map(
      (job) =>
        new Promise<void>((resolve) => {
          job.socket.onClose(() => resolve())
          job.close(error)
        }),
    )
    this.#jobs.clear()
    await Promise.all(closing)
  }

  // ---- choosing ----

  #usableShared(job: MapepireJob): boolean {
    return !job.pinned && job.cancelHolds === 0 && job.healthy && !this.#isDraining(job)
  }

  /** An idle shared job, or (when the pool cannot grow) the least busy one with a free slot. */
  #pickShared(mayGrow: boolean): MapepireJob | undefined {
    const key = profileKey(this.#options.sharedProfile!)
    let best: MapepireJob | undefined
    for (const job of this.#jobs) {
      if (profileKey(job.profile) !== key || !this.#usableShared(job)) continue
      if (job.load === 0) return job
      if (!best || job.load < best.load) best = job
    }
    if (mayGrow && this.#canGrow()) return undefined
    if (best && best.load < this.#config.pool.maxStatementsPerJob) return best
    return undefined
  }

  #idleJob(key: string): MapepireJob | undefined {
    for (const job of this.#jobs) {
      if (!job.pinned && job.load === 0 && job.cancelHolds === 0 && job.healthy && !this.#isDraining(job)) {
        if (profileKey(job.profile) === key) return job
      }
    }
    return undefined
  }

  #isDraining(job: MapepireJob): boolean {
    for (const waiter of this.#waiters) if (waiter.draining === job) return true
    return false
  }

  #canGrow(): boolean {
    return this.#jobs.size + this.#connectingTotal < this.#options.max
  }

  // ---- waiting ----

  #wait(mode: 'shared' | 'pin', profile: JobProfile, signal: AbortSignal | undefined): Promise<MapepireJob> {
    if (signal?.aborted)
      return Promise.reject(abortError(signal, 'waiting for a Db2 job was aborted', SYSTEM))
    if (this.#refusal && Date.now() < this.#refusedUntil && this.#jobs.size === 0) {
      return Promise.reject(this.#refusal)
    }
    return new Promise<MapepireJob>((resolve, reject) => {
      const waiter: Waiter = {
        mode,
        profile,
        key: profileKey(profile),
        resolve,
        reject,
        timer: undefined,
        detach: () => {},
        draining: undefined,
      }
      const timeoutMs = this.#config.pool.acquireTimeoutMs
      waiter.timer = setTimeout(() => {
        this.#dropWaiter(waiter)
        const stats = this.stats
        reject(
          new TimeoutError(
            `no ${this.#options.name} Db2 job was free within ${timeoutMs} ms ` +
              `(pool max ${this.#options.max}: ${stats.jobs} jobs, ${stats.pinned} pinned, ${stats.running} statements running, ${stats.connecting} connecting)` +
              (this.#lastConnectError ? `; the last connect failed: ${this.#lastConnectError.message}` : ''),
            { system: SYSTEM, code: 'ACQUIRE_TIMEOUT', cause: this.#lastConnectError },
          ),
        )
      }, timeoutMs)
      if (signal) {
        const onAbort = () => {
          this.#dropWaiter(waiter)
          reject(abortError(signal, 'waiting for a Db2 job was aborted', SYSTEM))
        }
        signal.addEventListener('abort', onAbort, { once: true })
        waiter.detach = () => signal.removeEventListener('abort', onAbort)
      }
      this.#waiters.push(waiter)
      this.#serve()
    })
  }

  #dropWaiter(waiter: Waiter): void {
    const index = this.#waiters.indexOf(waiter)
    if (index !== -1) this.#waiters.splice(index, 1)
    if (waiter.timer) clearTimeout(waiter.timer)
    waiter.detach()
    if (waiter.draining) this.#serve()
  }

  #grant(waiter: Waiter, job: MapepireJob): void {
    this.#dropWaiter(waiter)
    waiter.draining = undefined
    if (waiter.mode === 'pin') job.pinned = true
    else job.reserved++
    waiter.resolve(job)
  }

  /** Hands out jobs to waiters in order, opening or draining jobs for those it cannot serve yet. */
  #serve(): void {
    if (this.#closed || this.#waiters.length === 0) return
    let growing = 0
    for (const waiter of [...this.#waiters]) {
      if (!this.#waiters.includes(waiter)) continue
      if (waiter.mode === 'shared') {
        const job = this.#pickShared(false)
        if (job && (job.load === 0 || !this.#canGrow())) {
          this.#grant(waiter, job)
          // The statement is sent right after, in the same tick: count it now for the next choice.
          continue
        }
      } else {
        if (waiter.draining && waiter.draining.load === 0 && waiter.draining.healthy) {
          this.#grant(waiter, waiter.draining)
          continue
        }
        if (waiter.draining && !waiter.draining.healthy) waiter.draining = undefined
        if (!waiter.draining) {
          const job = this.#idleJob(waiter.key)
          if (job) {
            this.#grant(waiter, job)
            continue
          }
        }
      }
      // Not served: open a job for it if the pool may, else make room.
      const pendingForKey = this.#connecting.get(waiter.key) ?? 0
      if (growing < pendingForKey) {
        growing++
        continue
      }
      if (this.#canGrow()) {
        growing++
        this.#grow(waiter.profile)
        continue
      }
      if (waiter.mode === 'pin' && !waiter.draining) this.#makeRoom(waiter)
    }
  }

  /** At max, a pin waits for a job to drain: an idle job of another profile is closed, or a busy shared one drained. */
  #makeRoom(waiter: Waiter): void {
    for (const job of this.#jobs) {
      if (!job.pinned && job.load === 0 && job.cancelHolds === 0 && profileKey(job.profile) !== waiter.key) {
        if (this.#isDraining(job)) continue
        this.#remove(job)
        job.close()
        this.#grow(waiter.profile)
        return
      }
    }
    let best: MapepireJob | undefined
    for (const job of this.#jobs) {
      if (job.pinned || this.#isDraining(job) || profileKey(job.profile) !== waiter.key) continue
      if (!best || job.load < best.load) best = job
    }
    if (best) waiter.draining = best
  }

  // ---- opening and closing jobs ----

  #grow(profile: JobProfile): void {
    if (this.#closed) return
    const key = profileKey(profile)
    const wait = this.#failures === 0 ? 0 : backoffDelay(this.#failures - 1, this.#backoff())
    const refusedWait = this.#refusedUntil - Date.now()
    const delay = Math.max(wait, refusedWait, 0)
    this.#connecting.set(key, (this.#connecting.get(key) ?? 0) + 1)
    this.#connectingTotal++
    const start = () => {
      MapepireJob.connect(this.#config, profile).then(
        (job) => this.#connected(key, job),
        (error: DatabaseError) => this.#connectFailed(key, profile, error),
      )
    }
    if (delay > 0) setTimeout(start, delay).unref()
    else start()
  }

  #backoff() {
    return {
      initialDelayMs: this.#config.pool.reconnectInitialDelayMs,
      maxDelayMs: this.#config.pool.reconnectMaxDelayMs,
    }
  }

  #doneConnecting(key: string): void {
    this.#connecting.set(key, (this.#connecting.get(key) ?? 1) - 1)
    this.#connectingTotal--
  }

  #connected(key: string, job: MapepireJob): void {
    this.#doneConnecting(key)
    this.#failures = 0
    this.#lastConnectError = undefined
    this.#refusal = undefined
    this.#refusedUntil = 0
    if (this.#closed) {
      job.close()
      return
    }
    this.#jobs.add(job)
    job.onSettle = () => {
      if (this.#waiters.length > 0) this.#serve()
    }
    job.socket.onClose((reason) => {
      if (!this.#jobs.has(job)) return
      this.#remove(job)
      log(this.#config.logger, 'info', 'a Db2 job ended', {
        system: SYSTEM,
        job: job.name,
        reason: reason.message,
      })
      this.#serve()
      this.#keepMinimum()
    })
    try {
      this.#options.onConnect?.(job)
    } catch (error) {
      log(this.#config.logger, 'warn', 'onConnect failed', { system: SYSTEM, error: String(error) })
    }
    log(this.#config.logger, 'debug', 'a Db2 job connected', {
      system: SYSTEM,
      job: job.name,
      pool: this.#options.name,
    })
    this.#serve()
  }

  #connectFailed(key: string, profile: JobProfile, error: DatabaseError): void {
    this.#doneConnecting(key)
    this.#failures++
    this.#lastConnectError = error
    log(this.#config.logger, 'warn', 'connecting a Db2 job failed', {
      system: SYSTEM,
      pool: this.#options.name,
      error: error.message,
    })
    if (this.#closed) return
    const refused = isAuthenticationFailure(error)
    if (refused) {
      this.#refusal = error
      this.#refusedUntil =
        Date.now() + backoffDelay(Math.min(this.#failures, 10), { ...this.#backoff(), jitter: 'none' })
    }
    const hasJobs = [...this.#jobs].some((j) => profileKey(j.profile) === key && j.healthy)
    if (refused || !hasJobs) {
      // Nobody can be served by this profile now: fail its waiters with the reason instead of a later timeout.
      for (const waiter of [...this.#waiters]) {
        if (waiter.key !== key) continue
        if ((this.#connecting.get(key) ?? 0) > 0 && !refused) continue
        this.#dropWaiter(waiter)
        waiter.reject(error)
      }
    }
    if (!refused) {
      if (this.#waiters.some((w) => w.key === key)) this.#scheduleRetry()
      this.#keepMinimum()
    }
    void profile
  }

  #scheduleRetry(): void {
    if (this.#retryTimer || this.#closed) return
    this.#retryTimer = setTimeout(
      () => {
        this.#retryTimer = undefined
        this.#serve()
      },
      backoffDelay(this.#failures, this.#backoff()),
    )
    this.#retryTimer.unref()
  }

  #remove(job: MapepireJob): void {
    this.#jobs.delete(job)
  }

  #keepMinimum(): void {
    const profile = this.#options.sharedProfile
    if (!profile || this.#closed || this.#refusal) return
    const key = profileKey(profile)
    let count = this.#connecting.get(key) ?? 0
    for (const job of this.#jobs) if (profileKey(job.profile) === key) count++
    for (; count < this.#options.min && this.#canGrow(); count++) this.#grow(profile)
  }

  /** Pings idle jobs, closes the ones idle too long or past their lifetime, keeps `min`. */
  async #maintain(): Promise<void> {
    if (this.#closed) return
    const now = Date.now()
    const pool = this.#config.pool
    let kept = 0
    const idle = [...this.#jobs].filter((j) => !j.pinned && j.load === 0 && j.cancelHolds === 0)
    for (const job of idle) {
      if (this.#isDraining(job)) continue
      const expired = now - job.createdAt > pool.maxLifetimeMs
      const idleTooLong = now - job.lastUsedAt > pool.idleTimeoutMs && kept >= this.#options.min
      if (expired || idleTooLong) {
        this.#remove(job)
        job.close()
        continue
      }
      kept++
      if (now - job.lastUsedAt < pool.healthCheckIntervalMs) continue
      try {
        const alive = await job.ping()
        if (!alive)
          throw new ConnectionError('the job answered ping without a database connection', { system: SYSTEM })
        job.lastUsedAt = Date.now() - pool.healthCheckIntervalMs / 2
      } catch (error) {
        log(this.#config.logger, 'warn', 'a Db2 job failed its health check and was closed', {
          system: SYSTEM,
          job: job.name,
          error: error instanceof Error ? error.message : String(error),
        })
        this.#remove(job)
        job.close()
      }
    }
    this.#keepMinimum()
  }

  #assertOpen(): void {
    if (this.#closed) throw new ConfigurationError('the Mapepire client is closed', { system: SYSTEM })
  }
}
