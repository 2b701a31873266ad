/**
 * `createDrizzleDatabase`: the shared body of every database's `drizzle()`.
 * A database package supplies its client and its dialect subclass; the rest
 * (logger, relational schema, session, transactions) is the same everywhere.
 */

import type { Casing } from 'drizzle-orm'
import {
  createTableRelationsHelpers,
  DefaultLogger,
  type ExtractTablesWithRelations,
  entityKind,
  extractTablesRelationalConfig,
  type Logger,
  NoopLogger,
} from 'drizzle-orm'
import { PgDatabase, type PgDialectConfig } from 'drizzle-orm/pg-core'
import type { SqlClient } from '../contract.ts'
import { clientConnections } from './connections.ts'
import type { BridgeDialect } from './dialect.ts'
import { type BridgeQueryResultHKT, BridgeSession, type RelationalSchema } from './session.ts'

export class BridgeDatabase<
  TSchema extends Record<string, unknown> = Record<string, never>,
> extends PgDatabase<BridgeQueryResultHKT, TSchema> {
  static override readonly [entityKind]: string = 'TributaryBridgeDatabase'

  /** The client every statement goes through. */
  declare readonly $client: SqlClient

  /**
   * The same database, but every statement built from it (selects, writes,
   * relational queries, `execute`, transactions, `iterate`) carries `signal`:
   * aborting it stops the statement on the server.
   *
   *   await db.$withSignal(AbortSignal.timeout(5000)).select().from(events)
   */
  $withSignal(signal: AbortSignal): this {
    // pg-core keeps both as @internal fields the constructor sets.
    const { session, dialect } = this as unknown as { session: BridgeSession<TSchema, any>; dialect: never }
    const scoped = new BridgeSession(session.connections, session.bridgeDialect, session.schema, {
      ...session.options,
      signal: session.options.signal ? AbortSignal.any([session.options.signal, signal]) : signal,
    })
    const db = new (this.constructor as typeof BridgeDatabase)(
      dialect,
      scoped as never,
      session.schema as never,
    )
    Object.defineProperty(db, '$client', { value: this.$client, enumerable: false })
    return db as unknown as this
  }
}

/** The options every package's `drizzle(client, config)` takes. */
export interface DrizzleConfig<TSchema extends Record<string, unknown> = Record<string, never>> {
  schema?: TSchema | undefined
  /** `true` logs through Drizzle's DefaultLogger; silent by default. */
  logger?: boolean | Logger | undefined
  casing?: Casing | undefined
}

export interface DrizzleDatabaseOptions<
  TSchema extends Record<string, unknown> = Record<string, never>,
  TClient extends SqlClient = SqlClient,
> extends DrizzleConfig<TSchema> {
  client: TClient
  /** The database's dialect, or a factory given `{ casing }`. */
  dialect: BridgeDialect | ((config: PgDialectConfig) => BridgeDialect)
}

export type DrizzleDatabase<
  TSchema extends Record<string, unknown> = Record<string, never>,
  TClient extends SqlClient = SqlClient,
> = BridgeDatabase<TSchema> & { readonly $client: TClient }

/**
 * `drizzle(client)` and `drizzle(config)` both work in every package: a value
 * that already is a client (from this or another copy of the package) is used
 * as it is, anything else is the config to create one from.
 */
export function clientFrom<TClient extends SqlClient, TConfig>(
  clientOrConfig: TClient | TConfig,
  create: (config: TConfig) => TClient,
): TClient {
  const candidate = clientOrConfig as Partial<SqlClient> | undefined
  const isClient =
    typeof candidate?.acquire === 'function' &&
    typeof candidate.close === 'function' &&
    typeof candidate.capabilities === 'object'
  return isClient ? (clientOrConfig as TClient) : create(clientOrConfig as TConfig)
}

export function createDrizzleDatabase<
  TSchema extends Record<string, unknown> = Record<string, never>,
  TClient extends SqlClient = SqlClient,
>(options: DrizzleDatabaseOptions<TSchema, TClient>): DrizzleDatabase<TSchema, TClient> {
  const dialect =
    typeof options.dialect === 'function' ? options.dialect({ casing: options.casing }) : options.dialect
  const logger: Logger =
    options.logger === true ? new DefaultLogger() : options.logger ? options.logger : new NoopLogger()

  let schema: RelationalSchema<ExtractTablesWithRelations<TSchema>> | undefined
  if (options.schema) {
    const config = extractTablesRelationalConfig(options.schema, createTableRelationsHelpers)
    schema = {
      fullSchema: options.schema,
      schema: config.tables as ExtractTablesWithRelations<TSchema>,
      tableNamesMap: config.tableNamesMap,
    }
  }

  const session = new BridgeSession<TSchema, ExtractTablesWithRelations<TSchema>>(
    clientConnections(options.client),
    dialect,
    schema,
    { client: options.client, logger },
  )
  const db = new BridgeDatabase<TSchema>(dialect, session, schema as never)
  Object.defineProperty(db, '$client', { value: options.client, enumerable: false })
  return db as DrizzleDatabase<TSchema, TClient>
}
