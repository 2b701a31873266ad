/**
 * `drizzle()` for ClickHouse: a pg-core database whose statements run through
 * a `ClickHouseClient` (HTTP or embedded chDB) and its SqlClient contract.
 *
 *   const db = drizzle(createClient({ url }), { schema })
 *   const db = drizzle({ url: 'http://127.0.0.1:8123', username, password })
 */
import {
  clientFrom,
  createDrizzleDatabase,
  type DrizzleConfig,
  type DrizzleDatabase,
} from '@tributary/core/drizzle'
import { type ClickHouseClient, createClient } from '../client.ts'
import type { ClickHouseClientConfig } from '../config.ts'
import { ClickHouseDrizzleDialect, type ClickHouseDrizzleDialectConfig } from './dialect.ts'

export interface ClickHouseDrizzleConfig<TSchema extends Record<string, unknown> = Record<string, never>>
  extends DrizzleConfig<TSchema> {
  deletes?: ClickHouseDrizzleDialectConfig['deletes']
  /** Pins the join form (servers before 19.1 need `true`); by default it follows the server's version. */
  legacyJoins?: boolean | undefined
}

export type ClickHouseDrizzleDatabase<TSchema extends Record<string, unknown> = Record<string, never>> =
  DrizzleDatabase<TSchema, ClickHouseClient>

/**
 * A Drizzle database over ClickHouse. Given a config instead of a client, it
 * creates the client; close it with `db.$client.close()`.
 */
export function drizzle<TSchema extends Record<string, unknown> = Record<string, never>>(
  clientOrConfig: ClickHouseClient | ClickHouseClientConfig = {},
  config: ClickHouseDrizzleConfig<TSchema> = {},
): ClickHouseDrizzleDatabase<TSchema> {
  const client = clientFrom(clientOrConfig, createClient)
  return createDrizzleDatabase<TSchema, ClickHouseClient>({
    client,
    dialect: ({ casing }) =>
      new ClickHouseDrizzleDialect({
        casing,
        deletes: config.deletes,
        legacyJoins: config.legacyJoins,
        serverVersion: async () => (await client.serverInfo()).version,
      }),
    schema: config.schema,
    logger: config.logger,
    casing: config.casing,
  })
}
