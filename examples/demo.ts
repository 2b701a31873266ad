/**
 * The quick-start demo: embedded ClickHouse (chDB), no server to set up.
 * A table, a streamed insert, a typed Kysely query, a Drizzle query, a
 * streamed aggregate and a migration, printed as they run.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClickHouseDialect, createClient } from '@tributary/clickhouse'
import {
  chTable,
  dateTime64,
  drizzle,
  float64,
  lowCardinality,
  string,
  uint64,
} from '@tributary/clickhouse/drizzle'
import { chdb } from '@tributary/clickhouse/embedded'
import { desc, sql as dsql, eq } from 'drizzle-orm'
import { Kysely, sql } from 'kysely'
import { type Migration, Migrator } from 'kysely/migration'

interface Database {
  trips: { id: bigint; city: string; fare: number; started_at: Date }
  cities: { name: string; country: string }
}

const trips = chTable('trips', {
  id: uint64('id').notNull(),
  city: lowCardinality(string('city')).notNull(),
  fare: float64('fare').notNull(),
  startedAt: dateTime64('started_at', 3, 'UTC').notNull(),
})

const migrations: Record<string, Migration> = {
  '2026_01_cities': {
    async up(db) {
      await db.schema
        .createTable('cities')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('country', 'text', (c) => c.notNull())
        .execute()
      await db
        .insertInto('cities')
        .values([
          { name: 'Lisbon', country: 'Portugal' },
          { name: 'Osaka', country: 'Japan' },
          { name: 'Quito', country: 'Ecuador' },
        ])
        .execute()
    },
    async down(db) {
      await db.schema.dropTable('cities').execute()
    },
  },
}

function heading(text: string): void {
  console.log(`\n== ${text}`)
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-demo-'))
  const client = createClient({ transport: chdb({ path: dataDir }) })
  const db = new Kysely<Database>({ dialect: new ClickHouseDialect({ client }) })
  const orm = drizzle(client)
  try {
    const info = await client.serverInfo()
    heading(`embedded ClickHouse ${info.version} in ${dataDir}`)

    heading('migration (Kysely Migrator)')
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
    const { results, error } = await migrator.migrateToLatest()
    if (error) throw error
    for (const r of results ?? []) console.log(`${r.migrationName}: ${r.status}`)

    heading('create table and stream 100,000 rows in')
    await client.command(`
      CREATE TABLE trips (id UInt64, city LowCardinality(String), fare Float64, started_at DateTime64(3, 'UTC'))
      ENGINE = MergeTree ORDER BY id`)
    const cities = ['Lisbon', 'Osaka', 'Quito']
    async function* generateTrips() {
      const start = Date.UTC(2026, 0, 1)
      for (let i = 0; i < 100_000; i++) {
        yield {
          id: BigInt(i) + 9_007_199_254_740_993n, // past 2^53: exact only as bigint
          city: cities[i % 3],
          fare: Math.round(((i * 7919) % 5000) + 250) / 100,
          started_at: new Date(start + i * 60_000),
        }
      }
    }
    const inserted = await client.insert({ table: 'trips', values: generateTrips() })
    console.log(`inserted (query ${inserted.queryId})`)

    heading('typed Kysely query with a join')
    const perCountry = await db
      .selectFrom('trips')
      .innerJoin('cities', 'cities.name', 'trips.city')
      .select([
        'cities.country',
        sql<bigint>`count()`.as('trips'),
        sql<number>`round(avg(fare), 2)`.as('avg_fare'),
      ])
      .where('fare', '>', 10)
      .groupBy('cities.country')
      .orderBy('cities.country')
      .execute()
    console.table(perCountry)

    heading('Drizzle query')
    const priciest = await orm
      .select({ id: trips.id, city: trips.city, fare: trips.fare, startedAt: trips.startedAt })
      .from(trips)
      .where(eq(trips.city, 'Osaka'))
      .orderBy(desc(trips.fare), trips.id)
      .limit(3)
    console.table(priciest)
    const [{ total }] = await orm.select({ total: dsql<bigint>`count()`.mapWith(BigInt) }).from(trips)
    console.log(`Drizzle count: ${total}`)

    heading('streamed aggregate, one row at a time')
    let hours = 0
    let busiest = { hour: '', trips: 0n }
    for await (const row of client.stream<{ hour: Date; trips: bigint }>(
      'SELECT toStartOfHour(started_at) AS hour, count() AS trips FROM trips WHERE city = {city:String} GROUP BY hour ORDER BY hour',
      { city: 'Lisbon' },
      { batchSize: 256 },
    )) {
      hours++
      if (row.trips > busiest.trips) busiest = { hour: row.hour.toISOString(), trips: row.trips }
    }
    console.log(`${hours} hours streamed; busiest ${busiest.hour} with ${busiest.trips} trips`)

    heading('exact values')
    const [max] = (await client.query<{ max: bigint }>('SELECT max(id) AS max FROM trips')).rows
    console.log(`max id ${max!.max} (${typeof max!.max})`)
  } finally {
    await db.destroy()
    await client.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

await main()
