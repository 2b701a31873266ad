import assert from 'node:assert/strict'
import { iterate } from '@tributary/core/drizzle'
import {
  and,
  asc,
  desc,
  eq,
  gt,
  gte,
  inArray,
  isNull,
  lt,
  ne,
  or,
  relations,
  type SQL,
  sql,
} from 'drizzle-orm'
import { Kysely } from 'kysely'
import type { ColumnSpec, ConformanceBackend } from '../fixture.ts'
import type { Suite } from '../runner.ts'
import { assertRefusedBy, uniqueName } from '../support.ts'
import { createTable, dropTable } from '../tables.ts'

const MAX_I64 = 9223372036854775807n

const USERS: Record<string, ColumnSpec> = {
  id: { kind: 'bigint', primaryKey: true },
  name: { kind: 'text' },
  age: { kind: 'integer', nullable: true },
  score: { kind: 'double' },
  seen: { kind: 'timestamp' },
}
const POSTS: Record<string, ColumnSpec> = {
  id: { kind: 'bigint', primaryKey: true },
  user_id: { kind: 'bigint' },
  title: { kind: 'text' },
}
const NUMBERS: Record<string, ColumnSpec> = {
  n: { kind: 'integer', primaryKey: true },
  label: { kind: 'text' },
}

/** Tables built with the database's column builders, created through Kysely with the same types. */
async function withTables<T>(
  b: ConformanceBackend,
  specs: Record<string, Record<string, ColumnSpec>>,
  body: (tables: Record<string, any>, names: Record<string, string>) => Promise<T>,
): Promise<T> {
  const kysely = new Kysely<any>({ dialect: b.dialect() })
  const names = Object.fromEntries(Object.keys(specs).map((key) => [key, uniqueName(`dz_${key}`)]))
  try {
    const tables: Record<string, any> = {}
    for (const [key, columns] of Object.entries(specs)) {
      await createTable(kysely, b, names[key]!, columns)
      tables[key] = b.drizzle.table(names[key]!, columns)
    }
    return await body(tables, names)
  } finally {
    for (const name of Object.values(names)) await dropTable(kysely, name)
    await kysely.destroy()
  }
}

const at = (iso: string) => new Date(iso)

export function drizzleSuite(s: Suite): void {
  s.test(
    'insert, joins, typed where, order/limit/offset, prepared, count, findMany, update, delete',
    async () => {
      const b = s.backend()
      await withTables(b, { users: USERS, posts: POSTS }, async ({ users, posts }) => {
        const usersRelations = relations(users, ({ many }) => ({ posts: many(posts) }))
        const postsRelations = relations(posts, ({ one }) => ({
          author: one(users, { fields: [posts.user_id], references: [users.id] }),
        }))
        const { db, close } = b.drizzle.open({ users, posts, usersRelations, postsRelations })
        try {
          await db.insert(users).values([
            { id: 1n, name: "O'Brien \\ backslash", age: 31, score: 1.5, seen: at('2024-01-02T03:04:05Z') },
            { id: 2n, name: 'émoji 🦆', age: null, score: -0.25, seen: at('2030-06-01T00:00:00Z') },
            { id: MAX_I64, name: 'max', age: 2147483647, score: 1e100, seen: at('2001-09-09T01:46:40Z') },
          ])
          await db.insert(posts).values([
            { id: 10n, user_id: 1n, title: 'first' },
            { id: 11n, user_id: 1n, title: 'second' },
            { id: 12n, user_id: MAX_I64, title: 'big' },
          ])

          const all = await db.select().from(users).orderBy(users.id)
          assert.deepEqual(all[0], {
            id: 1n,
            name: "O'Brien \\ backslash",
            age: 31,
            score: 1.5,
            seen: at('2024-01-02T03:04:05Z'),
          })
          assert.equal(all[1].age, null)
          assert.equal(all[2].id, MAX_I64)

          assert.deepEqual(
            await db
              .select({ user: users.name, title: posts.title })
              .from(posts)
              .innerJoin(users, eq(users.id, posts.user_id))
              .orderBy(asc(posts.id)),
            [
              { user: "O'Brien \\ backslash", title: 'first' },
              { user: "O'Brien \\ backslash", title: 'second' },
              { user: 'max', title: 'big' },
            ],
          )
          // Left join: the user without posts gets `post: null`, not a row of default values.
          assert.deepEqual(
            await db
              .select({ id: users.id, post: { id: posts.id, title: posts.title } })
              .from(users)
              .leftJoin(posts, eq(posts.user_id, users.id))
              .orderBy(users.id, posts.id),
            [
              { id: 1n, post: { id: 10n, title: 'first' } },
              { id: 1n, post: { id: 11n, title: 'second' } },
              { id: 2n, post: null },
              { id: MAX_I64, post: { id: 12n, title: 'big' } },
            ],
          )

          const ids = async (where: SQL | undefined) =>
            (await db.select({ id: users.id }).from(users).where(where).orderBy(users.id)).map(
              (r: any) => r.id,
            )
          assert.deepEqual(await ids(eq(users.id, MAX_I64)), [MAX_I64])
          assert.deepEqual(await ids(eq(users.name, "O'Brien \\ backslash")), [1n])
          assert.deepEqual(await ids(eq(users.name, 'émoji 🦆')), [2n])
          assert.deepEqual(await ids(isNull(users.age)), [2n])
          assert.deepEqual(await ids(gte(users.age, 100)), [MAX_I64])
          assert.deepEqual(await ids(lt(users.score, 0)), [2n])
          assert.deepEqual(await ids(gt(users.seen, at('2025-01-01T00:00:00Z'))), [2n])
          assert.deepEqual(await ids(inArray(users.id, [1n, MAX_I64])), [1n, MAX_I64])
          assert.deepEqual(await ids(or(eq(users.age, 31), ne(users.name, 'max'))), [1n, 2n])
          assert.deepEqual(await ids(and(gt(users.id, 0n), sql`${users.name} <> ${'nobody'}`)), [
            1n,
            2n,
            MAX_I64,
          ])

          const page = async (limit?: number, offset?: number) => {
            let query = db.select({ id: users.id }).from(users).orderBy(desc(users.id)).$dynamic()
            if (limit !== undefined) query = query.limit(limit)
            if (offset !== undefined) query = query.offset(offset)
            return (await query).map((r: any) => r.id)
          }
          assert.deepEqual(await page(2), [MAX_I64, 2n])
          assert.deepEqual(await page(2, 1), [2n, 1n])
          assert.deepEqual(await page(undefined, 2), [1n])
          assert.deepEqual(await page(0), [])

          const prepared = db
            .select({ id: users.id })
            .from(users)
            .where(gt(users.score, sql.placeholder('min')))
            .orderBy(users.id)
            .limit(sql.placeholder('n'))
            .prepare('by_score')
          assert.deepEqual(await prepared.execute({ min: 0, n: 1 }), [{ id: 1n }])
          assert.deepEqual(await prepared.execute({ min: 0, n: 5 }), [{ id: 1n }, { id: MAX_I64 }])
          assert.equal(await db.$count(users), 3)
          assert.equal(await db.$count(users, gt(users.id, 1n)), 2)

          assert.deepEqual(
            await db.query.users.findMany({
              columns: { id: true, name: true },
              where: gt(users.id, 1n),
              orderBy: [asc(users.id)],
            }),
            [
              { id: 2n, name: 'émoji 🦆' },
              { id: MAX_I64, name: 'max' },
            ],
          )
          assert.deepEqual(await db.query.posts.findFirst({ where: eq(posts.title, 'big') }), {
            id: 12n,
            user_id: MAX_I64,
            title: 'big',
          })
          const nested = () =>
            db.query.users.findMany({
              with: { posts: true },
              where: eq(users.id, 1n),
              orderBy: [asc(users.id)],
            })
          const refusal = s.entry.unsupported['drizzle relational with']
          if (refusal) {
            await assertRefusedBy(nested, refusal, 'relational queries with `with`')
          } else {
            const [one] = await nested()
            assert.deepEqual(one.posts.map((p: any) => p.id).sort(), [10n, 11n])
          }

          // The next read sees an update or delete once its promise resolved.
          await db
            .update(users)
            .set({ age: 42, seen: at('2024-12-31T23:59:59Z') })
            .where(eq(users.id, 1n))
          await db
            .update(users)
            .set({ name: sql`${users.name} || ${'!'}` })
            .where(isNull(users.age))
          await db.delete(posts).where(eq(posts.user_id, 1n))
          assert.deepEqual(
            await db
              .select({ age: users.age, seen: users.seen, name: users.name })
              .from(users)
              .orderBy(users.id),
            [
              { age: 42, seen: at('2024-12-31T23:59:59Z'), name: "O'Brien \\ backslash" },
              { age: null, seen: at('2030-06-01T00:00:00Z'), name: 'émoji 🦆!' },
              { age: 2147483647, seen: at('2001-09-09T01:46:40Z'), name: 'max' },
            ],
          )
          assert.deepEqual(await db.select({ id: posts.id }).from(posts), [{ id: 12n }])
          await db.delete(posts)
          assert.equal(await db.$count(posts), 0)
        } finally {
          await close()
        }
      })
    },
  )

  s.test(
    'iterate() streams rows in batches, stops when left early, and the client keeps working',
    async () => {
      const b = s.backend()
      await withTables(b, { numbers: NUMBERS }, async ({ numbers }) => {
        const { db, close } = b.drizzle.open()
        try {
          for (let start = 0; start < 3000; start += 100) {
            await db
              .insert(numbers)
              .values(Array.from({ length: 100 }, (_, i) => ({ n: start + i, label: `row ${start + i}` })))
          }
          let count = 0
          for await (const row of iterate(db.select().from(numbers).orderBy(numbers.n), { batchSize: 700 })) {
            assert.deepEqual(row, { n: count, label: `row ${count}` })
            count++
          }
          assert.equal(count, 3000)

          const series = b.series(20_000)
          let i = 0
          for await (const row of iterate(db, sql.raw(series.sql), { batchSize: 1500 })) {
            assert.deepEqual(row, { n: series.value(i) })
            i++
          }
          assert.equal(i, 20_000)

          let seen = 0
          for await (const row of iterate(
            db.select({ n: numbers.n }).from(numbers).where(gte(numbers.n, 100)).orderBy(numbers.n),
            {
              batchSize: 256,
            },
          )) {
            seen++
            if ((row as { n: number }).n === 1099) break
          }
          assert.equal(seen, 1000)
          assert.deepEqual(await db.select({ n: numbers.n }).from(numbers).where(eq(numbers.n, 2999)), [
            { n: 2999 },
          ])
        } finally {
          await close()
        }
      })
    },
  )

  if (s.entry.capabilities.returning) {
    s.test('RETURNING gives back the inserted, updated and deleted rows', async () => {
      const b = s.backend()
      await withTables(b, { items: POSTS }, async ({ items }) => {
        const { db, close } = b.drizzle.open()
        try {
          const row = { id: 1n, user_id: 2n, title: 'a' }
          assert.deepEqual(await db.insert(items).values(row).returning(), [row])
          const update = () => db.update(items).set({ title: 'b' }).returning({ title: items.title })
          const remove = () => db.delete(items).returning({ id: items.id })
          const refused = s.entry.unsupported['returning on update and delete']
          if (refused) {
            await assertRefusedBy(update, refused, 'update().returning()')
            await assertRefusedBy(remove, refused, 'delete().returning()')
            assert.deepEqual(await db.select().from(items), [row])
          } else {
            assert.deepEqual(await update(), [{ title: 'b' }])
            assert.deepEqual(await remove(), [{ id: 1n }])
          }
        } finally {
          await close()
        }
      })
    })
  } else {
    s.test('RETURNING is refused with the documented error', async () => {
      const b = s.backend()
      const items = b.drizzle.table(uniqueName('never_created'), POSTS)
      const { db, close } = b.drizzle.open()
      const limitation = s.entry.unsupported.returning
      try {
        await assertRefusedBy(
          () => db.insert(items).values({ id: 1n, user_id: 1n, title: 'x' }).returning(),
          limitation,
          'insert().returning()',
        )
        await assertRefusedBy(
          () => db.update(items).set({ title: 'x' }).returning(),
          limitation,
          'update().returning()',
        )
        await assertRefusedBy(() => db.delete(items).returning(), limitation, 'delete().returning()')
      } finally {
        await close()
      }
    })
  }
}
