/**
 * Amazon Athena on athena-local: a Kysely migration creates an Iceberg table,
 * rows go in with exact decimals and bigints, the same report is read in the
 * three result modes (GetQueryResults pages, the CSV from S3, UNLOAD to
 * Parquet), Drizzle updates a row, and a long query is stopped on Athena.
 *
 *   node --conditions=tributary-source examples/athena-rides.ts
 *
 * Against Amazon Athena, drop startAthenaLocal and pass your region, database
 * and an S3 output location (credentials come from the SDK's default chain).
 */
import { AthenaDialect, createClient, QueryCancelledError, type TypedValue, typed } from '@tributary/athena'
import { drizzle } from '@tributary/athena/drizzle'
import { startAthenaLocal } from '@tributary/athena-local'
import { eq } from 'drizzle-orm'
import { bigint, numeric, pgTable, text } from 'drizzle-orm/pg-core'
import { type ColumnType, Kysely, sql } from 'kysely'
import { type Migration, Migrator } from 'kysely/migration'

interface Database {
  // decimal: read as exact text, written as a typed literal
  rides: { id: bigint; city: string; fare: ColumnType<string, TypedValue, TypedValue>; km: number }
}

const rides = pgTable('rides', {
  id: bigint('id', { mode: 'bigint' }).notNull(),
  city: text('city').notNull(),
  fare: numeric('fare', { precision: 10, scale: 2 }).notNull(),
})

const migrations: Record<string, Migration> = {
  '2026_03_rides': {
    async up(db) {
      await db.schema
        .createTable('rides')
        .addColumn('id', 'bigint')
        .addColumn('city', 'varchar(64)')
        .addColumn('fare', 'decimal(10, 2)')
        .addColumn('km', 'double precision')
        .execute()
    },
    async down(db) {
      await db.schema.dropTable('rides').execute()
    },
  },
}

const local = await startAthenaLocal({ port: 0 })
const aws = { endpoint: local.endpoint, region: local.region, credentials: local.credentials }
const config = {
  client: aws,
  s3: { ...aws, forcePathStyle: true },
  database: 'default',
  outputLocation: local.outputLocation,
}
const client = createClient(config)
const db = new Kysely<Database>({ dialect: new AthenaDialect({ client }) })
try {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
  const { results, error } = await migrator.migrateToLatest()
  if (error) throw error
  for (const r of results ?? []) console.log(`migration ${r.migrationName}: ${r.status}`)

  const cities = ['Lisbon', 'Osaka', 'Quito']
  const values = Array.from({ length: 300 }, (_, i) => ({
    id: 9_007_199_254_740_993n + BigInt(i), // past 2^53: exact only as bigint
    city: cities[i % 3]!,
    fare: typed(`${10 + (i % 50)}.${String(i % 100).padStart(2, '0')}`, 'decimal(10,2)'),
    km: (i % 17) + 0.5,
  }))
  await db.insertInto('rides').values(values).execute()
  console.log(`inserted ${values.length} rides`)

  for (const resultMode of ['api', 'csv', 'unload'] as const) {
    const report = await client.query<{ city: string; rides: bigint; revenue: string }>(
      'SELECT city, count(*) AS rides, sum(fare) AS revenue FROM rides WHERE km > ? GROUP BY city',
      [1],
      { resultMode },
    )
    const sorted = report.rows.sort((a, b) => a.city.localeCompare(b.city))
    const line = sorted.map((r) => `${r.city} ${r.rides} rides ${r.revenue}`).join(', ')
    console.log(`${resultMode}: ${line} (read as ${report.mode}, query ${report.queryId})`)
  }

  const orm = drizzle(client)
  await orm.update(rides).set({ fare: '99.99' }).where(eq(rides.id, 9_007_199_254_740_993n))
  const [first] = await orm.select().from(rides).where(eq(rides.id, 9_007_199_254_740_993n))
  console.log(`Drizzle: ride ${first!.id} (${typeof first!.id}) now costs ${first!.fare}`)

  const [max] = await db.selectFrom('rides').select(sql<bigint>`max(id)`.as('max')).execute()
  console.log(`max id ${max!.max} (${typeof max!.max})`)

  try {
    await client.query(
      'SELECT count(*) FROM unnest(sequence(1, 10000)) a(x), unnest(sequence(1, 10000)) b(y), unnest(sequence(1, 10000)) c(z)',
      [],
      { signal: AbortSignal.timeout(500) },
    )
  } catch (error) {
    if (!(error instanceof QueryCancelledError)) throw error
    console.log(`stopped on Athena: ${error.message}`)
  }

  await migrator.migrateDown()
} finally {
  await db.destroy()
  await client.close()
  await local.stop()
}
