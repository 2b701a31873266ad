/**
 * What the engine itself says is running: `system.processes`, read through a
 * client of the test's choosing. Queries are found by a marker in their text,
 * which every backend keeps (bound values are filled into the listed text).
 */

import { randomUUID } from 'node:crypto'
import { type ClickHouseClient, sleep } from '@tributary/clickhouse'

/** A string to put in a query so that it can be found in `system.processes`. */
export function marker(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`
}

/** Queries listed in `system.processes` whose text holds `marker` (the listing query excluded). */
export async function runningCount(client: ClickHouseClient, marker: string): Promise<number> {
  const { rows } = await client.query<{ c: bigint | number }>(
    "SELECT count() AS c FROM system.processes WHERE query LIKE {pattern:String} AND query NOT LIKE '%system.processes%'",
    { pattern: `%${marker}%` },
  )
  return Number(rows[0]!.c)
}

/** Polls until the query holding `marker` is listed. */
export async function waitUntilListed(client: ClickHouseClient, marker: string): Promise<void> {
  while ((await runningCount(client, marker)) === 0) await sleep(25)
}

/** Polls until no query holding `marker` is listed any more. */
export async function waitUntilGone(client: ClickHouseClient, marker: string): Promise<void> {
  while ((await runningCount(client, marker)) > 0) await sleep(25)
}

/**
 * A query that never ends on its own and takes a bound parameter holding `marker`:
 * it runs until something stops it in the engine.
 */
export function endlessBoundQuery(marker: string): { sql: string; params: { marker: string } } {
  return {
    sql: "SELECT count() AS c FROM system.numbers WHERE NOT ignore(sleepEachRow(0.001)) AND {marker:String} != '' SETTINGS max_block_size = 100",
    params: { marker },
  }
}

/**
 * Like `endlessBoundQuery`, but producing rows as it goes, ten per block. The rows
 * are about 1 KB wide so that servers which buffer their output (18.16 sends 1 MiB
 * at a time) still deliver the first ones within a second or so.
 */
export function endlessBoundRows(marker: string): { sql: string; params: { marker: string } } {
  return {
    sql: "SELECT number AS n, arrayStringConcat(arrayMap(x -> 'x', range(1000))) AS pad FROM system.numbers WHERE NOT ignore(sleepEachRow(0.001)) AND {marker:String} != '' SETTINGS max_block_size = 10",
    params: { marker },
  }
}
