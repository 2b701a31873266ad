/**
 * Stopping a statement on the server. The Mapepire protocol has no cancel
 * request; Db2 for i has `QSYS2.CANCEL_SQL('<job>')`, which, run from another
 * job, ends the statement running in that job (it then fails with SQL0952).
 * A job runs one statement at a time and the server does not say which of the
 * requests it holds is running, so the cancel is sent only once the aborted
 * statement is the only one in flight on its job: it is then certainly the one
 * running (or already done). Until then the job gets no new statements.
 *
 * What "stopped" means (docs/mapepire.md, "Cancellation"):
 * - the statement's reply arrived after CANCEL_SQL (SQL0952, or its result if
 *   it finished first), or
 * - it did not end within `cancelWaitMs` of the cancel: its job is ended
 *   (the socket closed), which ends everything the job was doing, or
 * - it was queued behind other statements on a shared job for longer than
 *   `cancelWaitMs`: the caller gets its QueryCancelledError then, and the
 *   cancel is still sent once the statement is the only one on the job.
 */
import { ConnectionError, log, sleep } from '@tributary/core'
import type { ResolvedConfig } from './config.ts'
import { SYSTEM } from './errors.ts'
import { MapepireJob } from './job.ts'

export type StopOutcome = 'ended' | 'cancelled' | 'job ended' | 'still queued'

const JOB_NAME = /^\d{6}\/[A-Z0-9#$@_]{1,10}\/[A-Z0-9#$@_]{1,10}$/i

export class StatementStopper {
  readonly #config: ResolvedConfig
  #control: Promise<MapepireJob> | undefined
  #closed = false
  /** Stops in progress, so `close()` can wait for them. */
  readonly #active = new Set<Promise<unknown>>()

  constructor(config: ResolvedConfig) {
    this.#config = config
  }

  /**
   * Stops the statement whose reply `settled` waits for, on `job`. Resolves
   * when the statement has stopped (or the caller should stop waiting), with
   * how it ended.
   */
  stop(job: MapepireJob, settled: Promise<unknown>, onRelease: () => void): Promise<StopOutcome> {
    let done = false
    void settled.then(
      () => {
        done = true
      },
      () => {
        done = true
      },
    )
    job.cancelHolds++
    let tellCaller: (outcome: StopOutcome) => void = () => {}
    const caller = new Promise<StopOutcome>((resolve) => {
      tellCaller = resolve
    })
    const work = this.#stop(job, settled, () => done, tellCaller)
      .then(tellCaller, () => tellCaller('ended'))
      .finally(() => {
        job.cancelHolds--
        onRelease()
      })
    this.#active.add(work)
    void work.finally(() => this.#active.delete(work))
    return caller
  }

  /**
   * Waits until the statement is alone on its job (telling the caller
   * 'still queued' if that takes longer than cancelWaitMs, and going on in the
   * background), sends CANCEL_SQL, and ends the job if the statement does not
   * end within cancelWaitMs.
   */
  async #stop(
    job: MapepireJob,
    settled: Promise<unknown>,
    isDone: () => boolean,
    tellCaller: (outcome: StopOutcome) => void,
  ): Promise<StopOutcome> {
    const queuedTimer = setTimeout(() => tellCaller('still queued'), this.#config.cancelWaitMs)
    try {
      while (!isDone() && job.healthy && job.running > 1) await job.nextSettle()
    } finally {
      clearTimeout(queuedTimer)
    }
    if (isDone() || !job.healthy) return 'ended'
    await this.#cancelSql(job.name)
    const stopped = await Promise.race([
      settled.then(
        () => true,
        () => true,
      ),
      sleep(this.#config.cancelWaitMs).then(() => false),
    ])
    if (stopped) return 'cancelled'
    job.markBroken(
      new ConnectionError(
        `the statement did not stop within ${this.#config.cancelWaitMs} ms of CANCEL_SQL; its job ${job.name} was ended`,
        { system: SYSTEM, code: 'JOB_ENDED_FOR_CANCEL' },
      ),
    )
    await settled.then(
      () => undefined,
      () => undefined,
    )
    return 'job ended'
  }

  async #cancelSql(jobName: string): Promise<void> {
    if (!JOB_NAME.test(jobName)) {
      log(this.#config.logger, 'warn', 'not cancelling: unexpected job name', {
        system: SYSTEM,
        job: jobName,
      })
      return
    }
    try {
      const control = await this.#controlJob()
      const reply = await control.sendStatement(
        { type: 'sql', sql: `CALL QSYS2.CANCEL_SQL('${jobName}')`, rows: 0 },
        { timeoutMs: this.#config.requestTimeoutMs },
      )
      if (typeof reply.id === 'string') control.closeStatement(reply.id)
      if (reply.success !== true) {
        log(this.#config.logger, 'debug', 'CANCEL_SQL answered with an error', {
          system: SYSTEM,
          job: jobName,
          error: reply.error,
        })
      }
    } catch (error) {
      log(this.#config.logger, 'warn', 'CANCEL_SQL could not be sent', {
        system: SYSTEM,
        job: jobName,
        error: error instanceof Error ? error.message : String(error),
      })
    }
  }

  /** The job CANCEL_SQL runs from: opened on first use, outside the pools, reopened if it died. */
  #controlJob(): Promise<MapepireJob> {
    if (this.#closed) return Promise.reject(new ConnectionError('the client is closed', { system: SYSTEM }))
    const current = this.#control
    if (current) {
      return current.then((job) => {
        if (job.healthy) return job
        this.#control = undefined
        return this.#controlJob()
      })
    }
    const opening = MapepireJob.connect(this.#config, { kind: 'control' })
    this.#control = opening
    opening.catch(() => {
      if (this.#control === opening) this.#control = undefined
    })
    return opening
  }

  async close(): Promise<void> {
    this.#closed = true
    await Promise.allSettled([...this.#active])
    const control = this.#control
    this.#control = undefined
    if (control) {
      const job = await control.catch(() => undefined)
      if (job) {
        await new Promise<void>((resolve) => {
          job.socket.onClose(() => resolve())
          job.close()
        })
      }
    }
  }
}
