/**
 * Drizzle on athena-local, end to end in each result mode: pg-core tables
 * whose statements run through the Athena client (writes, joins, paging,
 * prepared statements, every column type back exactly, iterate, abort) and
 * the clear errors for what Trino cannot express.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { NotSupportedError, QueryCancelledError } from '@tributary/athena'
import { drizzle, iterate } from '@tributary/athena/drizzle'
import { and, asc, desc, eq, gt, inArray, isNull, relations, sql } from 'drizzle-orm'
import {
  bigint,
  boolean,
  customType,
  date,
  doublePrecision,
  integer,
  json,
  numeric,
  pgTable,
  real,
  text,
  timestamp,
  varchar,
} from 'drizzle-orm/pg-core'
import { eventually, type LocalAthena, MODES, startLocalAthena } from '../support/athena-local.ts'

let athena: LocalAthena

before(async () => {
  athena = await startLocalAthena()
})

after(async () => {
  await athena.stop()
})

function tables(mode: string) {
  const users = pgTable(`users_${mode}`, {
    id: bigint('id', { mode: 'bigint' }).notNull(),
    name: varchar('name', { length: 100 }).notNull(),
    age: integer('age'),
  })
  const posts = pgTable(`posts_${mode}`, {
    id: bigint('id', { mode: 'bigint' }).notNull(),
    userId: bigint('user_id', { mode: 'bigint' }).notNull(),
    title: text('title').notNull(),
    at: timestamp('at', { precision: 3 }).notNull(),
  })
  const allTypes = pgTable(`all_types_${mode}`, {
    id: integer('id').notNull(),
    big: bigint('big', { mode: 'bigint' }),
    n: integer('n'),
    f: real('f'),
    d: doublePrecision('d'),
    dec: numeric('dec', { precision: 20, scale: 4 }),
    s: text('s'),
    v: varchar('v', { length: 10 }),
    b: boolean('b'),
    day: date('day'),
    at: timestamp('at', { precision: 3 }),
    doc: json('doc').$type<{ a: number; tags: string[] }>(),
  })
  const usersRelations = relations(users, ({ many }) => ({ posts: many(posts) }))
  const postsRelations = relations(posts, ({ one }) => ({
    user: one(users, { fields: [posts.userId], references: [users.id] }),
  }))
  return { users, posts, allTypes, usersRelations, postsRelations }
}

const varbinary = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'varbinary' })

/** Authors, their articles and the articles' notes: relations two levels deep, in both directions. */
function relationalTables(mode: string) {
  const authors = pgTable(`authors_${mode}`, {
    id: bigint('id', { mode: 'bigint' }).notNull(),
    name: text('name').notNull(),
  })
  const articles = pgTable(`articles_${mode}`, {
    id: bigint('id', { mode: 'bigint' }).notNull(),
    authorId: bigint('author_id', { mode: 'bigint' }),
    title: text('title').notNull(),
    price: numeric('price', { precision: 12, scale: 2 }),
    day: date('day'),
    at: timestamp('at', { precision: 3 }),
    big: bigint('big', { mode: 'bigint' }),
    ratio: doublePrecision('ratio'),
    live: boolean('live'),
    raw: varbinary('raw'),
  })
  const notes = pgTable(`notes_${mode}`, {
    id: integer('id').notNull(),
    articleId: bigint('article_id', { mode: 'bigint' }).notNull(),
    body: text('body').notNull(),
  })
  const authorsRelations = relations(authors, ({ many }) => ({ articles: many(articles) }))
  const articlesRelations = relations(articles, ({ one, many }) => ({
    author: one(authors, { fields: [articles.authorId], references: [authors.id] }),
    notes: many(notes),
  }))
  const notesRelations = relations(notes, ({ one }) => ({
    article: one(articles, { fields: [notes.articleId], references: [articles.id] }),
  }))
  return { authors, articles, notes, authorsRelations, articlesRelations, notesRelations }
}

// Drizzle's types offer `offset` on the outermost query only; at run time a relation takes it too.
const OFFSET_ONE: object = { offset: 1 }

const TRICKY = 'quote \' "double" \\ back, {x=1}, [a, b] ✓ 🦆 \n line'

const ARTICLE_ONE = {
  id: 10n,
  authorId: 1n,
  title: TRICKY,
  price: '1234567890.50',
  day: '2024-02-29',
  at: new Date('2024-01-02T03:04:05.678Z'),
  big: 9223372036854775807n,
  ratio: 0.1,
  live: true,
  raw: Uint8Array.from([0, 1, 0xfe, 0xff]),
}
const ARTICLE_TWO = {
  id: 11n,
  authorId: 1n,
  title: 'second',
  price: '0.00',
  day: '1970-01-01',
  at: new Date('2024-05-02T10:00:00Z'),
  big: -9223372036854775808n,
  ratio: 1e20,
  live: false,
  raw: Uint8Array.from([]),
}
const ARTICLE_NULLS = {
  id: 12n,
  authorId: 2n,
  title: 'nulls',
  price: null,
  day: null,
  at: null,
  big: null,
  ratio: null,
  live: null,
  raw: null,
}

type AllTypesRow = ReturnType<typeof tables>['allTypes']['$inferInsert']

const ROW_ONE: AllTypesRow = {
  id: 1,
  big: -9223372036854775808n,
  n: 2147483647,
  f: 1.5,
  d: 0.1,
  dec: '1234567890123456.0123',
  s: 'quote \' backslash \\ tab \t newline \n "double" ✓',
  v: 'short',
  b: true,
  day: '2024-02-29',
  at: new Date('2024-01-02T03:04:05.678Z'),
  doc: { a: 1, tags: ['x, y', 'z}'] },
}

const ROW_TWO: AllTypesRow = {
  id: 2,
  big: null,
  n: null,
  f: null,
  d: null,
  dec: null,
  s: '',
  v: null,
  b: false,
  day: null,
  at: null,
  doc: null,
}

describe('Drizzle on athena-local', () => {
  for (const mode of MODES) {
    test(`${mode}: insert, joins, paging, prepared statements, update and delete`, async () => {
      const t = tables(mode)
      const db = drizzle(athena.config({ resultMode: mode }), { schema: t })
      try {
        await db.execute(
          sql.raw(
            `create table users_${mode} (id bigint, name string, age int) location '${athena.local.outputLocation}tables/users_${mode}/' tblproperties ('table_type'='ICEBERG')`,
          ),
        )
        await db.execute(
          sql.raw(
            `create table posts_${mode} (id bigint, user_id bigint, title string, at timestamp) location '${athena.local.outputLocation}tables/posts_${mode}/' tblproperties ('table_type'='ICEBERG')`,
          ),
        )
        await db.insert(t.users).values([
          { id: 1n, name: 'ann', age: 31 },
          { id: 2n, name: 'bob', age: null },
          { id: 9223372036854775807n, name: "o'max", age: 1 },
        ])
        await db.insert(t.posts).values([
          { id: 10n, userId: 1n, title: 'first', at: new Date('2024-05-01T10:00:00.123Z') },
          { id: 11n, userId: 1n, title: 'second', at: new Date('2024-05-02T10:00:00Z') },
          { id: 12n, userId: 9223372036854775807n, title: 'big', at: new Date('2024-05-03T10:00:00Z') },
        ])

        const inner = await db
          .select({ user: t.users.name, title: t.posts.title, at: t.posts.at })
          .from(t.posts)
          .innerJoin(t.users, eq(t.users.id, t.posts.userId))
          .orderBy(asc(t.posts.id))
        assert.deepEqual(inner, [
          { user: 'ann', title: 'first', at: new Date('2024-05-01T10:00:00.123Z') },
          { user: 'ann', title: 'second', at: new Date('2024-05-02T10:00:00Z') },
          { user: "o'max", title: 'big', at: new Date('2024-05-03T10:00:00Z') },
        ])

        const left = await db
          .select()
          .from(t.users)
          .leftJoin(t.posts, eq(t.posts.userId, t.users.id))
          .orderBy(t.users.id, t.posts.id)
        assert.equal(left.length, 4)
        assert.deepEqual(left[2], {
          [`users_${mode}`]: { id: 2n, name: 'bob', age: null },
          [`posts_${mode}`]: null,
        })

        const paged = await db
          .select({ id: t.users.id })
          .from(t.users)
          .where(and(gt(t.users.id, 0n), sql`${t.users.name} <> ${'nobody'}`))
          .orderBy(desc(t.users.id))
          .limit(2)
          .offset(1)
        assert.deepEqual(paged, [{ id: 2n }, { id: 1n }])
        assert.deepEqual(await db.select({ id: t.users.id }).from(t.users).where(isNull(t.users.age)), [
          { id: 2n },
        ])
        assert.equal(await db.$count(t.users), 3)
        assert.equal(await db.$count(t.users, gt(t.users.id, 1n)), 2)

        const many = await db.query.users.findMany({
          columns: { id: true },
          orderBy: [asc(t.users.id)],
          limit: 2,
        })
        assert.deepEqual(many, [{ id: 1n }, { id: 2n }])

        const byName = db
          .select({ id: t.users.id })
          .from(t.users)
          .where(eq(t.users.name, sql.placeholder('name')))
          .limit(sql.placeholder('n'))
          .prepare(`by_name_${mode}`)
        assert.deepEqual(await byName.execute({ name: 'bob', n: 5 }), [{ id: 2n }])
        assert.deepEqual(await byName.execute({ name: "o'max", n: 5 }), [{ id: 9223372036854775807n }])
        assert.deepEqual(await byName.execute({ name: "x' or '1'='1", n: 5 }), [])

        await db.update(t.users).set({ age: 40 }).where(eq(t.users.name, 'ann'))
        assert.deepEqual(await db.select({ age: t.users.age }).from(t.users).where(eq(t.users.id, 1n)), [
          { age: 40 },
        ])
        await db.delete(t.posts).where(inArray(t.posts.userId, [1n]))
        assert.deepEqual(await db.select({ id: t.posts.id }).from(t.posts), [{ id: 12n }])
      } finally {
        await db.execute(sql.raw(`drop table if exists posts_${mode}`))
        await db.execute(sql.raw(`drop table if exists users_${mode}`))
        await db.$client.close()
      }
    })

    test(`${mode}: every column type round-trips and works as a where parameter`, async () => {
      const t = tables(mode)
      const db = drizzle(athena.config({ resultMode: mode }))
      const table = `all_types_${mode}`
      try {
        await db.execute(
          sql.raw(
            `create table ${table} (id int, big bigint, n int, f float, d double, dec decimal(20,4), s string, v varchar(10), b boolean, day date, at timestamp, doc string) location '${athena.local.outputLocation}tables/${table}/' tblproperties ('table_type'='ICEBERG')`,
          ),
        )
        await db.insert(t.allTypes).values([ROW_ONE, ROW_TWO])
        const back = await db.select().from(t.allTypes).orderBy(t.allTypes.id)
        assert.deepEqual(back, [ROW_ONE, ROW_TWO])
        let checked = 0
        for (const [key, value] of Object.entries(ROW_ONE)) {
          if (key === 'doc') continue
          const column = t.allTypes[key as keyof AllTypesRow]
          const rows = await db
            .select({ id: t.allTypes.id })
            .from(t.allTypes)
            .where(eq(column, value as never))
          assert.deepEqual(rows, [{ id: 1 }], `where on ${key}`)
          checked++
        }
        assert.equal(checked, Object.keys(ROW_ONE).length - 1)
      } finally {
        await db.execute(sql.raw(`drop table if exists ${table}`))
        await db.$client.close()
      }
    })

    test(`${mode}: iterate streams rows in batches; breaking early leaves the client usable`, async () => {
      const db = drizzle(athena.config({ resultMode: mode }))
      try {
        let count = 0
        let sum = 0n
        for await (const row of iterate(db, sql`select x from unnest(sequence(1, 3000)) as t(x)`, {
          batchSize: 500,
        })) {
          count++
          sum += row.x as bigint
        }
        assert.equal(count, 3000)
        assert.equal(sum, (3000n * 3001n) / 2n)
        let seen = 0
        for await (const _ of iterate(db, sql`select x from unnest(sequence(1, 3000)) as t(x)`, {
          batchSize: 100,
        })) {
          if (++seen === 250) break
        }
        assert.equal(seen, 250)
        assert.deepEqual((await db.execute(sql`select ${'still here'} as s`)).rows, [{ s: 'still here' }])
      } finally {
        await db.$client.close()
      }
    })
  }

  for (const mode of MODES) {
    test(`${mode}: relational queries nest many and one relations two levels deep with exact values`, async () => {
      const t = relationalTables(mode)
      const db = drizzle(athena.config({ resultMode: mode }), { schema: t })
      const where = athena.local.outputLocation
      try {
        await db.execute(
          sql.raw(
            `create table authors_${mode} (id bigint, name string) location '${where}tables/authors_${mode}/' tblproperties ('table_type'='ICEBERG')`,
          ),
        )
        await db.execute(
          sql.raw(
            `create table articles_${mode} (id bigint, author_id bigint, title string, price decimal(12,2), day date, at timestamp, big bigint, ratio double, live boolean, raw binary) location '${where}tables/articles_${mode}/' tblproperties ('table_type'='ICEBERG')`,
          ),
        )
        await db.execute(
          sql.raw(
            `create table notes_${mode} (id int, article_id bigint, body string) location '${where}tables/notes_${mode}/' tblproperties ('table_type'='ICEBERG')`,
          ),
        )
        await db.insert(t.authors).values([
          { id: 1n, name: "o'neil" },
          { id: 2n, name: 'émile' },
          { id: 3n, name: 'nobody' },
        ])
        await db.insert(t.articles).values([ARTICLE_ONE, ARTICLE_TWO, ARTICLE_NULLS])
        await db.insert(t.notes).values([
          { id: 1, articleId: 10n, body: 'n1' },
          { id: 2, articleId: 10n, body: 'n2 "quoted"' },
          { id: 3, articleId: 10n, body: 'n3' },
          { id: 4, articleId: 12n, body: 'n4' },
        ])

        // Outside a relation, for comparison: the driver's own values.
        const flat = await db.select().from(t.articles).orderBy(t.articles.id)
        assert.deepEqual(flat, [ARTICLE_ONE, ARTICLE_TWO, ARTICLE_NULLS])

        const authors = await db.query.authors.findMany({
          orderBy: [asc(t.authors.id)],
          with: {
            articles: {
              orderBy: [asc(t.articles.id)],
              with: { notes: { columns: { body: true }, orderBy: [desc(t.notes.id)] } },
            },
          },
        })
        assert.deepEqual(authors, [
          {
            id: 1n,
            name: "o'neil",
            articles: [
              { ...ARTICLE_ONE, notes: [{ body: 'n3' }, { body: 'n2 "quoted"' }, { body: 'n1' }] },
              { ...ARTICLE_TWO, notes: [] },
            ],
          },
          { id: 2n, name: 'émile', articles: [{ ...ARTICLE_NULLS, notes: [{ body: 'n4' }] }] },
          { id: 3n, name: 'nobody', articles: [] },
        ])

        // one relations, `columns` leaving columns out, `where`, `extras`, limit and offset inside a relation.
        const articles = await db.query.articles.findMany({
          columns: { id: true, title: true },
          where: gt(t.articles.id, 10n),
          orderBy: [desc(t.articles.id)],
          extras: { shout: sql<string>`upper(${t.articles.title})`.as('shout') },
          with: {
            author: {
              columns: { name: true },
              extras: { n: sql<number>`length(${t.authors.name})`.as('n') },
            },
            notes: { columns: { id: true }, orderBy: [asc(t.notes.id)], limit: 1 },
          },
        })
        assert.deepEqual(articles, [
          { id: 12n, title: 'nulls', shout: 'NULLS', author: { name: 'émile', n: 5 }, notes: [{ id: 4 }] },
          { id: 11n, title: 'second', shout: 'SECOND', author: { name: "o'neil", n: 6 }, notes: [] },
        ])
        const paged = await db.query.articles.findFirst({
          columns: { id: true },
          where: eq(t.articles.id, 10n),
          with: {
            notes: { columns: { id: true }, orderBy: [asc(t.notes.id)], limit: 1, ...OFFSET_ONE },
            author: {
              columns: { id: true },
              with: { articles: { columns: { big: true }, where: isNull(t.articles.big) } },
            },
          },
        })
        assert.deepEqual(paged, { id: 10n, notes: [{ id: 2 }], author: { id: 1n, articles: [] } })
        const skipped = await db.query.authors.findMany({
          columns: { id: true },
          where: eq(t.authors.id, 1n),
          with: { articles: { columns: { id: true }, orderBy: [asc(t.articles.id)], ...OFFSET_ONE } },
        })
        assert.deepEqual(skipped, [{ id: 1n, articles: [{ id: 11n }] }])
        // `columns: {}` selects no column of its level, as in pg-core.
        const bare = await db.query.authors.findMany({
          columns: {},
          orderBy: [asc(t.authors.id)],
          with: {
            articles: {
              columns: {},
              orderBy: [asc(t.articles.id)],
              with: { author: { columns: { id: true } } },
            },
          },
        })
        assert.deepEqual(bare, [
          { articles: [{ author: { id: 1n } }, { author: { id: 1n } }] },
          { articles: [{ author: { id: 2n } }] },
          { articles: [] },
        ])
        const note = await db.query.notes.findFirst({
          where: eq(t.notes.id, 4),
          with: { article: { columns: { raw: true, at: true }, with: { author: true } } },
        })
        assert.deepEqual(note, {
          id: 4,
          articleId: 12n,
          body: 'n4',
          article: { raw: null, at: null, author: { id: 2n, name: 'émile' } },
        })
        // Each relation reads only the related rows of the parents selected (a semi-join on the keys, the parent's
        // where repeated in it): the other authors' articles and notes do not change the answer, and the
        // placeholders of every level, now in the SQL more than once, each take their own value.
        const firstAuthor = db.query.authors
          .findFirst({
            columns: { id: true },
            where: gt(t.authors.id, sql.placeholder('min')),
            orderBy: [asc(t.authors.id)],
            with: {
              articles: {
                columns: { id: true },
                where: gt(t.articles.id, sql.placeholder('after')),
                orderBy: [asc(t.articles.id)],
                with: {
                  notes: {
                    columns: { id: true },
                    where: gt(t.notes.id, sql.placeholder('note')),
                    orderBy: [asc(t.notes.id)],
                  },
                },
              },
            },
          })
          .prepare(`first_author_${mode}`)
        assert.deepEqual(await firstAuthor.execute({ min: 0n, after: 9n, note: 1 }), {
          id: 1n,
          articles: [
            { id: 10n, notes: [{ id: 2 }, { id: 3 }] },
            { id: 11n, notes: [] },
          ],
        })
        assert.deepEqual(await firstAuthor.execute({ min: 1n, after: 0n, note: 0 }), {
          id: 2n,
          articles: [{ id: 12n, notes: [{ id: 4 }] }],
        })
        assert.deepEqual(await firstAuthor.execute({ min: 0n, after: 10n, note: 0 }), {
          id: 1n,
          articles: [{ id: 11n, notes: [] }],
        })
      } finally {
        for (const table of ['notes', 'articles', 'authors'])
          await db.execute(sql.raw(`drop table if exists ${table}_${mode}`))
        await db.$client.close()
      }
    })

    test(`${mode}: a relation on two key columns reads the related rows of the selected parents only`, async () => {
      const shelves = pgTable(`shelves_${mode}`, {
        site: bigint('site', { mode: 'bigint' }).notNull(),
        code: text('code').notNull(),
      })
      const items = pgTable(`items_${mode}`, {
        site: bigint('site', { mode: 'bigint' }).notNull(),
        code: text('code').notNull(),
        label: text('label').notNull(),
      })
      const schema = {
        shelves,
        items,
        shelvesRelations: relations(shelves, ({ many }) => ({ items: many(items) })),
        itemsRelations: relations(items, ({ one }) => ({
          shelf: one(shelves, { fields: [items.site, items.code], references: [shelves.site, shelves.code] }),
        })),
      }
      const db = drizzle(athena.config({ resultMode: mode }), { schema })
      const where = athena.local.outputLocation
      try {
        for (const [name, columns] of [
          ['shelves', 'site bigint, code string'],
          ['items', 'site bigint, code string, label string'],
        ])
          await db.execute(
            sql.raw(
              `create table ${name}_${mode} (${columns}) location '${where}tables/${name}_${mode}/' tblproperties ('table_type'='ICEBERG')`,
            ),
          )
        await db.insert(shelves).values([
          { site: 1n, code: 'a' },
          { site: 1n, code: 'b' },
          { site: 2n, code: 'b' },
        ])
        await db.insert(items).values([
          { site: 1n, code: 'a', label: '1a' },
          { site: 1n, code: 'b', label: '1b' },
          { site: 2n, code: 'b', label: '2b' },
          { site: 2n, code: 'a', label: 'no shelf' },
        ])
        const byCode = db.query.shelves
          .findFirst({
            where: eq(shelves.code, sql.placeholder('code')),
            orderBy: [desc(shelves.site)],
            with: { items: { columns: { label: true } } },
          })
          .prepare(`shelf_by_code_${mode}`)
        assert.deepEqual(await byCode.execute({ code: 'b' }), {
          site: 2n,
          code: 'b',
          items: [{ label: '2b' }],
        })
        assert.deepEqual(await byCode.execute({ code: 'a' }), {
          site: 1n,
          code: 'a',
          items: [{ label: '1a' }],
        })
        const labelled = await db.query.items.findMany({
          columns: { label: true },
          orderBy: [asc(items.label)],
          with: { shelf: true },
        })
        assert.deepEqual(labelled, [
          { label: '1a', shelf: { site: 1n, code: 'a' } },
          { label: '1b', shelf: { site: 1n, code: 'b' } },
          { label: '2b', shelf: { site: 2n, code: 'b' } },
          { label: 'no shelf', shelf: null },
        ])
      } finally {
        for (const table of ['items', 'shelves'])
          await db.execute(sql.raw(`drop table if exists ${table}_${mode}`))
        await db.$client.close()
      }
    })

    test(`${mode}: values inside a relation come back as outside it, self relations by relationName`, async () => {
      const nodes = pgTable(`nodes_${mode}`, {
        id: integer('id').notNull(),
        parent: integer('parent'),
        d: doublePrecision('d'),
        f: real('f'),
        s: text('s'),
        at6: timestamp('at6', { precision: 6 }),
        atz: timestamp('atz', { precision: 3, withTimezone: true }),
        atText: timestamp('at_text', { precision: 3, mode: 'string' }),
      })
      const nodesRelations = relations(nodes, ({ one, many }) => ({
        up: one(nodes, { fields: [nodes.parent], references: [nodes.id], relationName: 'tree' }),
        kids: many(nodes, { relationName: 'tree' }),
      }))
      const db = drizzle(athena.config({ resultMode: mode }), { schema: { nodes, nodesRelations } })
      const where = athena.local.outputLocation
      try {
        await db.execute(
          sql.raw(
            `create table nodes_${mode} (id int, parent int, d double, f real, s string, at6 timestamp(6), atz timestamp(3) with time zone, at_text timestamp) location '${where}tables/nodes_${mode}/' tblproperties ('table_type'='ICEBERG')`,
          ),
        )
        await db.execute(
          sql.raw(
            `insert into nodes_${mode} values (1, NULL, nan(), REAL '0.1', 'a' || chr(0) || 'b 🦆 "\\', TIMESTAMP '2024-01-02 03:04:05.123456', TIMESTAMP '2024-01-02 03:04:05.120 UTC', TIMESTAMP '2024-01-02 03:04:05.000'), (2, 1, infinity(), -infinity(), '', TIMESTAMP '2024-01-02 03:04:05.000000', NULL, NULL), (3, 1, -infinity(), NULL, NULL, NULL, NULL, NULL)`,
          ),
        )
        const flat = await db.select().from(nodes).orderBy(nodes.id)
        assert.equal(flat.length, 3)
        assert.ok(
          Number.isNaN(flat[0]!.d) &&
            flat[0]!.f === 0.1 &&
            flat[1]!.d === Infinity &&
            flat[1]!.f === -Infinity,
        )
        assert.equal(flat[0]!.s, 'a\u0000b 🦆 "\\')
        assert.equal(flat[0]!.atz?.toISOString(), '2024-01-02T03:04:05.120Z')
        assert.equal(flat[0]!.at6?.toISOString(), '2024-01-02T03:04:05.123Z')
        const tree = await db.query.nodes.findFirst({
          where: eq(nodes.id, 1),
          with: { kids: { orderBy: [asc(nodes.id)], with: { up: { columns: { id: true } } } }, up: true },
        })
        assert.deepEqual(tree, {
          ...flat[0],
          kids: [
            { ...flat[1], up: { id: 1 } },
            { ...flat[2], up: { id: 1 } },
          ],
          up: null,
        })
        const up = await db.query.nodes.findMany({
          orderBy: [asc(nodes.id)],
          columns: { id: true },
          with: { up: true },
        })
        assert.deepEqual(up, [
          { id: 1, up: null },
          { id: 2, up: flat[0] },
          { id: 3, up: flat[0] },
        ])
      } finally {
        await db.execute(sql.raw(`drop table if exists nodes_${mode}`))
        await db.$client.close()
      }
    })
  }

  test('a relation selecting 300 columns runs: its row is built from ARRAY constructors of at most 254', async () => {
    const columns = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`c${i}`, integer(`c${i}`)]))
    const wide = pgTable('wide_rel', { ownerId: integer('owner_id').notNull(), ...columns })
    const owners = pgTable('wide_owner', { id: integer('id').notNull() })
    const schema = {
      wide,
      owners,
      ownersRelations: relations(owners, ({ many }) => ({ wide: many(wide) })),
      wideRelations: relations(wide, ({ one }) => ({
        owner: one(owners, { fields: [wide.ownerId], references: [owners.id] }),
      })),
    }
    const db = drizzle(athena.config({ resultMode: 'api' }), { schema })
    const where = athena.local.outputLocation
    try {
      const ddl = Array.from({ length: 300 }, (_, i) => `c${i} int`).join(', ')
      await db.execute(
        sql.raw(
          `create table wide_rel (owner_id int, ${ddl}) location '${where}tables/wide_rel/' tblproperties ('table_type'='ICEBERG')`,
        ),
      )
      await db.execute(
        sql.raw(
          `create table wide_owner (id int) location '${where}tables/wide_owner/' tblproperties ('table_type'='ICEBERG')`,
        ),
      )
      await db.insert(owners).values([{ id: 1 }])
      const row = { ownerId: 1, ...Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`c${i}`, i])) }
      await db.insert(wide).values([row])
      assert.deepEqual(await db.query.owners.findMany({ with: { wide: true } }), [{ id: 1, wide: [row] }])
    } finally {
      await db.execute(sql.raw('drop table if exists wide_rel'))
      await db.execute(sql.raw('drop table if exists wide_owner'))
      await db.$client.close()
    }
  })

  test('what Trino cannot express is refused while the statement is built', async () => {
    const t = tables('refused')
    const db = drizzle(athena.config(), { schema: t })
    try {
      const refused = [
        () => db.insert(t.users).values({ id: 5n, name: 'e' }).returning(),
        () => db.update(t.users).set({ age: 1 }).returning(),
        () => db.delete(t.users).returning(),
        () => db.insert(t.users).values({ id: 5n, name: 'e' }).onConflictDoNothing(),
        () => db.select().from(t.users).for('update'),
      ]
      for (const build of refused) {
        await assert.rejects(async () => build(), NotSupportedError)
      }
      await assert.rejects(
        db.transaction(async () => {}),
        (error: unknown) =>
          error instanceof NotSupportedError && /Amazon Athena has no transactions/.test(error.message),
      )
    } finally {
      await db.$client.close()
    }
  })

  test('a Drizzle query aborted through $withSignal is stopped on Athena', async () => {
    athena.local.faults.set({ slowQueries: [{ match: 'drizzle_abort_probe', ms: 60_000 }] })
    let queryId: string | undefined
    const client = athena.client({ onQueryStart: (id) => (queryId = id) })
    const db = drizzle(client)
    try {
      const controller = new AbortController()
      // Drizzle queries run when awaited: `then` starts this one; the outcome is kept for later.
      const outcome = db
        .$withSignal(controller.signal)
        .execute(sql`select 'drizzle_abort_probe' as p`)
        .then(
          () => undefined,
          (error: unknown) => error,
        )
      await eventually(
        async () => queryId !== undefined && (await athena.execution(queryId)).Status?.State === 'RUNNING',
        'the query to run',
      )
      controller.abort()
      const error = await outcome
      assert.ok(error instanceof QueryCancelledError, String(error))
      assert.equal(error.queryId, queryId)
      assert.equal((await athena.execution(queryId!)).Status?.State, 'CANCELLED')
    } finally {
      athena.local.faults.set({ slowQueries: [] })
    }
  })
})
