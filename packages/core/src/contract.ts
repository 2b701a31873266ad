/**
 * The contract between a database client and the Kysely / Drizzle bridges.
 *
 * A database package implements `SqlClient` on top of its own client API; the
 * bridges in this package only ever speak this contract, so Kysely and Drizzle
 * behave the same way on every database.
 */

export type RowMode = 'object' | 'array'

export interface ColumnInfo {
  name: string
  /** The database's own type name, as it reported it (e.g. `Nullable(UInt64)`). */
  type: string
}

export interface SqlStatement {
  sql: string
  params: readonly unknown[]
  /** Caller-chosen id; the client generates one when absent. */
  queryId?: string | undefined
  signal?: AbortSignal | undefined
  /** `array` gives positional rows (Drizzle's mapping); `object` gives keyed rows. */
  rowMode?: RowMode | undefined
}

export interface SqlResult<R = Record<string, unknown>> {
  rows: R[]
  columns: ColumnInfo[]
  /** Rows written/changed, where the database reports it. */
  numAffectedRows?: bigint | undefined
  queryId: string
}

export interface SqlStreamOptions {
  /** Rows per yielded batch. */
  batchSize: number
}

/**
 * One unit of exclusive use of the database: a session, a job or simply the
 * client itself. Kysely's connection wraps one of these.
 */
export interface SqlConnection {
  execute<R = Record<string, unknown>>(statement: SqlStatement): Promise<SqlResult<R>>
  /** Yields batches of at most `batchSize` rows; `return()` stops the query. */
  stream<R = Record<string, unknown>>(statement: SqlStatement, options: SqlStreamOptions): AsyncIterable<R[]>
  /** Stops a running query on the server (not only locally). */
  cancel(queryId: string): Promise<void>
  /**
   * Ends the whole server-side session or job behind this connection, where the
   * database has one; without it, Kysely's 'kill session' cancels the query in flight.
   */
  terminate?(): Promise<void>
  release(): Promise<void>
}

export interface SqlClient {
  acquire(options?: { signal?: AbortSignal | undefined; exclusive?: boolean }): Promise<SqlConnection>
  close(): Promise<void>
}
