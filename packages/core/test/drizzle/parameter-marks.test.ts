/**
 * The parameter marks a dialect notes while a statement is built (from formatParam) and reads back when it
 * runs (in finalizeStatement): kept once in BridgeDialect, with the query object sqlToQuery returned.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { eq, sql } from 'drizzle-orm'
import { integer, pgTable, text } from 'drizzle-orm/pg-core'
import { createDrizzleDatabase } from '../../src/drizzle/index.ts'
import { FakeClient } from './fake-client.ts'
import { MarkingDialect } from './test-dialect.ts'

const items = pgTable('items', {
  id: integer('id').notNull(),
  name: text('name'),
})

function setup() {
  const client = new FakeClient()
  const dialect = new MarkingDialect()
  const db = createDrizzleDatabase({ client, dialect })
  return { client, dialect, db }
}

describe('parameter marks', () => {
  test('values bound through a column reach the client marked; raw values stay as they are', async () => {
    const { db, client } = setup()
    await db
      .select()
      .from(items)
      .where(sql`${eq(items.name, 'a')} and ${items.id} = ${7}`)
    assert.deepEqual(client.last.params, ['text:a', 7])
    await db.insert(items).values({ id: 1, name: 'b' })
    assert.deepEqual(client.last.params, ['integer:1', 'text:b'])
  })

  test('a prepared statement keeps its marks for every run', async () => {
    const { db, client } = setup()
    const prepared = db.select().from(items).where(eq(items.name, 'x')).prepare('p')
    await prepared.execute()
    assert.deepEqual(client.last.params, ['text:x'])
    await db.select().from(items).where(sql`${items.id} = ${3}`)
    assert.deepEqual(client.last.params, [3])
    await prepared.execute()
    assert.deepEqual(client.last.params, ['text:x'])
  })

  test('a prepared statement keeps its marks however many other statements are built after it', async () => {
    const { db, client } = setup()
    const prepared = db.select().from(items).where(eq(items.name, 'x')).prepare('startup')
    for (let i = 0; i < 2000; i++) {
      db.select()
        .from(items)
        .where(sql`${eq(items.id, i)} or ${sql.raw(`${i} = 0`)}`)
        .toSQL()
    }
    await prepared.execute()
    assert.deepEqual(client.last.params, ['text:x'])
  })

  test('statements with the same text but different bindings keep their own marks', async () => {
    const { db, client } = setup()
    const bound = db.select().from(items).where(eq(items.name, 'a'))
    const raw = db.select().from(items).where(sql`${items.name} = ${'b'}`)
    assert.equal(bound.toSQL().sql, raw.toSQL().sql)
    await bound
    assert.deepEqual(client.last.params, ['text:a'])
    await raw
    assert.deepEqual(client.last.params, ['b'])
    const preparedRaw = db.select().from(items).where(sql`${items.name} = ${'c'}`).prepare('raw')
    const preparedBound = db.select().from(items).where(eq(items.name, 'd')).prepare('bound')
    await preparedRaw.execute()
    assert.deepEqual(client.last.params, ['c'])
    await preparedBound.execute()
    assert.deepEqual(client.last.params, ['text:d'])
  })

  test('marks are kept under the text the dialect finally gives the statement', async () => {
    const { db, client, dialect } = setup()
    dialect.rewrite = (text) => `/* adjusted */ ${text}`
    await db.select().from(items).where(eq(items.id, 2))
    assert.match(client.last.sql, /^\/\* adjusted \*\/ select/)
    assert.deepEqual(client.last.params, ['integer:2'])
  })

  test('a statement without marks keeps nothing; a build that fails leaves no marks behind', () => {
    const { db, dialect } = setup()
    const plain = dialect.sqlToQuery(db.select().from(items).where(sql`${items.id} = ${1}`).getSQL())
    assert.equal(dialect.marksOf(plain), undefined)
    const marked = dialect.sqlToQuery(db.select().from(items).where(eq(items.id, 1)).getSQL())
    assert.deepEqual(dialect.marksOf(marked), [[0, 'integer']])
    dialect.rewrite = () => {
      throw new Error('refused')
    }
    assert.throws(() => db.select().from(items).where(eq(items.name, 'z')).toSQL(), /refused/)
    dialect.rewrite = undefined
    const after = dialect.sqlToQuery(db.select().from(items).where(sql`${items.name} = ${'z'}`).getSQL())
    assert.equal(dialect.marksOf(after), undefined)
  })
})
