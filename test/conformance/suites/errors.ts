import assert from 'node:assert/strict'
import { ServerError } from '@tributary/core'
import { sql as dsql } from 'drizzle-orm'
import { CompiledQuery, Kysely, sql } from 'kysely'
import type { ServerErrorCase } from '../fixture.ts'
import type { Suite } from '../runner.ts'
import { describeError } from '../support.ts'

export function errors(s: Suite): void {
  const isServerError = (expected: ServerErrorCase | { code: string; message?: RegExp }) => (e: unknown) => {
    assert.ok(e instanceof ServerError, `expected a ServerError, got ${describeError(e)}`)
    assert.equal(e.code, expected.code, e.message)
    assert.equal(e.system, s.system)
    if (expected.message) assert.match(e.message, expected.message)
    return true
  }

  s.test(
    'malformed SQL and unknown tables are ServerErrors with the database code; the instance keeps working',
    async () => {
      const b = s.backend()
      const db = new Kysely<any>({ dialect: b.dialect() })
      const one = b.series(1)
      try {
        await assert.rejects(sql.raw(b.errors.syntax.sql).execute(db), isServerError(b.errors.syntax))
        await assert.rejects(
          sql.raw(b.errors.unknownTable.sql).execute(db),
          isServerError(b.errors.unknownTable),
        )
        await assert.rejects(
          db
            .selectFrom(sql.raw(`(${one.sql})`).as('s'))
            .select('no_such_column')
            .execute(),
          isServerError({ code: b.errors.unknownColumnCode }),
        )
        assert.deepEqual((await sql.raw(one.sql).execute(db)).rows, [{ n: one.value(0) }])
      } finally {
        await db.destroy()
      }
    },
  )

  s.test('an error after rows were streamed is raised to the consumer, not swallowed', async () => {
    const b = s.backend()
    const db = new Kysely<any>({ dialect: b.dialect() })
    const failing = b.errors.failsAfter(300_000)
    try {
      let rows = 0
      await assert.rejects(async () => {
        for await (const batch of db.getExecutor().stream(CompiledQuery.raw(failing.sql), 1000)) {
          rows += batch.rows.length
        }
      }, isServerError(failing))
      assert.ok(rows <= 300_000, `read ${rows} rows, more than the statement returns before failing`)
      const one = b.series(1)
      assert.deepEqual((await sql.raw(one.sql).execute(db)).rows, [{ n: one.value(0) }])
    } finally {
      await db.destroy()
    }
  })

  s.test('Drizzle raises the same ServerErrors', async () => {
    const b = s.backend()
    const { db, close } = b.drizzle.open()
    try {
      await assert.rejects(db.execute(dsql.raw(b.errors.syntax.sql)), isServerError(b.errors.syntax))
      await assert.rejects(
        db.execute(dsql.raw(b.errors.unknownTable.sql)),
        isServerError(b.errors.unknownTable),
      )
    } finally {
      await close()
    }
  })

  const name = 'a wrong password is refused with the database code and no secret in the error'
  if (s.entry.capabilities.authentication) {
    s.test(name, async () => {
      const b = s.backend()
      const secret = 'hunter2-very-secret'
      const db = new Kysely<any>({ dialect: b.dialect({ password: secret }) })
      try {
        await assert.rejects(sql.raw(b.series(1).sql).execute(db), (e: unknown) => {
          const expected = b.errors.wrongPassword
          assert.ok(expected, 'a backend with authentication says how it refuses a wrong password')
          assert.ok(e instanceof expected.class, describeError(e))
          const { code, sqlState } = e as ServerError
          assert.ok(
            expected.codes.includes(String(code)) || expected.codes.includes(String(sqlState)),
            `code ${code}, SQLSTATE ${sqlState}`,
          )
          assert.ok(!String(e.message).includes(secret), 'the message holds the password')
          assert.ok(!String(e.stack).includes(secret), 'the stack holds the password')
          assert.ok(!JSON.stringify(e).includes(secret), 'a property holds the password')
          return true
        })
        // The refusal leaves nothing behind: a client with the right password works.
        const good = new Kysely<any>({ dialect: b.dialect() })
        try {
          const one = b.series(1)
          assert.deepEqual((await sql.raw(one.sql).execute(good)).rows, [{ n: one.value(0) }])
        } finally {
          await good.destroy()
        }
      } finally {
        await db.destroy()
      }
    })
  } else {
    s.absent(name, `no authentication: ${s.entry.unsupported.authentication?.source}`)
  }
}
