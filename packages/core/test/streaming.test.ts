import assert from 'node:assert/strict'
import { test } from 'node:test'
import { QueryCancelledError } from '../src/errors.ts'
import { untilAborted } from '../src/streaming.ts'

/** A source of numbered batches that records what was asked of it; `onPull` runs before each answer. */
function recordedSource(batches: number, onPull: (index: number) => void = () => {}) {
  const calls: string[] = []
  let index = 0
  const iterator: AsyncIterableIterator<number[]> = {
    async next() {
      calls.push('next')
      onPull(index)
      if (index === batches) return { value: undefined, done: true }
      return { value: [index++], done: false }
    },
    async return() {
      calls.push('return')
      return { value: undefined, done: true }
    },
    [Symbol.asyncIterator]() {
      return this
    },
  }
  return { iterator, calls }
}

const stopped = (signal: AbortSignal) =>
  new QueryCancelledError('stopped', { queryId: 'q1', cause: signal.reason })

test('untilAborted hands on every batch and leaves an ended source alone', async () => {
  const { iterator, calls } = recordedSource(3)
  const seen: number[][] = []
  for await (const batch of untilAborted(iterator, new AbortController().signal, stopped)) seen.push(batch)
  assert.deepEqual(seen, [[0], [1], [2]])
  assert.deepEqual(calls, ['next', 'next', 'next', 'next'])
})

test('breaking out returns the source', async () => {
  const { iterator, calls } = recordedSource(3)
  for await (const _ of untilAborted(iterator, undefined, stopped)) break
  assert.deepEqual(calls, ['next', 'return'])
})

test('an abort between batches ends the stream with the stopped error, without pulling again', async () => {
  const controller = new AbortController()
  const { iterator, calls } = recordedSource(3)
  const stream = untilAborted(iterator, controller.signal, stopped)
  assert.deepEqual((await stream.next()).value, [0])
  controller.abort(new Error('user'))
  await assert.rejects(stream.next(), (error: unknown) => {
    assert.ok(error instanceof QueryCancelledError)
    assert.equal(error.queryId, 'q1')
    assert.equal((error.cause as Error).message, 'user')
    return true
  })
  assert.deepEqual(calls, ['next', 'return'])
})

test('a batch that arrives after the abort is not handed out', async () => {
  const controller = new AbortController()
  const { iterator, calls } = recordedSource(3, (index) => {
    if (index === 1) controller.abort()
  })
  const seen: number[][] = []
  await assert.rejects(async () => {
    for await (const batch of untilAborted(iterator, controller.signal, stopped)) seen.push(batch)
  }, QueryCancelledError)
  assert.deepEqual(seen, [[0]])
  assert.deepEqual(calls, ['next', 'next', 'return'])
})

test("a source that throws is not returned, and its error is the stream's", async () => {
  const calls: string[] = []
  const source: AsyncIterableIterator<number[]> = {
    async next() {
      calls.push('next')
      throw new Error('broken')
    },
    async return() {
      calls.push('return')
      return { value: undefined, done: true }
    },
    [Symbol.asyncIterator]() {
      return this
    },
  }
  await assert.rejects(async () => {
    for await (const _ of untilAborted(source, undefined, stopped));
  }, /broken/)
  assert.deepEqual(calls, ['next'])
})

/** A source whose return() rejects, as a transport's does when closing the stream fails. */
function sourceWithFailingReturn() {
  const calls: string[] = []
  const iterator: AsyncIterableIterator<number[]> = {
    async next() {
      calls.push('next')
      return { value: [calls.length], done: false }
    },
    async return() {
      calls.push('return')
      throw new Error('close failed')
    },
    [Symbol.asyncIterator]() {
      return this
    },
  }
  return { iterator, calls }
}

test("an abort keeps its stopped error when the source's return() rejects", async () => {
  const controller = new AbortController()
  const { iterator, calls } = sourceWithFailingReturn()
  await assert.rejects(async () => {
    for await (const _ of untilAborted(iterator, controller.signal, stopped)) controller.abort()
  }, QueryCancelledError)
  assert.deepEqual(calls, ['next', 'return'])
})

test("breaking out passes on the source's return() rejection, as for await does", async () => {
  const { iterator, calls } = sourceWithFailingReturn()
  await assert.rejects(async () => {
    for await (const _ of untilAborted(iterator, undefined, stopped)) break
  }, /close failed/)
  assert.deepEqual(calls, ['next', 'return'])
})
