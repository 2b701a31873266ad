import { DatabaseError, pollUntil, TimeoutError } from '@tributary/core'
import { DialectAdapterBase, type Kysely, type MigrationLockOptions, sql } from 'kysely'
import { SYSTEM } from '../errors.ts'

export interface Db2MigrationLockOptions {
  /** How long a migrator waits for another one. Default 10 minutes. */
  timeoutMs?: number | undefined
  /** ALCOBJ's WAIT per attempt, in seconds. Default 10. */
  waitSeconds?: number | undefined
}

/** ALCOBJ could not allocate the object within its WAIT (CPF1002 diagnostic, CPF1085 escape). */
const NOT_ALLOCATED = new Set(['CPF1085', 'CPF1002'])

/**
 * Db2 for i for Kysely's migrator.
 *
 * - DDL is not run in transactions (`supportsTransactionalDdl` false): DDL and
 *   DML under commitment control need every table journaled (SQL7008
 *   otherwise), which tables in libraries made by CRTLIB are not. Migrations
 *   run on one autocommit job, each statement committing as it runs.
 * - The lock is a job-scoped object lock: `ALCOBJ OBJ((LIB/FILE *FILE *EXCL))`
 *   on the migration lock table, run through QCMDEXC. The lease pins its job
 *   for it, the migrations run on that job, and `DLCOBJ` releases it. If the
 *   process dies the socket closes, the job ends, and IBM i releases the lock:
 *   nothing stays locked.
 */
export class Db2Adapter extends DialectAdapterBase {
  readonly #lock: Db2MigrationLockOptions
  /** Locks this adapter holds (`LIB/FILE`): release only sends DLCOBJ for these. */
  readonly #held = new Set<string>()

  constructor(lock: Db2MigrationLockOptions = {}) {
    super()
    this.#lock = lock
  }

  override get supportsTransactionalDdl(): boolean {
    return false
  }

  override get supportsReturning(): boolean {
    return true
  }

  override get supportsCreateIfNotExists(): boolean {
    return false
  }

  override get supportsOutput(): boolean {
    return false
  }

  override async acquireMigrationLock(db: Kysely<any>, options: MigrationLockOptions): Promise<void> {
    const object = await lockObject(db, options)
    const wait = Math.max(1, Math.min(32767, Math.floor(this.#lock.waitSeconds ?? 10)))
    const timeoutMs = this.#lock.timeoutMs ?? 600_000
    const command = `ALCOBJ OBJ((${object} *FILE *EXCL)) WAIT(${wait})`
    await pollUntil(
      async () => {
        try {
          await sql`call qsys2.qcmdexc(${command})`.execute(db)
          return true
        } catch (error) {
          if (error instanceof DatabaseError && NOT_ALLOCATED.has(String(error.code))) return undefined
          if (error instanceof DatabaseError && /CPF1085|CPF1002/.test(error.message)) return undefined
          throw error
        }
      },
      {
        timeoutMs,
        initialDelayMs: 250,
        maxDelayMs: 250,
        jitter: 'none',
        onTimeout: (): Error =>
          new TimeoutError(
            `another migrator has held the migration lock (${object}) for over ${timeoutMs} ms; ` +
              'its job holds it until it ends (WRKOBJLCK shows which job)',
            { system: SYSTEM, code: 'MIGRATION_LOCK_TIMEOUT' },
          ),
      },
    )
    this.#held.add(object)
  }

  override async releaseMigrationLock(db: Kysely<any>, options: MigrationLockOptions): Promise<void> {
    const object = await lockObject(db, options)
    // Kysely releases after a failed acquire too: only a lock we hold is deallocated.
    if (!this.#held.delete(object)) return
    await sql`call qsys2.qcmdexc(${`DLCOBJ OBJ((${object} *FILE *EXCL))`})`.execute(db)
  }
}

/** `LIB/FILE`: the lock table's system names, as CL wants them (names over 10 characters get short system names). */
async function lockObject(db: Kysely<any>, options: MigrationLockOptions): Promise<string> {
  const schema = options.lockTableSchema
  const { rows } = await sql<{ SYSTEM_TABLE_SCHEMA: string; SYSTEM_TABLE_NAME: string }>`
    select system_table_schema, system_table_name from qsys2.systables
    where table_name = ${options.lockTable}
      and table_schema = ${schema === undefined ? sql`current schema` : sql`${schema}`}`.execute(db)
  const row = rows[0]
  if (!row) {
    throw new DatabaseError(`the migration lock table ${options.lockTable} was not found`, { system: SYSTEM })
  }
  return `${row.SYSTEM_TABLE_SCHEMA.trim()}/${row.SYSTEM_TABLE_NAME.trim()}`
}
