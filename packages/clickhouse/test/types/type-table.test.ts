/**
 * The type table of docs/clickhouse-types.md through the client's own insert
 * (TabSeparated, typed by the table's columns): JS values written with
 * `client.insert` and read back through `query`, `stream` and Kysely must be
 * exactly the documented JS values, on every backend. The conformance suite
 * writes the same table through Kysely's insert builder.
 */

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type ClickHouseClient, ClickHouseDialect, createClient } from '@tributary/clickhouse'
import { Kysely } from 'kysely'
import type { TypeCase } from '../../../../test/conformance/fixture.ts'
import { typeTableRows } from '../../../../test/conformance/suites/types.ts'
import { type BackendContext, forEachBackend, uniqueTable } from '../backends.ts'
import { COMMON, MODERN, OPTIONAL } from '../conformance/type-table.ts'

const ROWS = 4
const utc = (iso: string) => new Date(iso)

/** The table of every type this backend has, one column per case. */
async function createTypesTable(ctx: BackendContext, table: string): Promise<TypeCase[]> {
  const columns = ctx.modern ? [...COMMON, ...MODERN, ...OPTIONAL] : [...COMMON]
  const defs = columns.map((c) => `${c.name} ${c.type}`).join(', ')
  await ctx.client.command(`CREATE TABLE ${table} (id UInt32, ${defs}) ENGINE = MergeTree ORDER BY id`)
  return columns
}

/** Per-column comparison first, so a failure names the column and row. */
function assertRows(actual: unknown[], expected: Record<string, unknown>[], names: string[], how: string) {
  assert.equal(actual.length, expected.length, `${how}: row count`)
  for (let r = 0; r < expected.length; r++) {
    const row = actual[r] as Record<string, unknown> | unknown[]
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string
      const got = Array.isArray(row) ? row[i] : (row as Record<string, unknown>)[name]
      assert.deepStrictEqual(
        got,
        (expected[r] as Record<string, unknown>)[name],
        `${how}: row ${r}, column ${name}`,
      )
    }
    if (!Array.isArray(row)) assert.deepStrictEqual(Object.keys(row), names, `${how}: row ${r} keys`)
    else assert.equal(row.length, names.length, `${how}: row ${r} width`)
  }
}

async function readAll(client: ClickHouseClient, sql: string): Promise<unknown[][]> {
  const rows: unknown[][] = []
  for await (const row of client.stream<unknown[]>(sql, undefined, { rowMode: 'array' })) rows.push(row)
  return rows
}

forEachBackend((ctx) => {
  test('every mapped type round-trips: insert objects, read with query, stream and Kysely', async () => {
    const { client } = ctx()
    const table = uniqueTable('types')
    try {
      const columns = await createTypesTable(ctx(), table)
      const { written, read } = typeTableRows(columns)
      const names = ['id', ...columns.map((c) => c.name)]

      await client.insert({ table, values: written })
      const select = `SELECT * FROM ${table} ORDER BY id`

      const queried = await client.query(select)
      assertRows(queried.rows, read, names, 'query')

      assertRows(await readAll(client, select), read, names, 'stream')

      const db = new Kysely<any>({ dialect: new ClickHouseDialect(ctx().config()) })
      try {
        const rows = await db.selectFrom(table).selectAll().orderBy('id').execute()
        assertRows(rows, read, names, 'kysely')
      } finally {
        await db.destroy()
      }
    } finally {
      await client.command(`DROP TABLE IF EXISTS ${table}`)
    }
  })

  test('insert from an async generator of array rows with an explicit column list', async () => {
    const { client } = ctx()
    const table = uniqueTable('types_gen')
    try {
      const columns = await createTypesTable(ctx(), table)
      const { written, read } = typeTableRows(columns)
      const names = ['id', ...columns.map((c) => c.name)]
      // Reversed column order: array rows follow `columns`, not the table.
      const order = [...names].reverse()
      async function* source() {
        for (const row of written) {
          await Promise.resolve()
          yield order.map((n) => row[n])
        }
      }
      const result = await client.insert({ table, values: source(), columns: order })
      if (result.writtenRows !== undefined) assert.equal(result.writtenRows, BigInt(ROWS))
      assertRows(await readAll(client, `SELECT * FROM ${table} ORDER BY id`), read, names, 'stream')
    } finally {
      await client.command(`DROP TABLE IF EXISTS ${table}`)
    }
  })

  test('binaryStrings and dateTimes: string on one row', async () => {
    const { client } = ctx()
    const table = uniqueTable('types_opts')
    const modern = ctx().modern
    const extra = modern ? ", t3 DateTime64(3, 'UTC'), t6 DateTime64(6, 'Asia/Tokyo')" : ''
    const bytes = new Uint8Array([0xff, 0x00, 0x27, 0x5c, 0x09, 0x0a, 0x80])
    const fixed = new Uint8Array([0xc3, 0xa9, 0x00, 0xfe])
    try {
      await client.command(
        `CREATE TABLE ${table} (s String, fs FixedString(4), arr Array(String), t DateTime('Asia/Kolkata'), d Date${extra}) ENGINE = Memory`,
      )
      const row: Record<string, unknown> = {
        s: bytes,
        fs: fixed,
        arr: [bytes, 'é'],
        t: utc('2024-01-02T03:04:05Z'),
        d: '2024-02-29',
      }
      if (modern) {
        row.t3 = utc('1969-12-31T23:59:59.999Z')
        row.t6 = '2024-01-02T03:04:05.000001Z'
      }
      await client.insert({ table, values: [row] })
      const special = createClient({ ...ctx().config(), binaryStrings: true, dateTimes: 'string' })
      try {
        const expected: Record<string, unknown> = {
          s: bytes,
          fs: fixed,
          arr: [bytes, new TextEncoder().encode('é')],
          t: '2024-01-02T03:04:05Z',
          d: '2024-02-29',
        }
        if (modern) {
          expected.t3 = '1969-12-31T23:59:59.999Z'
          expected.t6 = '2024-01-02T03:04:05.000001Z'
        }
        const names = Object.keys(expected)
        const normalise = (rows: unknown[]) =>
          rows.map((r) =>
            Array.isArray(r)
              ? r.map(toPlainBytes)
              : Object.fromEntries(Object.entries(r as object).map(([k, v]) => [k, toPlainBytes(v)])),
          )
        const queried = await special.query(`SELECT * FROM ${table}`)
        assertRows(normalise(queried.rows), [expected], names, 'query')
        assertRows(normalise(await readAll(special, `SELECT * FROM ${table}`)), [expected], names, 'stream')
      } finally {
        await special.close()
      }
    } finally {
      await client.command(`DROP TABLE IF EXISTS ${table}`)
    }
  })
})

/** Byte values compare as plain Uint8Array whatever subclass (Buffer) a reader returns. */
function toPlainBytes(v: unknown): unknown {
  if (v instanceof Uint8Array) return new Uint8Array(v)
  if (Array.isArray(v)) return v.map(toPlainBytes)
  return v
}
