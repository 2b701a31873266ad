import assert from 'node:assert/strict'
import { classifyStatement } from '../../src/statement-kind.ts'
import type { StatementLedger } from './statement-ledger.ts'

/**
 * Whether a statement is one a job may keep for reuse (closed when evicted or with its job): a
 * prepared write, or a prepared query that only reads (classified as the client does).
 */
export function keptForReuse(statement: { type: string; sql: string }): boolean {
  return statement.type === 'prepare_sql_execute' && classifyStatement(statement.sql).reusable
}

/** Statements the server still holds, less the prepared statements jobs keep for reuse. */
export function leaks(ledger: StatementLedger) {
  return ledger.open().filter((s) => !keptForReuse(s))
}

export async function until(
  check: () => Promise<boolean> | boolean,
  what: string,
  tries = 200,
): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** The server holds no statement the client is done with (sqlclose frames may still be on the way). */
export async function noLeaks(ledger: StatementLedger): Promise<void> {
  await until(() => leaks(ledger).length === 0, 'the server to hold no statement').catch(() => {
    assert.deepEqual(leaks(ledger), [])
  })
}
