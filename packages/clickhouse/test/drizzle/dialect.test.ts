import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { NotSupportedError, ParameterError } from '@tributary/core'
import { type BridgePreparedQuery, createDrizzleDatabase } from '@tributary/core/drizzle'
import { and, eq, inArray, isNull, relations, sql } from 'drizzle-orm'
import { createClient } from '../../src/client.ts'
import {
  ClickHouseDrizzleDialect,
  chTable,
  dateTime64,
  drizzle,
  nullable,
  string,
  uint32,
  uint64,
} from '../../src/drizzle/index.ts'
import { parseType } from '../../src/formats/type-parser.ts'
import { type DeferredType, deferredPlaceholder, findDeferredTypes } from '../../src/params/deferred.ts'
import { resolveDeferredType } from '../../src/params/resolve-deferred.ts'
import { TypedValue } from '../../src/params/typed.ts'
import type { TableDescription } from '../../src/table-columns.ts'

const users = chTable('users', {
  id: uint64('id'),
  name: string('name'),
  age: nullable(uint32('age')),
})
const posts = chTable('posts', {
  id: uint64('id'),
  userId: uint64('user_id'),
  at: dateTime64('at', 3, 'UTC'),
})
/** `{pN:…}` for a value SET on a column of `users`: typed from the table when the statement runs. */
const setOn = (n: number, column: string) =>
  deferredPlaceholder({ kind: 'set', name: `p${n}`, table: '`users`', column })

/** What the client makes of the marks of `sql` for a `users` table as the server describes it. */
function resolved(sqlText: string, values: Record<string, unknown>): string[] {
  const columns = [
    { name: 'id', type: parseType('UInt64'), defaultKind: '' },
    { name: 'name', type: parseType('String'), defaultKind: '' },
    { name: 'age', type: parseType('Nullable(UInt32)'), defaultKind: '' },
  ]
  const tables = new Map<string, TableDescription>([
    ['`users`', { table: '`users`', columns, byName: new Map(columns.map((c) => [c.name, c])) }],
  ])
  const server = {
    version: '18.16.1',
    supportsQueryParameters: false,
    supportsRowBinaryWithNamesAndTypes: false,
    timezone: 'UTC',
  }
  return findDeferredTypes(sqlText).map(({ type }: { type: DeferredType }) =>
    resolveDeferredType(type, values, tables, server, {}),
  )
}

const usersRelations = relations(users, ({ many }) => ({ posts: many(posts) }))
const postsRelations = relations(posts, ({ one }) => ({
  user: one(users, { fields: [posts.userId], references: [users.id] }),
}))

// Only SQL text is built here; the client never connects.
const db = drizzle(
  { url: 'http://127.0.0.1:1' },
  { schema: { users, posts, usersRelations, postsRelations }, legacyJoins: false },
)

function types(params: unknown[]): unknown[] {
  return params.map((p) => (p instanceof TypedValue ? `${p.type}:${String(p.value)}` : p))
}

describe('ClickHouse SQL from Drizzle', () => {
  test('parameters carry the column type; LIMIT/OFFSET are number literals; identifiers are back-quoted', () => {
    const q = db.select().from(users).where(eq(users.id, 7n)).limit(10).offset(5).toSQL()
    assert.equal(
      q.sql,
      'select `id`, `name`, `age` from `users` where `users`.`id` = {p1:UInt64} limit 10 offset 5',
    )
    assert.deepEqual(types(q.params), ['UInt64:7'])
    // Old servers have no OFFSET without LIMIT.
    assert.equal(
      db.select({ id: users.id }).from(users).offset(2).toSQL().sql,
      `select \`id\` from \`users\` limit ${Number.MAX_SAFE_INTEGER} offset 2`,
    )
    assert.throws(() => db.select().from(users).limit(1.5).offset(1).toSQL(), ParameterError)
  })

  test('a NULL bound through a column is typed Nullable of the column type; raw values are inferred', () => {
    const q = db
      .select({ id: users.id })
      .from(users)
      .where(sql`${users.name} = ${null} or ${users.name} = ${'x'} or ${users.id} = ${3}`)
      .toSQL()
    assert.equal(
      q.sql,
      'select `id` from `users` where `users`.`name` = {p1:Nullable(Nothing)} or `users`.`name` = {p2:String} or `users`.`id` = {p3:Int64}',
    )
    const bound = db
      .update(users)
      .set({ age: null })
      .where(inArray(users.id, [1n, 2n]))
      .toSQL()
    assert.equal(
      bound.sql,
      `alter table \`users\` update \`age\` = ${setOn(1, 'age')} where \`id\` in ({p2:UInt64}, {p3:UInt64})`,
    )
    assert.deepEqual(resolved(bound.sql, { p1: null }), ['Nullable(UInt32)'])
  })

  test('an outer join adds join_use_nulls so unmatched rows are NULL, inner joins do not', () => {
    const left = db.select().from(users).leftJoin(posts, eq(posts.userId, users.id)).toSQL().sql
    assert.match(left, /left join `posts` on `posts`.`user_id` = `users`.`id` settings join_use_nulls = 1$/)
    const inner = db.select().from(users).innerJoin(posts, eq(posts.userId, users.id)).limit(1).toSQL().sql
    assert.doesNotMatch(inner, /settings/)
  })

  test('servers before 19.1 join a subquery that copies the ON keys of the joined table', async () => {
    const legacy = drizzle({ url: 'http://127.0.0.1:1' }, { legacyJoins: true })
    try {
      assert.equal(
        legacy
          .select({ id: users.id, uid: posts.userId })
          .from(users)
          .leftJoin(posts, eq(posts.userId, users.id))
          .toSQL().sql,
        'select `users`.`id`, `posts`.`user_id` from `users` left join (select *, `user_id` as `__tributary_k1` from `posts`) as `posts` on `posts`.`__tributary_k1` = `users`.`id` settings join_use_nulls = 1',
      )
    } finally {
      await legacy.$client.close()
    }
    // Before the server is known, both forms are written and one is kept when the statement runs.
    const unknown = drizzle({ url: 'http://127.0.0.1:1' })
    try {
      const prepared = unknown
        .select({ id: users.id })
        .from(users)
        .innerJoin(posts, eq(posts.userId, users.id))
        .prepare('j') as unknown as BridgePreparedQuery
      const dialect = (unknown as unknown as { dialect: ClickHouseDrizzleDialect }).dialect
      assert.equal(
        dialect.finalizeStatement(prepared.getQuery(), []).sql,
        'select `users`.`id` from `users` inner join `posts` on `posts`.`user_id` = `users`.`id`',
      )
    } finally {
      await unknown.$client.close()
    }
  })

  test('values written by INSERT and UPDATE are typed from the table when they run; a non-NULL SET value for a Nullable column as the inner type (old servers reject the Nullable constant)', () => {
    const q = db.update(users).set({ age: 4 }).where(eq(users.id, 1n)).toSQL()
    assert.equal(
      q.sql,
      `alter table \`users\` update \`age\` = ${setOn(1, 'age')} where \`id\` = {p2:UInt64}`,
    )
    assert.deepEqual(resolved(q.sql, { p1: 4 }), ['UInt32'])
    const insert = db.insert(users).values({ id: 1n, name: 'a', age: 5 }).toSQL()
    const written = (n: number, column: string) =>
      deferredPlaceholder({ kind: 'column', name: `p${n}`, table: '`users`', column })
    assert.equal(
      insert.sql,
      `insert into \`users\` (\`id\`, \`name\`, \`age\`) values (${written(1, 'id')}, ${written(2, 'name')}, ${written(3, 'age')})`,
    )
    assert.deepEqual(resolved(insert.sql, { p1: 1n, p2: 'a', p3: 5 }), [
      'UInt64',
      'String',
      'Nullable(UInt32)',
    ])
  })

  test('UPDATE and DELETE are mutations with a mandatory WHERE (WHERE 1 for every row)', () => {
    assert.equal(
      db.update(users).set({ name: 'z' }).where(eq(users.id, 1n)).toSQL().sql,
      `alter table \`users\` update \`name\` = ${setOn(1, 'name')} where \`id\` = {p2:UInt64}`,
    )
    assert.equal(
      db.update(users).set({ name: 'z' }).toSQL().sql,
      `alter table \`users\` update \`name\` = ${setOn(1, 'name')} where 1`,
    )
    assert.equal(
      db.delete(users).where(isNull(users.age)).toSQL().sql,
      'alter table `users` delete where `age` is null',
    )
    assert.equal(db.delete(users).toSQL().sql, 'alter table `users` delete where 1')
    const lightweight = drizzle({ url: 'http://127.0.0.1:1' }, { deletes: 'lightweight' })
    assert.equal(lightweight.delete(users).toSQL().sql, 'delete from `users` where 1')
  })

  test('RETURNING, UPDATE … FROM, relational `with` and transactions throw NotSupportedError', async () => {
    const notSupported = (pattern: RegExp) => (e: unknown) =>
      e instanceof NotSupportedError && e.system === 'clickhouse' && pattern.test(e.message)
    assert.throws(
      () => db.insert(users).values({ id: 1n, name: 'a', age: null }).returning().toSQL(),
      notSupported(/RETURNING is not supported by ClickHouse/),
    )
    assert.throws(() => db.delete(users).returning().toSQL(), notSupported(/RETURNING/))
    assert.throws(
      () => db.update(users).set({ name: 'a' }).from(posts).toSQL(),
      notSupported(/UPDATE … FROM/),
    )
    assert.throws(
      () => db.query.users.findMany({ with: { posts: true } }).toSQL(),
      notSupported(/nested relations/),
    )
    await assert.rejects(
      db.transaction(async () => {}),
      notSupported(/ClickHouse has no transactions/),
    )
  })

  test('sql.placeholder values are typed when the statement runs', () => {
    const prepared = db
      .select({ id: users.id })
      .from(users)
      .where(sql`${users.name} = ${sql.placeholder('name')}`)
      .limit(sql.placeholder('n'))
      .prepare('p') as unknown as BridgePreparedQuery
    const statement = prepared.statement({ name: 'ann', n: 3 })
    assert.equal(statement.sql, 'select `id` from `users` where `users`.`name` = {p1:String} limit 3')
    assert.deepEqual(types(statement.params).slice(0, 1), ['ann'])
    assert.throws(() => prepared.statement({ name: 'ann', n: '3; drop' }), ParameterError)
  })

  test('type marks are replaced only in code: a string literal that holds one is data', () => {
    // The private-use characters the dialect marks LIMIT and deferred types with, inside a value.
    const text = '{p1:\uE004} {p2:\uE000}'
    const prepared = db
      .select({ id: users.id })
      .from(users)
      .where(
        and(sql`${users.name} = ${text}`.inlineParams(), sql`${users.name} = ${sql.placeholder('name')}`),
      )
      .limit(sql.placeholder('n'))
      .prepare('marks') as unknown as BridgePreparedQuery
    const statement = prepared.statement({ name: 'ann', n: 3 })
    assert.equal(
      statement.sql,
      `select \`id\` from \`users\` where (\`users\`.\`name\` = '${text}' and \`users\`.\`name\` = {p1:String}) limit 3`,
    )
  })

  test('inline string parameters are quoted with backslash escapes', () => {
    const q = db
      .select({ id: users.id })
      .from(users)
      .where(sql`${users.name} = ${"it's a \\ test"}`.inlineParams())
      .toSQL()
    assert.equal(q.sql, "select `id` from `users` where `users`.`name` = 'it\\'s a \\\\ test'")
    assert.deepEqual(q.params, [])
  })

  test('createDrizzleDatabase accepts the dialect directly as well', () => {
    const direct = createDrizzleDatabase({
      client: createClient({ url: 'http://127.0.0.1:1' }),
      dialect: new ClickHouseDrizzleDialect(),
    })
    assert.equal(direct.select({ id: users.id }).from(users).toSQL().sql, 'select `id` from `users`')
  })
})
