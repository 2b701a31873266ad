export { SqlDatabaseConnection } from './connection.ts'
export { SqlDriver, type SqlDriverConfig, type TransactionHooks } from './driver.ts'
