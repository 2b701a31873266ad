import type { DatabaseError, Logger } from '@tributary/core'
import { type LeaseTable, TableLeaseAdapter } from '@tributary/core/kysely'
import type { Kysely } from 'kysely'

export interface AthenaMigrationLockOptions {
  /** How long a migrator waits for another one to finish. Default 10 minutes. */
  timeoutMs?: number | undefined
  /** Poll interval while waiting. Default 2 s (every look is a query on Athena). */
  pollMs?: number | undefined
  /** A lease not renewed for this long belongs to a migrator that died. Default 5 minutes. */
  ttlMs?: number | undefined
}

/** Athena's failures for "the table exists" (Hive DDL) and "no such table" (Trino). */
const ALREADY_EXISTS = /AlreadyExistsException|TABLE_ALREADY_EXISTS|already exists/i
const NOT_FOUND = new Set(['TABLE_NOT_FOUND', 'SCHEMA_NOT_FOUND', 'EntityNotFoundException'])

const ATHENA_LEASE_TABLE: LeaseTable = {
  async create(db: Kysely<any>, schema: string | undefined, name: string) {
    await (schema ? db.withSchema(schema) : db).schema
      .createTable(name)
      .addColumn('owner', 'varchar(255)')
      .addColumn('expires_at', 'bigint')
      .execute()
  },
  alreadyExists: (error: DatabaseError) => ALREADY_EXISTS.test(error.message),
  missing: (error: DatabaseError) => NOT_FOUND.has(error.code ?? ''),
  dropHint: (schema, name) => `DROP TABLE \`${schema ? `${schema}\`.\`` : ''}${name}\``,
}

/**
 * Athena has no transactions and no locks. The migration lock is core's table
 * lease: creating `<lock table>_lease` (an Iceberg table) is atomic in the
 * catalog, so its creator holds the lock; the holder appends heartbeat rows;
 * a waiter takes over a lease that expired.
 */
export class AthenaAdapter extends TableLeaseAdapter {
  constructor(lock: AthenaMigrationLockOptions = {}, logger?: Logger | undefined) {
    super(ATHENA_LEASE_TABLE, { ...lock, pollMs: lock.pollMs ?? 2000, logger, system: 'athena' })
  }
}
