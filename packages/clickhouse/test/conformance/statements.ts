/** ClickHouse statements the conformance fixture and the ClickHouse-only tests share. */

import type { ClickHouseClient } from '@tributary/clickhouse'

/**
 * 15 000 rows at 1 ms each: 15 s unless stopped, nothing returned before the end; small blocks keep
 * each sleep under the server's 3 s limit. `extra` goes into the function arguments (a placeholder).
 */
export function slowQuery(marker: string, extra = ''): string {
  return `SELECT count() AS c FROM numbers(15000) WHERE NOT ignore(sleepEachRow(0.001), '${marker}'${extra}) SETTINGS max_block_size = 100`
}

/** Rows as fast as the server makes them, without end. */
export function endlessQuery(marker: string): string {
  return `SELECT number AS n, '${marker}' AS m FROM system.numbers`
}

/** How many queries with `marker` in their text the server runs now (its process list, this query aside). */
export async function runningQueries(observer: ClickHouseClient, marker: string): Promise<number> {
  const { rows } = await observer.query<{ c: bigint }>(
    "SELECT count() AS c FROM system.processes WHERE position(query, {m:String}) > 0 AND query NOT LIKE '%system.processes%'",
    { m: marker },
  )
  return Number(rows[0]!.c)
}
