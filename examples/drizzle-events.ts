/**
 * Drizzle on embedded ClickHouse: a schema with ClickHouse column types, inserts,
 * a join, an update (a mutation), and `iterate` over a large result in batches.
 *
 *   node --conditions=tributary-source examples/drizzle-events.ts
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient } from '@tributary/clickhouse'
import {
  array,
  chTable,
  dateTime64,
  drizzle,
  iterate,
  lowCardinality,
  string,
  uint32,
  uint64,
} from '@tributary/clickhouse/drizzle'
import { chdb } from '@tributary/clickhouse/embedded'
import { and, desc, eq, gt, sql } from 'drizzle-orm'

const users = chTable('users', {
  id: uint32('id').notNull(),
  name: string('name').notNull(),
})
const events = chTable('events', {
  id: uint64('id').notNull(),
  userId: uint32('user_id').notNull(),
  kind: lowCardinality(string('kind')).notNull(),
  tags: array(string('tags')).notNull(),
  at: dateTime64('at', 6, 'UTC').notNull(),
})

const dataDir = mkdtempSync(join(tmpdir(), 'tributary-drizzle-'))
const client = createClient({ transport: chdb({ path: dataDir }) })
const db = drizzle(client)
try {
  await db.execute(sql`CREATE TABLE users (id UInt32, name String) ENGINE = MergeTree ORDER BY id`)
  await db.execute(sql`CREATE TABLE events (id UInt64, user_id UInt32, kind LowCardinality(String),
    tags Array(String), at DateTime64(6, 'UTC')) ENGINE = MergeTree ORDER BY id`)

  await db.insert(users).values([
    { id: 1, name: 'Ada' },
    { id: 2, name: 'Grace' },
  ])
  // Large inserts go through the client's streamed insert; Drizzle's insert is for a few rows.
  await client.insert({
    table: 'events',
    values: (function* () {
      for (let i = 0; i < 50_000; i++) {
        yield {
          id: 18_446_744_073_709_000_000n + BigInt(i),
          user_id: 1 + (i % 2),
          kind: i % 10 === 0 ? 'purchase' : 'view',
          tags: i % 10 === 0 ? ['paid', `sku-${i % 7}`] : [],
          at: `2026-03-01T00:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(6, '0').slice(-6)}Z`,
        }
      }
    })(),
  })

  const latest = await db
    .select({ id: events.id, user: users.name, kind: events.kind, tags: events.tags, at: events.at })
    .from(events)
    .innerJoin(users, eq(users.id, events.userId))
    .where(and(eq(events.kind, 'purchase'), gt(events.id, 18_446_744_073_709_040_000n)))
    .orderBy(desc(events.id))
    .limit(3)
  console.table(latest)

  await db.update(users).set({ name: 'Grace Hopper' }).where(eq(users.id, 2))
  console.log('renamed:', await db.select().from(users).where(eq(users.id, 2)))

  let purchases = 0
  for await (const row of iterate(db.select({ kind: events.kind }).from(events), { batchSize: 5_000 })) {
    if (row.kind === 'purchase') purchases++
  }
  console.log(`iterated 50000 events, ${purchases} purchases`)
} finally {
  await client.close()
  rmSync(dataDir, { recursive: true, force: true })
}
