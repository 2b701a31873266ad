import { DatabaseError, type LeaseStore, type Logger, TableLease } from '@tributary/core'
import { DialectAdapterBase, type Kysely, type MigrationLockOptions, sql } from 'kysely'

/** ClickHouse's code for "table already exists". */
const TABLE_ALREADY_EXISTS = '57'

export interface ClickHouseMigrationLockOptions {
  /** How long a migrator waits for another one to finish. Default 10 minutes. */
  timeoutMs?: number | undefined
  /** Poll interval while waiting. Default 250 ms. */
  pollMs?: number | undefined
  /** A lease not renewed for this long belongs to a migrator that died. Default 5 minutes. */
  ttlMs?: number | undefined
}

/**
 * ClickHouse has no transactions and no advisory locks. The migration lock is
 * core's table lease: creating `<lock table>_lease` is atomic, the holder
 * appends heartbeat rows, a waiter takes over a lease that expired.
 */
export class ClickHouseAdapter extends DialectAdapterBase {
  readonly #lock: ClickHouseMigrationLockOptions
  readonly #logger: Logger | undefined
  readonly #held = new Map<string, TableLease>()

  constructor(lock: ClickHouseMigrationLockOptions = {}, logger?: Logger | undefined) {
    super()
    this.#lock = lock
    this.#logger = logger
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
    const lease = new TableLease(leaseStore(db, options), {
      ttlMs: this.#lock.ttlMs,
      timeoutMs: this.#lock.timeoutMs,
      pollMs: this.#lock.pollMs,
      logger: this.#logger,
      system: 'clickhouse',
    })
    await lease.acquire()
    this.#held.set(leaseName(options), lease)
  }

  override async releaseMigrationLock(db: Kysely<any>, options: MigrationLockOptions): Promise<void> {
    const lease = this.#held.get(leaseName(options))
    this.#held.delete(leaseName(options))
    if (lease) await lease.release()
    else await leaseStore(db, options).drop()
  }
}

function leaseName(options: MigrationLockOptions): string {
  const name = `${options.lockTable}_lease`
  return options.lockTableSchema ? `${options.lockTableSchema}.${name}` : name
}

function leaseStore(db: Kysely<any>, options: MigrationLockOptions): LeaseStore {
  const name = leaseName(options)
  const table = sql.table(name)
  return {
    async create() {
      try {
        await sql`create table ${table} (owner String, expires_at Int64) engine = Log`.execute(db)
        return true
      } catch (error) {
        if (error instanceof DatabaseError && error.code === TABLE_ALREADY_EXISTS) return false
        throw error
      }
    },
    async renew(owner, expiresAtMs) {
      await sql`insert into ${table} (owner, expires_at) values (${owner}, ${BigInt(expiresAtMs)})`.execute(
        db,
      )
    },
    async latest() {
      try {
        const { rows } = await sql<{
          owner: string
          expires_at: bigint
        }>`select owner, expires_at from ${table} order by expires_at desc limit 1`.execute(db)
        const row = rows[0]
        return row ? { owner: row.owner, expiresAtMs: Number(row.expires_at) } : undefined
      } catch (error) {
        // Dropped between our create and this read: the next attempt creates it.
        if (error instanceof DatabaseError && error.code === '60') return undefined
        throw error
      }
    },
    async drop() {
      await sql`drop table if exists ${table}`.execute(db)
    },
    dropHint: `DROP TABLE ${name}`,
  }
}
