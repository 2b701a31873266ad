import assert from 'node:assert/strict'
import { type ClickHouseClientConfig, createClient } from '@tributary/clickhouse'

/**
 * A client with `requestTimeoutMs: 5000` on `config`'s transport: the engine gets the limit as
 * `max_execution_time` where the client reads the result whole; a stream is read at the caller's
 * pace, which the engine's clock would count against it, so it gets none; a limit the caller set
 * explicitly is left alone. Each transport adds the setting itself, so each runs this.
 */
export async function assertExecutionTimeFromLimit(config: ClickHouseClientConfig): Promise<void> {
  const client = createClient({ ...config, requestTimeoutMs: 5000 })
  const sql = "SELECT value FROM system.settings WHERE name = 'max_execution_time'"
  try {
    const { rows } = await client.query<{ value: string }>(sql)
    assert.equal(Number(rows[0]!.value), 5)
    const streamed: string[] = []
    for await (const row of client.stream<{ value: string }>(sql)) streamed.push(row.value)
    assert.equal(Number(streamed[0]), 0)
    const own = await client.query<{ value: string }>(sql, undefined, {
      settings: { max_execution_time: 77 },
    })
    assert.equal(Number(own.rows[0]!.value), 77)
  } finally {
    await client.close()
  }
}
