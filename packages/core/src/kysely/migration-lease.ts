/**
 * Kysely's migration lock as core's table lease, for databases with neither locks nor
 * transactions (ClickHouse, Athena). The lease table is `<lock table>_lease`; each database
 * says only how it creates that table and how it reports "exists" and "missing".
 */
import { DialectAdapterBase, type Kysely, type MigrationLockOptions, sql } from 'kysely'
import { DatabaseError } from '../errors.ts'
import { type LeaseStore, TableLease, type TableLeaseOptions } from '../table-lease.ts'
import { leaseTableName } from './migration-tables.ts'

/** How one database keeps a lease table. */
export interface LeaseTable {
  /**
   * Creates the table `name` (in `schema` when there is one) with the columns `owner` (text)
   * and `expires_at` (a 64-bit integer); throws when it exists.
   */
  create(db: Kysely<any>, schema: string | undefined, name: string): Promise<void>
  /** The error `create` throws because the table exists. */
  alreadyExists(error: DatabaseError): boolean
  /** The error a read throws because the table is gone. */
  missing(error: DatabaseError): boolean
  /** The statement an operator runs to force the release. */
  dropHint(schema: string | undefined, name: string): string
}

/** A Kysely adapter whose migration lock is a table lease. */
export abstract class TableLeaseAdapter extends DialectAdapterBase {
  readonly #table: LeaseTable
  readonly #options: TableLeaseOptions
  readonly #held = new Map<string, TableLease>()

  constructor(table: LeaseTable, options: TableLeaseOptions) {
    super()
    this.#table = table
    this.#options = options
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
    const lease = new TableLease(leaseStore(db, options, this.#table), this.#options)
    await lease.acquire()
    this.#held.set(leaseKey(options), lease)
  }

  override async releaseMigrationLock(db: Kysely<any>, options: MigrationLockOptions): Promise<void> {
    const lease = this.#held.get(leaseKey(options))
    this.#held.delete(leaseKey(options))
    if (lease) await lease.release()
    else await leaseStore(db, options, this.#table).drop()
  }
}

function leaseKey(options: MigrationLockOptions): string {
  return `${options.lockTableSchema ?? ''}.${leaseTableName(options.lockTable)}`
}

function leaseStore(db: Kysely<any>, options: MigrationLockOptions, lease: LeaseTable): LeaseStore {
  const schema = options.lockTableSchema
  const name = leaseTableName(options.lockTable)
  const scoped = schema ? db.withSchema(schema) : db
  const table = sql.table(schema ? `${schema}.${name}` : name)
  return {
    async create() {
      try {
        await lease.create(db, schema, name)
        return true
      } catch (error) {
        if (error instanceof DatabaseError && lease.alreadyExists(error)) return false
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
          expires_at: bigint | number | string
        }>`select owner, expires_at from ${table} order by expires_at desc limit 1`.execute(db)
        const row = rows[0]
        return row ? { owner: row.owner, expiresAtMs: Number(row.expires_at) } : undefined
      } catch (error) {
        // Dropped between our create and this read: the next attempt creates it.
        if (error instanceof DatabaseError && lease.missing(error)) return undefined
        throw error
      }
    },
    async drop() {
      await scoped.schema.dropTable(name).ifExists().execute()
    },
    dropHint: lease.dropHint(schema, name),
  }
}
