/** ClickHouse statements the conformance fixture and the ClickHouse-only tests share. */

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
