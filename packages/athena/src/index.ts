export * from '@tributary/core'
export {
  AthenaQueryClient,
  type AthenaResult,
  createClient,
  type FinishedQuery,
  type QueryOptions,
  type StreamOptions,
} from './client.ts'
export type { AthenaClientConfig } from './config.ts'
export { AthenaConnection } from './connection.ts'
export { type AthenaErrorFields, AthenaQueryError } from './errors.ts'
export { AthenaAdapter, type AthenaMigrationLockOptions } from './kysely/adapter.ts'
export { type AthenaCompilerOptions, AthenaQueryCompiler, hiveType } from './kysely/compiler.ts'
export { AthenaDialect, type AthenaDialectConfig } from './kysely/dialect.ts'
export { AthenaIntrospector } from './kysely/introspector.ts'
export { formatLiteral } from './params/literal.ts'
export { TypedValue, typed } from './params/typed.ts'
export type { PollOptions, QueryStatistics } from './query-execution.ts'
export {
  defaultDecoderThreads,
  defaultParquetDecoderPool,
  ParquetDecoderPool,
  type ParquetDecoderPoolOptions,
} from './results/parquet-decoder.ts'
export type { ResultMode } from './results/reader.ts'
export type { ResultColumn } from './results/text-values.ts'
export { classifyStatement, type StatementKind } from './statement-kind.ts'
export type { RetryOptions } from './transport/retry.ts'
