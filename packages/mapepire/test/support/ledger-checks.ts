import assert from 'node:assert/strict'
import type { StatementLedger } from './statement-ledger.ts'

/** Statements the server still holds, less the prepared writes jobs keep for reuse (closed with their job). */
export function leaks(ledger: StatementLedger) {
  return ledger
    .open()
    .filter((s) => !(s.type === 'prepare_sql_execute' && /^\s*(INSERT|UPDATE|DELETE|MERGE)\b/i.test(s.sql)))
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
