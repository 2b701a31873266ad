/**
 * Drizzle over every backend: `drizzle(config)` from @tributary/clickhouse/drizzle.
 * Tables are created with raw SQL in types every backend has (no Bool, Map,
 * DateTime64 or LowCardinality, which ClickHouse 18.16 lacks or gates).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { NotSupportedError } from '@tributary/clickhouse'
import {
  chTable,
  date,
  dateTime,
  drizzle,
  enum8,
  float64,
  int32,
  iterate,
  nullable,
  string,
  uint8,
  uint32,
  uint64,
} from '@tributary/clickhouse/drizzle'
import {
  and,
  asc,
  desc,
  eq,
  getTableName,
  gt,
  gte,
  inArray,
  isNull,
  lt,
  ne,
  or,
  relations,
  sql,
} from 'drizzle-orm'
import { forEachBackend, uniqueTable } from '../../packages/clickhouse/test/backends.ts'

function schemaFor() {
  const users = chTable(uniqueTable('dz_users'), {
    id: uint64('id'),
    name: string('name'),
    age: nullable(uint8('age')),
    score: float64('score'),
    delta: int32('delta'),
    joined: date('joined'),
    seen: dateTime('seen', 'UTC'),
    tier: enum8('tier', ['free', 'paid']),
  })
  const posts = chTable(uniqueTable('dz_posts'), {
    id: uint64('id'),
    userId: uint64('user_id'),
    title: string('title'),
    at: dateTime('at', 'UTC'),
  })
  const numbers = chTable(uniqueTable('dz_numbers'), { n: uint32('n'), label: string('label') })
  const usersRelations = relations(users, ({ many }) => ({ posts: many(posts) }))
  const postsRelations = relations(posts, ({ one }) => ({
    author: one(users, { fields: [posts.userId], references: [users.id] }),
  }))
  return { users, posts, numbers, usersRelations, postsRelations }
}

const MAX_U64 = 18446744073709551615n

forEachBackend((ctx) => {
  test('Drizzle: insert, joins, typed where, order/limit/offset, update, delete, findMany', async () => {
    const schema = schemaFor()
    const { users, posts } = schema
    const db = drizzle(ctx().config(), { schema })
    try {
      await db.execute(
        sql.raw(
          `CREATE TABLE ${getTableName(users)} (id UInt64, name String, age Nullable(UInt8), score Float64, ` +
            `delta Int32, joined Date, seen DateTime('UTC'), tier Enum8('free' = 1, 'paid' = 2)) ` +
            'ENGINE = MergeTree ORDER BY id',
        ),
      )
      await db.execute(
        sql.raw(
          `CREATE TABLE ${getTableName(posts)} (id UInt64, user_id UInt64, title String, at DateTime('UTC')) ` +
            'ENGINE = MergeTree ORDER BY id',
        ),
      )

      await db.insert(users).values([
        {
          id: 1n,
          name: "O'Brien \\ backslash",
          age: 31,
          score: 1.5,
          delta: -7,
          joined: '2024-02-29',
          seen: new Date('2024-01-02T03:04:05Z'),
          tier: 'paid',
        },
        {
          id: 2n,
          name: 'émoji 🦆',
          age: null,
          score: -0.25,
          delta: 2147483647,
          joined: '1970-01-02',
          seen: new Date('2030-06-01T00:00:00Z'),
          tier: 'free',
        },
        {
          id: MAX_U64,
          name: 'max',
          age: 255,
          score: 1e100,
          delta: -2147483648,
          joined: '2100-01-01',
          seen: new Date('2001-09-09T01:46:40Z'),
          tier: 'free',
        },
      ])
      await db.insert(posts).values([
        { id: 10n, userId: 1n, title: 'first', at: new Date('2024-05-01T10:00:00Z') },
        { id: 11n, userId: 1n, title: 'second', at: new Date('2024-05-02T10:00:00Z') },
        { id: 12n, userId: MAX_U64, title: 'big', at: new Date('2024-05-03T10:00:00Z') },
      ])

      // Typed results: UInt64 as bigint, DateTime as Date, Date as text, Nullable as null.
      const all = await db.select().from(users).orderBy(users.id)
      assert.equal(all.length, 3)
      assert.deepEqual(all[0], {
        id: 1n,
        name: "O'Brien \\ backslash",
        age: 31,
        score: 1.5,
        delta: -7,
        joined: '2024-02-29',
        seen: new Date('2024-01-02T03:04:05Z'),
        tier: 'paid',
      })
      assert.equal(all[1]?.age, null)
      assert.equal(all[2]?.id, MAX_U64)
      assert.ok(all[2]?.seen instanceof Date)

      const inner = await db
        .select({ user: users.name, userId: users.id, title: posts.title, at: posts.at })
        .from(posts)
        .innerJoin(users, eq(users.id, posts.userId))
        .orderBy(asc(posts.id))
      assert.deepEqual(inner, [
        { user: "O'Brien \\ backslash", userId: 1n, title: 'first', at: new Date('2024-05-01T10:00:00Z') },
        { user: "O'Brien \\ backslash", userId: 1n, title: 'second', at: new Date('2024-05-02T10:00:00Z') },
        { user: 'max', userId: MAX_U64, title: 'big', at: new Date('2024-05-03T10:00:00Z') },
      ])

      // Left join: the user without posts gets `posts: null`, not a row of zero values.
      const left = await db
        .select({ id: users.id, post: { id: posts.id, title: posts.title } })
        .from(users)
        .leftJoin(posts, eq(posts.userId, users.id))
        .orderBy(users.id, posts.id)
      assert.deepEqual(left, [
        { id: 1n, post: { id: 10n, title: 'first' } },
        { id: 1n, post: { id: 11n, title: 'second' } },
        { id: 2n, post: null },
        { id: MAX_U64, post: { id: 12n, title: 'big' } },
      ])
      const leftFull = await db
        .select()
        .from(users)
        .leftJoin(posts, eq(posts.userId, users.id))
        .where(eq(users.id, 2n))
      const byTable = leftFull as unknown as Record<string, { name?: string } | null>[]
      assert.equal(byTable.length, 1)
      assert.equal(byTable[0]?.[getTableName(posts)], null)
      assert.equal(byTable[0]?.[getTableName(users)]?.name, 'émoji 🦆')

      // The legacy join form works on every server (the plain one is wrong on 18.16), and so
      // does a join built before the server's version is known.
      for (const legacyJoins of ctx().modern ? [true, false, undefined] : [true, undefined]) {
        const other = drizzle(ctx().config(), { schema, legacyJoins })
        try {
          const rows = await other
            .select({ id: users.id, postUser: posts.userId })
            .from(users)
            .leftJoin(posts, eq(posts.userId, users.id))
            .where(gt(users.id, 1n))
            .orderBy(users.id)
          assert.deepEqual(rows, [
            { id: 2n, postUser: null },
            { id: MAX_U64, postUser: MAX_U64 },
          ])
        } finally {
          await other.$client.close()
        }
      }

      // Parameters through several column builders.
      const ids = async (where: ReturnType<typeof eq>) =>
        (await db.select({ id: users.id }).from(users).where(where).orderBy(users.id)).map((r) => r.id)
      assert.deepEqual(await ids(eq(users.id, MAX_U64)), [MAX_U64])
      assert.deepEqual(await ids(eq(users.name, "O'Brien \\ backslash")), [1n])
      assert.deepEqual(await ids(eq(users.name, 'émoji 🦆')), [2n])
      assert.deepEqual(await ids(isNull(users.age)), [2n])
      assert.deepEqual(await ids(gte(users.age, 100)), [MAX_U64])
      assert.deepEqual(await ids(lt(users.score, 0)), [2n])
      assert.deepEqual(await ids(eq(users.delta, -2147483648)), [MAX_U64])
      assert.deepEqual(await ids(eq(users.joined, '2024-02-29')), [1n])
      assert.deepEqual(await ids(gt(users.seen, new Date('2025-01-01T00:00:00Z'))), [2n])
      assert.deepEqual(await ids(eq(users.tier, 'paid')), [1n])
      assert.deepEqual(await ids(inArray(users.id, [1n, MAX_U64])), [1n, MAX_U64])
      assert.deepEqual(await ids(or(eq(users.tier, 'paid'), ne(users.name, 'max')) as never), [1n, 2n])
      assert.deepEqual(await ids(and(gt(users.id, 0n), sql`${users.name} != ${'nobody'}`) as never), [
        1n,
        2n,
        MAX_U64,
      ])

      // Order, limit, offset (limit alone, offset alone, both).
      const page = (limit?: number, offset?: number) => {
        let query = db.select({ id: users.id }).from(users).orderBy(desc(users.id)).$dynamic()
        if (limit !== undefined) query = query.limit(limit)
        if (offset !== undefined) query = query.offset(offset)
        return query.then((rows) => rows.map((r) => r.id))
      }
      assert.deepEqual(await page(2), [MAX_U64, 2n])
      assert.deepEqual(await page(2, 1), [2n, 1n])
      assert.deepEqual(await page(undefined, 2), [1n])
      assert.deepEqual(await page(0), [])
      const prepared = db
        .select({ id: users.id })
        .from(users)
        .where(eq(users.tier, sql.placeholder('tier')))
        .orderBy(users.id)
        .limit(sql.placeholder('n'))
        .prepare('by_tier')
      assert.deepEqual(await prepared.execute({ tier: 'free', n: 1 }), [{ id: 2n }])
      assert.deepEqual(await prepared.execute({ tier: 'free', n: 5 }), [{ id: 2n }, { id: MAX_U64 }])
      assert.equal(await db.$count(users), 3)
      assert.equal(await db.$count(users, gt(users.id, 1n)), 2)

      // Relational queries without `with`.
      const many = await db.query.users.findMany({
        columns: { id: true, name: true },
        where: gt(users.id, 1n),
        orderBy: [asc(users.id)],
      })
      assert.deepEqual(many, [
        { id: 2n, name: 'émoji 🦆' },
        { id: MAX_U64, name: 'max' },
      ])
      const first = await db.query.posts.findFirst({ where: eq(posts.title, 'big') })
      assert.deepEqual(first, {
        id: 12n,
        userId: MAX_U64,
        title: 'big',
        at: new Date('2024-05-03T10:00:00Z'),
      })

      // Update and delete are mutations; the client waits, so the next read sees them.
      await db
        .update(users)
        .set({ age: 42, seen: new Date('2024-12-31T23:59:59Z') })
        .where(eq(users.id, 1n))
      await db
        .update(users)
        .set({ name: sql`concat(${users.name}, ${'!'})` })
        .where(isNull(users.age))
      await db.delete(posts).where(eq(posts.userId, 1n))
      assert.deepEqual(
        await db.select({ age: users.age, seen: users.seen, name: users.name }).from(users).orderBy(users.id),
        [
          { age: 42, seen: new Date('2024-12-31T23:59:59Z'), name: "O'Brien \\ backslash" },
          { age: null, seen: new Date('2030-06-01T00:00:00Z'), name: 'émoji 🦆!' },
          { age: 255, seen: new Date('2001-09-09T01:46:40Z'), name: 'max' },
        ],
      )
      assert.deepEqual(await db.select({ id: posts.id }).from(posts), [{ id: 12n }])
      await db.delete(posts)
      assert.equal(await db.$count(posts), 0)
    } finally {
      await db.execute(sql.raw(`DROP TABLE IF EXISTS ${getTableName(users)}`))
      await db.execute(sql.raw(`DROP TABLE IF EXISTS ${getTableName(posts)}`))
      await db.$client.close()
    }
  })

  test('Drizzle: iterate 20,000 rows in batches, break early, then query again', async () => {
    const { numbers } = schemaFor()
    const db = drizzle(ctx().config())
    try {
      await db.execute(
        sql.raw(
          `CREATE TABLE ${getTableName(numbers)} (n UInt32, label String) ENGINE = MergeTree ORDER BY n`,
        ),
      )
      await db.execute(
        sql.raw(
          `INSERT INTO ${getTableName(numbers)} SELECT toUInt32(number), concat('row ', toString(number)) ` +
            'FROM system.numbers LIMIT 20000',
        ),
      )
      let count = 0
      let sum = 0
      for await (const row of iterate(db.select().from(numbers).orderBy(numbers.n), { batchSize: 1500 })) {
        assert.equal(row.n, count)
        assert.equal(row.label, `row ${row.n}`)
        count++
        sum += row.n
      }
      assert.equal(count, 20_000)
      assert.equal(sum, (19_999 * 20_000) / 2)

      let seen = 0
      for await (const row of iterate(
        db.select({ n: numbers.n }).from(numbers).where(gte(numbers.n, 100)).orderBy(numbers.n),
        { batchSize: 256 },
      )) {
        seen++
        if (row.n === 1099) break
      }
      assert.equal(seen, 1000)

      // The connection given back after the break still works.
      assert.deepEqual(await db.select({ n: numbers.n }).from(numbers).where(eq(numbers.n, 19_999)), [
        { n: 19_999 },
      ])
      assert.equal(await db.$count(numbers), 20_000)
    } finally {
      await db.execute(sql.raw(`DROP TABLE IF EXISTS ${getTableName(numbers)}`))
      await db.$client.close()
    }
  })

  test('Drizzle: RETURNING, transactions and relational `with` fail with NotSupportedError', async () => {
    const schema = schemaFor()
    const { users } = schema
    const db = drizzle(ctx().config(), { schema })
    const refused = (feature: RegExp) => (e: unknown) =>
      e instanceof NotSupportedError && feature.test((e as Error).message)
    try {
      assert.throws(
        () =>
          db
            .insert(users)
            .values({ id: 1n } as never)
            .returning()
            .toSQL(),
        refused(/RETURNING/),
      )
      assert.throws(() => db.update(users).set({ age: 1 }).returning().toSQL(), refused(/RETURNING/))
      assert.throws(() => db.delete(users).returning().toSQL(), refused(/RETURNING/))
      await assert.rejects(
        db.transaction(async () => undefined),
        refused(/has no transactions/),
      )
      assert.throws(
        () => db.query.users.findMany({ with: { posts: true } }).toSQL(),
        refused(/with: \{ posts \}/),
      )
      // Nothing was sent: the refused statements reference a table that does not exist.
      assert.deepEqual(await db.execute(sql`SELECT 1 AS one`).then((r) => r.rows), [{ one: 1 }])
    } finally {
      await db.$client.close()
    }
  })
})
