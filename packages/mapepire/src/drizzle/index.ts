export { BridgeDatabase, type IterateOptions, iterate } from '@tributary/core/drizzle'
export { Db2DrizzleDialect, type Db2DrizzleDialectConfig } from './dialect.ts'
export { drizzle, type MapepireDrizzleConfig, type MapepireDrizzleDatabase } from './driver.ts'
