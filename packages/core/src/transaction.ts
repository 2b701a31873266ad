/**
 * The one transaction life that Kysely and Drizzle share: begin on a
 * connection of its own, commit or roll back, give the connection back.
 *
 * A rollback never throws here. Kysely rethrows whatever its
 * `rollbackTransaction` throws (hiding the error that caused the rollback),
 * so a failed rollback is logged, its connection discarded (its state is
 * unknown), and the failure handed back for the caller to attach.
 */
import type { SqlClient, SqlConnection, SqlTransaction, TransactionSettings } from './contract.ts'
import { NotSupportedError } from './errors.ts'
import { type Logger, log } from './logger.ts'

/** The error for a database without transactions, worded once for every bridge. */
export function transactionsNotSupported(client: SqlClient, what = 'a transaction'): NotSupportedError {
  return new NotSupportedError(
    `${client.displayName} has no transactions (cannot begin ${what}): each statement commits on its own`,
    { system: client.system },
  )
}

export function savepointsNotSupported(client: SqlClient): NotSupportedError {
  return new NotSupportedError(`${client.displayName} has no savepoints (nested transactions)`, {
    system: client.system,
  })
}

export interface OpenTransactionOptions {
  signal?: AbortSignal | undefined
  logger?: Logger | undefined
}

/** A transaction from `begin` until its connection is given back. */
export class OpenTransaction {
  readonly #client: SqlClient
  readonly #transaction: SqlTransaction
  readonly #logger: Logger | undefined
  #ended = false

  private constructor(client: SqlClient, transaction: SqlTransaction, logger: Logger | undefined) {
    this.#client = client
    this.#transaction = transaction
    this.#logger = logger
  }

  /** Takes an exclusive connection and begins; throws `NotSupportedError` where there are no transactions. */
  static async begin(
    client: SqlClient,
    settings: TransactionSettings,
    options: OpenTransactionOptions = {},
  ): Promise<OpenTransaction> {
    if (!client.capabilities.transactions || !client.beginTransaction) throw transactionsNotSupported(client)
    const transaction = await client.beginTransaction(settings, { signal: options.signal })
    return new OpenTransaction(client, transaction, options.logger)
  }

  get connection(): SqlConnection {
    return this.#transaction.connection
  }

  get ended(): boolean {
    return this.#ended
  }

  /** Commits and gives the connection back. On failure the transaction stays open for `rollback()`. */
  async commit(): Promise<void> {
    await this.#transaction.commit()
    await this.#end(false)
  }

  /**
   * Rolls back and gives the connection back; never throws. Returns the
   * rollback's own failure (already logged), when there was one.
   */
  async rollback(): Promise<unknown> {
    if (this.#ended) return undefined
    try {
      await this.#transaction.rollback()
    } catch (error) {
      log(this.#logger, 'error', 'rollback failed; the connection is discarded', {
        system: this.#client.system,
        error: error instanceof Error ? error.message : String(error),
      })
      await this.#end(true)
      return error
    }
    await this.#end(false)
    return undefined
  }

  async savepoint(name: string): Promise<void> {
    await this.#savepoints().savepoint!(name)
  }

  async rollbackToSavepoint(name: string): Promise<void> {
    await this.#savepoints().rollbackToSavepoint!(name)
  }

  async releaseSavepoint(name: string): Promise<void> {
    await this.#savepoints().releaseSavepoint!(name)
  }

  #savepoints(): SqlTransaction {
    const tx = this.#transaction
    if (
      !this.#client.capabilities.savepoints ||
      !tx.savepoint ||
      !tx.rollbackToSavepoint ||
      !tx.releaseSavepoint
    )
      throw savepointsNotSupported(this.#client)
    return tx
  }

  async #end(discard: boolean): Promise<void> {
    if (this.#ended) return
    this.#ended = true
    try {
      await this.#transaction.connection.release(discard ? { discard: true } : undefined)
    } catch (error) {
      log(this.#logger, 'warn', 'giving back a transaction connection failed', {
        system: this.#client.system,
        error: error instanceof Error ? error.message : String(error),
      })
    }
  }
}

/**
 * Attaches a rollback's failure to the error that caused the rollback, which
 * is the one the caller sees (`error.rollbackError`).
 */
export function attachRollbackFailure(error: unknown, rollbackError: unknown): void {
  if (rollbackError === undefined || typeof error !== 'object' || error === null) return
  if (Object.isFrozen(error)) return
  Object.defineProperty(error, 'rollbackError', {
    value: rollbackError,
    configurable: true,
    enumerable: false,
    writable: true,
  })
}
