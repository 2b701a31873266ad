/** The SQL Drizzle builds for Athena, as text; queries.test.ts runs the same shapes on athena-local. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ParameterError, TypedValue } from '@tributary/athena'
import { AthenaDrizzleDialect, drizzle } from '@tributary/athena/drizzle'
import { and, eq } from 'drizzle-orm'
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
