export { BridgeDatabase, type IterateOptions, iterate } from '@tributary/core/drizzle'
export { AthenaDrizzleDialect, type AthenaDrizzleDialectConfig } from './dialect.ts'
export { type AthenaDrizzleConfig, type AthenaDrizzleDatabase, drizzle } from './driver.ts'
