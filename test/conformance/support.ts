import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Limitation } from './fixture.ts'

let counter = 0
/** A table name unique within the run, so suites never see each other's data. */
export function uniqueName(prefix: string): string {
  counter++
  return `${prefix}_${process.pid}_${counter}`
}

/** Text that appears in one statement only, for finding it on the server. */
export function uniqueMarker(): string {
  return `tributary_mark_${randomBytes(6).toString('hex')}`
}

export type Outcome<T> =
  | { settled: false }
  | { settled: true; ok: true; value: T }
  | { settled: true; ok: false; error: unknown }

/**
 * Watches a promise without awaiting it: its state can be read at any time, and a rejection is
 * never unhandled. `result()` waits for it, at most `ms`; a statement that never settles fails the test.
 */
export function watch<T>(promise: Promise<T>) {
  let outcome: Outcome<T> = { settled: false }
  const done = promise.then(
    (value) => {
      outcome = { settled: true, ok: true, value }
    },
    (error: unknown) => {
      outcome = { settled: true, ok: false, error }
    },
  )
  return {
    get outcome(): Outcome<T> {
      return outcome
    },
    async result(ms: number, what: string): Promise<Exclude<Outcome<T>, { settled: false }>> {
      await Promise.race([done, sleep(ms, undefined, { ref: false })])
      if (!outcome.settled) assert.fail(`${what} did not settle within ${ms} ms`)
      return outcome as Exclude<Outcome<T>, { settled: false }>
    },
  }
}

/** Polls `check` until it is true; fails with `what` after `ms`. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  what: string,
  ms = 10_000,
  interval = 25,
): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`)
    await sleep(interval)
  }
}

/** Asserts that `error` is the limitation's error class, with its message. */
export function assertRefused(error: unknown, limitation: Limitation | undefined, feature: string): void {
  assert.ok(limitation, `the fixture must say why ${feature} is not supported`)
  assert.ok(limitation.error, `the fixture must name the error ${feature} is refused with`)
  assert.ok(
    error instanceof limitation.error.class,
    `${feature}: expected ${limitation.error.class.name}, got ${describeError(error)}`,
  )
  assert.match((error as Error).message, limitation.error.message)
}

/** Runs `fn` and checks that it fails (synchronously or not) as the limitation says. */
export async function assertRefusedBy(
  fn: () => unknown,
  limitation: Limitation | undefined,
  feature: string,
): Promise<void> {
  let error: unknown
  try {
    await fn()
  } catch (e) {
    error = e
  }
  assert.ok(error !== undefined, `${feature} was accepted, but the fixture lists it as unsupported`)
  assertRefused(error, limitation, feature)
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.constructor.name}: ${error.message}`
  return String(error)
}

/** Structured text of a value for assertion messages (bigint and bytes included). */
export function show(value: unknown): string {
  return (
    JSON.stringify(value, (_k, x) =>
      typeof x === 'bigint'
        ? `${x}n`
        : x instanceof Uint8Array
          ? `bytes:${Buffer.from(x).toString('hex')}`
          : x,
    )?.slice(0, 200) ?? String(value)
  )
}
