/**
 * kysely-ctl run as its users run it, from a kysely.config.ts, against mapepire-local over TLS:
 * migrations up, listed, rolled back. Kysely quotes its names, so
 * they stay lower-case in the catalog.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { kyselyCtlProject } from '../../../test/support/kysely-ctl.ts'
import { useMapepireLocal } from './support/local.ts'

const bed = useMapepireLocal()

describe('kysely-ctl with MapepireDialect', () => {
  test('migrates up, lists and rolls back from a kysely.config.ts', { timeout: 180_000 }, async () => {
    const setup = bed.client()
    await setup.query('CREATE SCHEMA CTLAPP')
    const project = kyselyCtlProject({
      prefix: 'kysely-ctl-mapepire-',
      config: `import { MapepireDialect } from '@tributary/mapepire'
import { defineConfig } from 'kysely-ctl'

export default defineConfig({
  dialect: new MapepireDialect({
    host: process.env.DB2_HOST!,
    port: Number(process.env.DB2_PORT),
    user: process.env.DB2_USER!,
    password: process.env.DB2_PASSWORD!,
    ca: process.env.DB2_CA!,
    libraries: ['CTLAPP'],
    migrationLock: { timeoutMs: 20_000, waitSeconds: 1 },
  }),
  migrations: { migrationFolder: 'migrations' },
})
`,
      migrations: {
        '1_orders.ts': `import type { Kysely } from 'kysely'
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('orders').addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('total', 'decimal(10, 2)', (c) => c.notNull()).execute()
}
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('orders').execute()
}
`,
        '2_orders_note.ts': `import type { Kysely } from 'kysely'
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('orders').addColumn('note', 'varchar(200)').execute()
}
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('orders').dropColumn('note').execute()
}
`,
      },
      env: {
        DB2_HOST: bed.local.host,
        DB2_PORT: String(bed.local.port),
        DB2_USER: bed.local.user,
        DB2_PASSWORD: bed.local.password,
        DB2_CA: String(bed.local.ca),
      },
    })
    try {
      const columns = async () =>
        (
          await setup.query<{ COLUMN_NAME: string }>(
            "SELECT COLUMN_NAME FROM QSYS2.SYSCOLUMNS WHERE TABLE_SCHEMA = 'CTLAPP' AND TABLE_NAME = 'orders' ORDER BY ORDINAL_POSITION",
          )
        ).rows.map((r) => r.COLUMN_NAME)

      const latest = await project.ctl('migrate:latest')
      assert.match(latest, /1_orders/)
      assert.match(latest, /2_orders_note/)
      assert.deepEqual(await columns(), ['id', 'total', 'note'])
      const listed = await project.ctl('migrate:list')
      assert.match(listed, /1_orders/)
      assert.match(listed, /2_orders_note/)
      const rolled = await project.ctl('migrate:rollback', '--all')
      assert.match(rolled, /1_orders/)
      assert.deepEqual(await columns(), [])
      const recorded = await setup.query<{ N: number }>('SELECT COUNT(*) AS N FROM CTLAPP."kysely_migration"')
      assert.deepEqual(recorded.rows, [{ N: 0 }])
    } finally {
      project.remove()
    }
  })
})
