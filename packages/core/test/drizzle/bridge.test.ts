import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { and, asc, desc, eq, gt, relations, sql } from 'drizzle-orm'
import { integer, pgTable, text } from 'drizzle-orm/pg-core'
import { type BridgePreparedQuery, createDrizzleDatabase, iterate } from '../../src/drizzle/index.ts'
import { NotSupportedError } from '../../src/errors.ts'
import { FakeClient, type FakeTransactions } from './fake-client.ts'
import { OffsetFirstDialect, QuestionMarkDialect } from './test-dialect.ts'

const users = pgTable('users', {
  id: integer('id').notNull(),
  name: text('name').notNull(),
  city: text('city'),
})
const posts = pgTable('posts', {
  id: integer('id').notNull(),
  userId: integer('user_id').notNull(),
  title: text('title').notNull(),
})
const usersRelations = relations(users, ({ many }) => ({ posts: many(posts) }))
const postsRelations = relations(posts, ({ one }) => ({
  author: one(users, { fields: [posts.userId], references: [users.id] }),
}))
const schema = { users, posts, usersRelations, postsRelations }

function setup(options: { transactions?: FakeTransactions; offsetFirst?: boolean } = {}) {
  const client = new FakeClient(options.transactions)
  const dialect = options.offsetFirst ? new OffsetFirstDialect() : new QuestionMarkDialect()
  const logged: string[] = []
  const db = createDrizzleDatabase({
    client,
    dialect,
    schema,
    logger: { logQuery: (query) => logged.push(query) },
  })
  return { client, dialect, db, logged }
}

describe('SQL text', () => {
  test('select with inner and left joins, where, order, limit and offset', () => {
    const { db } = setup()
    const query = db
      .select({ id: users.id, title: posts.title })
      .from(users)
      .innerJoin(posts, eq(posts.userId, users.id))
      .leftJoin(sql`cities`, sql`cities.name = ${users.city}`)
      .where(and(gt(users.id, 10), eq(users.name, 'ann')))
      .orderBy(desc(users.id), asc(posts.title))
      .limit(5)
      .offset(20)
      .toSQL()
    assert.equal(
      query.sql,
      'select "users"."id", "posts"."title" from "users" inner join "posts" on "posts"."user_id" = "users"."id" ' +
        'left join cities on cities.name = "users"."city" where ("users"."id" > ? and "users"."name" = ?) ' +
        'order by "users"."id" desc, "posts"."title" asc limit ? offset ?',
    )
    assert.deepEqual(query.params, [10, 'ann', 5, 20])
  })

  test('OFFSET before LIMIT when the dialect says so; zero offset and no limit are left out', () => {
    const { db } = setup({ offsetFirst: true })
    assert.equal(
      db.select().from(users).limit(5).offset(20).toSQL().sql,
      'select "id", "name", "city" from "users" offset ? limit ?',
    )
    assert.equal(db.select().from(users).offset(0).toSQL().sql, 'select "id", "name", "city" from "users"')
    assert.equal(
      db.select().from(users).offset(3).toSQL().sql,
      'select "id", "name", "city" from "users" offset ?',
    )
  })

  test('set operations keep their own order and limit after the operands', () => {
    const { db } = setup()
    const query = db
      .select({ id: users.id })
      .from(users)
      .limit(1)
      .unionAll(db.select({ id: posts.id }).from(posts))
      .orderBy(sql`id`)
      .limit(3)
      .toSQL()
    assert.equal(
      query.sql,
      '(select "id" from "users" limit ?) union all (select "id" from "posts") order by id limit ?',
    )
    assert.deepEqual(query.params, [1, 3])
  })

  test('insert, update and delete keep the default (PostgreSQL) shapes', () => {
    const { db } = setup()
    const insert = db
      .insert(users)
      .values([
        { id: 1, name: 'a' },
        { id: 2, name: 'b', city: 'x' },
      ])
      .toSQL()
    assert.equal(insert.sql, 'insert into "users" ("id", "name", "city") values (?, ?, default), (?, ?, ?)')
    assert.deepEqual(insert.params, [1, 'a', 2, 'b', 'x'])
    const update = db.update(users).set({ name: 'z' }).where(eq(users.id, 1)).toSQL()
    assert.equal(update.sql, 'update "users" set "name" = ? where "users"."id" = ?')
    const del = db.delete(users).where(eq(users.id, 1)).toSQL()
    assert.equal(del.sql, 'delete from "users" where "users"."id" = ?')
  })

  test('formatParam sees each bound value with the column it was bound through', () => {
    const { db, dialect } = setup()
    db.select()
      .from(users)
      .where(and(eq(users.city, 'x'), sql`${users.id} = ${7}`))
      .toSQL()
    assert.deepEqual(
      dialect.formatted.map(({ index, value, encoderType }) => ({ index, value, encoderType })),
      [
        { index: 0, value: 'x', encoderType: 'text' },
        { index: 1, value: 7, encoderType: undefined },
      ],
    )
  })

  test('RETURNING is refused while building, for insert, update and delete', () => {
    const { db, client } = setup()
    const builds = [
      () => db.insert(users).values({ id: 1, name: 'a' }).returning().toSQL(),
      () => db.update(users).set({ name: 'a' }).returning({ id: users.id }).toSQL(),
      () => db.delete(users).returning().toSQL(),
    ]
    for (const build of builds) {
      assert.throws(build, (error: unknown) => {
        assert.ok(error instanceof NotSupportedError)
        assert.match(error.message, /RETURNING is not supported by TestDB/)
        return true
      })
    }
    assert.equal(client.recorded.length, 0)
  })

  test('ON CONFLICT and row locks are refused', () => {
    const { db } = setup()
    assert.throws(
      () => db.insert(users).values({ id: 1, name: 'a' }).onConflictDoNothing().toSQL(),
      /ON CONFLICT/,
    )
    assert.throws(
      () => db.select().from(users).for('update').toSQL(),
      (e: unknown) => e instanceof NotSupportedError && /FOR UPDATE/.test(e.message),
    )
  })

  test("pg-core's migrator is refused", async () => {
    const { db, dialect, client } = setup()
    await assert.rejects(dialect.migrate([], db._.session as never, 'drizzle'), NotSupportedError)
    assert.equal(client.recorded.length, 0)
  })

  test('relational findMany without `with` compiles to a plain select', () => {
    const { db } = setup()
    const query = db.query.users
      .findMany({
        columns: { id: true, name: true },
        where: eq(users.id, 3),
        orderBy: [desc(users.id)],
        limit: 2,
      })
      .toSQL()
    assert.equal(
      query.sql,
      'select "id", "name" from "users" "users" where "users"."id" = ? order by "users"."id" desc limit ?',
    )
    assert.deepEqual(query.params, [3, 2])
  })

  test('relational queries with `with` throw NotSupportedError naming the relation', () => {
    const { db } = setup()
    assert.throws(
      () => db.query.users.findMany({ with: { posts: true } }).toSQL(),
      (error: unknown) =>
        error instanceof NotSupportedError && /nested relations \(with: \{ posts \}\)/.test(error.message),
    )
  })
})

describe('execution through the SqlClient', () => {
  test('selected fields come back positional (rowMode array) and are mapped by Drizzle, null left joins included', async () => {
    const { db, client } = setup()
    client.answer = () => ({
      rows: [
        [1, 'ann', 'paris', 10, 1, 'hello'],
        [2, 'bob', null, null, null, null],
      ],
    })
    const rows = await db.select().from(users).leftJoin(posts, eq(posts.userId, users.id))
    assert.equal(client.last.rowMode, 'array')
    assert.equal(client.recorded.length, 1)
    assert.deepEqual(rows, [
      { users: { id: 1, name: 'ann', city: 'paris' }, posts: { id: 10, userId: 1, title: 'hello' } },
      { users: { id: 2, name: 'bob', city: null }, posts: null },
    ])
  })

  test('db.execute returns the SqlResult with keyed rows; writes return numAffectedRows', async () => {
    const { db, client, logged } = setup()
    client.answer = (s) =>
      s.sql.startsWith('select') ? { rows: [{ one: 1 }] } : { rows: [], numAffectedRows: 2n }
    const result = await db.execute(sql`select ${1} as one`)
    assert.equal(client.last.rowMode, 'object')
    assert.deepEqual(client.last.params, [1])
    assert.deepEqual(result.rows, [{ one: 1 }])
    const write = await db.insert(users).values([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ])
    assert.equal(write.numAffectedRows, 2n)
    assert.deepEqual(logged, [
      'select ? as one',
      'insert into "users" ("id", "name", "city") values (?, ?, default), (?, ?, default)',
    ])
    assert.equal(client.openConnections, 0)
  })

  test('prepared statements fill placeholders and pass them through finalizeStatement', async () => {
    const { db, client, dialect } = setup()
    client.answer = () => ({ rows: [[5, 'e', null]] })
    const prepared = db
      .select()
      .from(users)
      .where(eq(users.id, sql.placeholder('id')))
      .limit(sql.placeholder('n'))
      .prepare('p')
    const rows = await prepared.execute({ id: 5, n: 1 })
    assert.deepEqual(rows, [{ id: 5, name: 'e', city: null }])
    assert.deepEqual(client.last.params, [5, 1])
    assert.deepEqual(dialect.finalized.at(-1)?.params, [5, 1])
  })

  test('all() gives keyed rows and values() positional ones, both unmapped', async () => {
    const { db, client } = setup()
    const prepared = db.select({ id: users.id }).from(users).prepare('p') as unknown as BridgePreparedQuery
    client.answer = (s) => ({ rows: s.rowMode === 'array' ? [[1]] : [{ id: 1 }] })
    assert.deepEqual(await prepared.all(), [{ id: 1 }])
    assert.deepEqual(await prepared.values(), [[1]])
    assert.equal(prepared.isResponseInArrayMode(), true)
  })

  test('db.$count reads the count column', async () => {
    const { db, client } = setup()
    client.answer = () => ({ rows: [{ count: 42n }] })
    assert.equal(await db.$count(users), 42)
  })

  test('relational findFirst without `with` maps the row', async () => {
    const { db, client } = setup()
    client.answer = () => ({ rows: [[1, 'ann', 'paris']] })
    const row = await db.query.users.findFirst({ where: eq(users.name, 'ann') })
    assert.deepEqual(row, { id: 1, name: 'ann', city: 'paris' })
    assert.equal(client.last.rowMode, 'array')
  })
})

describe('transactions', () => {
  const sqlOf = (client: FakeClient) => client.recorded.map((r) => r.statement.sql)

  test('without the capability: NotSupportedError naming the database, and no statement sent', async () => {
    const { db, client } = setup()
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.select().from(users)
      }),
      (error: unknown) =>
        error instanceof NotSupportedError && /^FakeDB has no transactions/.test(error.message),
    )
    assert.equal(client.recorded.length, 0)
    assert.equal(client.openConnections, 0)
  })

  test('begin, statements and commit on one exclusive connection; nested transactions are savepoints', async () => {
    const { db, client } = setup({ transactions: { savepoints: true } })
    const value = await db.transaction(
      async (tx) => {
        await tx.insert(users).values({ id: 1, name: 'a' })
        await tx
          .transaction(async (inner) => {
            await inner.delete(users)
            throw new Error('inner fails')
          })
          .catch(() => {})
        await tx.transaction(async (inner) => {
          await inner.select().from(users)
        })
        return 'done'
      },
      { isolationLevel: 'serializable' },
    )
    assert.equal(value, 'done')
    assert.deepEqual(sqlOf(client), [
      'begin isolation level serializable',
      'insert into "users" ("id", "name", "city") values (?, ?, default)',
      'savepoint sp1',
      'delete from "users"',
      'rollback to savepoint sp1',
      'savepoint sp1',
      'select "id", "name", "city" from "users"',
      'release savepoint sp1',
      'commit',
    ])
    assert.equal(new Set(client.recorded.map((r) => r.connection)).size, 1)
    assert.equal(client.events[0], 'acquire#1 exclusive')
    assert.equal(client.events.at(-1), 'release#1')
    assert.equal(client.openConnections, 0)
  })

  test('an error in the body rolls back and is rethrown as it was', async () => {
    const { db, client } = setup({ transactions: {} })
    const boom = new Error('boom')
    await assert.rejects(
      db.transaction(async () => {
        throw boom
      }),
      (error: unknown) =>
        error === boom && (error as { rollbackError?: unknown }).rollbackError === undefined,
    )
    assert.deepEqual(sqlOf(client), ['begin', 'rollback'])
    assert.equal(client.openConnections, 0)
    assert.equal(client.discarded, 0)
  })

  test('a failed rollback is attached to the original error and its connection is discarded', async () => {
    const { db, client } = setup({ transactions: { failRollback: true } })
    const boom = new Error('boom')
    await assert.rejects(
      db.transaction(async () => {
        throw boom
      }),
      (error: unknown) =>
        error === boom &&
        /rollback failed/.test(String((error as { rollbackError?: unknown }).rollbackError)),
    )
    assert.equal(client.discarded, 1)
    assert.equal(client.openConnections, 0)
  })

  test('a failed commit is rethrown after a rollback', async () => {
    const { db, client } = setup({ transactions: { failCommit: true } })
    await assert.rejects(
      db.transaction(async () => 1),
      /commit failed/,
    )
    assert.deepEqual(sqlOf(client), ['begin', 'commit', 'rollback'])
    assert.equal(client.openConnections, 0)
  })

  test('nested transactions without savepoints are refused clearly', async () => {
    const { db } = setup({ transactions: {} })
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.transaction(async () => {})
      }),
      (error: unknown) => error instanceof NotSupportedError && /no savepoints/.test(error.message),
    )
  })
})

describe('signals', () => {
  test('$withSignal puts the signal on every statement, transactions and iterate included', async () => {
    const { db, client } = setup({ transactions: {} })
    const controller = new AbortController()
    const scoped = db.$withSignal(controller.signal)
    await scoped.select().from(users)
    assert.equal(client.last.signal, controller.signal)
    await scoped.execute(sql`select 1`)
    assert.equal(client.last.signal, controller.signal)
    await scoped.transaction(async (tx) => {
      await tx.select().from(users)
      assert.equal(client.last.signal, controller.signal)
    })
    for await (const _ of iterate(scoped.select().from(users))) {
      // consume
    }
    assert.equal(client.last.signal?.aborted, false)
    controller.abort()
    assert.equal(client.last.signal?.aborted, true)
    await db.select().from(users)
    assert.equal(client.last.signal, undefined)
  })
})

describe('iterate', () => {
  test('streams mapped rows in batches of batchSize through SqlConnection.stream', async () => {
    const { db, client } = setup()
    client.answer = () => ({ rows: Array.from({ length: 7 }, (_, i) => [i, `n${i}`, null]) })
    const seen: unknown[] = []
    for await (const row of iterate(db.select().from(users), { batchSize: 3 })) seen.push(row)
    assert.equal(seen.length, 7)
    assert.deepEqual(seen[6], { id: 6, name: 'n6', city: null })
    const recorded = client.recorded.at(-1)
    assert.equal(recorded?.kind, 'stream')
    assert.equal(recorded?.batchSize, 3)
    assert.equal(recorded?.statement.rowMode, 'array')
    assert.equal(client.streamsFinished, 1)
    assert.equal(client.openConnections, 0)
  })

  test('breaking out closes the stream and releases the connection', async () => {
    const { db, client } = setup()
    client.answer = () => ({ rows: Array.from({ length: 100 }, (_, i) => [i, 'x', null]) })
    let count = 0
    for await (const row of iterate(db.select().from(users), { batchSize: 10 })) {
      count++
      if (row.id === 14) break
    }
    assert.equal(count, 15)
    assert.equal(client.streamsClosedEarly, 1)
    assert.equal(client.openConnections, 0)
  })

  test('nothing runs before iteration starts; raw SQL yields keyed rows; placeholders are filled', async () => {
    const { db, client } = setup()
    client.answer = () => ({ rows: [{ a: 1 }, { a: 2 }] })
    const lazy = iterate(db, sql`select a from t where b = ${'x'}`)
    assert.equal(client.recorded.length, 0)
    const rows: unknown[] = []
    for await (const row of lazy) rows.push(row)
    assert.deepEqual(rows, [{ a: 1 }, { a: 2 }])
    assert.equal(client.last.rowMode, 'object')
    assert.deepEqual(client.last.params, ['x'])

    client.answer = () => ({ rows: [[1, 'a', null]] })
    const prepared = db
      .select()
      .from(users)
      .where(eq(users.id, sql.placeholder('id')))
      .prepare('q')
    for await (const _ of iterate(prepared, { placeholders: { id: 9 } })) {
      // consume
    }
    assert.deepEqual(client.last.params, [9])
  })

  test('a batch size that is not a positive integer is a configuration error', () => {
    const { db } = setup()
    assert.throws(() => iterate(db.select().from(users), { batchSize: 0 }), /batchSize/)
  })
})
