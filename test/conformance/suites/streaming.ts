import assert from 'node:assert/strict'
import { CompiledQuery, Kysely, sql } from 'kysely'
import type { Suite } from '../runner.ts'
import { uniqueMarker, waitUntil } from '../support.ts'

export function streaming(s: Suite): void {
  s.test('a connection streams every row once, in order, in batches of chunkSize', async () => {
    const b = s.backend()
    const db = new Kysely<any>({ dialect: b.dialect() })
    const series = b.series(2500)
    try {
      const sizes: number[] = []
      const values: unknown[] = []
      await db.connection().execute(async (conn) => {
        for await (const batch of conn.getExecutor().stream(CompiledQuery.raw(series.sql), 1000)) {
          sizes.push(batch.rows.length)
          for (const row of batch.rows) values.push((row as { n: unknown }).n)
        }
      })
      assert.deepEqual(sizes, [1000, 1000, 500])
      assert.deepEqual(
        values,
        Array.from({ length: 2500 }, (_, i) => series.value(i)),
      )
    } finally {
      await db.destroy()
    }
  })

  s.test("a query builder's stream() yields single rows across batch boundaries", async () => {
    const b = s.backend()
    const db = new Kysely<any>({ dialect: b.dialect() })
    const series = b.series(5000)
    try {
      let i = 0
      for await (const row of db
        .selectFrom(sql.raw(`(${series.sql})`).as('s'))
        .selectAll()
        .stream(700)) {
        assert.deepEqual(row, { n: series.value(i) })
        i++
      }
      assert.equal(i, 5000)
    } finally {
      await db.destroy()
    }
  })

  s.test(
    'breaking out of a stream stops the statement on the server; the instance keeps working',
    async () => {
      const b = s.backend()
      const db = new Kysely<any>({ dialect: b.dialect() })
      const marker = uniqueMarker()
      try {
        let rows = 0
        for await (const batch of db.getExecutor().stream(CompiledQuery.raw(b.endless(marker)), 1000)) {
          rows += batch.rows.length
          if (rows === 1000) assert.equal(await b.running(marker), 1, 'the server runs the statement')
          if (rows >= 5000) break
        }
        assert.equal(rows, 5000)
        await waitUntil(async () => (await b.running(marker)) === 0, 'the server to stop the statement')
        const one = b.series(1)
        assert.deepEqual((await sql.raw<{ n: unknown }>(one.sql).execute(db)).rows, [{ n: one.value(0) }])
      } finally {
        await db.destroy()
      }
    },
  )
}
