/**
 * The pg-core session and transaction over an `SqlClient`.
 *
 * Transactions use the client's own transaction capability (the same one
 * Kysely uses): a connection of its own from begin to commit or rollback, and
 * savepoints for nested transactions. Where the database has none,
 * `db.transaction()` throws `NotSupportedError` before touching the database:
 * running the callback without atomicity would lie.
 */
import { entityKind, type Logger, type Query, type SQL, type TablesRelationalConfig } from 'drizzle-orm'
import {
  type PgQueryResultHKT,
  PgSession,
  PgTransaction,
  type PgTransactionConfig,
  type PreparedQueryConfig,
  type SelectedFieldsOrdered,
} from 'drizzle-orm/pg-core'
import type { SqlClient, SqlResult, TransactionSettings } from '../contract.ts'
import { NotSupportedError } from '../errors.ts'
import { attachRollbackFailure, OpenTransaction } from '../transaction.ts'
import { type ConnectionSource, fixedConnection } from './connections.ts'
import type { BridgeDialect } from './dialect.ts'
import { BridgePreparedQuery, type CustomResultMapper } from './prepared-query.ts'

/** `db.execute()` and writes without RETURNING resolve to the client's `SqlResult`. */
export interface BridgeQueryResultHKT extends PgQueryResultHKT {
  type: SqlResult<this['row'] extends Record<string, unknown> ? this['row'] : Record<string, unknown>>
}

export interface RelationalSchema<TSchema extends TablesRelationalConfig> {
  fullSchema: Record<string, unknown>
  schema: TSchema
  tableNamesMap: Record<string, string>
}

export interface BridgeSessionOptions {
  client: SqlClient
  logger: Logger
  /** Every statement of this session carries it (`db.$withSignal`). */
  signal?: AbortSignal | undefined
}

export class BridgeSession<
  TFullSchema extends Record<string, unknown> = Record<string, never>,
  TSchema extends TablesRelationalConfig = Record<string, never>,
> extends PgSession<BridgeQueryResultHKT, TFullSchema, TSchema> {
  static override readonly [entityKind]: string = 'TributaryBridgeSession'

  readonly connections: ConnectionSource
  readonly bridgeDialect: BridgeDialect
  readonly schema: RelationalSchema<TSchema> | undefined
  readonly options: BridgeSessionOptions

  constructor(
    connections: ConnectionSource,
    dialect: BridgeDialect,
    schema: RelationalSchema<TSchema> | undefined,
    options: BridgeSessionOptions,
  ) {
    super(dialect)
    this.connections = connections
    this.bridgeDialect = dialect
    this.schema = schema
    this.options = options
  }

  prepareQuery<T extends PreparedQueryConfig = PreparedQueryConfig>(
    query: Query,
    fields: SelectedFieldsOrdered | undefined,
    _name: string | undefined,
    isResponseInArrayMode: boolean,
    customResultMapper?: (rows: unknown[][], mapColumnValue?: (value: unknown) => unknown) => T['execute'],
    queryMetadata?: { type: 'select' | 'update' | 'delete' | 'insert'; tables: string[] },
  ): BridgePreparedQuery<T> {
    return new BridgePreparedQuery<T>(
      {
        connections: this.connections,
        dialect: this.bridgeDialect,
        logger: this.options.logger,
        signal: this.options.signal,
      },
      query,
      fields,
      isResponseInArrayMode,
      customResultMapper as CustomResultMapper | undefined,
      queryMetadata,
    )
  }

  /** Used by `db.$count()`; the result object keeps rows under `rows`. */
  override async count(query: SQL): Promise<number> {
    const result = await this.execute<SqlResult>(query)
    return Number(result.rows[0]?.count)
  }

  override async transaction<T>(
    transaction: (tx: BridgeTransaction<TFullSchema, TSchema>) => Promise<T>,
    config?: PgTransactionConfig,
  ): Promise<T> {
    const open = await OpenTransaction.begin(this.options.client, transactionSettings(config), {
      signal: this.options.signal,
      logger: undefined,
    })
    const session = new BridgeSession<TFullSchema, TSchema>(
      fixedConnection(open.connection),
      this.bridgeDialect,
      this.schema,
      this.options,
    )
    const tx = new BridgeTransaction<TFullSchema, TSchema>(this.bridgeDialect, session, this.schema, 0, open)
    return runInside(
      tx,
      transaction,
      () => open.commit(),
      () => open.rollback(),
    )
  }
}

export class BridgeTransaction<
  TFullSchema extends Record<string, unknown> = Record<string, never>,
  TSchema extends TablesRelationalConfig = Record<string, never>,
> extends PgTransaction<BridgeQueryResultHKT, TFullSchema, TSchema> {
  static override readonly [entityKind]: string = 'TributaryBridgeTransaction'

  private readonly bridgeSession: BridgeSession<TFullSchema, TSchema>
  private readonly open: OpenTransaction

  constructor(
    dialect: BridgeDialect,
    session: BridgeSession<TFullSchema, TSchema>,
    schema: RelationalSchema<TSchema> | undefined,
    nestedIndex: number,
    open: OpenTransaction,
  ) {
    super(dialect, session, schema, nestedIndex)
    this.bridgeSession = session
    this.open = open
  }

  /** A nested transaction is a savepoint on the same connection. */
  override async transaction<T>(
    transaction: (tx: BridgeTransaction<TFullSchema, TSchema>) => Promise<T>,
  ): Promise<T> {
    const name = `sp${this.nestedIndex + 1}`
    const open = this.open
    await open.savepoint(name)
    const tx = new BridgeTransaction<TFullSchema, TSchema>(
      this.bridgeSession.bridgeDialect,
      this.bridgeSession,
      this.schema,
      this.nestedIndex + 1,
      open,
    )
    return runInside(
      tx,
      transaction,
      () => open.releaseSavepoint(name),
      async () => {
        // A failed rollback to a savepoint leaves the outer transaction to decide; it rolls back on the rethrow.
        try {
          await open.rollbackToSavepoint(name)
          return undefined
        } catch (error) {
          return error
        }
      },
    )
  }
}

/**
 * Runs the body; commits when it returns, rolls back when it throws and
 * rethrows the body's error with any rollback failure attached
 * (`error.rollbackError`). A failed commit is rolled back and rethrown.
 */
async function runInside<Tx, T>(
  tx: Tx,
  body: (tx: Tx) => Promise<T>,
  commit: () => Promise<void>,
  rollback: () => Promise<unknown>,
): Promise<T> {
  let result: T
  try {
    result = await body(tx)
  } catch (error) {
    attachRollbackFailure(error, await rollback())
    throw error
  }
  try {
    await commit()
  } catch (error) {
    attachRollbackFailure(error, await rollback())
    throw error
  }
  return result
}

function transactionSettings(config: PgTransactionConfig | undefined): TransactionSettings {
  if (config?.deferrable !== undefined) {
    throw new NotSupportedError('DEFERRABLE transactions: none of the target databases has them')
  }
  return { isolationLevel: config?.isolationLevel, accessMode: config?.accessMode }
}
