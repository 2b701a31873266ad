/**
 * `runConformance(fixture, 'backend')`: every suite against one backend of one
 * database. An entry file per backend calls it, so each backend starts once
 * per file and the suites share it.
 */

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { BackendEntry, ConformanceBackend, ConformanceFixture, Feature } from './fixture.ts'
import { cancellation } from './suites/cancellation.ts'
import { drizzleSuite } from './suites/drizzle.ts'
import { errors } from './suites/errors.ts'
import { faults } from './suites/faults.ts'
import { introspection } from './suites/introspection.ts'
import { kyselyCrud } from './suites/kysely-crud.ts'
import { migrations } from './suites/migrations.ts'
import { parameters } from './suites/parameters.ts'
import { streaming } from './suites/streaming.ts'
import { transactions } from './suites/transactions.ts'
import { types } from './suites/types.ts'

/** What a suite gets: the backend's declared facts, the started backend, and `test` with todo marks applied. */
export interface Suite {
  readonly system: string
  readonly entry: BackendEntry
  backend(): ConformanceBackend
  test(name: string, fn: () => Promise<void>): void
  /** A test this backend cannot have, reported as skipped with the reason. */
  absent(name: string, reason: string): void
}

const SUITES: readonly [string, (suite: Suite) => void][] = [
  ['kysely', kyselyCrud],
  ['drizzle', drizzleSuite],
  ['streaming', streaming],
  ['types', types],
  ['parameters', parameters],
  ['errors', errors],
  ['faults', faults],
  ['cancellation', cancellation],
  ['sessions and transactions', transactions],
  ['introspection', introspection],
  ['migrations', migrations],
]

/** No test waits longer: a statement that never settles fails its test instead of stalling the run. */
const TEST_TIMEOUT_MS = 120_000

const CAPABILITY_FEATURES: readonly [keyof BackendEntry['capabilities'], Feature][] = [
  ['transactions', 'transactions'],
  ['savepoints', 'savepoints'],
  ['returning', 'returning'],
  ['serverSideCancel', 'server-side cancel'],
  ['sessions', 'sessions'],
  ['authentication', 'authentication'],
]

export function runConformance(fixture: ConformanceFixture, backendName: string): void {
  const entry = fixture.backends[backendName]
  if (!entry) throw new Error(`${fixture.system} has no backend named ${backendName}`)

  const only = process.env.TRIBUTARY_BACKENDS?.split(',').filter(Boolean)
  if (only && only.length > 0 && !only.includes(backendName)) {
    if (process.env.CI) throw new Error('TRIBUTARY_BACKENDS must not narrow the backends in CI')
    describe(
      `${fixture.system} conformance: ${backendName}`,
      { skip: 'not in TRIBUTARY_BACKENDS' },
      () => undefined,
    )
    return
  }

  describe(`${fixture.system} conformance: ${backendName}`, () => {
    let started: ConformanceBackend | undefined
    before(
      async () => {
        started = await entry.start()
      },
      { timeout: TEST_TIMEOUT_MS },
    )
    after(async () => {
      await started?.stop()
    })

    const defined = new Set<string>()
    test('the fixture explains every missing capability', () => {
      for (const [capability, feature] of CAPABILITY_FEATURES) {
        if (entry.capabilities[capability]) continue
        const limitation = entry.unsupported[feature]
        assert.ok(
          limitation,
          `${capability} is false: the fixture must cite why under unsupported['${feature}']`,
        )
        assert.match(
          limitation.source,
          /^https?:\/\/|\.(ts|js|md)\b/,
          `${feature}: cite a URL or a source file`,
        )
      }
      for (const [feature, limitation] of Object.entries(entry.unsupported)) {
        assert.match(
          limitation.source,
          /^https?:\/\/|\.(ts|js|md)\b/,
          `${feature}: cite a URL or a source file`,
        )
        // Only a feature without an API to refuse (a wrong password where there are no passwords) has no error.
        if (feature !== 'authentication')
          assert.ok(limitation.error, `${feature}: name the error the library refuses it with`)
      }
      if (entry.capabilities.savepoints)
        assert.ok(entry.capabilities.transactions, 'savepoints need transactions')
    })

    for (const [suiteName, define] of SUITES) {
      describe(suiteName, () => {
        define({
          system: fixture.system,
          entry,
          backend() {
            if (!started) throw new Error(`backend ${backendName} did not start`)
            return started
          },
          test(name, fn) {
            const key = `${suiteName} › ${name}`
            if (defined.has(key)) throw new Error(`two tests are named ${key}`)
            defined.add(key)
            const todo = entry.todo?.[key]
            test(name, { timeout: TEST_TIMEOUT_MS, ...(todo ? { todo } : {}) }, fn)
          },
          absent(name, reason) {
            defined.add(`${suiteName} › ${name}`)
            test(name, { skip: reason }, () => undefined)
          },
        })
      })
    }

    test('every todo of the fixture names a test of the suite', () => {
      const stale = Object.keys(entry.todo ?? {}).filter((key) => !defined.has(key))
      assert.deepEqual(stale, [], 'todo entries that name no test')
    })
  })
}
