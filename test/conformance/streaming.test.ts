import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ClickHouseDialect } from '@tributary/clickhouse'
import { Kysely, sql } from 'kysely'
import { forEachBackend } from '../../packages/clickhouse/test/backends.ts'

forEachBackend((ctx) => {
  test('client.stream yields every row once, in order, as objects or arrays', async () => {
    const { client } = ctx()
    let expected = 0n
    for await (const row of client.stream<{ n: bigint; s: string }>(
      'SELECT number AS n, toString(number) AS s FROM system.numbers LIMIT 250000',
      undefined,
      { batchSize: 4096 },
    )) {
      assert.equal(row.n, expected)
      if (expected % 50000n === 0n) assert.equal(row.s, String(expected))
      expected++
    }
    assert.equal(expected, 250000n)

    const arrays: unknown[][] = []
    for await (const row of client.stream<unknown[]>('SELECT 1 AS a, 2 AS b', undefined, {
      rowMode: 'array',
    })) {
      arrays.push(row)
    }
    assert.deepEqual(arrays, [[1, 2]])
  })

  test('Kysely streamQuery yields batches of chunkSize rows', async () => {
    const db = new Kysely<any>({ dialect: new ClickHouseDialect(ctx().config()) })
    try {
      const sizes: number[] = []
      let total = 0
      const query = sql<{ n: bigint }>`SELECT number AS n FROM system.numbers LIMIT 2500`
      const connection = await db.connection().execute(async (conn) => {
        const compiled = query.compile(conn)
        const executor = conn.getExecutor()
        for await (const result of executor.stream(compiled, 1000)) {
          sizes.push(result.rows.length)
          total += result.rows.length
        }
        return true
      })
      assert.equal(connection, true)
      assert.deepEqual(sizes, [1000, 1000, 500])
      assert.equal(total, 2500)

      let seen = 0
      for await (const row of db
        .selectFrom(sql`system.numbers`.as('nums'))
        .select(sql<bigint>`number`.as('n'))
        .limit(5000)
        .stream(700)) {
        assert.equal(typeof row.n, 'bigint')
        seen++
      }
      assert.equal(seen, 5000)
    } finally {
      await db.destroy()
    }
  })

  test('breaking out of a stream stops the query on the server and the client keeps working', async () => {
    const { client } = ctx()
    let count = 0
    for await (const _ of client.stream('SELECT number FROM system.numbers', undefined, {
      batchSize: 1000,
    })) {
      if (++count === 5000) break
    }
    assert.equal(count, 5000)
    const { rows } = await client.query<{ one: number }>('SELECT 1 AS one')
    assert.deepEqual(rows, [{ one: 1 }])
  })
})
