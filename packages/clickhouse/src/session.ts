import { randomUUID } from 'node:crypto'
import {
  ConfigurationError,
  type ReleaseOptions,
  type SqlConnection,
  type SqlResult,
  type SqlStatement,
} from '@tributary/core'
import type { ClickHouseClient, InsertOptions, QueryOptions } from './client.ts'
import type { QueryParams } from './statement.ts'

/**
 * A lease on the client, as the bridges acquire it. With a session id it is a
 * ClickHouse session (temporary tables and `SET` last across its statements),
 * which the server runs one statement at a time: a second concurrent one is
 * refused here with a clear error instead of the server's lock error. The
 * session belongs to the lease: releasing a lease that used it ends it on the
 * server, so sessions never pile up until the server's timeout.
 */
export class ClickHouseSession implements SqlConnection {
  readonly client: ClickHouseClient
  #sessionId: string | undefined
  /** Whether the server has seen this session id (only then is there something to end). */
  #used = false
  #busy = false
  #released = false

  constructor(client: ClickHouseClient, sessionId: string | undefined) {
    this.client = client
    this.#sessionId = sessionId
  }

  get sessionId(): string | undefined {
    return this.#sessionId
  }

  execute<R>(statement: SqlStatement): Promise<SqlResult<R>> {
    return this.#exclusive(() => this.client.executeStatement<R>(statement, this.#sessionId))
  }

  async *stream<R>(
    statement: SqlStatement,
    options: { batchSize: number },
  ): AsyncGenerator<R[], void, undefined> {
    this.#enter()
    try {
      const queryId = randomUUID()
      statement.onQueryId?.(queryId)
      yield* this.client.streamBatches<R>(statement.sql, statement.params, {
        queryId,
        signal: statement.signal,
        rowMode: statement.rowMode,
        batchSize: options.batchSize,
        sessionId: this.#sessionId,
      })
    } finally {
      this.#busy = false
    }
  }

  query<R = Record<string, unknown>>(sql: string, params?: QueryParams, options: QueryOptions = {}) {
    return this.#exclusive(() =>
      this.client.query<R>(sql, params, { ...options, sessionId: this.#sessionId }),
    )
  }

  command(sql: string, params?: QueryParams, options: QueryOptions = {}) {
    return this.#exclusive(() => this.client.command(sql, params, { ...options, sessionId: this.#sessionId }))
  }

  insert(options: Omit<InsertOptions, 'sessionId'>) {
    return this.#exclusive(() => this.client.insert({ ...options, sessionId: this.#sessionId }))
  }

  /**
   * Kysely's `'kill session'`: ends the server-side session now. ClickHouse
   * runs no process per session, so what ends is its state (temporary tables,
   * settings); the lease carries on with a new, empty session.
   */
  async terminate(): Promise<void> {
    const ended = this.#sessionId
    if (ended === undefined) return
    this.#sessionId = randomUUID()
    if (this.#used) {
      this.#used = false
      await this.client.endSession(ended)
    }
  }

  /** Ends the session on the server if the lease used one. Releasing twice does nothing more. */
  async release(_options?: ReleaseOptions): Promise<void> {
    if (this.#released) return
    this.#released = true
    if (this.#sessionId !== undefined && this.#used) this.client.endSessionInBackground(this.#sessionId)
  }

  /** Same as `release()`: for sessions from `client.session()`. */
  close(): Promise<void> {
    return this.release()
  }

  async #exclusive<T>(run: () => Promise<T>): Promise<T> {
    this.#enter()
    try {
      return await run()
    } finally {
      this.#busy = false
    }
  }

  #enter(): void {
    if (this.#released) {
      throw new ConfigurationError('this ClickHouse session was released', { system: 'clickhouse' })
    }
    if (!this.#sessionId) return
    if (this.#busy) {
      throw new ConfigurationError(
        'a ClickHouse session runs one query at a time; await the previous query (or use separate sessions)',
        { system: 'clickhouse' },
      )
    }
    this.#busy = true
    this.#used = true
  }
}
