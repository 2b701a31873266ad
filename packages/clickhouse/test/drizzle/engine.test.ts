/**
 * Drizzle over embedded ClickHouse (chDB): every statement goes through
 * `createClient({ transport: chdb(...) })` and the SqlClient contract.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { NotSupportedError, ServerError } from '@tributary/core'
import { and, asc, desc, eq, gt, isNull, sql } from 'drizzle-orm'
import { type ClickHouseClient, createClient } from '../../src/client.ts'
import {
  array,
  bool,
  type ClickHouseDrizzleDatabase,
  chTable,
  date,
  date32,
  dateTime,
  dateTime64,
  decimal,
  drizzle,
  enum8,
  enum16,
  fixedString,
  float32,
  float64,
  int8,
  int16,
  int32,
  int64,
  int128,
  int256,
  ipv4,
  ipv6,
  iterate,
  json,
  lowCardinality,
  map,
  nullable,
  string,
  tuple,
  uint8,
  uint16,
  uint32,
  uint64,
  uint128,
  uint256,
  uuid,
} from '../../src/drizzle/index.ts'
import { chdb } from '../../src/embedded.ts'

const users = chTable('users', {
  id: uint64('id'),
  name: lowCardinality(string('name')),
  age: nullable(uint8('age')),
})
const posts = chTable('posts', {
  id: uint64('id'),
  userId: uint64('user_id'),
  title: string('title'),
  at: dateTime64('at', 3, 'UTC'),
})
const numbers = chTable('numbers', { n: uint32('n'), label: string('label') })

const allTypes = chTable('all_types', {
  id: uint8('id'),
  u8: uint8('u8'),
  u16: uint16('u16'),
  u32: uint32('u32'),
  u64: uint64('u64'),
  u128: uint128('u128'),
  u256: uint256('u256'),
  i8: int8('i8'),
  i16: int16('i16'),
  i32: int32('i32'),
  i64: int64('i64'),
  i128: int128('i128'),
  i256: int256('i256'),
  f32: float32('f32'),
  f64: float64('f64'),
  dec: decimal('dec', 38, 10),
  s: string('s'),
  fs: fixedString('fs', 4),
  d: date('d'),
  d32: date32('d32'),
  dt: dateTime('dt', 'UTC'),
  dt3: dateTime64('dt3', 3, 'UTC'),
  dt6: dateTime64('dt6', 6, 'UTC'),
  b: bool('b'),
  u: uuid('u'),
  ip4: ipv4('ip4'),
  ip6: ipv6('ip6'),
  e8: enum8('e8', ['red', 'green']),
  e16: enum16('e16', { small: -5, large: 3000 }),
  lc: lowCardinality(string('lc')),
  nn: nullable(int32('nn')),
  arr: array('arr', uint8()),
  m: map('m', string(), uint64()),
  tup: tuple('tup', string(), uint8()),
  j: json('j').$type<{ a: number; tags: string[] }>(),
})

type AllTypesRow = typeof allTypes.$inferInsert

const rowOne: AllTypesRow = {
  id: 1,
  u8: 255,
  u16: 65535,
  u32: 4294967295,
  u64: 18446744073709551615n,
  u128: 340282366920938463463374607431768211455n,
  u256: 2n ** 256n - 1n,
  i8: -128,
  i16: -32768,
  i32: -2147483648,
  i64: -9223372036854775808n,
  i128: -(2n ** 127n),
  i256: -(2n ** 255n),
  f32: 1.5,
  f64: 0.1,
  dec: '1234567890123456789012345678.0123456789',
  s: "quote ' backslash \\ tab \t newline \n",
  fs: 'abcd',
  d: '2024-02-29',
  d32: '1900-01-01',
  dt: new Date('2024-01-02T03:04:05Z'),
  dt3: new Date('2024-01-02T03:04:05.678Z'),
  dt6: '2024-01-02T03:04:05.123456Z',
  b: true,
  u: '123e4567-e89b-12d3-a456-426614174000',
  ip4: '192.168.1.1',
  ip6: '2001:db8::1',
  e8: 'green',
  e16: 'large',
  lc: 'low-card',
  nn: null,
  arr: [1, 2, 3],
  m: { a: 1n, b: 18446744073709551615n },
  tup: ['x', 7],
  j: { a: 1, tags: ['t'] },
}

const rowTwo: AllTypesRow = {
  ...rowOne,
  id: 2,
  u8: 0,
  u16: 1,
  u32: 2,
  u64: 3n,
  u128: 4n,
  u256: 5n,
  i8: 6,
  i16: 7,
  i32: 8,
  i64: 9n,
  i128: 10n,
  i256: 11n,
  f32: 2.5,
  f64: 0.2,
  dec: '-1.5000000000',
  s: 'plain',
  fs: 'wxyz',
  d: '1970-01-01',
  d32: '2100-12-31',
  dt: new Date('2030-06-01T00:00:00Z'),
  dt3: new Date('1999-12-31T23:59:59.999Z'),
  dt6: '2024-01-02T03:04:05.000001Z',
  b: false,
  u: '00000000-0000-0000-0000-000000000001',
  ip4: '10.0.0.1',
  ip6: '::ffff:10.0.0.1',
  e8: 'red',
  e16: 'small',
  lc: 'other',
  nn: 42,
  arr: [],
  m: {},
  tup: ['y', 0],
  j: { a: 2, tags: [] },
}

let dataDir: string
let client: ClickHouseClient
let db: ClickHouseDrizzleDatabase<{ users: typeof users; posts: typeof posts }>

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tributary-drizzle-'))
  client = createClient({ transport: chdb({ path: dataDir }) })
  db = drizzle(client, { schema: { users, posts } })
  await db.execute(
    sql`CREATE TABLE users (id UInt64, name LowCardinality(String), age Nullable(UInt8)) ENGINE = MergeTree ORDER BY id`,
  )
  await db.execute(
    sql`CREATE TABLE posts (id UInt64, user_id UInt64, title String, at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY id`,
  )
  await db.execute(sql`CREATE TABLE numbers (n UInt32, label String) ENGINE = MergeTree ORDER BY n`)
  const columns = Object.values(allTypes)
    .filter((c): c is (typeof allTypes)['id'] => typeof c === 'object' && c !== null && 'getSQLType' in c)
    .map((c) => `\`${c.name}\` ${c.getSQLType()}`)
  await db.execute(sql.raw(`CREATE TABLE all_types (${columns.join(', ')}) ENGINE = MergeTree ORDER BY id`))
})

after(async () => {
  await client?.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('Drizzle on embedded ClickHouse', () => {
  test('insert rows, then select with inner and left joins; UInt64 comes back as bigint', async () => {
    await db.insert(users).values([
      { id: 1n, name: 'ann', age: 31 },
      { id: 2n, name: 'bob', age: null },
      { id: 18446744073709551615n, name: 'max', age: 1 },
    ])
    await db.insert(posts).values([
      { id: 10n, userId: 1n, title: 'first', at: new Date('2024-05-01T10:00:00.123Z') },
      { id: 11n, userId: 1n, title: 'second', at: new Date('2024-05-02T10:00:00Z') },
      { id: 12n, userId: 18446744073709551615n, title: 'big', at: new Date('2024-05-03T10:00:00Z') },
    ])

    const inner = await db
      .select({ user: users.name, title: posts.title, at: posts.at })
      .from(posts)
      .innerJoin(users, eq(users.id, posts.userId))
      .orderBy(asc(posts.id))
    assert.deepEqual(inner, [
      { user: 'ann', title: 'first', at: new Date('2024-05-01T10:00:00.123Z') },
      { user: 'ann', title: 'second', at: new Date('2024-05-02T10:00:00Z') },
      { user: 'max', title: 'big', at: new Date('2024-05-03T10:00:00Z') },
    ])

    const left = await db
      .select()
      .from(users)
      .leftJoin(posts, eq(posts.userId, users.id))
      .orderBy(users.id, posts.id)
    assert.equal(left.length, 4)
    assert.deepEqual(left[2], { users: { id: 2n, name: 'bob', age: null }, posts: null })
    assert.equal(typeof left[3]?.users.id, 'bigint')
    assert.equal(left[3]?.users.id, 18446744073709551615n)
    assert.equal(left[3]?.posts?.title, 'big')
  })

  test('where, order, limit and offset with typed parameters', async () => {
    const rows = await db
      .select({ id: users.id })
      .from(users)
      .where(and(gt(users.id, 0n), sql`${users.name} != ${'nobody'}`))
      .orderBy(desc(users.id))
      .limit(2)
      .offset(1)
    assert.deepEqual(rows, [{ id: 2n }, { id: 1n }])
    assert.deepEqual(await db.select({ id: users.id }).from(users).where(isNull(users.age)), [{ id: 2n }])
    assert.equal(await db.$count(users), 3)
    assert.equal(await db.$count(users, gt(users.id, 1n)), 2)
  })

  test('relational findMany/findFirst without `with`', async () => {
    const many = await db.query.users.findMany({ columns: { id: true }, orderBy: [asc(users.id)], limit: 2 })
    assert.deepEqual(many, [{ id: 1n }, { id: 2n }])
    const first = await db.query.posts.findFirst({ where: eq(posts.title, 'big') })
    assert.deepEqual(first, {
      id: 12n,
      userId: 18446744073709551615n,
      title: 'big',
      at: new Date('2024-05-03T10:00:00Z'),
    })
  })

  test('prepared statements with placeholders', async () => {
    const byName = db
      .select({ id: users.id })
      .from(users)
      .where(eq(users.name, sql.placeholder('name')))
      .limit(sql.placeholder('n'))
      .prepare('by_name')
    assert.deepEqual(await byName.execute({ name: 'bob', n: 5 }), [{ id: 2n }])
    assert.deepEqual(await byName.execute({ name: 'ann', n: 0 }), [])
  })

  test('every column type round-trips, and each one works as a where parameter', async () => {
    await db.insert(allTypes).values([rowOne, rowTwo])
    const back = await db.select().from(allTypes).orderBy(allTypes.id)
    assert.deepEqual(back, [rowOne, rowTwo])

    // ClickHouse has no equality on Map or JSON values; those are checked through an element.
    const skip = new Set(['m', 'j'])
    let checked = 0
    for (const [key, column] of Object.entries(allTypes)) {
      if (skip.has(key) || typeof column !== 'object' || column === null || !('getSQLType' in column))
        continue
      const value = rowOne[key as keyof AllTypesRow]
      const condition =
        value === null ? isNull(allTypes.nn) : eq(column as typeof allTypes.id, value as never)
      const rows = await db.select({ id: allTypes.id }).from(allTypes).where(condition)
      assert.deepEqual(rows, [{ id: 1 }], `where on ${key}`)
      checked++
    }
    assert.equal(checked, Object.keys(rowOne).length - skip.size)
    const byMapKey = await db
      .select({ id: allTypes.id })
      .from(allTypes)
      .where(sql`${allTypes.m}[${'b'}] = ${18446744073709551615n}`)
    assert.deepEqual(byMapKey, [{ id: 1 }])
    const byJson = await db.select({ id: allTypes.id }).from(allTypes).where(sql`${allTypes.j}.a = ${2}`)
    assert.deepEqual(byJson, [{ id: 2 }])
  })

  test('update and delete run as mutations and are applied when the promise resolves', async () => {
    await db.update(users).set({ age: 40 }).where(eq(users.name, 'ann'))
    await db.update(posts).set({ title: sql`upper(${posts.title})` })
    assert.deepEqual(await db.select({ age: users.age }).from(users).where(eq(users.id, 1n)), [{ age: 40 }])
    assert.deepEqual(
      (await db.select({ title: posts.title }).from(posts).orderBy(posts.id)).map((r) => r.title),
      ['FIRST', 'SECOND', 'BIG'],
    )
    await db.delete(posts).where(eq(posts.userId, 1n))
    assert.deepEqual(await db.select({ id: posts.id }).from(posts), [{ id: 12n }])
    await db.delete(posts)
    assert.equal(await db.$count(posts), 0)
  })

  test('iterate streams 10,000 rows in batches; breaking early stops it and the client stays usable', async () => {
    await db.execute(
      sql`INSERT INTO numbers SELECT number, concat('row ', toString(number)) FROM system.numbers LIMIT 10000`,
    )
    let count = 0
    let sum = 0
    for await (const row of iterate(db.select().from(numbers).orderBy(numbers.n), { batchSize: 1000 })) {
      assert.equal(row.label, `row ${row.n}`)
      count++
      sum += row.n
    }
    assert.equal(count, 10_000)
    assert.equal(sum, (9999 * 10000) / 2)

    let seen = 0
    for await (const row of iterate(db.select({ n: numbers.n }).from(numbers).orderBy(numbers.n), {
      batchSize: 100,
    })) {
      seen++
      if (row.n === 249) break
    }
    assert.equal(seen, 250)

    const raw: Record<string, unknown>[] = []
    for await (const row of iterate(db, sql`SELECT count() AS c FROM numbers WHERE n < ${500}`)) raw.push(row)
    assert.deepEqual(raw, [{ c: 500n }])
  })

  test('database errors come through as ServerError; unsupported features as NotSupportedError', async () => {
    await assert.rejects(db.execute(sql`SELECT * FROM no_such_table`), ServerError)
    await assert.rejects(
      db.insert(users).values({ id: 5n, name: 'e', age: 1 }).returning(),
      NotSupportedError,
    )
    await assert.rejects(
      db.transaction(async () => {}),
      NotSupportedError,
    )
    assert.equal(await db.$count(users), 3)
  })
})
