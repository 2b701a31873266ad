import { DatabaseError, type LeaseStore, type Logger, TableLease } from '@tributary/core'
import { DialectAdapterBase, type Kysely, type MigrationLockOptions, sql } from 'kysely'

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

/**
 * Athena has no transactions and no locks. The migration lock is core's table
 * lease: creating `<lock table>_lease` (an Iceberg table) is atomic in the
 * catalog, so its creator holds the lock; the holder appends heartbeat rows;
 * a waiter takes over a lease that expired.
 */
export class AthenaAdapter extends DialectAdapterBase {
  readonly #lock: AthenaMigrationLockOptions
  readonly #logger: Logger | undefined
  readonly #held = new Map<string, TableLease>()

  constructor(lock: AthenaMigrationLockOptions = {}, logger?: Logger | undefined) {
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
      pollMs: this.#lock.pollMs ?? 2000,
      logger: this.#logger,
      system: 'athena',
    })
    await lease.acquire()
    this.#held.set(leaseKey(options), lease)
  }

  override async releaseMigrationLock(db: Kysely<any>, options: MigrationLockOptions): Promise<void> {
    const lease = this.#held.get(leaseKey(options))
    this.#held.delete(leaseKey(options))
    if (lease) await lease.release()
    else await leaseStore(db, options).drop()
  }
}

function leaseKey(options: MigrationLockOptions): string {
  return `${options.lockTableSchema ?? ''}.${options.lockTable}_lease`
}

function leaseStore(db: Kysely<any>, options: MigrationLockOptions): LeaseStore {
  const name = `${options.lockTable}_lease`
  const scoped = options.lockTableSchema ? db.withSchema(options.lockTableSchema) : db
  const table = options.lockTableSchema ? sql.table(`${options.lockTableSchema}.${name}`) : sql.table(name)
  return {
    async create() {
      try {
        await scoped.schema
          .createTable(name)
          .addColumn('owner', 'varchar(255)')
          .addColumn('expires_at', 'bigint')
          .execute()
        return true
      } catch (error) {
        if (error instanceof DatabaseError && ALREADY_EXISTS.test(error.message)) return false
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
        if (error instanceof DatabaseError && NOT_FOUND.has(error.code ?? '')) return undefined
        throw error
      }
    },
    async drop() {
      await scoped.schema.dropTable(name).ifExists().execute()
    },
    dropHint: `DROP TABLE \`${options.lockTableSchema ? `${options.lockTableSchema}\`.\`` : ''}${name}\``,
  }
}
