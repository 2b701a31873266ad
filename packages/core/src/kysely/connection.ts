import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely'
import type { SqlClient, SqlConnection, SqlStatement, TransactionSettings } from '../contract.ts'
import { ConfigurationError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import { OpenTransaction } from '../transaction.ts'

interface AbortOptions {
  readonly signal?: AbortSignal | undefined
}

/**
 * Kysely's view of one `SqlConnection` lease, and of the transaction running
 * on it. While a transaction is open its statements go to the transaction's
 * own exclusive connection.
 *
 * Cancellation belongs to the statement: Kysely 0.29 hands the signal to
 * `executeQuery` under every abort strategy, and the client stops the
 * statement on the server when it aborts. `cancelQuery` therefore only waits
 * for that stop; it never sends a second one and never asks Kysely for a
 * control connection (inside `db.transaction()` that would wait for a release
 * that waits for this very handler).
 */
export class SqlDatabaseConnection implements DatabaseConnection {
  readonly sqlConnection: SqlConnection
  readonly #client: SqlClient
  readonly #logger: Logger | undefined
  #transaction: OpenTransaction | undefined
  /** Settles when the statement in flight has settled (after its stop, if it was aborted). */
  #inFlight: Promise<unknown> | undefined

  constructor(sqlConnection: SqlConnection, client: SqlClient, logger?: Logger | undefined) {
    this.sqlConnection = sqlConnection
    this.#client = client
    this.#logger = logger
  }

  /** Where statements run now: the transaction's connection while one is open. */
  get target(): SqlConnection {
    const tx = this.#transaction
    return tx && !tx.ended ? tx.connection : this.sqlConnection
  }

  get transaction(): OpenTransaction | undefined {
    return this.#transaction
  }

  async executeQuery<R>(compiledQuery: CompiledQuery, options?: AbortOptions): Promise<QueryResult<R>> {
    const running = this.target.execute<R>(statementOf(compiledQuery, options))
    this.#track(running)
    const result = await running
    return result.numAffectedRows === undefined
      ? { rows: result.rows }
      : { rows: result.rows, numAffectedRows: result.numAffectedRows }
  }

  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize = 1000,
    options?: AbortOptions,
  ): AsyncIterableIterator<QueryResult<R>> {
    const batches = this.target.stream<R>(statementOf(compiledQuery, options), { batchSize: chunkSize })
    const iterator = batches[Symbol.asyncIterator]()
    let done = false
    try {
      for (;;) {
        const next = iterator.next()
        this.#track(next)
        const step = await next
        if (step.done) {
          done = true
          return
        }
        yield { rows: step.value }
      }
    } finally {
      if (!done) await iterator.return?.()
    }
  }

  /** Kysely's `'cancel query'`: the statement's signal already stops it on the server; wait for that. */
  async cancelQuery(): Promise<void> {
    await settled(this.#inFlight)
  }

  /**
   * Kysely's `'kill session'`: waits for the statement's stop, then ends the
   * session or job behind an exclusive connection where the database has one.
   */
  async killSession(): Promise<void> {
    await settled(this.#inFlight)
    const target = this.target
    if (target.terminate) await target.terminate()
  }

  async beginTransaction(settings: TransactionSettings): Promise<void> {
    if (this.#transaction && !this.#transaction.ended) {
      throw new ConfigurationError('a transaction is already open on this connection')
    }
    this.#transaction = await OpenTransaction.begin(this.#client, settings, { logger: this.#logger })
  }

  async commitTransaction(): Promise<void> {
    await this.#open().commit()
  }

  /** Never throws (Kysely would rethrow it instead of the error that caused the rollback). */
  async rollbackTransaction(): Promise<void> {
    await this.#transaction?.rollback()
  }

  #open(): OpenTransaction {
    const tx = this.#transaction
    if (!tx || tx.ended) throw new ConfigurationError('no transaction is open on this connection')
    return tx
  }

  async release(): Promise<void> {
    // A transaction the caller never ended is rolled back rather than left holding its connection.
    await this.#transaction?.rollback()
    this.#transaction = undefined
    await this.sqlConnection.release()
  }

  #track(promise: Promise<unknown>): void {
    const tracked = promise.then(
      () => undefined,
      () => undefined,
    )
    this.#inFlight = tracked
    void tracked.then(() => {
      if (this.#inFlight === tracked) this.#inFlight = undefined
    })
  }
}

function statementOf(compiledQuery: CompiledQuery, options: AbortOptions | undefined): SqlStatement {
  return {
    sql: compiledQuery.sql,
    params: compiledQuery.parameters,
    signal: options?.signal,
    rowMode: 'object',
  }
}

async function settled(promise: Promise<unknown> | undefined): Promise<void> {
  if (promise) await promise
}
