import { randomUUID } from 'node:crypto'
import type { CompiledQuery, ControlConnectionProvider, DatabaseConnection, QueryResult } from 'kysely'
import type { SqlConnection } from '../contract.ts'

interface AbortOptions {
  readonly signal?: AbortSignal | undefined
}

/**
 * Kysely's view of one `SqlConnection`. It remembers the id of the query in
 * flight so that `cancelQuery` never stops a query other than the one the
 * caller aborted.
 */
export class SqlDatabaseConnection implements DatabaseConnection {
  readonly sqlConnection: SqlConnection
  #inFlightQueryId: string | undefined

  constructor(sqlConnection: SqlConnection) {
    this.sqlConnection = sqlConnection
  }

  async executeQuery<R>(compiledQuery: CompiledQuery, options?: AbortOptions): Promise<QueryResult<R>> {
    const queryId = randomUUID()
    this.#inFlightQueryId = queryId
    try {
      const result = await this.sqlConnection.execute<R>({
        sql: compiledQuery.sql,
        params: compiledQuery.parameters,
        queryId,
        signal: options?.signal,
        rowMode: 'object',
      })
      return result.numAffectedRows === undefined
        ? { rows: result.rows }
        : { rows: result.rows, numAffectedRows: result.numAffectedRows }
    } finally {
      if (this.#inFlightQueryId === queryId) this.#inFlightQueryId = undefined
    }
  }

  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize = 1000,
    options?: AbortOptions,
  ): AsyncIterableIterator<QueryResult<R>> {
    const queryId = randomUUID()
    this.#inFlightQueryId = queryId
    try {
      const batches = this.sqlConnection.stream<R>(
        {
          sql: compiledQuery.sql,
          params: compiledQuery.parameters,
          queryId,
          signal: options?.signal,
          rowMode: 'object',
        },
        { batchSize: chunkSize },
      )
      for await (const rows of batches) yield { rows }
    } finally {
      if (this.#inFlightQueryId === queryId) this.#inFlightQueryId = undefined
    }
  }

  /** Kysely 0.29 `inflightQueryAbortStrategy: 'cancel query'`: stops the query on the server. */
  async cancelQuery(controlConnectionProvider: ControlConnectionProvider): Promise<void> {
    const queryId = this.#inFlightQueryId
    if (queryId === undefined) return
    await controlConnectionProvider(async (control) => {
      const target = control instanceof SqlDatabaseConnection ? control.sqlConnection : this.sqlConnection
      await target.cancel(queryId)
    })
  }

  /**
   * Kysely 0.29 `inflightQueryAbortStrategy: 'kill session'`: ends the server-side
   * session where the database has one, else stops the query in flight.
   */
  async killSession(controlConnectionProvider: ControlConnectionProvider): Promise<void> {
    if (this.sqlConnection.terminate) {
      await this.sqlConnection.terminate()
      return
    }
    await this.cancelQuery(controlConnectionProvider)
  }
}
