export { SqlDatabaseConnection } from './connection.ts'
export { SqlDriver, type SqlDriverConfig } from './driver.ts'
export { type LeaseTable, TableLeaseAdapter } from './migration-lease.ts'
export { isKyselyTable } from './migration-tables.ts'
