/**
 * `JobLease`: the SqlConnection the bridges acquire, and what `client.acquire()`
 * returns.
 *
 * A lease starts shared: each of its statements goes to whichever autocommit
 * job the pool picks, multiplexed with other leases' statements. The first
 * statement that needs the job's own state (SET SCHEMA, SET PATH, a temporary
 * table in QTEMP, a CL command such as ADDLIBLE or ALCOBJ, LOCK TABLE, …) pins
 * a job first, and every later statement of the lease runs on that job until
 * release. Such statements therefore never run on a shared job. A job whose
 * state a lease changed is closed on release rather than handed to someone
 * else (the pool opens a fresh one when needed). `acquire({ exclusive: true })`
 * pins from the start; a transaction's lease is pinned to a transaction job.
 */
import {
  ConfigurationError,
  ConnectionError,
  NotSupportedError,
  type ReleaseOptions,
  type SqlConnection,
  type SqlStatement,
  type SqlStreamOptions,
} from '@tributary/core'
import { executeCl } from './cl.ts'
import { SYSTEM } from './errors.ts'
import type { JobProfile, MapepireJob } from './job.ts'
import type { JobPool } from './pool.ts'
import {
  executeOnJob,
  type MapepireResult,
  type StatementContext,
  type StatementRun,
  streamOnJob,
} from './statement.ts'
import { classifyStatement, type StatementKind } from './statement-kind.ts'

/** A statement as a lease takes it: `batch` makes `params` a list of parameter lists. */
export type LeaseStatement = SqlStatement & { batch?: boolean | undefined }

/** What a lease needs from its client. */
export interface LeaseContext extends StatementContext {
  /** Turns a statement into a run (encodes parameters: a bad value fails here, before anything is sent). */
  prepare(statement: LeaseStatement, kind: StatementKind): StatementRun
  assertOpen(): void
}

export interface LeaseOptions {
  pool: JobPool
  /** The profile a pin asks for. */
  profile: JobProfile
  /** A job already pinned for this lease (transactions, exclusive leases). */
  job?: MapepireJob | undefined
  /** Statements run inside a transaction: COMMIT/ROLLBACK are the transaction's. */
  transaction?: boolean | undefined
}

export class JobLease implements SqlConnection {
  readonly #context: LeaseContext
  readonly #pool: JobPool
  readonly #profile: JobProfile
  readonly #transaction: boolean
  #job: MapepireJob | undefined
  #pinning: Promise<MapepireJob> | undefined
  /** A statement changed the pinned job's state: it is closed on release. */
  #dirty = false
  #released = false
  #terminated = false

  constructor(context: LeaseContext, options: LeaseOptions) {
    this.#context = context
    this.#pool = options.pool
    this.#profile = options.profile
    this.#transaction = options.transaction ?? false
    this.#job = options.job
  }

  /** The job this lease is pinned to, if it is. */
  get job(): MapepireJob | undefined {
    return this.#job
  }

  get pinned(): boolean {
    return this.#job !== undefined
  }

  execute<R = Record<string, unknown>>(statement: LeaseStatement): Promise<MapepireResult<R>> {
    return this.#run(statement, (job, run) => executeOnJob<R>(this.#context, job, run))
  }

  async *stream<R = Record<string, unknown>>(
    statement: SqlStatement,
    options: SqlStreamOptions,
  ): AsyncGenerator<R[], void, undefined> {
    const batchSize = options.batchSize
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ConfigurationError(`batchSize must be a positive integer, got ${String(batchSize)}`, {
        system: SYSTEM,
      })
    }
    const { job, run } = await this.#choose(statement)
    yield* streamOnJob<R>(this.#context, job, run, batchSize)
  }

  /**
   * Runs a CL command (QCMDEXC through Mapepire's `cl` request) on this
   * lease's job, pinning one first: CL commands change job state. Resolves
   * with the job-log messages the command wrote; a failing command rejects
   * with its CPF message id as `code`.
   */
  async cl(command: string, options: { signal?: AbortSignal | undefined } = {}): Promise<MapepireResult> {
    this.#assertUsable()
    const job = await this.#pin(options.signal)
    this.#dirty = true
    return executeCl(this.#context, job, command, options.signal)
  }

  /**
   * Kysely's `'kill session'`: ends the pinned job (the server ends everything
   * it was doing). A shared lease has no job of its own, so nothing happens.
   * After this a transaction's lease fails every statement; another lease
   * goes on unpinned.
   */
  async terminate(): Promise<void> {
    const job = this.#job
    if (!job) return
    this.#job = undefined
    if (this.#transaction) this.#terminated = true
    job.markBroken(
      new ConnectionError(`job ${job.name} was ended on request ('kill session')`, {
        system: SYSTEM,
        code: 'JOB_ENDED',
      }),
    )
    this.#pool.unpin(job, true)
  }

  async release(options?: ReleaseOptions): Promise<void> {
    if (this.#released) return
    this.#released = true
    const pinning = this.#pinning
    if (pinning && !this.#job) await pinning.catch(() => undefined)
    const job = this.#job
    this.#job = undefined
    if (job) this.#pool.unpin(job, options?.discard === true || this.#dirty || !job.healthy)
  }

  async #run<T>(
    statement: LeaseStatement,
    run: (job: MapepireJob, prepared: StatementRun) => Promise<T>,
  ): Promise<T> {
    const { job, run: prepared } = await this.#choose(statement)
    return run(job, prepared)
  }

  async #choose(statement: LeaseStatement): Promise<{ job: MapepireJob; run: StatementRun }> {
    this.#assertUsable()
    const kind = classifyStatement(statement.sql)
    if (kind.transactionControl && !this.#transaction) {
      throw new NotSupportedError(
        `${kind.keyword} outside a transaction: autocommit jobs commit every statement on its own; ` +
          'use db.transaction() (Kysely, Drizzle) or client.beginTransaction() for a unit of work',
        { system: SYSTEM },
      )
    }
    const run = this.#context.prepare(statement, kind)
    if (kind.jobState !== undefined || this.#job || this.#pinning) {
      const job = await this.#pin(statement.signal)
      if (kind.jobState !== undefined) this.#dirty = true
      return { job, run }
    }
    const job = await this.#pool.forStatement(statement.signal)
    return { job, run }
  }

  async #pin(signal: AbortSignal | undefined): Promise<MapepireJob> {
    if (this.#job) {
      if (!this.#job.healthy) throw this.#job.brokenReason ?? jobGone(this.#job)
      return this.#job
    }
    if (this.#terminated) throw terminatedError()
    this.#pinning ??= this.#pool.pin(this.#profile, signal).then(
      (job) => {
        this.#pinning = undefined
        if (this.#released) {
          this.#pool.unpin(job, false)
          throw new ConfigurationError('the lease was released', { system: SYSTEM })
        }
        this.#job = job
        return job
      },
      (error: unknown) => {
        this.#pinning = undefined
        throw error
      },
    )
    return this.#pinning
  }

  #assertUsable(): void {
    this.#context.assertOpen()
    if (this.#released) throw new ConfigurationError('this Mapepire lease was released', { system: SYSTEM })
    if (this.#terminated) throw terminatedError()
  }
}

function jobGone(job: MapepireJob): ConnectionError {
  return new ConnectionError(`job ${job.name} is gone`, {
    system: SYSTEM,
    code: 'JOB_GONE',
    sqlState: '08003',
  })
}

function terminatedError(): ConnectionError {
  return new ConnectionError("the transaction's job was ended ('kill session'); roll back and begin again", {
    system: SYSTEM,
    code: 'JOB_ENDED',
    sqlState: '08003',
  })
}
