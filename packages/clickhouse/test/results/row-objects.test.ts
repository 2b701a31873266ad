import assert from 'node:assert/strict'
import { test } from 'node:test'
import { forEachBackend } from '../backends.ts'

forEachBackend((ctx) => {
  test('a result column named __proto__ is an own property of every row object, not its prototype', async () => {
    const sql = 'SELECT 1 AS `__proto__`, 2 AS x, 3 AS `constructor`'
    const { rows } = await ctx().client.query<Record<string, unknown>>(sql)
    const streamed: Record<string, unknown>[] = []
    for await (const row of ctx().client.stream<Record<string, unknown>>(sql)) streamed.push(row)
    for (const row of [rows[0]!, streamed[0]!]) {
      assert.deepEqual(Object.keys(row), ['__proto__', 'x', 'constructor'])
      assert.ok(Object.hasOwn(row, '__proto__'))
      assert.equal(Object.getOwnPropertyDescriptor(row, '__proto__')?.value, 1)
      assert.equal(row.x, 2)
      assert.equal(row.constructor, 3)
      assert.equal(Object.getPrototypeOf(row), Object.prototype)
    }
  })
})
