import assert from 'node:assert/strict'
import { test } from 'node:test'
import { forEachBackend, uniqueTable } from '../backends.ts'
import { countTurns } from '../event-loop-turns.ts'

const ROWS = 300_000

forEachBackend((ctx) => {
  test(`an insert of ${ROWS} rows from an iterable that never waits lets the event loop turn while it is encoded`, async () => {
    const { client } = ctx()
    const table = uniqueTable('insert_turns')
    await client.command(`CREATE TABLE ${table} (id UInt64, name String, score Float64) ENGINE = Memory`)
    try {
      const turns = countTurns()
      // The longest run of rows handed out with no turn of the event loop between them.
      let longest = 0
      async function* ready(): AsyncGenerator<{ id: number; name: string; score: number }> {
        let run = 0
        let seen = turns.count
        for (let i = 0; i < ROWS; i++) {
          if (turns.count === seen) run++
          else {
            seen = turns.count
            run = 1
          }
          if (run > longest) longest = run
          yield { id: i, name: `name-${i}`, score: i * 0.5 }
        }
      }
      await client.insert({ table, values: ready() })
      turns.stop()
      const { rows } = await client.query(`SELECT count() AS n FROM ${table}`)
      assert.equal(rows[0]!.n, BigInt(ROWS))
      assert.ok(
        longest < ROWS / 4,
        `${longest} of ${ROWS} rows were encoded in one stretch of the event loop (${turns.count} turns in all)`,
      )
    } finally {
      await client.command(`DROP TABLE ${table}`)
    }
  })
})
