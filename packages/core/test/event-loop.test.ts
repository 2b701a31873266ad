import assert from 'node:assert/strict'
import { test } from 'node:test'
import { EventLoopTurns } from '@tributary/core'

function busy(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end);
}

test('EventLoopTurns: a turn is due once work ran the slice without one, and yield() lets callbacks run', async () => {
  const turns = new EventLoopTurns(5)
  busy(6)
  assert.equal(turns.due, true)
  let ran = false
  setImmediate(() => {
    ran = true
  })
  await turns.maybeYield()
  assert.equal(ran, true)
  assert.equal(turns.due, false)
})

test('EventLoopTurns: maybeYield() before the slice is used up hands no turn', async () => {
  const turns = new EventLoopTurns(60_000)
  let ran = false
  setImmediate(() => {
    ran = true
  })
  await turns.maybeYield()
  assert.equal(ran, false)
})
