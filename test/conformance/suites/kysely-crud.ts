import assert from 'node:assert/strict'
import { Kysely, sql } from 'kysely'
import { DECLARED_CAPABILITIES } from '../fixture.ts'
import type { Suite } from '../runner.ts'
import { assertRefusedBy, uniqueName } from '../support.ts'
import { createTable, dropTable } from '../tables.ts'

const MAX_I64 = 9223372036854775807n

export function kyselyCrud(s: Suite): void {
  s.test("the database package declares the fixture's capabilities", async () => {
    const { db, close } = s.backend().drizzle.open()
    try {
      const declared = db.$client.capabilities
      const expected = s.entry.capabilities
      for (const name of DECLARED_CAPABILITIES) {
        assert.equal(declared[name], expected[name], `capabilities.${name}`)
      }
    } finally {
      await close()
    }
  })

  s.test('create, insert, select with join, update, delete', async () => {
    const b = s.backend()
    const db = new Kysely<any>({ dialect: b.dialect() })
    const people = uniqueName('people')
    const teams = uniqueName('teams')
    try {
      await createTable(db, b, people, {
        id: { kind: 'bigint', primaryKey: true },
        name: { kind: 'text' },
        age: { kind: 'integer', nullable: true },
        team: { kind: 'text' },
      })
      await createTable(db, b, teams, { code: { kind: 'text', primaryKey: true }, title: { kind: 'text' } })

      await db
        .insertInto(people)
        .values([
          { id: 1n, name: "O'Brien \\ backslash", age: 41, team: 'a' },
          { id: MAX_I64, name: 'max', age: null, team: 'b' },
          { id: 3n, name: 'émoji 🦆', age: 7, team: 'a' },
        ])
        .execute()
      await db
        .insertInto(teams)
        .values([
          { code: 'a', title: 'Alpha' },
          { code: 'b', title: 'Beta' },
        ])
        .execute()

      const joined = await db
        .selectFrom(`${people} as p`)
        .innerJoin(`${teams} as t`, 't.code', 'p.team')
        .select(['p.id as id', 'p.name as name', 'p.age as age', 't.title as title'])
        .orderBy('p.id')
        .execute()
      assert.deepEqual(joined, [
        { id: 1n, name: "O'Brien \\ backslash", age: 41, title: 'Alpha' },
        { id: 3n, name: 'émoji 🦆', age: 7, title: 'Alpha' },
        { id: MAX_I64, name: 'max', age: null, title: 'Beta' },
      ])

      await db.updateTable(people).set({ age: 42 }).where('id', '=', 1n).execute()
      await db.deleteFrom(people).where('name', '=', 'max').execute()
      assert.deepEqual(await db.selectFrom(people).select(['id', 'age']).orderBy('id').execute(), [
        { id: 1n, age: 42 },
        { id: 3n, age: 7 },
      ])
    } finally {
      await dropTable(db, people)
      await dropTable(db, teams)
      await db.destroy()
    }
  })

  s.test('limit and offset, alone and together', async () => {
    const b = s.backend()
    const db = new Kysely<any>({ dialect: b.dialect() })
    const series = b.series(5)
    const values = async (limit?: number, offset?: number) => {
      let query = db
        .selectFrom(sql.raw(`(${series.sql})`).as('s'))
        .select('n')
        .orderBy('n')
      if (limit !== undefined) query = query.limit(limit)
      if (offset !== undefined) query = query.offset(offset)
      return (await query.execute()).map((r) => r.n)
    }
    try {
      assert.deepEqual(await values(2), [series.value(0), series.value(1)])
      assert.deepEqual(await values(1, 3), [series.value(3)])
      assert.deepEqual(await values(undefined, 3), [series.value(3), series.value(4)])
      assert.deepEqual(await values(0), [])
    } finally {
      await db.destroy()
    }
  })

  if (s.entry.capabilities.returning) {
    s.test('RETURNING gives back the inserted, updated and deleted rows', async () => {
      const b = s.backend()
      const db = new Kysely<any>({ dialect: b.dialect() })
      const table = uniqueName('returning')
      try {
        await createTable(db, b, table, { id: { kind: 'bigint', primaryKey: true }, name: { kind: 'text' } })
        const inserted = await db
          .insertInto(table)
          .values({ id: 1n, name: 'a' })
          .returning(['id', 'name'])
          .execute()
        assert.deepEqual(inserted, [{ id: 1n, name: 'a' }])
        const update = () =>
          db.updateTable(table).set({ name: 'b' }).where('id', '=', 1n).returning('name').execute()
        const remove = () => db.deleteFrom(table).where('id', '=', 1n).returning('id').execute()
        const refused = s.entry.unsupported['returning on update and delete']
        if (refused) {
          await assertRefusedBy(update, refused, 'UPDATE … RETURNING')
          await assertRefusedBy(remove, refused, 'DELETE … RETURNING')
          assert.deepEqual(await db.selectFrom(table).selectAll().execute(), [{ id: 1n, name: 'a' }])
        } else {
          assert.deepEqual(await update(), [{ name: 'b' }])
          assert.deepEqual(await remove(), [{ id: 1n }])
        }
      } finally {
        await dropTable(db, table)
        await db.destroy()
      }
    })
  } else {
    s.test('RETURNING is refused with the documented error before anything is sent', async () => {
      const db = new Kysely<any>({ dialect: s.backend().dialect() })
      const limitation = s.entry.unsupported.returning
      try {
        // The table does not exist: a statement that reached the server would fail differently.
        const table = uniqueName('never_created')
        await assertRefusedBy(
          () => db.insertInto(table).values({ a: 1 }).returning('a').execute(),
          limitation,
          'INSERT … RETURNING',
        )
        await assertRefusedBy(
          () => db.updateTable(table).set({ a: 1 }).returning('a').execute(),
          limitation,
          'UPDATE … RETURNING',
        )
        await assertRefusedBy(
          () => db.deleteFrom(table).returning('a').execute(),
          limitation,
          'DELETE … RETURNING',
        )
      } finally {
        await db.destroy()
      }
    })
  }
}
