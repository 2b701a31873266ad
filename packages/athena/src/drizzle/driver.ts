/**
 * `drizzle()` for Athena: a pg-core database whose statements run through an
 * `AthenaQueryClient` (its result modes, literal parameters, StopQueryExecution).
 *
 *   const db = drizzle(createClient({ client, outputLocation }), { schema })
 *   const db = drizzle({ client: { region }, database, outputLocation, resultMode: 'csv' })
 */
import { createDrizzleDatabase, type DrizzleDatabase } from '@tributary/core/drizzle'
import type { Casing, Logger } from 'drizzle-orm'
import { AthenaQueryClient } from '../client.ts'
import type { AthenaDialectConfig } from '../kysely/dialect.ts'
import { AthenaDrizzleDialect } from './dialect.ts'

export interface AthenaDrizzleConfig<TSchema extends Record<string, unknown> = Record<string, never>> {
  schema?: TSchema | undefined
  /** `true` logs through Drizzle's DefaultLogger; silent by default. */
  logger?: boolean | Logger | undefined
  casing?: Casing | undefined
}

export type AthenaDrizzleDatabase<TSchema extends Record<string, unknown> = Record<string, never>> =
  DrizzleDatabase<TSchema, AthenaQueryClient>

/**
 * A Drizzle database over Athena. Given the dialect's config instead of a
 * client, it creates the client; close it with `db.$client.close()`.
 */
export function drizzle<TSchema extends Record<string, unknown> = Record<string, never>>(
  clientOrConfig: AthenaQueryClient | AthenaDialectConfig = {},
  config: AthenaDrizzleConfig<TSchema> = {},
): AthenaDrizzleDatabase<TSchema> {
  return createDrizzleDatabase<TSchema, AthenaQueryClient>({
    client: clientOf(clientOrConfig),
    dialect: ({ casing }) => new AthenaDrizzleDialect({ casing }),
    schema: config.schema,
    logger: config.logger,
    casing: config.casing,
  })
}

function clientOf(value: AthenaQueryClient | AthenaDialectConfig): AthenaQueryClient {
  if (value instanceof AthenaQueryClient) return value
  if (value.client instanceof AthenaQueryClient) return value.client
  const { tablesLocation: _t, migrationLock: _m, nestedColumns: _n, client, ...rest } = value
  return new AthenaQueryClient({ ...rest, client: client as AthenaQueryClient['config']['client'] })
}
