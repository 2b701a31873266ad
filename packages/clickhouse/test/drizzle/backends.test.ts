/**
 * Drizzle with ClickHouse's own column builders on every backend, 18.16
 * included: UInt64 at its maximum, Date, DateTime('UTC'), Enum8, and both join
 * forms (the legacy one that 18.16 needs, and the plain one of modern servers).
 * The database-neutral Drizzle suite is in test/conformance.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  chTable,
  date,
  dateTime,
  drizzle,
  enum8,
  nullable,
  string,
  uint8,
  uint64,
} from '@tributary/clickhouse/drizzle'
import { eq, getTableName, gt, sql } from 'drizzle-orm'
import { forEachBackend, uniqueTable } from '../backends.ts'

const MAX_U64 = 18446744073709551615n

forEachBackend((ctx) => {
  test('ClickHouse column types as where parameters, and both join forms', async () => {
    const users = chTable(uniqueTable('dz_ch_users'), {
      id: uint64('id'),
      name: string('name'),
      age: nullable(uint8('age')),
      joined: date('joined'),
      seen: dateTime('seen', 'UTC'),
      tier: enum8('tier', ['free', 'paid']),
    })
    const posts = chTable(uniqueTable('dz_ch_posts'), { id: uint64('id'), userId: uint64('user_id') })
    const db = drizzle(ctx().config())
    try {
      await db.execute(
        sql.raw(
          `CREATE TABLE ${getTableName(users)} (id UInt64, name String, age Nullable(UInt8), joined Date, ` +
            `seen DateTime('UTC'), tier Enum8('free' = 1, 'paid' = 2)) ENGINE = MergeTree ORDER BY id`,
        ),
      )
      await db.execute(
        sql.raw(
          `CREATE TABLE ${getTableName(posts)} (id UInt64, user_id UInt64) ENGINE = MergeTree ORDER BY id`,
        ),
      )
      await db.insert(users).values([
        {
          id: 1n,
          name: 'a',
          age: 31,
          joined: '2024-02-29',
          seen: new Date('2024-01-02T03:04:05Z'),
          tier: 'paid',
        },
        {
          id: 2n,
          name: 'b',
          age: null,
          joined: '1970-01-02',
          seen: new Date('2030-06-01T00:00:00Z'),
          tier: 'free',
        },
        { id: MAX_U64, name: 'max', age: 255, joined: '2100-01-01', seen: new Date(0), tier: 'free' },
      ])
      await db.insert(posts).values([{ id: 12n, userId: MAX_U64 }])

      assert.deepEqual(await db.select().from(users).where(eq(users.id, MAX_U64)), [
        { id: MAX_U64, name: 'max', age: 255, joined: '2100-01-01', seen: new Date(0), tier: 'free' },
      ])
      const ids = async (where: ReturnType<typeof eq>) =>
        (await db.select({ id: users.id }).from(users).where(where).orderBy(users.id)).map((r) => r.id)
      assert.deepEqual(await ids(eq(users.joined, '2024-02-29')), [1n])
      assert.deepEqual(await ids(eq(users.tier, 'paid')), [1n])
      assert.deepEqual(await ids(gt(users.seen, new Date('2025-01-01T00:00:00Z'))), [2n])

      // The legacy join form works on every server (the plain one is wrong on 18.16), and so
      // does a join built before the server's version is known.
      for (const legacyJoins of ctx().modern ? [true, false, undefined] : [true, undefined]) {
        const other = drizzle(ctx().config(), { legacyJoins })
        try {
          const rows = await other
            .select({ id: users.id, postUser: posts.userId })
            .from(users)
            .leftJoin(posts, eq(posts.userId, users.id))
            .where(gt(users.id, 1n))
            .orderBy(users.id)
          assert.deepEqual(
            rows,
            [
              { id: 2n, postUser: null },
              { id: MAX_U64, postUser: MAX_U64 },
            ],
            `legacyJoins: ${legacyJoins}`,
          )
        } finally {
          await other.$client.close()
        }
      }
    } finally {
      await db.execute(sql.raw(`DROP TABLE IF EXISTS ${getTableName(users)}`))
      await db.execute(sql.raw(`DROP TABLE IF EXISTS ${getTableName(posts)}`))
      await db.$client.close()
    }
  })
})
