/**
 * A Db2 for i transaction on a job of its own.
 *
 * Transaction jobs are connected with `auto commit=false` and the
 * transaction's isolation (`transaction isolation`: read uncommitted = *CHG,
 * read committed = *CS, repeatable read = *ALL, serializable = *RR), and
 * `access=read only` for read-only transactions. They are a pool apart from
 * the autocommit jobs and never run autocommit work. A unit of work starts
 * with the first statement after the previous COMMIT or ROLLBACK, so begin
 * sends nothing; COMMIT and ROLLBACK are SQL statements on the job.
 * Savepoints need commitment control, which these jobs have.
 */
import {
  type IsolationLevel,
  NotSupportedError,
  type SqlTransaction,
  type TransactionSettings,
} from '@tributary/core'
import { SYSTEM } from './errors.ts'
import type { JobProfile } from './job.ts'
import type { JobLease } from './lease.ts'

/** JTOpen's `transaction isolation` for each Kysely isolation level. */
const ISOLATION: Record<string, string | undefined> = {
  'read uncommitted': 'read uncommitted',
  'read committed': 'read committed',
  'repeatable read': 'repeatable read',
  serializable: 'serializable',
}

export function transactionProfile(settings: TransactionSettings, fallback: IsolationLevel): JobProfile {
  const level = settings.isolationLevel ?? fallback
  const isolation = ISOLATION[level]
  if (isolation === undefined) {
    throw new NotSupportedError(
      `Db2 for i has no ${level} isolation (it has read uncommitted *CHG, read committed *CS, repeatable read *ALL, serializable *RR)`,
      { system: SYSTEM },
    )
  }
  return { kind: 'transaction', isolation, readOnly: settings.accessMode === 'read only' }
}

/** Quotes a savepoint name as a Db2 identifier. */
export function savepointName(name: string): string {
  if (typeof name !== 'string' || name === '') {
    throw new NotSupportedError('a savepoint needs a name', { system: SYSTEM })
  }
  return `"${name.replace(/"/g, '""')}"`
}

export class MapepireTransaction implements SqlTransaction {
  readonly connection: JobLease

  constructor(connection: JobLease) {
    this.connection = connection
  }

  async commit(): Promise<void> {
    await this.connection.execute({ sql: 'COMMIT', params: [] })
  }

  async rollback(): Promise<void> {
    await this.connection.execute({ sql: 'ROLLBACK', params: [] })
  }

  async savepoint(name: string): Promise<void> {
    await this.connection.execute({
      sql: `SAVEPOINT ${savepointName(name)} ON ROLLBACK RETAIN CURSORS`,
      params: [],
    })
  }

  async rollbackToSavepoint(name: string): Promise<void> {
    await this.connection.execute({ sql: `ROLLBACK TO SAVEPOINT ${savepointName(name)}`, params: [] })
  }

  async releaseSavepoint(name: string): Promise<void> {
    await this.connection.execute({ sql: `RELEASE SAVEPOINT ${savepointName(name)}`, params: [] })
  }
}
