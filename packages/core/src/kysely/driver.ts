import type { DatabaseConnection, Driver, TransactionSettings } from 'kysely'
import type { SqlClient } from '../contract.ts'
import { ConfigurationError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import { transactionsNotSupported } from '../transaction.ts'
import { SqlDatabaseConnection } from './connection.ts'

export interface SqlDriverConfig {
  /** Creates (or returns) the client on `init`. */
  client: () => SqlClient | Promise<SqlClient>
  /** Close the client on `destroy` (false when the user passed their own client). */
  ownsClient: boolean
  logger?: Logger | undefined
}

/**
 * A Kysely `Driver` over any `SqlClient`. Database packages configure it; none
 * subclass it. Transactions and savepoints come from the client's own
 * transaction capability, the same one Drizzle uses.
 */
export class SqlDriver implements Driver {
  readonly #config: SqlDriverConfig
  #client: SqlClient | undefined
  #destroyed = false

  constructor(config: SqlDriverConfig) {
    this.#config = config
  }

  async init(): Promise<void> {
    this.#client ??= await this.#config.client()
  }

  async acquireConnection(options?: { signal?: AbortSignal | undefined }): Promise<DatabaseConnection> {
    if (this.#destroyed) throw new ConfigurationError('the Kysely instance was destroyed')
    await this.init()
    const client = this.#client!
    return new SqlDatabaseConnection(
      await client.acquire({ signal: options?.signal }),
      client,
      this.#config.logger,
    )
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const client = this.#client!
    if (!client.capabilities.transactions) throw transactionsNotSupported(client)
    await bridgeOf(connection).beginTransaction(settings)
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await bridgeOf(connection).commitTransaction()
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await bridgeOf(connection).rollbackTransaction()
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await openTransaction(connection).savepoint(name)
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await openTransaction(connection).rollbackToSavepoint(name)
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await openTransaction(connection).releaseSavepoint(name)
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await bridgeOf(connection).release()
  }

  async destroy(): Promise<void> {
    this.#destroyed = true
    const client = this.#client
    this.#client = undefined
    if (client && this.#config.ownsClient) await client.close()
  }
}

function bridgeOf(connection: DatabaseConnection): SqlDatabaseConnection {
  if (!(connection instanceof SqlDatabaseConnection)) {
    throw new ConfigurationError('connection does not belong to this driver')
  }
  return connection
}

function openTransaction(connection: DatabaseConnection) {
  const tx = bridgeOf(connection).transaction
  if (!tx || tx.ended) throw new ConfigurationError('no transaction is open on this connection')
  return tx
}
