/**
 * The quick-start demo: embedded ClickHouse (chDB), no server to set up.
 * A table, a streamed insert, a typed Kysely query, a Drizzle query, a
 * streamed aggregate and a migration, printed as they run. Then Db2 for i
 * through Mapepire, on mapepire-local (a Mapepire server on PostgreSQL 15,
 * started here): Kysely with RETURNING and a transaction, Drizzle, a stream
 * and a statement stopped on the server.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AthenaDialect, createClient as createAthenaClient } from '@tributary/athena'
import { startAthenaLocal } from '@tributary/athena-local'
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
import { createClient as createDb2Client, MapepireDialect, QueryCancelledError } from '@tributary/mapepire'
import { drizzle as drizzleDb2 } from '@tributary/mapepire/drizzle'
import { startMapepireLocal } from '@tributary/mapepire-local'
import { desc, sql as dsql, eq } from 'drizzle-orm'
import { decimal, integer, pgSchema, varchar } from 'drizzle-orm/pg-core'
import { type Generated, Kysely, sql } from 'kysely'
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

interface Db2Database {
  'DEMO.PARTS': { ID: Generated<number>; NAME: string; PRICE: string; STOCK: bigint }
}

const parts = pgSchema('DEMO').table('PARTS', {
  id: integer('ID').primaryKey(),
  name: varchar('NAME', { length: 30 }).notNull(),
  price: decimal('PRICE', { precision: 11, scale: 2 }).notNull(),
})

async function db2(): Promise<void> {
  const local = await startMapepireLocal({ port: 0, sample: false })
  const client = createDb2Client({
    host: 'localhost',
    port: local.port,
    user: local.user,
    password: local.password,
    ca: local.ca, // the server's certificate, pinned
  })
  const db = new Kysely<Db2Database>({ dialect: new MapepireDialect({ client }) })
  const orm = drizzleDb2(client)
  try {
    heading(
      `Db2 for i through Mapepire ${(await client.serverInfo()).version} (mapepire-local on port ${local.port})`,
    )
    await sql`CREATE SCHEMA DEMO`.execute(db)
    await sql`CREATE TABLE DEMO.PARTS (ID INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      NAME VARCHAR(30) NOT NULL, PRICE DECIMAL(11, 2) NOT NULL, STOCK BIGINT NOT NULL)`.execute(db)

    heading('Kysely insert with RETURNING (SELECT … FROM FINAL TABLE), in a transaction')
    const inserted = await db.transaction().execute((trx) =>
      trx
        .insertInto('DEMO.PARTS')
        .values([
          { NAME: 'bolt', PRICE: '0.10', STOCK: 9_007_199_254_740_993n },
          { NAME: 'gear', PRICE: '12.50', STOCK: 40n },
          { NAME: 'motor', PRICE: '1999.99', STOCK: 3n },
        ])
        .returning(['ID', 'NAME'])
        .execute(),
    )
    console.table(inserted)

    heading('Drizzle query, exact values')
    const priciest = await orm.select().from(parts).orderBy(desc(parts.price)).limit(2)
    console.table(priciest)
    const [bolt] = await db.selectFrom('DEMO.PARTS').select('STOCK').where('NAME', '=', 'bolt').execute()
    console.log(`bolt stock ${bolt!.STOCK} (${typeof bolt!.STOCK})`)

    heading('streamed, 2 rows per page (sqlmore), closed on the server after')
    let streamed = 0
    for await (const _row of client.stream('SELECT * FROM DEMO.PARTS ORDER BY ID', [], { batchSize: 2 }))
      streamed++
    console.log(`${streamed} parts streamed`)

    heading('a statement stopped on the server (QSYS2.CANCEL_SQL)')
    try {
      await client.query(
        'WITH T(N) AS (VALUES 1 UNION ALL SELECT N + 1 FROM T WHERE N < 2000000000) SELECT COUNT(*) FROM T',
        [],
        { signal: AbortSignal.timeout(300) },
      )
    } catch (error) {
      if (!(error instanceof QueryCancelledError)) throw error
      console.log(error.message)
    }
  } finally {
    await db.destroy()
    await local.stop()
  }
}

interface AthenaDatabase {
  fares: { city: string; fare: string; tags: string[] }
}

async function athena(): Promise<void> {
  const local = await startAthenaLocal({ port: 0 })
  const aws = { endpoint: local.endpoint, region: local.region, credentials: local.credentials }
  const client = createAthenaClient({
    client: aws,
    s3: { ...aws, forcePathStyle: true },
    database: 'default',
    outputLocation: local.outputLocation,
    resultMode: 'csv',
    onQueryStart: (queryId) => console.log(`  started ${queryId}`),
  })
  const db = new Kysely<AthenaDatabase>({
    dialect: new AthenaDialect({ client, nestedColumns: { fares: ['tags'] } }),
  })
  try {
    heading(`Amazon Athena (athena-local on ${local.endpoint})`)
    heading('CTAS into an Iceberg table (Kysely), the query id known at once')
    await db.schema
      .createTable('fares')
      .as(
        db
          .selectNoFrom([
            sql<string>`'Lisbon'`.as('city'),
            sql<string>`decimal '12345678901234567.89'`.as('fare'),
            sql<string[]>`array['a, b', 'c}']`.as('tags'),
          ])
          .unionAll(
            db.selectNoFrom([
              sql<string>`'Osaka'`.as('city'),
              sql<string>`decimal '0.10'`.as('fare'),
              sql<string[]>`array[]`.as('tags'),
            ]),
          ),
      )
      .execute()

    heading('read back from the CSV in S3: exact decimal, nested through a JSON cast the compiler adds')
    const rows = await db.selectFrom('fares').select(['city', 'fare', 'tags']).orderBy('city').execute()
    console.table(rows)
    console.log(
      `Lisbon fare ${rows[0]!.fare} (${typeof rows[0]!.fare}), tags ${JSON.stringify(rows[0]!.tags)}`,
    )

    heading('UNLOAD to Parquet, read through the manifest')
    const unloaded = await client.query<{ n: bigint }>(
      'SELECT count(*) AS n FROM unnest(sequence(1, 10000)) AS t(x)',
      [],
      { resultMode: 'unload' },
    )
    console.log(
      `${unloaded.rows[0]!.n} counted, read as ${unloaded.mode}, ${unloaded.statistics.dataManifestLocation}`,
    )
  } finally {
    await db.destroy()
    await client.close()
    await local.stop()
  }
}

await main()
await db2()
await athena()
