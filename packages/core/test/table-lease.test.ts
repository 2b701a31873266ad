import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TimeoutError } from '../src/errors.ts'
import { type LeaseStore, TableLease } from '../src/table-lease.ts'

/** An in-memory lease table with the semantics of the real ones: create is atomic, rows append. */
class MemoryStore implements LeaseStore {
  exists = false
  rows: { owner: string; expiresAtMs: number }[] = []
  drops = 0
  readonly dropHint = 'DROP TABLE lock_lease'
  async create() {
    if (this.exists) return false
    this.exists = true
    this.rows = []
    return true
  }
  async renew(owner: string, expiresAtMs: number) {
    if (this.exists) this.rows.push({ owner, expiresAtMs })
  }
  async latest() {
    return this.rows.toSorted((a, b) => b.expiresAtMs - a.expiresAtMs)[0]
  }
  async drop() {
    this.exists = false
    this.rows = []
    this.drops++
  }
}

test('one holder at a time: the second waits until the first releases', async () => {
  const store = new MemoryStore()
  const first = new TableLease(store, { pollMs: 5 })
  const second = new TableLease(store, { pollMs: 5 })
  await first.acquire()
  let secondHas = false
  const waiting = second.acquire().then(() => {
    secondHas = true
  })
  await new Promise((resolve) => setTimeout(resolve, 50))
  assert.equal(secondHas, false)
  await first.release()
  await waiting
  assert.equal(secondHas, true)
  await second.release()
  assert.equal(store.exists, false)
})

test('a holder renews its lease; a lease nobody renews expires and is taken over', async () => {
  const store = new MemoryStore()
  const alive = new TableLease(store, { ttlMs: 60, pollMs: 5 })
  await alive.acquire()
  await new Promise((resolve) => setTimeout(resolve, 150))
  assert.ok(store.rows.length >= 3, `expected heartbeats, saw ${store.rows.length} rows`)
  await alive.release()

  // A migrator that died: a row whose expiry has passed, no heartbeat.
  store.exists = true
  store.rows = [{ owner: 'dead', expiresAtMs: Date.now() - 1 }]
  const next = new TableLease(store, { ttlMs: 60_000, pollMs: 5 })
  await next.acquire()
  assert.notEqual((await store.latest())?.owner, 'dead')
  await next.release()

  // A creator that died before writing its row: the empty lease expires one ttl after it is first seen.
  store.exists = true
  store.rows = []
  const patient = new TableLease(store, { ttlMs: 40, pollMs: 5 })
  await patient.acquire()
  assert.equal(store.rows.length >= 1, true)
  await patient.release()
})

test('waiting past the timeout is a TimeoutError that says how to release by hand', async () => {
  const store = new MemoryStore()
  store.exists = true
  store.rows = [{ owner: 'busy', expiresAtMs: Date.now() + 60_000 }]
  await assert.rejects(
    new TableLease(store, { timeoutMs: 30, pollMs: 5 }).acquire(),
    (error: unknown) => error instanceof TimeoutError && error.message.includes('DROP TABLE lock_lease'),
  )
})
