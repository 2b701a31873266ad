/**
 * The database's type table end to end, one test per column type: each value
 * written through Kysely's insert builder must read back as the documented JS
 * value through a select, a stream and Drizzle.
 */

import assert from 'node:assert/strict'
import { sql as dsql } from 'drizzle-orm'
import { Kysely, sql } from 'kysely'
import type { TypeCase } from '../fixture.ts'
import type { Suite } from '../runner.ts'
import { uniqueName } from '../support.ts'
import { dropTable } from '../tables.ts'

/** Rows to write and the rows expected back, with an `id` column giving the order. */
export function typeTableRows(cases: readonly TypeCase[]): {
  written: Record<string, unknown>[]
  read: Record<string, unknown>[]
} {
  const count = cases[0]?.rows.length ?? 0
  for (const c of cases) assert.equal(c.rows.length, count, `${c.name}: every case has ${count} rows`)
  const written: Record<string, unknown>[] = []
  const read: Record<string, unknown>[] = []
  for (let r = 0; r < count; r++) {
    const w: Record<string, unknown> = { id: r }
    const x: Record<string, unknown> = { id: r }
    for (const c of cases) {
      const [write, expect] = c.rows[r]!
      w[c.name] = write
      x[c.name] = expect
    }
    written.push(w)
    read.push(x)
  }
  return { written, read }
}

/** Compares column by column, so a failure names the column and the row. */
export function assertTypeRows(
  actual: readonly unknown[],
  expected: readonly Record<string, unknown>[],
  names: readonly string[],
  how: string,
): void {
  assert.equal(actual.length, expected.length, `${how}: row count`)
  expected.forEach((want, r) => {
    const row = actual[r] as Record<string, unknown>
    for (const name of names)
      assert.deepStrictEqual(row[name], want[name], `${how}: row ${r}, column ${name}`)
    assert.deepStrictEqual(Object.keys(row), [...names], `${how}: row ${r}, columns`)
  })
}

export function types(s: Suite): void {
  for (const c of s.entry.types) s.test(`${c.name}: ${c.type}`, () => roundTrip(s, c))
}

async function roundTrip(s: Suite, c: TypeCase): Promise<void> {
  const b = s.backend()
  const db = new Kysely<any>({ dialect: b.dialect() })
  const table = uniqueName(`type_${c.name}`)
  const { written, read } = typeTableRows([c])
  const names = ['id', c.name]
  try {
    await db.schema
      .createTable(table)
      .addColumn('id', sql.raw(b.columnType('integer', false)), (col) => col.primaryKey())
      .addColumn(c.name, sql.raw(c.type))
      .execute()
    await db.insertInto(table).values(written).execute()
    const select = db.selectFrom(table).selectAll().orderBy('id')
    assertTypeRows(await select.execute(), read, names, `${c.type} through a select`)

    const streamed: unknown[] = []
    for await (const row of select.stream(1)) streamed.push(row)
    assertTypeRows(streamed, read, names, `${c.type} through a stream`)

    const { db: drizzle, close } = b.drizzle.open()
    try {
      const result = await drizzle.execute(dsql.raw(select.compile().sql))
      assertTypeRows(result.rows, read, names, `${c.type} through Drizzle`)
    } finally {
      await close()
    }
  } finally {
    await dropTable(db, table)
    await db.destroy()
  }
}
