/**
 * Hostile values as bound parameters: each one must come back exactly as
 * sent, and none may change the statement around it. The expected value is
 * the JS value itself, so nothing here re-implements the encoders.
 */

import assert from 'node:assert/strict'
import { sql as dsql, eq } from 'drizzle-orm'
import { Kysely, sql } from 'kysely'
import type { Suite } from '../runner.ts'
import { assertRefusedBy, show, uniqueName } from '../support.ts'
import { createTable, dropTable } from '../tables.ts'

export const HOSTILE_STRINGS: readonly string[] = [
  "'",
  "''",
  '\\',
  "\\'",
  "\\\\'",
  "'; DROP TABLE users; --",
  '1 OR 1=1',
  "' OR '1'='1",
  '" OR ""="',
  '\0',
  'a\0b',
  '\n',
  '\r\n',
  '\t',
  'line 1\nline 2',
  '\b\f\v',
  '\u0001\u001f\u007f',
  '`',
  '?',
  '$1',
  ':name',
  '@p',
  '{p1:String}',
  '%s',
  '/* comment */',
  '-- comment',
  '# comment',
  '\\N',
  'NULL',
  '\uFEFF',
  '\uFEFFleading byte order mark',
  'é漢字😀🇫🇷',
  '\u{10FFFF}',
  '\u2028\u2029',
  '',
  ' ',
  'x'.repeat(5000),
]

const at = (iso: string) => new Date(iso)

/** [what it is, the value]; each must read back deep-equal to itself. */
export const HOSTILE_VALUES: readonly (readonly [string, unknown])[] = [
  ...HOSTILE_STRINGS.map((v) => [`string ${show(v).slice(0, 40)}`, v] as const),
  ['largest 64-bit integer', 9223372036854775807n],
  ['smallest 64-bit integer', -9223372036854775808n],
  ['2^53 + 1', 9007199254740993n],
  ['decimal string', '-12345678901234567890.123456789012345678'],
  ['decimal string with exponent', '1e-30'],
  ['0.1', 0.1],
  ['largest double', 1.7976931348623157e308],
  ['null', null],
]

/** Instants as JS Dates; the one with milliseconds only where the backend keeps them. */
function instants(milliseconds: boolean): (readonly [string, unknown])[] {
  return [
    ['the epoch', at('1970-01-01T00:00:00Z')],
    ['an instant before 1970', at('1969-07-20T20:17:40Z')],
    ['an instant in 2105', at('2105-12-31T23:59:59Z')],
    ['a leap day', at('2024-02-29T12:34:56Z')],
    ...(milliseconds ? [['an instant with milliseconds', at('2024-02-29T12:34:56.789Z')] as const] : []),
  ]
}

function assertOneRow(rows: readonly unknown[], values: readonly (readonly [string, unknown])[]): void {
  assert.equal(rows.length, 1)
  const row = rows[0] as Record<string, unknown>
  assert.equal(row.sentinel, 'intact', 'the statement around the values changed')
  assert.equal(Object.keys(row).length, values.length + 1)
  for (const [i, [what, value]] of values.entries()) assert.deepStrictEqual(row[`v${i}`], value, what)
}

export function parameters(s: Suite): void {
  // A database that cannot hold U+0000 in text refuses it (asserted below); every other value still runs.
  const noNul = s.entry.unsupported['NUL in text']
  const strings = noNul ? HOSTILE_STRINGS.filter((v) => !v.includes('\0')) : HOSTILE_STRINGS
  const values = noNul
    ? HOSTILE_VALUES.filter(([, v]) => !(typeof v === 'string' && v.includes('\0')))
    : HOSTILE_VALUES
  const kyselyRoundTrip = async (values: readonly (readonly [string, unknown])[]) => {
    const db = new Kysely<any>({ dialect: s.backend().dialect() })
    try {
      // The builder's own select list: a compiler that must type a bare marker (Db2's CAST) sees it as one.
      const rows = await db
        .selectNoFrom((eb) => [
          ...values.map(([, value], i) => eb.val(value).as(`v${i}`)),
          eb.val('intact').as('sentinel'),
        ])
        .execute()
      assertOneRow(rows, values)
    } finally {
      await db.destroy()
    }
  }
  const drizzleRoundTrip = async (values: readonly (readonly [string, unknown])[]) => {
    const { db, close } = s.backend().drizzle.open()
    try {
      const columns = values.map(([, value], i) => dsql`${value} AS ${dsql.identifier(`v${i}`)}`)
      const result = await db.execute(
        dsql`SELECT ${dsql.join(columns, dsql`, `)}, ${'intact'} AS ${dsql.identifier('sentinel')}`,
      )
      assertOneRow(result.rows, values)
    } finally {
      await close()
    }
  }
  const milliseconds = s.entry.capabilities.instantMilliseconds

  s.test('Kysely: hostile values bound as parameters come back exactly, in one statement', () =>
    kyselyRoundTrip(values),
  )
  s.test('Kysely: instants bound as parameters come back exactly', () =>
    kyselyRoundTrip(instants(milliseconds)),
  )
  s.test('Drizzle: hostile values in sql`` come back exactly, in one statement', () =>
    drizzleRoundTrip(values),
  )
  s.test('Drizzle: instants in sql`` come back exactly', () => drizzleRoundTrip(instants(milliseconds)))

  s.test(
    'Kysely: hostile strings stored through the builder are found by equality, one row each',
    async () => {
      const b = s.backend()
      const db = new Kysely<any>({ dialect: b.dialect() })
      const table = uniqueName('hostile')
      try {
        await createTable(db, b, table, { id: { kind: 'integer', primaryKey: true }, s: { kind: 'text' } })
        await db
          .insertInto(table)
          .values(strings.map((value, id) => ({ id, s: value })))
          .execute()
        for (const [id, value] of strings.entries()) {
          const rows = await db.selectFrom(table).selectAll().where('s', '=', value).execute()
          assert.deepStrictEqual(rows, [{ id, s: value }], show(value))
        }
        const all = await db
          .selectFrom(table)
          .select('id')
          .where('s', 'in', [...strings])
          .execute()
        assert.equal(all.length, strings.length)
      } finally {
        await dropTable(db, table)
        await db.destroy()
      }
    },
  )

  s.test('Drizzle: hostile strings stored through a table are found by equality, one row each', async () => {
    const b = s.backend()
    const name = uniqueName('dz_hostile')
    const columns = { id: { kind: 'integer', primaryKey: true }, s: { kind: 'text' } } as const
    const table: any = b.drizzle.table(name, columns)
    const kysely = new Kysely<any>({ dialect: b.dialect() })
    const { db, close } = b.drizzle.open()
    try {
      await createTable(kysely, b, name, columns)
      await db.insert(table).values(strings.map((value, id) => ({ id, s: value })))
      for (const [id, value] of strings.entries()) {
        assert.deepStrictEqual(
          await db.select().from(table).where(eq(table.s, value)),
          [{ id, s: value }],
          show(value),
        )
      }
    } finally {
      await dropTable(kysely, name)
      await kysely.destroy()
      await close()
    }
  })

  s.test('a 1000-row insert (2000 bound parameters) runs through Kysely and through Drizzle', async () => {
    const b = s.backend()
    const name = uniqueName('wide_insert')
    const columns = { id: { kind: 'integer', primaryKey: true }, s: { kind: 'text' } } as const
    const rows = Array.from({ length: 1000 }, (_, id) => ({ id, s: `${strings[id % 20]} ${id}` }))
    const kysely = new Kysely<any>({ dialect: b.dialect() })
    const { db, close } = b.drizzle.open()
    try {
      await createTable(kysely, b, name, columns)
      await kysely.insertInto(name).values(rows).execute()
      await db.insert(b.drizzle.table(name, columns)).values(rows.map((r) => ({ ...r, id: r.id + 1000 })))
      const back = await kysely.selectFrom(name).selectAll().orderBy('id').execute()
      assert.equal(back.length, 2000)
      assert.deepStrictEqual(back.slice(0, 1000), rows)
      assert.deepStrictEqual(back[1999], { id: 1999, s: rows[999]!.s })
    } finally {
      await dropTable(kysely, name)
      await kysely.destroy()
      await close()
    }
  })

  if (noNul) {
    s.test(
      'text with U+0000 is refused with the documented error, and the instance keeps working',
      async () => {
        const b = s.backend()
        const db = new Kysely<any>({ dialect: b.dialect() })
        try {
          await assertRefusedBy(
            () => sql`SELECT ${'a\0b'} AS ${sql.id('v')}`.execute(db),
            noNul,
            'a parameter with U+0000',
          )
          const one = b.series(1)
          assert.deepEqual((await sql.raw(one.sql).execute(db)).rows, [{ n: one.value(0) }])
        } finally {
          await db.destroy()
        }
      },
    )
  }
}
