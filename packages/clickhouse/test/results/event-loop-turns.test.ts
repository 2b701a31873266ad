import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeBatches } from '../../src/result-stream.ts'
import { countTurns } from '../event-loop-turns.ts'
import { chdbBody } from '../formats/chdb-fixture.ts'

const ROWS = 500_000
const SQL = `SELECT number AS id, toString(number) AS name, number * 0.5 AS score FROM numbers(${ROWS})`

/** A body whose chunks are all buffered already: handing them out never waits for I/O. */
async function* buffered(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}

/** The event-loop turns while `consume` reads the result. */
async function turnsWhile(consume: () => Promise<number>): Promise<{ rows: number; turns: number }> {
  const turns = countTurns()
  const rows = await consume()
  turns.stop()
  return { rows, turns: turns.count }
}

for (const chunkSize of [64 * 1024, 2 * 1024 * 1024]) {
  test(`a result of ${ROWS} buffered rows in ${chunkSize}-byte chunks gives the event loop turns while it is decoded`, async () => {
    const bytes = await chdbBody(SQL, 'RowBinaryWithNamesAndTypes')
    const streamed = await turnsWhile(async () => {
      let rows = 0
      for await (const batch of decodeBatches(
        buffered(bytes, chunkSize),
        'RowBinaryWithNamesAndTypes',
        'object',
        128,
        {},
      ))
        rows += batch.length
      return rows
    })
    assert.equal(streamed.rows, ROWS)
    assert.ok(streamed.turns > 1, `the event loop turned ${streamed.turns} times while streaming`)

    // Read whole (one batch for the whole result, as client.query does): the same.
    const whole = await turnsWhile(async () => {
      let rows = 0
      for await (const batch of decodeBatches(
        buffered(bytes, chunkSize),
        'RowBinaryWithNamesAndTypes',
        'object',
        Number.MAX_SAFE_INTEGER,
        {},
      ))
        rows += batch.length
      return rows
    })
    assert.equal(whole.rows, ROWS)
    assert.ok(whole.turns > 1, `the event loop turned ${whole.turns} times while reading whole`)
  })
}
