/**
 * The contract between a database client and the Kysely / Drizzle bridges.
 *
 * A database package implements `SqlClient` on top of its own client API; the
 * bridges in this package only ever speak this contract, so Kysely and Drizzle
 * behave the same way on every database. docs/architecture.md ("The core
 * contract") walks through a statement's life, cancellation and transactions.
 */

export type RowMode = 'object' | 'array'

export interface ColumnInfo {
  name: string
  /** The database's own type name, as it reported it (e.g. `Nullable(UInt64)`, `varchar`, `DECIMAL`). */
  type: string
}

export interface SqlStatement {
  sql: string
  params: readonly unknown[]
  /**
   * The one way to stop the statement. When it aborts, the client stops the
   * statement on the server as far as the database allows, then settles the
   * statement's promise (or its stream) with `QueryCancelledError`.
   */
  signal?: AbortSignal | undefined
  /** `array` gives positional rows (Drizzle's mapping); `object` gives keyed rows. */
  rowMode?: RowMode | undefined
  /** Called once with the server's own id for the statement as soon as the client knows it. */
  onQueryId?: ((queryId: string) => void) | undefined
}

export interface SqlResult<R = Record<string, unknown>> {
  rows: R[]
  columns: ColumnInfo[]
  /** Rows written or changed, where the database reports it; absent when unknown. */
  numAffectedRows?: bigint | undefined
  /**
   * The server's own id for the statement (ClickHouse `query_id`, Athena
   * `QueryExecutionId`, Mapepire job name and request id).
   */
  queryId: string
}

export interface SqlStreamOptions {
  /** Rows per yielded batch. */
  batchSize: number
}

export interface ReleaseOptions {
  /**
   * The connection's state is unknown (a rollback failed, a statement was
   * interrupted): close it rather than hand it to the next caller.
   */
  discard?: boolean | undefined
}

/**
 * One lease on the database: a session, a job, a socket, or simply the client
 * itself. Kysely's connection and Drizzle's session run statements through it.
 */
export interface SqlConnection {
  execute<R = Record<string, unknown>>(statement: SqlStatement): Promise<SqlResult<R>>
  /** Yields batches of at most `batchSize` rows; `return()`, an error or the signal stop the statement. */
  stream<R = Record<string, unknown>>(statement: SqlStatement, options: SqlStreamOptions): AsyncIterable<R[]>
  /**
   * Ends the server-side session or job behind an exclusive connection
   * (Kysely's `'kill session'`). Absent where the connection has none.
   */
  terminate?(): Promise<void>
  release(options?: ReleaseOptions): Promise<void>
}

export type IsolationLevel =
  | 'read uncommitted'
  | 'read committed'
  | 'repeatable read'
  | 'serializable'
  | 'snapshot'

export type AccessMode = 'read only' | 'read write'

export interface TransactionSettings {
  isolationLevel?: IsolationLevel | undefined
  accessMode?: AccessMode | undefined
}

/**
 * A transaction on a connection of its own (never one multiplexed with other
 * queries), held from `begin` until it ends.
 */
export interface SqlTransaction {
  /** Where the transaction's statements run. */
  readonly connection: SqlConnection
  commit(): Promise<void>
  rollback(): Promise<void>
  /** Present where the database has savepoints (each database writes its own SQL). */
  savepoint?(name: string): Promise<void>
  rollbackToSavepoint?(name: string): Promise<void>
  releaseSavepoint?(name: string): Promise<void>
}

/** What a database can do, declared by its package (core has no list of databases). */
export interface Capabilities {
  /** `beginTransaction` exists and is atomic. */
  transactions: boolean
  savepoints: boolean
  /** INSERT/UPDATE/DELETE … RETURNING, in whatever form the database has it. */
  returning: boolean
  /** An abort stops the statement on the server, not only the client's wait for it. */
  serverSideCancel: boolean
  /** Connections can hold server-side state across statements (temporary tables, settings). */
  sessions: boolean
  /** DDL takes part in transactions. */
  transactionalDdl: boolean
}

export interface AcquireOptions {
  signal?: AbortSignal | undefined
  /** A connection of its own, not shared with other leases (a session, a job). */
  exclusive?: boolean | undefined
}

export interface SqlClient {
  /** The package's name for the database (`clickhouse`, `athena`, `mapepire`), as in `DatabaseError.system`. */
  readonly system: string
  /** The database's name for people (`ClickHouse`, `Amazon Athena`, `Db2 for i`). */
  readonly displayName: string
  readonly capabilities: Capabilities
  acquire(options?: AcquireOptions): Promise<SqlConnection>
  /** Present exactly when `capabilities.transactions`. */
  beginTransaction?(
    settings: TransactionSettings,
    options?: { signal?: AbortSignal | undefined },
  ): Promise<SqlTransaction>
  close(): Promise<void>
}
