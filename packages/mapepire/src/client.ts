/**
 * `MapepireClient`: Db2 for i through Mapepire, and the SqlClient the Kysely
 * and Drizzle bridges speak.
 *
 *   const client = createClient({ host, user, password, ca })
 *   const { rows } = await client.query('SELECT * FROM SAMPLE.DEPARTMENT WHERE DEPTNO = ?', ['A00'])
 *   for await (const row of client.stream('SELECT * FROM SAMPLE.EMPLOYEE')) { … }
 *
 * Two pools of jobs: autocommit jobs, shared by statements (see pool.ts and
 * lease.ts for which statements share a job), and transaction jobs, one per
 * open transaction. A third, single job sends CANCEL_SQL (cancel.ts).
 */
import {
  type AcquireOptions,
  type Capabilities,
  ConfigurationError,
  flatten,
  log,
  type RowMode,
  type SqlClient,
  type TransactionSettings,
} from '@tributary/core'
import { StatementStopper } from './cancel.ts'
import { encodeParameters, type WireValue } from './codecs/params.ts'
import { type MapepireConfig, type ResolvedConfig, resolveConfig } from './config.ts'
import { SYSTEM } from './errors.ts'
import type { JobProfile, MapepireJob } from './job.ts'
import { JobLease, type LeaseContext, type LeaseStatement } from './lease.ts'
import { JobPool, type PoolStats } from './pool.ts'
import type { MapepireResult, StatementRun } from './statement.ts'
import type { StatementKind } from './statement-kind.ts'
import { classifyStatement } from './statement-kind.ts'
import { MapepireTransaction, transactionProfile } from './transaction.ts'

export interface ServerInfo {
  /** mapepire-server's version (`getversion`), e.g. `2.3.3`. */
  version: string
  buildDate: string | undefined
}

export interface QueryOptions {
  signal?: AbortSignal | undefined
  /** `object` (default) or positional `array` rows. */
  rowMode?: RowMode | undefined
}

export interface StreamOptions extends QueryOptions {
  /** Rows per page fetched from the server (`sqlmore`). Default 1000. */
  batchSize?: number | undefined
}

const AUTOCOMMIT: JobProfile = { kind: 'autocommit' }

export class MapepireClient implements SqlClient {
  readonly system = SYSTEM
  readonly displayName = 'Db2 for i'
  readonly capabilities: Capabilities = {
    transactions: true,
    savepoints: true,
    returning: true,
    serverSideCancel: true,
    sessions: true,
    transactionalDdl: false,
  }
  readonly config: ResolvedConfig
  readonly #pool: JobPool
  readonly #transactionPool: JobPool
  readonly #stopper: StatementStopper
  readonly #context: LeaseContext
  #server: ServerInfo | undefined
  #asking: Promise<ServerInfo> | undefined
  #closed = false

  constructor(config: MapepireConfig) {
    this.config = resolveConfig(config)
    const onConnect = (job: MapepireJob) => {
      if (!this.#server && !this.#asking) void this.#askVersion(job).catch(() => undefined)
    }
    this.#pool = new JobPool(this.config, {
      name: 'autocommit',
      min: this.config.pool.min,
      max: this.config.pool.max,
      sharedProfile: AUTOCOMMIT,
      onConnect,
    })
    this.#transactionPool = new JobPool(this.config, {
      name: 'transaction',
      min: 0,
      max: this.config.pool.transactionMax,
      sharedProfile: undefined,
      onConnect,
    })
    this.#stopper = new StatementStopper(this.config)
    this.#context = {
      config: this.config,
      stopper: this.#stopper,
      released: () => {
        this.#pool.notify()
        this.#transactionPool.notify()
      },
      prepare: (statement, kind) => this.#prepare(statement, kind),
      assertOpen: () => this.#assertOpen(),
    }
  }

  /** Rows of a statement, read whole. Statements that change the job (SET SCHEMA, …) need a lease. */
  async query<R = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
    options: QueryOptions = {},
  ): Promise<MapepireResult<R>> {
    const lease = this.#shared(sql)
    try {
      return await lease.execute<R>({ sql, params, signal: options.signal, rowMode: options.rowMode })
    } finally {
      await lease.release()
    }
  }

  /** Rows one at a time, fetched `batchSize` per page; `break`, an error or the signal close the statement. */
  stream<R = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
    options: StreamOptions = {},
  ): AsyncIterableIterator<R> {
    return flatten(this.streamBatches<R>(sql, params, options))
  }

  /** Like `stream`, but yields each page (exactly `batchSize` rows, the last may be shorter). */
  async *streamBatches<R = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[] = [],
    options: StreamOptions = {},
  ): AsyncGenerator<R[], void, undefined> {
    const lease = this.#shared(sql)
    try {
      yield* lease.stream<R>(
        { sql, params, signal: options.signal, rowMode: options.rowMode },
        { batchSize: options.batchSize ?? 1000 },
      )
    } finally {
      await lease.release()
    }
  }

  /**
   * One statement with many sets of parameters (JDBC batch: `executeLargeBatch`
   * on the server). Resolves with the rows changed in all.
   */
  async batch(
    sql: string,
    rows: readonly (readonly unknown[])[],
    options: { signal?: AbortSignal | undefined } = {},
  ): Promise<{ numAffectedRows: bigint | undefined; queryId: string }> {
    if (!Array.isArray(rows) || rows.length === 0) {
      throw new ConfigurationError('a batch needs at least one row of parameters', { system: SYSTEM })
    }
    const lease = this.#shared(sql)
    try {
      const result = await lease.execute({ sql, params: rows, signal: options.signal, batch: true })
      return { numAffectedRows: result.numAffectedRows, queryId: result.queryId }
    } finally {
      await lease.release()
    }
  }

  /**
   * A CL command on a job of its own, which is closed afterwards (CL commands
   * change job state). To keep what a command set up (ADDLIBLE, OVRDBF, a
   * lock), run it on a lease: `(await client.acquire()).cl(…)`.
   */
  async cl(command: string, options: { signal?: AbortSignal | undefined } = {}): Promise<MapepireResult> {
    const lease = await this.acquire({ exclusive: true, signal: options.signal })
    try {
      return await lease.cl(command, options)
    } finally {
      await lease.release({ discard: true })
    }
  }

  async acquire(options: AcquireOptions = {}): Promise<JobLease> {
    this.#assertOpen()
    const job = options.exclusive ? await this.#pool.pin(AUTOCOMMIT, options.signal) : undefined
    return new JobLease(this.#context, { pool: this.#pool, profile: AUTOCOMMIT, job })
  }

  async beginTransaction(
    settings: TransactionSettings,
    options: { signal?: AbortSignal | undefined } = {},
  ): Promise<MapepireTransaction> {
    this.#assertOpen()
    const profile = transactionProfile(settings, this.config.transactionIsolation)
    const job = await this.#transactionPool.pin(profile, options.signal)
    const lease = new JobLease(this.#context, {
      pool: this.#transactionPool,
      profile,
      job,
      transaction: true,
    })
    return new MapepireTransaction(lease)
  }

  /** The server's version, asked once (`getversion`). */
  async serverInfo(): Promise<ServerInfo> {
    if (this.#server) return this.#server
    if (this.#asking) return this.#asking
    const lease = await this.acquire()
    try {
      // Any statement brings a job; its connect hook asks for the version.
      await lease.execute({ sql: 'VALUES 1', params: [] })
    } finally {
      await lease.release()
    }
    return this.#server ?? (await this.#asking!)
  }

  /** Jobs, statements running and waiters of the two pools. */
  stats(): { autocommit: PoolStats; transaction: PoolStats } {
    return { autocommit: this.#pool.stats, transaction: this.#transactionPool.stats }
  }

  /** Closes every job (the server ends them, and everything they held). */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await Promise.all([this.#pool.close(), this.#transactionPool.close()])
    await this.#stopper.close()
  }

  #askVersion(job: MapepireJob): Promise<ServerInfo> {
    const asking = job.call({ type: 'getversion' }).then(
      (reply) => {
        const info = {
          version: String(reply.version ?? ''),
          buildDate: typeof reply.build_date === 'string' ? reply.build_date : undefined,
        }
        this.#server = info
        log(this.config.logger, 'debug', 'Mapepire server version', { system: SYSTEM, ...info })
        return info
      },
      (error: unknown) => {
        this.#asking = undefined
        throw error
      },
    )
    this.#asking = asking
    return asking
  }

  /** A lease for one statement of the client's own API, which refuses statements that change the job. */
  #shared(sql: string): JobLease {
    this.#assertOpen()
    const kind = classifyStatement(sql)
    if (kind.jobState !== undefined) {
      throw new ConfigurationError(
        `${kind.jobState} changes the job it runs on, and the client's own query() runs each statement on any job: ` +
          'run it on a lease (const lease = await client.acquire()) so the statements after it see it',
        { system: SYSTEM },
      )
    }
    return new JobLease(this.#context, { pool: this.#pool, profile: AUTOCOMMIT })
  }

  #prepare(statement: LeaseStatement, kind: StatementKind): StatementRun {
    if (typeof statement.sql !== 'string' || statement.sql.trim() === '') {
      throw new ConfigurationError('the SQL text is empty', { system: SYSTEM })
    }
    const params = statement.params ?? []
    let parameters: WireValue[] | WireValue[][] | undefined
    if (statement.batch) {
      parameters = (params as readonly (readonly unknown[])[]).map((row) => {
        if (!Array.isArray(row))
          throw new ConfigurationError('each batch row must be an array', { system: SYSTEM })
        return encodeParameters(row)
      })
    } else if (params.length > 0) {
      parameters = encodeParameters(params)
    }
    return {
      sql: statement.sql,
      parameters,
      rowMode: statement.rowMode ?? 'object',
      signal: statement.signal,
      onQueryId: statement.onQueryId,
      reusable: kind.reusable,
      timeoutMs: this.config.queryTimeoutMs,
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new ConfigurationError('the Mapepire client is closed', { system: SYSTEM })
  }
}

export function createClient(config: MapepireConfig): MapepireClient {
  return new MapepireClient(config)
}
