/**
 * Embedded ClickHouse when the optional `chdb` package cannot be loaded (not
 * installed, or a native build that does not load): every call is a
 * ConfigurationError saying how to install it, and `close()` still settles,
 * without throwing that error again, so cleanup code in `finally` blocks does
 * not replace the first error with a second copy of it.
 */

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { registerHooks } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'

// This file runs in a process of its own: from here on, `chdb` resolves to nothing.
registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === 'chdb') {
      throw Object.assign(new Error("Cannot find package 'chdb'"), { code: 'ERR_MODULE_NOT_FOUND' })
    }
    return nextResolve(specifier, context)
  },
})
const { ConfigurationError, createClient } = await import('@tributary/clickhouse')
const { chdb } = await import('@tributary/clickhouse/embedded')

function refusal(error: unknown): boolean {
  assert.ok(error instanceof ConfigurationError, `a ConfigurationError, got ${String(error)}`)
  assert.match(error.message, /npm i chdb/)
  return true
}

describe('embedded ClickHouse without a loadable chdb package', () => {
  test('queries are a ConfigurationError saying npm i chdb; close() settles and does not rethrow it', async () => {
    const client = createClient({ transport: chdb() })
    await assert.rejects(client.query('SELECT 1'), refusal)
    await assert.rejects(client.command('SELECT 1'), refusal)
    await assert.rejects(async () => {
      for await (const _ of client.stream('SELECT 1')) {
        // no rows: the stream cannot start
      }
    }, refusal)
    await client.close()
    await client.close()
  })

  test('close() settles on a client whose transport never started', async () => {
    const client = createClient({ transport: chdb() })
    await client.close()
  })

  test('close() settles on a transport with a path after a failed query', async () => {
    const path = mkdtempSync(join(tmpdir(), 'tributary-no-chdb-'))
    try {
      const client = createClient({ transport: chdb({ path }) })
      await assert.rejects(client.query('SELECT 1'), refusal)
      await client.close()
    } finally {
      rmSync(path, { recursive: true, force: true })
    }
  })
})
