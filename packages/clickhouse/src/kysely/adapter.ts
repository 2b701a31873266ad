import type { DatabaseError, Logger } from '@tributary/core'
import { type LeaseTable, TableLeaseAdapter } from '@tributary/core/kysely'
import { type Kysely, sql } from 'kysely'

export interface ClickHouseMigrationLockOptions {
  /** How long a migrator waits for another one to finish. Default 10 minutes. */
  timeoutMs?: number | undefined
  /** Poll interval while waiting. Default 250 ms. */
  pollMs?: number | undefined
  /** A lease not renewed for this long belongs to a migrator that died. Default 5 minutes. */
  ttlMs?: number | undefined
}

/** ClickHouse's codes for "table already exists" and "unknown table". */
const TABLE_ALREADY_EXISTS = '57'
const UNKNOWN_TABLE = '60'

const CLICKHOUSE_LEASE_TABLE: LeaseTable = {
  async create(db: Kysely<any>, schema: string | undefined, name: string) {
    const table = sql.table(schema ? `${schema}.${name}` : name)
    await sql`create table ${table} (owner String, expires_at Int64) engine = Log`.execute(db)
  },
  alreadyExists: (error: DatabaseError) => error.code === TABLE_ALREADY_EXISTS,
  missing: (error: DatabaseError) => error.code === UNKNOWN_TABLE,
  dropHint: (schema, name) => `DROP TABLE ${schema ? `${schema}.` : ''}${name}`,
}

/**
 * ClickHouse has no transactions and no advisory locks. The migration lock is
 * core's table lease: creating `<lock table>_lease` is atomic, the holder
 * appends heartbeat rows, a waiter takes over a lease that expired.
 */
export class ClickHouseAdapter extends TableLeaseAdapter {
  constructor(lock: ClickHouseMigrationLockOptions = {}, logger?: Logger | undefined) {
    super(CLICKHOUSE_LEASE_TABLE, { ...lock, logger, system: 'clickhouse' })
  }
}
