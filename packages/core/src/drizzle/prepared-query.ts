/**
 * One compiled Drizzle statement, executed through the SqlConnection contract.
 *
 * With selected fields (or a relational result mapper) rows come back
 * positional (`rowMode: 'array'`) and Drizzle's own mapping builds the result
 * objects; otherwise the raw `SqlResult` is returned, as node-postgres does.
 */
import { entityKind, fillPlaceholders, type Logger, type Query } from 'drizzle-orm'
import { PgPreparedQuery, type PreparedQueryConfig, type SelectedFieldsOrdered } from 'drizzle-orm/pg-core'
import type { RowMode, SqlResult, SqlStatement } from '../contract.ts'
import type { ConnectionSource } from './connections.ts'
import type { BridgeDialect } from './dialect.ts'
import { mapResultRow } from './internals.ts'

export type CustomResultMapper = (rows: unknown[][], mapColumnValue?: (value: unknown) => unknown) => unknown

export interface PreparedQueryContext {
  connections: ConnectionSource
  dialect: BridgeDialect
  logger: Logger
  /** Carried by every statement of the session (`db.$withSignal`). */
  signal?: AbortSignal | undefined
}

export interface StreamRowsOptions {
  /** Rows fetched per round trip / decoded per batch. */
  batchSize: number
  signal?: AbortSignal | undefined
}

export class BridgePreparedQuery<
  T extends PreparedQueryConfig = PreparedQueryConfig,
> extends PgPreparedQuery<T> {
  static override readonly [entityKind]: string = 'TributaryBridgePreparedQuery'

  /** Set by pg-core's select builder: which joined tables may come back all-NULL. */
  declare joinsNotNullableMap: Record<string, boolean> | undefined

  private readonly context: PreparedQueryContext
  private readonly fields: SelectedFieldsOrdered | undefined
  private readonly arrayMode: boolean
  private readonly customResultMapper: CustomResultMapper | undefined

  constructor(
    context: PreparedQueryContext,
    query: Query,
    fields: SelectedFieldsOrdered | undefined,
    isResponseInArrayMode: boolean,
    customResultMapper: CustomResultMapper | undefined,
    queryMetadata?: { type: 'select' | 'update' | 'delete' | 'insert'; tables: string[] },
  ) {
    super(query, undefined, queryMetadata)
    this.context = context
    this.fields = fields
    this.arrayMode = isResponseInArrayMode
    this.customResultMapper = customResultMapper
  }

  /** The statement as the client will receive it, placeholders filled in. */
  statement(placeholderValues: Record<string, unknown> = {}): { sql: string; params: unknown[] } {
    const params = fillPlaceholders(this.query.params, placeholderValues)
    const final = this.context.dialect.finalizeStatement(this.query, params)
    this.context.logger.logQuery(final.sql, final.params)
    return final
  }

  async execute(placeholderValues: Record<string, unknown> = {}): Promise<T['execute']> {
    await this.context.dialect.beforeExecute()
    const statement = this.statement(placeholderValues)
    if (!this.mapsRows()) {
      return this.run(statement, 'object') as Promise<T['execute']>
    }
    const result = await this.run<unknown[]>(statement, 'array')
    return this.mapRows(result.rows) as T['execute']
  }

  /** Rows as keyed objects, without Drizzle's mapping (what `migrate` and `session.all` use). */
  async all(placeholderValues: Record<string, unknown> = {}): Promise<T['all']> {
    await this.context.dialect.beforeExecute()
    const result = await this.run(this.statement(placeholderValues), 'object')
    return result.rows as T['all']
  }

  /** Rows as positional arrays of driver values, unmapped. */
  async values(placeholderValues: Record<string, unknown> = {}): Promise<T['values']> {
    await this.context.dialect.beforeExecute()
    const result = await this.run<unknown[]>(this.statement(placeholderValues), 'array')
    return result.rows as T['values']
  }

  /** @internal pg-core asks this to know whether `execute` gets arrays. */
  isResponseInArrayMode(): boolean {
    return this.arrayMode
  }

  /**
   * Streams the result as mapped rows, fetched `batchSize` at a time through
   * `SqlConnection.stream`. Leaving the loop early stops the query and gives
   * the connection back.
   */
  async *iterate(
    placeholderValues: Record<string, unknown>,
    options: StreamRowsOptions,
  ): AsyncGenerator<unknown, void, undefined> {
    await this.context.dialect.beforeExecute()
    const statement = this.statement(placeholderValues)
    const mapsRows = this.mapsRows()
    const { connection, done } = await this.context.connections.open()
    try {
      const batches = connection.stream<unknown>(
        { ...statement, rowMode: mapsRows ? 'array' : 'object', signal: this.signal(options.signal) },
        { batchSize: options.batchSize },
      )
      for await (const batch of batches) {
        if (!mapsRows) {
          yield* batch
          continue
        }
        const mapped = this.mapRows(batch as unknown[][])
        if (Array.isArray(mapped)) {
          yield* mapped
        } else {
          // findFirst: a single row (or none) is the whole answer.
          if (mapped !== undefined) yield mapped
          return
        }
      }
    } finally {
      await done()
    }
  }

  private signal(own?: AbortSignal | undefined): AbortSignal | undefined {
    const scoped = this.context.signal
    if (!own) return scoped
    return scoped ? AbortSignal.any([scoped, own]) : own
  }

  private mapsRows(): boolean {
    return this.fields !== undefined || this.customResultMapper !== undefined
  }

  private mapRows(rows: unknown[][]): unknown {
    if (this.customResultMapper) return this.customResultMapper(rows)
    const fields = this.fields as SelectedFieldsOrdered
    return rows.map((row) => mapResultRow(fields, row, this.joinsNotNullableMap))
  }

  private run<R>(statement: { sql: string; params: unknown[] }, rowMode: RowMode): Promise<SqlResult<R>> {
    const request: SqlStatement = {
      sql: statement.sql,
      params: statement.params,
      rowMode,
      signal: this.context.signal,
    }
    return this.context.connections.run((connection) => connection.execute<R>(request))
  }
}
