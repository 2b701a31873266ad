import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ClickHouseDialect, NotSupportedError } from '@tributary/clickhouse'
import { Kysely, sql } from 'kysely'
import { forEachBackend, uniqueTable } from '../../packages/clickhouse/test/backends.ts'

forEachBackend((ctx) => {
  test('create, insert, select with join, update, delete through Kysely', async () => {
    const db = new Kysely<any>({
      dialect: new ClickHouseDialect(ctx().config()),
    })
    const people = uniqueTable('people')
    const teams = uniqueTable('teams')
    try {
      await db.schema
        .createTable(people)
        .addColumn('id', sql`UInt64`, (c) => c.primaryKey())
        .addColumn('name', 'varchar(255)', (c) => c.notNull())
        .addColumn('age', 'integer')
        .addColumn('team', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable(teams)
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('title', 'text', (c) => c.notNull())
        .execute()

      const typed = db
      await typed
        .insertInto(people)
        .values([
          { id: 1n, name: "O'Brien \\ backslash", age: 41, team: 'a' },
          { id: 18446744073709551615n, name: 'max', age: null, team: 'b' },
          { id: 3n, name: 'émoji 🦆', age: 7, team: 'a' },
        ])
        .execute()
      await typed
        .insertInto(teams)
        .values([
          { code: 'a', title: 'Alpha' },
          { code: 'b', title: 'Beta' },
        ])
        .execute()

      const rows = await typed
        .selectFrom(`${people} as p` as any)
        .innerJoin(`${teams} as t` as any, 't.code' as any, 'p.team' as any)
        .select(['p.id as id', 'p.name as name', 'p.age as age', 't.title as title'] as any)
        .orderBy('p.id' as any)
        .execute()
      assert.deepEqual(rows, [
        { id: 1n, name: "O'Brien \\ backslash", age: 41, title: 'Alpha' },
        { id: 3n, name: 'émoji 🦆', age: 7, title: 'Alpha' },
        { id: 18446744073709551615n, name: 'max', age: null, title: 'Beta' },
      ])

      const page = await typed
        .selectFrom(people as any)
        .select(['id'] as any)
        .orderBy('id' as any)
        .limit(1)
        .offset(1)
        .execute()
      assert.deepEqual(page, [{ id: 3n }])

      await typed
        .updateTable(people as any)
        .set({ age: 42 } as any)
        .where('id' as any, '=', 1n)
        .execute()
      await typed
        .deleteFrom(people as any)
        .where('name' as any, '=', 'max')
        .execute()
      const after = await typed
        .selectFrom(people as any)
        .select(['id', 'age'] as any)
        .orderBy('id' as any)
        .execute()
      assert.deepEqual(after, [
        { id: 1n, age: 42 },
        { id: 3n, age: 7 },
      ])
    } finally {
      await db.schema.dropTable(people).ifExists().execute()
      await db.schema.dropTable(teams).ifExists().execute()
      await db.destroy()
    }
  })

  test('RETURNING and transactions fail with NotSupportedError before reaching the server', async () => {
    const db = new Kysely<any>({ dialect: new ClickHouseDialect(ctx().config()) })
    try {
      assert.throws(
        () => db.insertInto('t').values({ a: 1 }).returning('a').compile(),
        (e: unknown) => e instanceof NotSupportedError && /RETURNING/.test((e as Error).message),
      )
      await assert.rejects(
        db.transaction().execute(async () => undefined),
        (e: unknown) => e instanceof NotSupportedError,
      )
    } finally {
      await db.destroy()
    }
  })
})
