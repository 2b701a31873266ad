export * from '@tributary/core'
export {
  ClickHouseClient,
  type CommandResult,
  createClient,
  type InsertOptions,
  type InsertResult,
  type QueryOptions,
  type QueryResult,
  type StreamOptions,
} from './client.ts'
export type { ClickHouseClientConfig, ClickHouseLogger } from './config.ts'
export type { ClickHouseType } from './formats/types.ts'
export type { DecodeOptions } from './formats/value-options.ts'
export type { InsertRow, InsertRows } from './insert.ts'
export { ClickHouseAdapter, type ClickHouseMigrationLockOptions } from './kysely/adapter.ts'
export { ClickHouseQueryCompiler } from './kysely/compiler.ts'
export { ClickHouseDialect, type ClickHouseDialectConfig } from './kysely/dialect.ts'
export { ClickHouseIntrospector } from './kysely/introspector.ts'
export { TypedValue, typed } from './params/typed.ts'
export { ClickHouseSession } from './session.ts'
export type { QueryParams } from './statement.ts'
export { createHttpTransport, type HttpTransportConfig, type TlsOptions } from './transport/http.ts'
export type {
  ClickHouseProgress,
  ClickHouseRequest,
  ClickHouseResponse,
  ClickHouseTransport,
  ServerInfo,
  SettingValue,
} from './transport/transport.ts'
