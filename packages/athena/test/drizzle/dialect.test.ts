/** The SQL Drizzle builds for Athena, as text; queries.test.ts runs the same shapes on athena-local. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { NotSupportedError, ParameterError, TypedValue } from '@tributary/athena'
import { AthenaDrizzleDialect, drizzle } from '@tributary/athena/drizzle'
import { and, desc, eq, relations, sql } from 'drizzle-orm'
import { bigint, date, integer, numeric, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

const events = pgTable('events', {
  id: bigint('id', { mode: 'bigint' }).notNull(),
  name: text('name'),
  n: integer('n'),
  day: date('day'),
  at: timestamp('at', { precision: 3 }),
  amount: numeric('amount', { precision: 10, scale: 2 }),
})

// Only SQL text is built here; the client never sends anything.
const db = drizzle({ client: { region: 'us-east-1' } })

describe('Athena SQL from Drizzle', () => {
  test('double-quoted names, ? markers, OFFSET before LIMIT as integer literals', () => {
    const q = db
      .select()
      .from(events)
      .where(eq(events.name, "it's"))
      .orderBy(events.id)
      .limit(10)
      .offset(5)
      .toSQL()
    assert.equal(
      q.sql,
      'select "id", "name", "n", "day", "at", "amount" from "events" where "events"."name" = ? order by "events"."id" offset 5 limit 10',
    )
    assert.deepEqual(q.params, ["it's"])
    assert.equal(
      db.select({ id: events.id }).from(events).offset(2).toSQL().sql,
      'select "id" from "events" offset 2',
    )
    assert.throws(() => db.select().from(events).limit(1.5).toSQL(), ParameterError)
  })

  test('an inserted row leaves out a column as NULL (Athena has no DEFAULT)', () => {
    const q = db.insert(events).values({ id: 1n, name: 'a' }).toSQL()
    assert.equal(
      q.sql,
      'insert into "events" ("id", "name", "n", "day", "at", "amount") values (?, ?, null, null, null, null)',
    )
    assert.deepEqual(q.params, [1n, 'a'])
  })

  test('timestamp, date and numeric columns bind typed literals when the statement runs', () => {
    const dialect = new AthenaDrizzleDialect()
    const query = db
      .select({ id: events.id })
      .from(events)
      .where(
        and(
          eq(events.at, new Date('2024-01-02T03:04:05.678Z')),
          eq(events.day, '2024-02-29'),
          eq(events.amount, '1.50'),
          eq(events.name, '2024-02-29'),
        ),
      )
    const built = dialect.sqlToQuery(query.getSQL())
    const { params } = dialect.finalizeStatement(built, built.params)
    const shown = params.map((p) => (p instanceof TypedValue ? `${p.type} ${String(p.value)}` : p))
    // pg-core sends a timestamp as its ISO text; the literal formatter reads it as the instant it names.
    assert.deepEqual(shown, [
      'timestamp(3) 2024-01-02T03:04:05.678Z',
      'date 2024-02-29',
      'decimal 1.50',
      '2024-02-29',
    ])
  })
})

describe('relational queries for Athena', () => {
  const people = pgTable('people', { id: bigint('id', { mode: 'bigint' }).notNull(), name: text('name') })
  const pets = pgTable('pets', {
    id: bigint('id', { mode: 'bigint' }).notNull(),
    ownerId: bigint('owner_id', { mode: 'bigint' }),
    born: timestamp('born', { precision: 3 }),
    tags: text('tags').array(),
  })
  const peopleRelations = relations(people, ({ many }) => ({ pets: many(pets) }))
  const petsRelations = relations(pets, ({ one }) => ({
    owner: one(people, { fields: [pets.ownerId], references: [people.id] }),
  }))
  const rdb = drizzle(
    { client: { region: 'us-east-1' } },
    { schema: { people, pets, peopleRelations, petsRelations } },
  )

  test('a relation is a derived table joined on its keys, rows ranked by row_number() and aggregated as JSON', () => {
    const q = rdb.query.people
      .findMany({
        columns: { id: true },
        with: { pets: { columns: { id: true, born: true }, orderBy: [desc(pets.born)], limit: 2 } },
      })
      .toSQL()
    assert.equal(
      q.sql,
      'select "people"."id", coalesce("people_pets"."data", JSON \'[]\') as "pets" from "people" "people" left join (select "k0", CAST(array_agg("row" order by "rn") AS JSON) as "data" from (select "people_pets"."owner_id" as "k0", CAST(ARRAY[CAST("people_pets"."id" AS JSON), CAST(CAST("people_pets"."born" AS VARCHAR) AS JSON)] AS JSON) as "row", row_number() over (partition by "people_pets"."owner_id" order by "people_pets"."born" desc) as "rn" from "pets" "people_pets" where "people_pets"."owner_id" in (select "people"."id" from "people" "people")) "people_pets" where "rn" <= 2 group by "k0") "people_pets" on "people_pets"."k0" = "people"."id"',
    )
    const one = rdb.query.pets.findFirst({ columns: { id: true }, with: { owner: true } }).toSQL()
    assert.match(
      one.sql,
      /select "k0", "row" as "data" from \(.*\) "pets_owner" where "rn" <= 1\) "pets_owner"/,
    )
    assert.match(one.sql, / offset 0 limit 1$| limit 1$/)
  })

  test("a relation reads only the related rows of its parent's selection: a semi-join on the relation keys", () => {
    const q = rdb.query.people
      .findFirst({
        columns: { id: true },
        where: eq(people.name, sql.placeholder('name')),
        orderBy: [desc(people.name)],
        with: {
          pets: {
            columns: { id: true },
            where: eq(pets.id, sql.placeholder('pet')),
            with: { owner: { columns: { name: true } } },
          },
        },
      })
      .toSQL()
    // The parent's where, order and limit select the keys; ties end on the keys, in the query's order too.
    const top =
      '(select "people"."id" from "people" "people" where "people"."name" = ? order by "people"."name" desc, "people"."id" limit 1)'
    assert.ok(
      q.sql.includes(
        `on "people_pets_owner"."k0" = "people_pets"."owner_id" where ("people_pets"."id" = ?) and "people_pets"."owner_id" in ${top}) "people_pets" group by "k0"`,
      ),
      q.sql,
    )
    assert.match(
      q.sql,
      / where "people"\."name" = \? order by "people"\."name" desc, "people"\."id" limit 1$/,
    )
    // A nested level is restricted by its own parent, which its own parent restricts in turn.
    assert.ok(
      q.sql.includes(
        `from "people" "people_pets_owner" where "people_pets_owner"."id" in (select "people_pets"."owner_id" from "pets" "people_pets" where ("people_pets"."id" = ?) and "people_pets"."owner_id" in ${top})) "people_pets_owner"`,
      ),
      q.sql,
    )
    // Placeholders in the order of their markers: each level's where appears once per level below it.
    assert.deepEqual(
      q.params.map((p) => (p as { name: string }).name),
      ['pet', 'name', 'pet', 'name', 'name'],
    )
  })

  test('a relation over two columns joins and partitions on both', () => {
    const a = pgTable('a', { x: bigint('x', { mode: 'bigint' }), y: text('y') })
    const b = pgTable('b', { ax: bigint('ax', { mode: 'bigint' }), ay: text('ay'), v: text('v') })
    const schema = {
      a,
      b,
      aRelations: relations(a, ({ many }) => ({ bs: many(b) })),
      bRelations: relations(b, ({ one }) => ({
        a: one(a, { fields: [b.ax, b.ay], references: [a.x, a.y] }),
      })),
    }
    const q = drizzle({ client: { region: 'us-east-1' } }, { schema })
      .query.a.findMany({ with: { bs: { columns: { v: true } } } })
      .toSQL()
    assert.match(q.sql, /row_number\(\) over \(partition by "a_bs"\."ax", "a_bs"\."ay"\)/)
    assert.match(
      q.sql,
      /group by "k0", "k1"\) "a_bs" on \("a_bs"\."k0" = "a"\."x" and "a_bs"\."k1" = "a"\."y"\)$/,
    )
    assert.ok(
      q.sql.includes('where ("a_bs"."ax", "a_bs"."ay") in (select "a"."x", "a"."y" from "a" "a")'),
      q.sql,
    )
  })

  test('columns: {} selects no columns, as in pg-core: only the relations', () => {
    const top = rdb.query.people.findMany({ columns: {}, with: { pets: { columns: { id: true } } } }).toSQL()
    assert.match(
      top.sql,
      /^select coalesce\("people_pets"\."data", JSON '\[\]'\) as "pets" from "people" "people" left join/,
    )
    const nested = rdb.query.pets
      .findMany({
        columns: { id: true },
        with: { owner: { columns: {}, with: { pets: { columns: { id: true } } } } },
      })
      .toSQL()
    assert.match(
      nested.sql,
      /CAST\(ARRAY\[coalesce\("pets_owner_pets"\."data", JSON '\[\]'\)\] AS JSON\) as "row"/,
    )
  })

  test('a relation selecting more than 254 values builds its row from ARRAY constructors of at most 254', () => {
    const columns = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`c${i}`, integer(`c${i}`)]))
    const wide = pgTable('wide', { id: integer('id').notNull(), ...columns })
    const owner = pgTable('owner', { id: integer('id').notNull() })
    const schema = {
      wide,
      owner,
      ownerRelations: relations(owner, ({ many }) => ({ wide: many(wide) })),
      wideRelations: relations(wide, ({ one }) => ({
        owner: one(owner, { fields: [wide.id], references: [owner.id] }),
      })),
    }
    const q = drizzle({ client: { region: 'us-east-1' } }, { schema })
      .query.owner.findMany({ with: { wide: true } })
      .toSQL()
    const row = /CAST\((ARRAY\[.*\]) AS JSON\) as "row"/.exec(q.sql)![1]!
    const constructors = row.split('] || ARRAY[')
    assert.deepEqual(
      constructors.map((c) => c.split(' AS JSON)').length - 1),
      [254, 47],
    )
  })

  test('what a relation cannot carry is refused with NotSupportedError while the statement is built', () => {
    assert.throws(
      () => rdb.query.people.findMany({ with: { pets: true } }).toSQL(),
      (e: unknown) => e instanceof NotSupportedError && /array column pets\.tags/.test(e.message),
    )
    assert.throws(
      () =>
        rdb.query.people
          .findMany({ with: { pets: { columns: { id: true }, limit: sql.placeholder('n') as never } } })
          .toSQL(),
      (e: unknown) => e instanceof NotSupportedError && /placeholder\(\) as the limit/.test(e.message),
    )
    assert.throws(
      () => rdb.query.people.findMany({ with: { pets: { columns: { id: true }, limit: -1 } } }).toSQL(),
      ParameterError,
    )
    // Without `with` the query is pg-core's plain select.
    assert.equal(
      rdb.query.pets.findMany({ columns: { id: true, tags: true } }).toSQL().sql,
      'select "id", "tags" from "pets" "pets"',
    )
  })
})
