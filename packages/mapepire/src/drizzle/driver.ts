/**
 * `drizzle()` for Db2 for i: a pg-core database whose statements run through a
 * `MapepireClient` (its pools, transactions on their own jobs, CANCEL_SQL).
 *
 *   const db = drizzle(createClient({ host, user, password, ca }), { schema })
 *   const db = drizzle({ host, user, password, ca })
 */
import { createDrizzleDatabase, type DrizzleDatabase } from '@tributary/core/drizzle'
import type { Casing, Logger } from 'drizzle-orm'
import { createClient, MapepireClient } from '../client.ts'
import type { MapepireConfig } from '../config.ts'
import { Db2DrizzleDialect } from './dialect.ts'

export interface MapepireDrizzleConfig<TSchema extends Record<string, unknown> = Record<string, never>> {
  schema?: TSchema | undefined
  /** `true` logs through Drizzle's DefaultLogger; silent by default. */
  logger?: boolean | Logger | undefined
  casing?: Casing | undefined
}

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
  const client = isClient(clientOrConfig) ? clientOrConfig : createClient(clientOrConfig)
  return createDrizzleDatabase<TSchema, MapepireClient>({
    client,
    dialect: ({ casing }) => new Db2DrizzleDialect({ casing }),
    schema: config.schema,
    logger: config.logger,
    casing: config.casing,
  })
}

/** Duck-typed so a client from another copy of the package (source vs. build) is still recognised. */
function isClient(value: MapepireClient | MapepireConfig): value is MapepireClient {
  if (value instanceof MapepireClient) return true
  const candidate = value as Partial<MapepireClient>
  return typeof candidate.acquire === 'function' && typeof candidate.beginTransaction === 'function'
}
