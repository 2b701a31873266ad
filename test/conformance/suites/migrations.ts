import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { Kysely, sql } from 'kysely'
import { type Migration, Migrator } from 'kysely/migration'
import type { ConformanceBackend } from '../fixture.ts'
import type { Suite } from '../runner.ts'
import { uniqueName } from '../support.ts'
import { dropTable } from '../tables.ts'

function migrationSet(b: ConformanceBackend, table: string, log: string[]): Record<string, Migration> {
  return {
    '001_create': {
      async up(db) {
        log.push('up 001')
        await db.schema
          .createTable(table)
          .addColumn('id', sql.raw(b.columnType('integer', false)), (c) => c.primaryKey())
          .addColumn('label', sql.raw(b.columnType('text', false)), (c) => c.notNull())
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
        // Long enough that the other migrator reaches the lock while this one holds it.
        await sleep(500)
        await db.insertInto(table).values({ id: 1, label: 'seeded' }).execute()
      },
      async down(db) {
        log.push('down 002')
        await db.deleteFrom(table).where('id', '=', 1).execute()
      },
    },
  }
}

export function migrations(s: Suite): void {
  s.test(
    "Kysely's Migrator runs up and down, and of two concurrent migrators only one migrates",
    async () => {
      const b = s.backend()
      const table = uniqueName('migrated')
      const options = {
        migrationTableName: uniqueName('kysely_migration'),
        migrationLockTableName: uniqueName('kysely_migration_lock'),
      }
      const logA: string[] = []
      const logB: string[] = []
      const dbA = new Kysely<any>({ dialect: b.dialect() })
      const dbB = new Kysely<any>({ dialect: b.dialect() })
      const migratorA = new Migrator({
        db: dbA,
        provider: { getMigrations: async () => migrationSet(b, table, logA) },
        ...options,
      })
      const migratorB = new Migrator({
        db: dbB,
        provider: { getMigrations: async () => migrationSet(b, table, logB) },
        ...options,
      })
      try {
        // The bookkeeping tables exist before the race, so the race is only about the lock.
        assert.equal((await migratorA.migrateTo('001_create')).error, undefined)
        const [a, c] = await Promise.all([migratorA.migrateToLatest(), migratorB.migrateToLatest()])
        assert.equal(a.error, undefined, String(a.error))
        assert.equal(c.error, undefined, String(c.error))
        assert.equal([...logA, ...logB].filter((l) => l === 'up 002').length, 1, 'one migrator ran 002')
        assert.deepEqual(await dbA.selectFrom(table).selectAll().execute(), [{ id: 1, label: 'seeded' }])
        const applied = await dbA
          .selectFrom(options.migrationTableName)
          .select('name')
          .orderBy('name')
          .execute()
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
        assert.ok(!tables.some((t) => t.name === table), 'the table was dropped')
      } finally {
        await dropTable(dbA, table)
        await dropTable(dbA, options.migrationTableName)
        await dropTable(dbA, options.migrationLockTableName)
        await dbA.destroy()
        await dbB.destroy()
      }
    },
  )
}
