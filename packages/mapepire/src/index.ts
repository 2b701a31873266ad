export * from '@tributary/core'
export {
  createClient,
  MapepireClient,
  type QueryOptions,
  type ServerInfo,
  type StreamOptions,
} from './client.ts'
export type { ValueOptions } from './codecs/values.ts'
export type { JdbcOptions, MapepireConfig, PoolConfig } from './config.ts'
export { Db2ServerError, type Db2ServerErrorOptions } from './errors.ts'
export { Db2Adapter, type Db2MigrationLockOptions } from './kysely/adapter.ts'
export { castType, type Db2CompilerOptions, Db2QueryCompiler } from './kysely/compiler.ts'
export { MapepireDialect, type MapepireDialectConfig } from './kysely/dialect.ts'
export { Db2Introspector, type Db2IntrospectorOptions } from './kysely/introspector.ts'
export { JobLease } from './lease.ts'
export type { PoolStats } from './pool.ts'
export type { MapepireResult, OutputParameter } from './statement.ts'
export { MapepireTransaction } from './transaction.ts'
export {
  type FetchCertificateOptions,
  fetchServerCertificate,
  type ServerCertificate,
} from './transport/certificate.ts'
