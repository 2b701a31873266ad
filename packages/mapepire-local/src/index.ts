export type { Logger, PostgresTarget } from './job/job-table.ts'
export type { FaultAction, FaultMatch, FaultRule, FaultSettings } from './protocol/faults.ts'
export { FaultControl } from './protocol/faults.ts'
export { type MapepireLocal, type MapepireLocalOptions, startMapepireLocal } from './start.ts'
