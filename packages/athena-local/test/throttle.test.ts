// The throttle knob's rate as a token bucket per operation: `rate` tokens a second, at most `burst` held; a
// call takes a token or is refused, and a refused call takes none, so a client that backs off is served again
// as soon as a token has come back, however many calls it made while throttled. Times are given, not waited for.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Faults } from '../src/faults.ts'

const T0 = 1_000_000

describe('throttle rate', () => {
  it('a refused call does not count against the rate', () => {
    const f = new Faults({ throttle: { rate: 2 } })
    assert.equal(f.overRate('GetQueryExecution', T0), false)
    assert.equal(f.overRate('GetQueryExecution', T0), false)
    // A storm of calls, every one refused, over the next 490 ms.
    for (let ms = 0; ms < 500; ms += 10)
      assert.equal(f.overRate('GetQueryExecution', T0 + ms), true, `${ms} ms`)
    // Half a second refills one token at 2 a second: the next call is served, the one after it is not.
    assert.equal(f.overRate('GetQueryExecution', T0 + 500), false)
    assert.equal(f.overRate('GetQueryExecution', T0 + 500), true)
    assert.equal(f.overRate('GetQueryExecution', T0 + 1000), false)
  })

  it('each operation has its own bucket, and only the listed operations are throttled', () => {
    const f = new Faults({ throttle: { rate: 1, operations: ['StartQueryExecution', 'GetQueryResults'] } })
    assert.equal(f.overRate('StartQueryExecution', T0), false)
    assert.equal(f.overRate('StartQueryExecution', T0), true)
    assert.equal(f.overRate('GetQueryResults', T0), false)
    for (let i = 0; i < 10; i++) assert.equal(f.overRate('GetQueryExecution', T0), false)
  })

  it('an idle operation saves up to `burst` calls (default: one second of the rate)', () => {
    const f = new Faults({ throttle: { rate: 2, burst: 5 } })
    for (let i = 0; i < 5; i++) assert.equal(f.overRate('ListWorkGroups', T0), false, `call ${i}`)
    assert.equal(f.overRate('ListWorkGroups', T0), true)
    // Ten idle seconds refill to the burst, not past it.
    for (let i = 0; i < 5; i++) assert.equal(f.overRate('ListWorkGroups', T0 + 10_000), false, `call ${i}`)
    assert.equal(f.overRate('ListWorkGroups', T0 + 10_000), true)
    const plain = new Faults({ throttle: { rate: 3 } })
    for (let i = 0; i < 3; i++) assert.equal(plain.overRate('ListWorkGroups', T0 + 10_000), false)
    assert.equal(plain.overRate('ListWorkGroups', T0 + 10_000), true)
  })

  it('changing the knob starts the buckets afresh', () => {
    const f = new Faults({ throttle: { rate: 1 } })
    assert.equal(f.overRate('GetWorkGroup', T0), false)
    assert.equal(f.overRate('GetWorkGroup', T0), true)
    f.set({ throttle: { rate: 2 } })
    assert.equal(f.overRate('GetWorkGroup', T0), false)
    assert.equal(f.overRate('GetWorkGroup', T0), false)
    assert.equal(f.overRate('GetWorkGroup', T0), true)
  })
})
