/** Drizzle on embedded chDB through the same client. */
import { createClient } from '@tributary/clickhouse'
import { chTable, drizzle, iterate, nullable, string, uint8, uint64 } from '@tributary/clickhouse/drizzle'
import { chdb } from '@tributary/clickhouse/embedded'
import { eq, sql } from 'drizzle-orm'

const users = chTable('users', {
  id: uint64('id'),
  name: string('name'),
  age: nullable(uint8('age')),
})

const db = drizzle(createClient({ transport: chdb({ path: './data' }) }), { schema: { users } })
await db.execute(
  sql`CREATE TABLE users (id UInt64, name String, age Nullable(UInt8)) ENGINE = MergeTree ORDER BY id`,
)
await db.insert(users).values([
  { id: 1n, name: 'ann', age: null },
  { id: 2n, name: 'bob', age: 40 },
])
const rows = await db.select().from(users).where(eq(users.id, 2n))
const found = await db.query.users.findFirst({ where: eq(users.name, 'ann') })
let iterated = 0
for await (const _row of iterate(db.select().from(users), { batchSize: 1 })) iterated += 1
await db.$client.close()

console.log(
  JSON.stringify({
    rows: rows.map((r) => [String(r.id), r.name, r.age]),
    found: found === undefined ? null : [String(found.id), found.name, found.age],
    iterated,
  }),
)
