import { randomUUID } from 'node:crypto'
import { ConfigurationError, type SqlConnection, type SqlResult, type SqlStatement } from '@tributary/core'
import type { ClickHouseClient, InsertOptions, QueryOptions } from './client.ts'
import type { QueryParams } from './statement.ts'

/**
 * A client handle the bridges acquire. With a `sessionId` it is a ClickHouse
 * session, which the server runs one query at a time: a second concurrent
 * query is refused here with a clear error instead of the server's lock error.
 */
export class ClickHouseSession implements SqlConnection {
  readonly client: ClickHouseClient
  readonly sessionId: string | undefined
  #busy = false

  constructor(client: ClickHouseClient, sessionId: string | undefined) {
    this.client = client
    this.sessionId = sessionId
  }

  execute<R>(statement: SqlStatement): Promise<SqlResult<R>> {
    return this.#exclusive(() => this.client.executeStatement<R>(statement, this.sessionId))
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
        sessionId: this.sessionId,
      })
    } finally {
      this.#busy = false
    }
  }

  query<R = Record<string, unknown>>(sql: string, params?: QueryParams, options: QueryOptions = {}) {
    return this.#exclusive(() => this.client.query<R>(sql, params, { ...options, sessionId: this.sessionId }))
  }

  command(sql: string, params?: QueryParams, options: QueryOptions = {}) {
    return this.#exclusive(() => this.client.command(sql, params, { ...options, sessionId: this.sessionId }))
  }

  insert(options: Omit<InsertOptions, 'sessionId'>) {
    return this.#exclusive(() => this.client.insert({ ...options, sessionId: this.sessionId }))
  }

  async release(): Promise<void> {}

  async #exclusive<T>(run: () => Promise<T>): Promise<T> {
    this.#enter()
    try {
      return await run()
    } finally {
      this.#busy = false
    }
  }

  #enter(): void {
    if (!this.sessionId) return
    if (this.#busy) {
      throw new ConfigurationError(
        'a ClickHouse session runs one query at a time; await the previous query (or use separate sessions)',
        { system: 'clickhouse' },
      )
    }
    this.#busy = true
  }
}
