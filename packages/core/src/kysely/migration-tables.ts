/**
 * The tables Kysely's migrator keeps, which introspection leaves out unless asked
 * (`withInternalKyselyTables`). Kysely 0.29 exports its default names only from
 * `kysely/migration`, which 0.28 lacks.
 */

const DEFAULT_MIGRATION_TABLE = 'kysely_migration'
const DEFAULT_MIGRATION_LOCK_TABLE = 'kysely_migration_lock'

/** The table whose creation holds the migration lock where it is a table lease (`TableLeaseAdapter`). */
export function leaseTableName(lockTable: string): string {
  return `${lockTable}_lease`
}

/**
 * Whether `name` is one of the migrator's tables under Kysely's default names: the migration
 * table, the lock table and, where the lock is a table lease (`lease`), the lease table.
 */
export function isKyselyTable(name: string, options: { lease: boolean }): boolean {
  return (
    name === DEFAULT_MIGRATION_TABLE ||
    name === DEFAULT_MIGRATION_LOCK_TABLE ||
    (options.lease && name === leaseTableName(DEFAULT_MIGRATION_LOCK_TABLE))
  )
}
