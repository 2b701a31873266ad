/** Kysely on embedded chDB: schema, insert, select, stream (whichever Kysely version is installed). */
import { ClickHouseDialect } from '@tributary/clickhouse'
import { chdb } from '@tributary/clickhouse/embedded'
import { Kysely, sql } from 'kysely'

interface Database {
  person: { id: bigint; name: string; age: number | null }
}

const db = new Kysely<Database>({ dialect: new ClickHouseDialect({ transport: chdb({ path: './data' }) }) })
await db.schema
  .createTable('person')
  .addColumn('id', sql`UInt64`, (c) => c.primaryKey())
  .addColumn('name', 'text', (c) => c.notNull())
  .addColumn('age', 'integer')
  .execute()
await db
  .insertInto('person')
  .values([
    { id: 1n, name: 'Ada', age: 36 },
    { id: 2n, name: 'Grace', age: null },
  ])
  .execute()
const people = await db.selectFrom('person').select(['id', 'name', 'age']).orderBy('id').execute()
const adults = await db
  .selectFrom('person')
  .select((eb) => eb.fn.countAll<bigint>().as('n'))
  .where('age', '>', 18)
  .executeTakeFirstOrThrow()
let streamed = 0
for await (const _row of db.selectFrom('person').selectAll().stream(1)) streamed += 1
await db.destroy()

console.log(
  JSON.stringify({
    people: people.map((p) => [String(p.id), p.name, p.age]),
    idType: typeof people[0]!.id,
    adults: String(adults.n),
    streamed,
  }),
)
