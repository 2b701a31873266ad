import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isKyselyTable } from '../../src/kysely/migration-tables.ts'

test("Kysely's migration and lock tables are its own under the default names only", () => {
  for (const lease of [true, false]) {
    assert.equal(isKyselyTable('kysely_migration', { lease }), true)
    assert.equal(isKyselyTable('kysely_migration_lock', { lease }), true)
    assert.equal(isKyselyTable('orders', { lease }), false)
    assert.equal(isKyselyTable('my_migration', { lease }), false)
    assert.equal(isKyselyTable('KYSELY_MIGRATION', { lease }), false)
  }
})

test("the lease table is the migrator's only where the lock is a table lease", () => {
  assert.equal(isKyselyTable('kysely_migration_lock_lease', { lease: true }), true)
  assert.equal(isKyselyTable('kysely_migration_lock_lease', { lease: false }), false)
  assert.equal(isKyselyTable('kysely_migration_lease', { lease: true }), false)
})
