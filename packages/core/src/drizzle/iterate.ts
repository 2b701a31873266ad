/**
 * Streaming for Drizzle queries: pg-core 0.45 has no iterator, so
 * `iterate(query)` runs any query built on a Tributary database through
 * `SqlConnection.stream` and yields mapped rows one at a time, fetching
 * `batchSize` rows per batch. Nothing runs until iteration starts; `break`,
 * an error or the signal stops the query and gives the connection back.
 *
 *   for await (const row of iterate(db.select().from(events).where(…))) { … }
 *   for await (const row of iterate(db, sql`select …`)) { … }   // raw SQL: keyed rows
 */
import { is, SQL } from 'drizzle-orm'
import type { PgPreparedQuery, PreparedQueryConfig } from 'drizzle-orm/pg-core'
import { ConfigurationError } from '../errors.ts'
import type { BridgeDatabase } from './database.ts'
import { BridgePreparedQuery } from './prepared-query.ts'
import type { BridgeSession } from './session.ts'

export interface IterateOptions {
  /** Rows fetched per batch; default 10 000. */
  batchSize?: number | undefined
  signal?: AbortSignal | undefined
  /** Values for `sql.placeholder()`s in the query. */
  placeholders?: Record<string, unknown> | undefined
}

export const DEFAULT_ITERATE_BATCH_SIZE = 10_000

/** A query builder (select, relational findMany, …) or an already prepared query. */
export interface IterableQuery {
  prepare(name: string): unknown
}

/** The row type a query resolves to: the element of its array result. */
export type IteratedRow<Q> = Q extends { execute(...args: never[]): Promise<infer R> }
  ? R extends readonly (infer E)[]
    ? E
    : R extends { rows: (infer E)[] }
      ? E
      : NonNullable<R>
  : unknown

export function iterate<Q extends IterableQuery | PgPreparedQuery<PreparedQueryConfig>>(
  query: Q,
  options?: IterateOptions,
): AsyncIterable<IteratedRow<Q>>
export function iterate<R = Record<string, unknown>>(
  db: BridgeDatabase<Record<string, unknown>>,
  query: SQL,
  options?: IterateOptions,
): AsyncIterable<R>
export function iterate(
  first: IterableQuery | PgPreparedQuery<PreparedQueryConfig> | BridgeDatabase<Record<string, unknown>>,
  second?: SQL | IterateOptions,
  third?: IterateOptions,
): AsyncIterable<unknown> {
  const raw = is(second, SQL)
  const options = (raw ? third : (second as IterateOptions | undefined)) ?? {}
  const batchSize = options.batchSize ?? DEFAULT_ITERATE_BATCH_SIZE
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ConfigurationError(`iterate(): batchSize must be a positive integer, got ${String(batchSize)}`)
  }
  const prepare = (): BridgePreparedQuery => {
    if (raw) {
      const session = (first as BridgeDatabase<Record<string, unknown>>)._.session as unknown as BridgeSession
      if (!session || typeof session.prepareQuery !== 'function' || !('bridgeDialect' in session)) {
        throw new ConfigurationError(
          'iterate(db, sql): db must be a database created by a Tributary drizzle()',
        )
      }
      return session.prepareQuery(
        session.bridgeDialect.sqlToQuery(second as SQL),
        undefined,
        undefined,
        false,
      )
    }
    const prepared = is(first, BridgePreparedQuery)
      ? first
      : (first as IterableQuery).prepare('tributary_iterate')
    if (!is(prepared, BridgePreparedQuery)) {
      throw new ConfigurationError(
        'iterate(): the query was not built by a database created by a Tributary drizzle()',
      )
    }
    return prepared
  }
  return {
    [Symbol.asyncIterator]() {
      return prepare().iterate(options.placeholders ?? {}, { batchSize, signal: options.signal })
    },
  }
}
