/**
 * The pg-core session and transaction over an `SqlClient`.
 *
 * Transactions exist only when the database package supplies
 * `TransactionHooks` (begin/commit/rollback on one exclusive connection);
 * otherwise `db.transaction()` throws `NotSupportedError` before touching the
 * database, because silently running the callback without atomicity would lie.
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
import type { SqlConnection, SqlResult } from '../contract.ts'
import { type ConnectionSource, fixedConnection } from './connections.ts'
import type { BridgeDialect } from './dialect.ts'
import { BridgePreparedQuery, type CustomResultMapper } from './prepared-query.ts'

/** `db.execute()` and writes without RETURNING resolve to the client's `SqlResult`. */
export interface BridgeQueryResultHKT extends PgQueryResultHKT {
  type: SqlResult<this['row'] extends Record<string, unknown> ? this['row'] : Record<string, unknown>>
}

/** What a database provides to make `db.transaction()` real. */
export interface TransactionHooks {
  begin(connection: SqlConnection, config: PgTransactionConfig | undefined): Promise<void>
  commit(connection: SqlConnection): Promise<void>
  rollback(connection: SqlConnection): Promise<void>
  /** With these three, nested `tx.transaction()` uses savepoints. */
  savepoint?(connection: SqlConnection, name: string): Promise<void>
  rollbackToSavepoint?(connection: SqlConnection, name: string): Promise<void>
  releaseSavepoint?(connection: SqlConnection, name: string): Promise<void>
}

export interface RelationalSchema<TSchema extends TablesRelationalConfig> {
  fullSchema: Record<string, unknown>
  schema: TSchema
  tableNamesMap: Record<string, string>
}

export interface BridgeSessionOptions {
  logger: Logger
  transactions?: TransactionHooks | undefined
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
      { connections: this.connections, dialect: this.bridgeDialect, logger: this.options.logger },
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
    const hooks = this.options.transactions
    if (!hooks) {
      throw this.bridgeDialect.notSupported(
        'Transactions (db.transaction)',
        'Each statement commits on its own.',
      )
    }
    const { connection, done } = await this.connections.open({ exclusive: true })
    try {
      await hooks.begin(connection, config)
      const session = new BridgeSession<TFullSchema, TSchema>(
        fixedConnection(connection),
        this.bridgeDialect,
        this.schema,
        this.options,
      )
      const tx = new BridgeTransaction<TFullSchema, TSchema>(
        this.bridgeDialect,
        session,
        this.schema,
        0,
        hooks,
        connection,
      )
      return await runInside(
        tx,
        transaction,
        () => hooks.commit(connection),
        () => hooks.rollback(connection),
      )
    } finally {
      await done()
    }
  }
}

export class BridgeTransaction<
  TFullSchema extends Record<string, unknown> = Record<string, never>,
  TSchema extends TablesRelationalConfig = Record<string, never>,
> extends PgTransaction<BridgeQueryResultHKT, TFullSchema, TSchema> {
  static override readonly [entityKind]: string = 'TributaryBridgeTransaction'

  private readonly bridgeDialect: BridgeDialect
  private readonly bridgeSession: BridgeSession<TFullSchema, TSchema>
  private readonly hooks: TransactionHooks
  private readonly connection: SqlConnection

  constructor(
    dialect: BridgeDialect,
    session: BridgeSession<TFullSchema, TSchema>,
    schema: RelationalSchema<TSchema> | undefined,
    nestedIndex: number,
    hooks: TransactionHooks,
    connection: SqlConnection,
  ) {
    super(dialect, session, schema, nestedIndex)
    this.bridgeDialect = dialect
    this.bridgeSession = session
    this.hooks = hooks
    this.connection = connection
  }

  override async transaction<T>(
    transaction: (tx: BridgeTransaction<TFullSchema, TSchema>) => Promise<T>,
  ): Promise<T> {
    const { savepoint, rollbackToSavepoint, releaseSavepoint } = this.hooks
    if (!savepoint || !rollbackToSavepoint) {
      throw this.bridgeDialect.notSupported('Nested transactions (savepoints)')
    }
    const name = `sp${this.nestedIndex + 1}`
    const connection = this.connection
    await savepoint.call(this.hooks, connection, name)
    const tx = new BridgeTransaction<TFullSchema, TSchema>(
      this.bridgeDialect,
      this.bridgeSession,
      this.schema,
      this.nestedIndex + 1,
      this.hooks,
      connection,
    )
    return runInside(
      tx,
      transaction,
      async () => {
        await releaseSavepoint?.call(this.hooks, connection, name)
      },
      () => rollbackToSavepoint.call(this.hooks, connection, name),
    )
  }
}

async function runInside<Tx, T>(
  tx: Tx,
  body: (tx: Tx) => Promise<T>,
  commit: () => Promise<void>,
  rollback: () => Promise<void>,
): Promise<T> {
  let result: T
  try {
    result = await body(tx)
  } catch (error) {
    await rollback()
    throw error
  }
  await commit()
  return result
}
