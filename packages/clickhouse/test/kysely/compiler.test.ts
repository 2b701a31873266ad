import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  sql,
} from 'kysely'
import { ClickHouseQueryCompiler } from '../../src/kysely/compiler.ts'
import { deferredMark, deferredPlaceholder } from '../../src/params/deferred.ts'

const dialect: Dialect = {
  createAdapter: (): DialectAdapter => new PostgresAdapter(),
  createDriver: () => new DummyDriver(),
  createIntrospector: () => ({}) as DatabaseIntrospector,
  createQueryCompiler: () => new ClickHouseQueryCompiler(),
}
const db = new Kysely<any>({ dialect })

const column = (n: number, table: string, name: string) =>
  deferredPlaceholder({ kind: 'column', name: `p${n}`, table, column: name })

test('INSERT values are written to their columns; expressions and nested lists are not', () => {
  const q = db
    .insertInto('t')
    .values([
      { a: 1, b: 'x' },
      { a: 2, b: sql`lower(${'Y'})` },
    ])
    .compile()
  assert.equal(
    q.sql,
    `insert into \`t\` (\`a\`, \`b\`) values (${column(1, '`t`', 'a')}, ${column(2, '`t`', 'b')}), (${column(3, '`t`', 'a')}, lower({p4:String}))`,
  )
  assert.deepEqual(q.parameters, [1, 'x', 2, 'Y'])
  const schema = db.withSchema('db').insertInto('t').values({ a: 1 }).compile()
  assert.equal(schema.sql, `insert into \`db\`.\`t\` (\`a\`) values (${column(1, '`db`.`t`', 'a')})`)
  const where = db.selectFrom('t').selectAll().where('a', 'in', [1, 2]).compile()
  assert.equal(where.sql, 'select * from `t` where `a` in ({p1:Int64}, {p2:Int64})')
})

test('UPDATE SET values are written to their columns; WHERE values are typed from themselves', () => {
  const q = db.updateTable('t').set({ a: 300, b: sql`b` }).where('id', '=', 1).compile()
  assert.equal(
    q.sql,
    `alter table \`t\` update \`a\` = ${deferredPlaceholder({ kind: 'set', name: 'p1', table: '`t`', column: 'a' })}, \`b\` = b where \`id\` = {p2:Int64}`,
  )
})

test('timestamp types and Date values take the instant type of the server', () => {
  const ddl = db.schema
    .createTable('e')
    .addColumn('at', 'timestamp', (c) => c.notNull())
    .addColumn('at6', sql`timestamp(6)`)
    .addColumn('maybe', 'timestamptz')
    .compile()
  assert.equal(
    ddl.sql,
    `create table \`e\` (\`at\` ${deferredMark({ kind: 'instant', precision: 3 })}, \`at6\` timestamp(6), \`maybe\` Nullable(${deferredMark({ kind: 'instant', precision: 3 })})) engine = MergeTree order by tuple()`,
  )
  const select = db.selectFrom('e').selectAll().where('at', '>', new Date(0)).compile()
  assert.equal(
    select.sql,
    `select * from \`e\` where \`at\` > ${deferredPlaceholder({ kind: 'value', name: 'p1' })}`,
  )
})
