export {
  type ConnectionSource,
  clientConnections,
  fixedConnection,
  type LeasedConnection,
} from './connections.ts'
export {
  BridgeDatabase,
  clientFrom,
  createDrizzleDatabase,
  type DrizzleConfig,
  type DrizzleDatabase,
  type DrizzleDatabaseOptions,
} from './database.ts'
export {
  BridgeDialect,
  type BridgeDialectConfig,
  type DeleteStatementParts,
  type FinalStatement,
  type LimitValue,
  type ParameterMark,
  type RelationalQueryOptions,
  type UpdateStatementParts,
} from './dialect.ts'
export { dialectInternals } from './internals.ts'
export {
  DEFAULT_ITERATE_BATCH_SIZE,
  type IterableQuery,
  type IteratedRow,
  type IterateOptions,
  iterate,
} from './iterate.ts'
export { BridgePreparedQuery, type PreparedQueryContext, type StreamRowsOptions } from './prepared-query.ts'
export {
  type BridgeQueryResultHKT,
  BridgeSession,
  type BridgeSessionOptions,
  BridgeTransaction,
  type RelationalSchema,
} from './session.ts'
