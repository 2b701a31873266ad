export { SqlDatabaseConnection } from './connection.ts'
export { SqlDriver, type SqlDriverConfig } from './driver.ts'
