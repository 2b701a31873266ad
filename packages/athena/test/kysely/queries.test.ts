/**
 * Kysely on athena-local, end to end in each result mode: DDL on Iceberg
 * tables, writes, reads (types exact, nested values exact), streaming,
 * introspection from the catalog APIs, and the clear errors for what Athena
 * has not (RETURNING, transactions), and an abort that stops the query.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { AthenaDialect, NotSupportedError, typed } from '@tributary/athena'
import { Kysely, sql } from 'kysely'
import { eventually, type LocalAthena, MODES, startLocalAthena } from '../support/athena-local.ts'

interface Person {
  id: bigint
  name: string
  born: string | null
  score: string | null
  seen: Date | null
  tags: string[] | null
}

let athena: LocalAthena

before(async () => {
  athena = await startLocalAthena()
})

after(async () => {
  await athena.stop()
})

function database(resultMode: (typeof MODES)[number]) {
  // Table names carry the mode, so the schema type is open.
  return new Kysely<any>({
    dialect: new AthenaDialect({ ...athena.config({ resultMode }), nestedColumns: nestedFor(resultMode) }),
  })
}

function nestedFor(mode: string): Record<string, string[]> {
  return { [`people_${mode}`]: ['tags'] }
}

const ROWS: Person[] = [
  {
    id: 9223372036854775807n,
    name: 'it\'s "quoted", a\nnew line, ünïcödé ✓',
    born: '2000-02-29',
    score: '12345678.90',
    seen: new Date('2024-01-02T03:04:05.678Z'),
    tags: ['a, b', 'c}', 'k=v'],
  },
  { id: 2n, name: '', born: null, score: '-0.05', seen: null, tags: [] },
  {
    id: 3n,
    name: 'x',
    born: '1969-12-31',
    score: null,
    seen: new Date('1969-12-31T23:59:59.999Z'),
    tags: null,
  },
]

describe('Kysely on athena-local', () => {
  for (const mode of MODES) {
    test(`${mode}: create an Iceberg table, write, read back every value exactly`, async () => {
      const db = database(mode)
      const people = `people_${mode}`
      const pets = `pets_${mode}`
      try {
        await db.schema
          .createTable(people)
          .ifNotExists()
          .addColumn('id', 'bigint', (c) => c.primaryKey())
          .addColumn('name', 'varchar(255)', (c) => c.notNull())
          .addColumn('born', 'date')
          .addColumn('score', 'decimal(10, 2)')
          .addColumn('seen', 'timestamp')
          .addColumn('tags', sql`array<string>`)
          .execute()
        await db.schema.createTable(pets).addColumn('owner_id', 'bigint').addColumn('name', 'text').execute()

        const inserted = await db
          .insertInto(people)
          .values(
            ROWS.map((r) => ({
              ...r,
              born: r.born === null ? null : typed(r.born, 'date'),
              score: r.score === null ? null : typed(r.score, 'decimal(10,2)'),
            })) as never,
          )
          .executeTakeFirst()
        assert.equal(inserted.numInsertedOrUpdatedRows, 3n)
        await db
          .insertInto(pets)
          .values([
            { owner_id: 2n, name: 'rex' },
            { owner_id: 2n, name: 'tom' },
            { owner_id: 3n, name: 'kit' },
          ])
          .execute()

        // Unordered: in unload mode read from Parquet, nested values exact without a cast.
        const one = await db
          .selectFrom(people)
          .select(['tags', 'seen'])
          .where('id', '=', ROWS[0]!.id)
          .execute()
        assert.deepEqual(one, [{ tags: ROWS[0]!.tags, seen: ROWS[0]!.seen }])
        const back = await db
          .selectFrom(people)
          .select(['id', 'name', 'born', 'score', 'seen', 'tags'])
          .orderBy('id')
          .execute()
        assert.deepEqual(back, [ROWS[1], ROWS[2], ROWS[0]])
        assert.equal(typeof back[2]!.id, 'bigint')

        // OFFSET before LIMIT, with a subquery that has a LIMIT of its own.
        const page = await db
          .selectFrom(people)
          .select('name')
          .where('id', 'in', db.selectFrom(people).select('id').orderBy('id').limit(2))
          .orderBy('id')
          .offset(1)
          .limit(5)
          .execute()
        assert.deepEqual(page, [{ name: 'x' }])

        const joined = await db
          .selectFrom(`${pets} as p`)
          .innerJoin(`${people} as o`, 'o.id', 'p.owner_id')
          .select(['o.name as owner', 'p.name as pet'])
          .orderBy('p.name')
          .execute()
        assert.deepEqual(joined, [
          { owner: 'x', pet: 'kit' },
          { owner: '', pet: 'rex' },
          { owner: '', pet: 'tom' },
        ])

        const counted = await db
          .selectFrom(pets)
          .select(['owner_id', db.fn.countAll<bigint>().as('n')])
          .groupBy('owner_id')
          .orderBy('owner_id')
          .execute()
        assert.deepEqual(counted, [
          { owner_id: 2n, n: 2n },
          { owner_id: 3n, n: 1n },
        ])

        // A CTE on INSERT is written after INSERT INTO.
        await db
          .with('src', (qb) => qb.selectFrom(people).select(['id', 'name']).where('id', '=', 3n))
          .insertInto(pets)
          .columns(['owner_id', 'name'])
          .expression((eb) => eb.selectFrom('src').select(['id', sql<string>`concat(name, '-2')`.as('name')]))
          .execute()

        const updated = await db
          .updateTable(people)
          .set({ name: 'renamed' })
          .where('id', '=', 2n)
          .executeTakeFirst()
        assert.equal(updated.numUpdatedRows, 1n)
        const deleted = await db.deleteFrom(pets).where('owner_id', '=', 2n).executeTakeFirst()
        assert.equal(deleted.numDeletedRows, 2n)
        assert.deepEqual(await db.selectFrom(pets).select('name').orderBy('name').execute(), [
          { name: 'kit' },
          { name: 'x-2' },
        ])
        assert.deepEqual(await db.selectFrom(people).select('name').where('id', '=', 2n).execute(), [
          { name: 'renamed' },
        ])

        // Hostile values are literals: they are compared, never run.
        const none = await db.selectFrom(people).select('id').where('name', '=', "x' OR '1'='1").execute()
        assert.deepEqual(none, [])
        const hostile = await db
          .selectFrom(people)
          .select('id')
          .where(sql`${'1 OR 1=1'}`, '=', '1 OR 1=1')
          .execute()
        assert.equal(hostile.length, 3)
      } finally {
        await db.schema.dropTable(pets).ifExists().execute()
        await db.schema.dropTable(people).ifExists().execute()
        await db.destroy()
      }
    })

    test(`${mode}: stream() yields every row of a large result in chunks`, async () => {
      const db = database(mode)
      try {
        let count = 0
        let sum = 0n
        const query = db
          .selectFrom(sql<{ x: bigint }>`unnest(sequence(1, 5000))`.as<'t'>(sql`t(x)`))
          .select(sql<bigint>`x`.as('x'))
        for await (const row of query.stream(700)) {
          count++
          sum += row.x
        }
        assert.equal(count, 5000)
        assert.equal(sum, (5000n * 5001n) / 2n)
      } finally {
        await db.destroy()
      }
    })
  }

  test('introspection lists schemas and tables with Athena types, from the catalog APIs', async () => {
    const db = database('api')
    try {
      await db.schema.createSchema('introspected').ifNotExists().execute()
      await db.schema
        .createTable('listed')
        .addColumn('id', 'bigint')
        .addColumn('amount', 'decimal(12, 3)')
        .addColumn('tags', sql`array<string>`)
        .execute()
      await sql`create view listed_view as select id from listed`.execute(db)
      const schemas = (await db.introspection.getSchemas()).map((s) => s.name)
      assert.ok(schemas.includes('default') && schemas.includes('introspected'), schemas.join())
      const tables = await db.introspection.getTables()
      const listed = tables.find((t) => t.name === 'listed')
      assert.ok(listed)
      assert.equal(listed.isView, false)
      assert.deepEqual(
        listed.columns.map((c) => [c.name, c.dataType, c.isNullable]),
        [
          ['id', 'bigint', true],
          ['amount', 'decimal(12,3)', true],
          ['tags', 'array<string>', true],
        ],
      )
      assert.equal(tables.find((t) => t.name === 'listed_view')?.isView, true)
    } finally {
      await sql`drop view if exists listed_view`.execute(db)
      await db.schema.dropTable('listed').ifExists().execute()
      await db.schema.dropSchema('introspected').ifExists().execute()
      await db.destroy()
    }
  })

  test('RETURNING, transactions and sessions are refused before anything is sent', async () => {
    const db = database('api')
    try {
      await assert.rejects(
        db.insertInto('nowhere').values({ id: 1n }).returning('id').execute(),
        (error: unknown) => error instanceof NotSupportedError && /RETURNING/.test(error.message),
      )
      // No sessions either: a connection of its own is refused (what a transaction would take).
      await assert.rejects(
        athena.client().acquire({ exclusive: true }),
        (error: unknown) => error instanceof NotSupportedError && /has no sessions/.test(error.message),
      )
      await assert.rejects(
        db.transaction().execute(async (tx) => {
          await tx.selectFrom('nowhere').selectAll().execute()
        }),
        (error: unknown) =>
          error instanceof NotSupportedError &&
          error.message ===
            'Amazon Athena has no transactions (cannot begin a transaction): each statement commits on its own',
      )
    } finally {
      await db.destroy()
    }
  })

  for (const strategy of ['ignore query', 'cancel query'] as const) {
    test(`an aborted Kysely query ('${strategy}') is stopped on Athena, and the promise settles`, async () => {
      const probe = `kysely_abort_${strategy.replace(' ', '_')}`
      athena.local.faults.set({ slowQueries: [{ match: probe, ms: 60_000 }] })
      let queryId: string | undefined
      const client = athena.client({ onQueryStart: (id) => (queryId = id) })
      const db = new Kysely<any>({ dialect: new AthenaDialect({ client }) })
      try {
        const controller = new AbortController()
        const pending = sql`select ${sql.lit(probe)} as probe`.execute(db, {
          signal: controller.signal,
          inflightQueryAbortStrategy: strategy,
        })
        await eventually(
          async () => queryId !== undefined && (await athena.execution(queryId)).Status?.State === 'RUNNING',
          'the query to run',
        )
        controller.abort()
        await assert.rejects(pending, (error: unknown) => (error as Error).name === 'AbortError')
        // Kysely rejects as soon as the signal fires (under either strategy); the stop is then under way.
        await eventually(
          async () => (await athena.execution(queryId!)).Status?.State === 'CANCELLED',
          'Athena to show the query CANCELLED',
        )
        assert.equal(client.inFlight.running, 0)
      } finally {
        athena.local.faults.set({ slowQueries: [] })
        await db.destroy()
      }
    })
  }
})
