/**
 * Db2 for i through Mapepire: a schema made with Kysely, orders written in a transaction with a
 * savepoint, exact totals, a Drizzle report, a streamed export and a statement stopped on the server.
 *
 * With DB2_HOST, DB2_USER, DB2_PASSWORD (and DB2_CA, the server's certificate) it runs against that
 * server; without them it starts mapepire-local (a Mapepire server on PostgreSQL 15) for itself.
 *   node --conditions=tributary-source examples/mapepire-orders.ts
 */
import { createClient, type MapepireConfig, MapepireDialect, QueryCancelledError } from '@tributary/mapepire'
import { drizzle } from '@tributary/mapepire/drizzle'
import { startMapepireLocal } from '@tributary/mapepire-local'
import { desc, sql as dsql } from 'drizzle-orm'
import { decimal, integer, pgSchema, varchar } from 'drizzle-orm/pg-core'
import { type Generated, Kysely, sql } from 'kysely'

interface Database {
  'SHOP.ORDERS': { ID: Generated<number>; CUSTOMER: string; TOTAL: string; UNITS: bigint }
}

const shop = pgSchema('SHOP')
const orders = shop.table('ORDERS', {
  id: integer('ID').primaryKey(),
  customer: varchar('CUSTOMER', { length: 40 }).notNull(),
  total: decimal('TOTAL', { precision: 15, scale: 2 }).notNull(),
})

const local = process.env.DB2_HOST ? undefined : await startMapepireLocal({ port: 0, sample: false })
const config: MapepireConfig = local
  ? { host: 'localhost', port: local.port, user: local.user, password: local.password, ca: local.ca }
  : {
      host: process.env.DB2_HOST,
      user: process.env.DB2_USER ?? '',
      password: process.env.DB2_PASSWORD ?? '',
      ca: process.env.DB2_CA,
    }
const client = createClient({ ...config, pool: { max: 4 } })
const db = new Kysely<Database>({ dialect: new MapepireDialect({ client }) })
const orm = drizzle(client)

try {
  console.log(`Mapepire ${(await client.serverInfo()).version}`)
  await sql`CREATE SCHEMA SHOP`.execute(db)
  await sql`CREATE TABLE SHOP.ORDERS (ID INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    CUSTOMER VARCHAR(40) NOT NULL, TOTAL DECIMAL(15, 2) NOT NULL, UNITS BIGINT NOT NULL)`.execute(db)

  const trx = await db.startTransaction().execute()
  const customers = ['Ada', 'Alan', 'Grace', 'Edsger']
  for (let i = 0; i < 400; i++) {
    await trx
      .insertInto('SHOP.ORDERS')
      .values({
        CUSTOMER: customers[i % 4]!,
        TOTAL: `${(i % 97) + 1}.${String(i % 100).padStart(2, '0')}`,
        UNITS: 9_007_199_254_740_993n + BigInt(i),
      })
      .execute()
  }
  const sp = await trx.savepoint('before_refund').execute()
  await sp.deleteFrom('SHOP.ORDERS').where('CUSTOMER', '=', 'Ada').execute()
  await sp.rollbackToSavepoint('before_refund').execute()
  await trx.commit().execute()
  const first = await db
    .insertInto('SHOP.ORDERS')
    .values({ CUSTOMER: 'Barbara', TOTAL: '12345678901.99', UNITS: 1n })
    .returning(['ID', 'TOTAL'])
    .executeTakeFirstOrThrow()
  console.log(`inserted order ${first.ID} for ${first.TOTAL}`)

  const sums = await db
    .selectFrom('SHOP.ORDERS')
    .select(['CUSTOMER', sql<string>`SUM(TOTAL)`.as('SUM'), sql<bigint>`MAX(UNITS)`.as('MAX_UNITS')])
    .groupBy('CUSTOMER')
    .orderBy('CUSTOMER')
    .execute()
  for (const row of sums)
    console.log(`${row.CUSTOMER}: ${row.SUM} (max units ${row.MAX_UNITS}, ${typeof row.MAX_UNITS})`)

  const top = await orm.select().from(orders).orderBy(desc(orders.total)).limit(3)
  console.log(`Drizzle top order: ${top[0]!.customer} ${top[0]!.total}`)
  const [{ n }] = await orm.select({ n: dsql<number>`COUNT(*)` }).from(orders)
  console.log(`Drizzle count: ${n}`)

  let exported = 0
  for await (const _row of client.stream('SELECT * FROM SHOP.ORDERS ORDER BY ID', [], { batchSize: 100 }))
    exported++
  console.log(`streamed ${exported} orders`)

  try {
    await client.query(
      'WITH T(N) AS (VALUES 1 UNION ALL SELECT N + 1 FROM T WHERE N < 2000000000) SELECT COUNT(*) FROM T',
      [],
      { signal: AbortSignal.timeout(500) },
    )
  } catch (error) {
    if (!(error instanceof QueryCancelledError)) throw error
    console.log(`stopped on the server: ${error.message}`)
  }
} finally {
  await db.destroy()
  await client.close()
  await local?.stop()
}
