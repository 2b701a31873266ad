import type { DatabaseConnection, Driver, TransactionSettings } from 'kysely'
import type { SqlClient, SqlConnection } from '../contract.ts'
import { ConfigurationError, NotSupportedError } from '../errors.ts'
import { SqlDatabaseConnection } from './connection.ts'

/** Transaction statements for databases that have them; absent means "no transactions". */
export interface TransactionHooks {
  begin(connection: SqlConnection, settings: TransactionSettings): Promise<void>
  commit(connection: SqlConnection): Promise<void>
  rollback(connection: SqlConnection): Promise<void>
}

export interface SqlDriverConfig {
  system: string
  /** Creates (or returns) the client on `init`. */
  client: () => SqlClient | Promise<SqlClient>
  /** Close the client on `destroy` (false when the user passed their own client). */
  ownsClient: boolean
  transactions?: TransactionHooks | undefined
}

/** A Kysely `Driver` over any `SqlClient`. Database packages configure it; none subclass it. */
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
    if (this.#destroyed)
      throw new ConfigurationError('the Kysely instance was destroyed', { system: this.#config.system })
    await this.init()
    return new SqlDatabaseConnection(await this.#client!.acquire({ signal: options?.signal }))
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await this.#transactions('begin').begin(sqlConnectionOf(connection), settings)
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#transactions('commit').commit(sqlConnectionOf(connection))
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#transactions('rollback').rollback(sqlConnectionOf(connection))
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await sqlConnectionOf(connection).release()
  }

  async destroy(): Promise<void> {
    this.#destroyed = true
    const client = this.#client
    this.#client = undefined
    if (client && this.#config.ownsClient) await client.close()
  }

  #transactions(step: string): TransactionHooks {
    const hooks = this.#config.transactions
    if (!hooks) {
      throw new NotSupportedError(`${this.#config.system} has no transactions (cannot ${step} one)`, {
        system: this.#config.system,
      })
    }
    return hooks
  }
}

function sqlConnectionOf(connection: DatabaseConnection): SqlConnection {
  if (!(connection instanceof SqlDatabaseConnection)) {
    throw new ConfigurationError('connection does not belong to this driver')
  }
  return connection.sqlConnection
}
