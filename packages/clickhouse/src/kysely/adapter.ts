import { setTimeout as sleep } from 'node:timers/promises'
import { DatabaseError, TimeoutError } from '@tributary/core'
import { DialectAdapterBase, type Kysely, type MigrationLockOptions, sql } from 'kysely'

/** ClickHouse's code for "table already exists". */
const TABLE_ALREADY_EXISTS = '57'

export interface ClickHouseMigrationLockOptions {
  /** How long a migrator waits for another one to finish. Default 10 minutes. */
  timeoutMs?: number | undefined
  /** Poll interval while waiting. Default 250 ms. */
  pollMs?: number | undefined
}

/**
 * ClickHouse has no transactions and no advisory locks. The migration lock is
 * a table whose creation is atomic: the migrator that creates
 * `<lock table>_lease` holds the lock, every other one gets "table already
 * exists" and waits; releasing drops the table.
 */
export class ClickHouseAdapter extends DialectAdapterBase {
  readonly #lock: ClickHouseMigrationLockOptions

  constructor(lock: ClickHouseMigrationLockOptions = {}) {
    super()
    this.#lock = lock
  }

  override get supportsTransactionalDdl(): boolean {
    return false
  }

  override get supportsReturning(): boolean {
    return false
  }

  override get supportsCreateIfNotExists(): boolean {
    return true
  }

  override async acquireMigrationLock(db: Kysely<any>, options: MigrationLockOptions): Promise<void> {
    const timeoutMs = this.#lock.timeoutMs ?? 600_000
    const deadline = Date.now() + timeoutMs
    const lease = leaseTable(options)
    for (;;) {
      try {
        await sql`create table ${lease} (owner String, acquired_at DateTime) engine = Log`.execute(db)
        await sql`insert into ${lease} (owner, acquired_at) values (${`pid ${process.pid}`}, now())`.execute(
          db,
        )
        return
      } catch (error) {
        if (!(error instanceof DatabaseError) || error.code !== TABLE_ALREADY_EXISTS) throw error
      }
      if (Date.now() > deadline) {
        throw new TimeoutError(
          `another migrator has held the migration lock for over ${timeoutMs} ms; if it died, drop table ${options.lockTable}_lease`,
          { system: 'clickhouse' },
        )
      }
      await sleep(this.#lock.pollMs ?? 250)
    }
  }

  override async releaseMigrationLock(db: Kysely<any>, options: MigrationLockOptions): Promise<void> {
    await sql`drop table if exists ${leaseTable(options)}`.execute(db)
  }
}

function leaseTable(options: MigrationLockOptions) {
  const name = `${options.lockTable}_lease`
  return options.lockTableSchema ? sql.table(`${options.lockTableSchema}.${name}`) : sql.table(name)
}
