import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ClickHouseDialect } from '@tributary/clickhouse'
import { Kysely, sql } from 'kysely'
import { type Migration, Migrator } from 'kysely/migration'
import { forEachBackend, uniqueTable } from '../../packages/clickhouse/test/backends.ts'

function migrations(table: string, log: string[]): Record<string, Migration> {
  return {
    '001_create': {
      async up(db) {
        log.push('up 001')
        await db.schema
          .createTable(table)
          .addColumn('id', sql`UInt32`, (c) => c.primaryKey())
          .addColumn('label', 'text', (c) => c.notNull())
          .execute()
      },
      async down(db) {
        log.push('down 001')
        await db.schema.dropTable(table).execute()
      },
    },
    '002_seed': {
      async up(db) {
        log.push('up 002')
        // Slow enough that a second migrator has to wait for the lock.
        await sql`SELECT sleep(0.5)`.execute(db)
        await db.insertInto(table).values({ id: 1, label: 'seeded' }).execute()
      },
      async down(db) {
        log.push('down 002')
        await db.deleteFrom(table).where('id', '=', 1).execute()
      },
    },
  }
}

forEachBackend((ctx) => {
  test("Kysely's Migrator runs up and down, and two concurrent migrators never both migrate", async () => {
    const table = uniqueTable('migrated')
    const migrationTableName = uniqueTable('kysely_migration')
    const migrationLockTableName = uniqueTable('kysely_migration_lock')
    const logA: string[] = []
    const logB: string[] = []
    const dbA = new Kysely<any>({ dialect: new ClickHouseDialect(ctx().config()) })
    const dbB = new Kysely<any>({ dialect: new ClickHouseDialect(ctx().config()) })
    const options = { migrationTableName, migrationLockTableName }
    const migratorA = new Migrator({
      db: dbA,
      provider: { getMigrations: async () => migrations(table, logA) },
      ...options,
    })
    const migratorB = new Migrator({
      db: dbB,
      provider: { getMigrations: async () => migrations(table, logB) },
      ...options,
    })
    try {
      // Prepare the bookkeeping tables once so the race is only about the lock.
      assert.equal((await migratorA.migrateTo('001_create')).error, undefined)
      const [a, b] = await Promise.all([migratorA.migrateToLatest(), migratorB.migrateToLatest()])
      assert.equal(a.error, undefined, String(a.error))
      assert.equal(b.error, undefined, String(b.error))
      // Exactly one of them ran 002; the other found nothing left to do.
      assert.equal([...logA, ...logB].filter((l) => l === 'up 002').length, 1)
      const rows = await dbA.selectFrom(table).selectAll().execute()
      assert.deepEqual(rows, [{ id: 1, label: 'seeded' }])

      const applied = await dbA.selectFrom(migrationTableName).select('name').orderBy('name').execute()
      assert.deepEqual(
        applied.map((r) => r.name),
        ['001_create', '002_seed'],
      )

      const down = await migratorA.migrateDown()
      assert.equal(down.error, undefined, String(down.error))
      assert.deepEqual(await dbA.selectFrom(table).selectAll().execute(), [])
      const down2 = await migratorA.migrateDown()
      assert.equal(down2.error, undefined, String(down2.error))
      const tables = await dbA.introspection.getTables()
      assert.ok(!tables.some((t) => t.name === table))
    } finally {
      await dbA.schema.dropTable(table).ifExists().execute()
      await dbA.schema.dropTable(migrationTableName).ifExists().execute()
      await dbA.schema.dropTable(migrationLockTableName).ifExists().execute()
      await dbA.destroy()
      await dbB.destroy()
    }
  })
})
