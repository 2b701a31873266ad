import assert from 'node:assert/strict'
import { test } from 'node:test'
import { QueryCancelledError, TimeoutError } from '../src/errors.ts'
import { backoffDelay, pollUntil, sleep } from '../src/poll.ts'
import { compareVersions, versionAtLeast } from '../src/version.ts'

test('backoff grows by the multiplier up to the cap; full jitter stays within it', () => {
  const exact = [0, 1, 2, 3, 4, 5].map((a) =>
    backoffDelay(a, { initialDelayMs: 10, maxDelayMs: 100, jitter: 'none' }),
  )
  assert.deepEqual(exact, [10, 20, 40, 80, 100, 100])
  assert.equal(backoffDelay(3, { initialDelayMs: 10, random: () => 0.5 }), 40)
  for (let i = 0; i < 100; i++) {
    const d = backoffDelay(10, { initialDelayMs: 10, maxDelayMs: 500 })
    assert.ok(d >= 0 && d < 500)
  }
})

test('pollUntil returns the first defined answer and counts attempts', async () => {
  const seen: number[] = []
  const value = await pollUntil(
    async (attempt) => {
      seen.push(attempt)
      return attempt === 3 ? 'done' : undefined
    },
    { initialDelayMs: 1, maxDelayMs: 2 },
  )
  assert.equal(value, 'done')
  assert.deepEqual(seen, [0, 1, 2, 3])
})

test('pollUntil gives up with the caller’s timeout error, and stops at once on abort', async () => {
  await assert.rejects(
    pollUntil(async () => undefined, {
      timeoutMs: 30,
      initialDelayMs: 5,
      onTimeout: () => new TimeoutError('lock not free'),
    }),
    (e: unknown) => e instanceof TimeoutError && e.message === 'lock not free',
  )
  const controller = new AbortController()
  const pending = pollUntil(async () => undefined, { signal: controller.signal, initialDelayMs: 60_000 })
  setTimeout(() => controller.abort(), 10)
  await assert.rejects(pending, (e: unknown) => e instanceof QueryCancelledError)
  await assert.rejects(sleep(10, AbortSignal.abort()), (e: unknown) => e instanceof QueryCancelledError)
})

test('versions compare part by part', () => {
  assert.ok(versionAtLeast('19.3.3', 19, 3))
  assert.ok(versionAtLeast('19.3.3', 19, 3, 3))
  assert.ok(!versionAtLeast('19.3.2', 19, 3, 3))
  assert.ok(!versionAtLeast('18.16.1', 19))
  assert.ok(versionAtLeast('26.7.2.1', 24, 10))
  assert.equal(compareVersions('2.1.3-beta', '2.1.3'), 0)
  assert.ok(compareVersions('10.0', '9.9') > 0)
})
