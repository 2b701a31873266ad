/**
 * `drizzle()` for Db2 for i: a pg-core database whose statements run through a
 * `MapepireClient` (its pools, transactions on their own jobs, CANCEL_SQL).
 *
 *   const db = drizzle(createClient({ host, user, password, ca }), { schema })
 *   const db = drizzle({ host, user, password, ca })
 */
import {
  clientFrom,
  createDrizzleDatabase,
  type DrizzleConfig,
  type DrizzleDatabase,
} from '@tributary/core/drizzle'
import { createClient, type MapepireClient } from '../client.ts'
import type { MapepireConfig } from '../config.ts'
import { Db2DrizzleDialect } from './dialect.ts'

export type MapepireDrizzleConfig<TSchema extends Record<string, unknown> = Record<string, never>> =
  DrizzleConfig<TSchema>

export type MapepireDrizzleDatabase<TSchema extends Record<string, unknown> = Record<string, never>> =
  DrizzleDatabase<TSchema, MapepireClient>

/**
 * A Drizzle database over Db2 for i. Given a config instead of a client, it
 * creates the client; close it with `db.$client.close()`.
 */
export function drizzle<TSchema extends Record<string, unknown> = Record<string, never>>(
  clientOrConfig: MapepireClient | MapepireConfig,
  config: MapepireDrizzleConfig<TSchema> = {},
): MapepireDrizzleDatabase<TSchema> {
  const client = clientFrom(clientOrConfig, createClient)
  return createDrizzleDatabase<TSchema, MapepireClient>({
    client,
    dialect: ({ casing }) => new Db2DrizzleDialect({ casing }),
    schema: config.schema,
    logger: config.logger,
    casing: config.casing,
  })
}
