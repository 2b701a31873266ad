/**
 * Migrations on Athena's Iceberg tables, end to end on athena-local: Kysely's
 * Migrator under the table-lease lock (two migrators at once, one migrates),
 * and kysely-ctl run as its users run it, from a config file.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { GetTableMetadataCommand } from '@aws-sdk/client-athena'
import { AthenaDialect, TimeoutError } from '@tributary/athena'
import { Kysely, sql } from 'kysely'
import { type Migration, Migrator, NO_MIGRATIONS } from 'kysely/migration'
import { kyselyCtlProject } from '../../../../test/support/kysely-ctl.ts'
import { type LocalAthena, startLocalAthena } from '../support/athena-local.ts'

let athena: LocalAthena

before(async () => {
  athena = await startLocalAthena()
})

after(async () => {
  await athena.stop()
})

function migrations(table: string, log: string[]): Record<string, Migration> {
  return {
    '001_create': {
      async up(db) {
        log.push('up 001')
        await db.schema
          .createTable(table)
          .addColumn('id', 'bigint', (c) => c.primaryKey())
          .addColumn('label', 'varchar(100)', (c) => c.notNull())
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
        await db.insertInto(table).values({ id: 1n, label: 'seeded' }).execute()
      },
      async down(db) {
        log.push('down 002')
        await db.deleteFrom(table).where('id', '=', 1n).execute()
      },
    },
  }
}

async function tableType(name: string): Promise<string | undefined> {
  const { TableMetadata } = await athena.sdk.send(
    new GetTableMetadataCommand({ CatalogName: 'AwsDataCatalog', DatabaseName: 'default', TableName: name }),
  )
  return TableMetadata?.Parameters?.table_type
}

describe('migrations on athena-local', () => {
  test("Kysely's Migrator runs up and down on Iceberg tables; two at once never both migrate", async () => {
    const table = 'migrated'
    const options = { migrationTableName: 'mig', migrationLockTableName: 'mig_lock' }
    const logA: string[] = []
    const logB: string[] = []
    const dialect = () =>
      new AthenaDialect({
        ...athena.config(),
        migrationLock: { pollMs: 20, ttlMs: 60_000, timeoutMs: 60_000 },
      })
    const dbA = new Kysely<any>({ dialect: dialect() })
    const dbB = new Kysely<any>({ dialect: dialect() })
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
      const [a, b] = await Promise.all([migratorA.migrateToLatest(), migratorB.migrateToLatest()])
      assert.equal(a.error, undefined)
      assert.equal(b.error, undefined)
      // Whichever took the lease first ran both migrations; the other found nothing left to do.
      const ran = [...(a.results ?? []), ...(b.results ?? [])].filter((r) => r.status === 'Success')
      assert.deepEqual(ran.map((r) => r.migrationName).sort(), ['001_create', '002_seed'])
      assert.deepEqual([...logA, ...logB], ['up 001', 'up 002'])
      assert.deepEqual(await dbA.selectFrom(table).selectAll().execute(), [{ id: 1n, label: 'seeded' }])
      // The bookkeeping tables are Iceberg (Kysely deletes from them when migrating down), the lease is gone.
      assert.equal(await tableType('mig'), 'ICEBERG')
      assert.equal(await tableType('mig_lock'), 'ICEBERG')
      const tables = (await dbA.introspection.getTables({ withInternalKyselyTables: true })).map(
        (t) => t.name,
      )
      assert.ok(!tables.includes('mig_lock_lease'), tables.join())

      const down = await migratorA.migrateDown()
      assert.equal(down.error, undefined)
      assert.deepEqual(
        down.results?.map((r) => [r.migrationName, r.direction, r.status]),
        [['002_seed', 'Down', 'Success']],
      )
      assert.deepEqual(await dbA.selectFrom(table).selectAll().execute(), [])
      const rest = await migratorB.migrateTo('001_create')
      assert.deepEqual(rest.results, [])
      const none = await migratorA.migrateTo(NO_MIGRATIONS)
      assert.equal(none.error, undefined)
      assert.ok(!(await dbA.introspection.getTables()).some((t) => t.name === table))
    } finally {
      await dbA.destroy()
      await dbB.destroy()
    }
  })

  test('a lease held by a live migrator makes the next one wait, and time out naming the forced release', async () => {
    const db = new Kysely<any>({ dialect: new AthenaDialect(athena.config()) })
    const waiting = new Kysely<any>({
      dialect: new AthenaDialect({ ...athena.config(), migrationLock: { pollMs: 20, timeoutMs: 300 } }),
    })
    const adapter = db.getExecutor().adapter
    const lock = { lockTable: 'held_lock', lockRowId: 'migration_lock', lockTableSchema: undefined }
    try {
      await adapter.acquireMigrationLock(db, lock)
      await assert.rejects(
        waiting.getExecutor().adapter.acquireMigrationLock(waiting, lock),
        (error: unknown) => {
          assert.ok(error instanceof TimeoutError)
          assert.match(error.message, /DROP TABLE `held_lock_lease`/)
          return true
        },
      )
      await adapter.releaseMigrationLock(db, lock)
      // Released: the waiter takes it at once.
      await waiting.getExecutor().adapter.acquireMigrationLock(waiting, lock)
      await waiting.getExecutor().adapter.releaseMigrationLock(waiting, lock)
    } finally {
      await db.destroy()
      await waiting.destroy()
    }
  })

  test('kysely-ctl migrates up, lists and rolls back from a kysely.config.ts', {
    timeout: 180_000,
  }, async () => {
    const local = athena.local
    const project = kyselyCtlProject({
      prefix: 'kysely-ctl-',
      config: `import { AthenaDialect } from '@tributary/athena'
import { defineConfig } from 'kysely-ctl'

export default defineConfig({
  dialect: new AthenaDialect({
    client: {
      endpoint: process.env.ATHENA_ENDPOINT,
      region: process.env.AWS_REGION,
      credentials: { accessKeyId: process.env.ATHENA_KEY!, secretAccessKey: process.env.ATHENA_SECRET! },
    },
    s3: { endpoint: process.env.ATHENA_S3_ENDPOINT, region: process.env.AWS_REGION, forcePathStyle: true,
      credentials: { accessKeyId: process.env.ATHENA_KEY!, secretAccessKey: process.env.ATHENA_SECRET! } },
    database: 'default',
    outputLocation: process.env.ATHENA_OUTPUT,
    migrationLock: { pollMs: 50 },
  }),
  migrations: { migrationFolder: 'migrations' },
})
`,
      migrations: {
        '1_orders.ts': `import type { Kysely } from 'kysely'
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('orders').addColumn('id', 'bigint').addColumn('total', 'decimal(10, 2)').execute()
}
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('orders').execute()
}
`,
        '2_orders_note.ts': `import type { Kysely } from 'kysely'
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('orders').addColumn('note', 'text').execute()
}
export async function down(): Promise<void> {}
`,
      },
      env: {
        ATHENA_ENDPOINT: local.endpoint,
        ATHENA_S3_ENDPOINT: local.s3Endpoint,
        AWS_REGION: local.region,
        ATHENA_KEY: local.credentials.accessKeyId,
        ATHENA_SECRET: local.credentials.secretAccessKey,
        ATHENA_OUTPUT: local.outputLocation,
      },
    })
    try {
      const latest = await project.ctl('migrate:latest')
      assert.match(latest, /1_orders/)
      assert.match(latest, /2_orders_note/)
      assert.equal(await tableType('orders'), 'ICEBERG')
      const { TableMetadata } = await athena.sdk.send(
        new GetTableMetadataCommand({
          CatalogName: 'AwsDataCatalog',
          DatabaseName: 'default',
          TableName: 'orders',
        }),
      )
      assert.deepEqual(
        TableMetadata?.Columns?.map((c) => `${c.Name} ${c.Type}`),
        ['id bigint', 'total decimal(10,2)', 'note string'],
      )
      const listed = await project.ctl('migrate:list')
      assert.match(listed, /1_orders/)
      const rolled = await project.ctl('migrate:rollback', '--all')
      assert.match(rolled, /1_orders/)
      await assert.rejects(
        athena.sdk.send(
          new GetTableMetadataCommand({
            CatalogName: 'AwsDataCatalog',
            DatabaseName: 'default',
            TableName: 'orders',
          }),
        ),
      )
      const db = new Kysely<any>({ dialect: new AthenaDialect(athena.config()) })
      try {
        assert.deepEqual(
          await sql`select count(*) as n from kysely_migration`.execute(db).then((r) => r.rows),
          [{ n: 0n }],
        )
      } finally {
        await db.destroy()
      }
    } finally {
      project.remove()
    }
  })
})
