/**
 * Progress of a running query over HTTP, for `onProgress`, and the final
 * summary.
 *
 * Progress headers alone cannot give live progress: undici hands a response's
 * headers over only once the header block is complete, which ClickHouse does
 * with the first result bytes, and Debian's 18.16 build (linked against a Poco
 * without ClickHouse's patch) sends none at all. Every server version lists a
 * running query's counters in `system.processes`, so a watch reads them there
 * once a second, and merges in the headers where they come. Reports only grow.
 */

import { type Logger, log, sleep } from '@tributary/core'
import { quoteLiteral } from '../params/literal.ts'
import type { ClickHouseProgress } from './transport.ts'

/** How often a watched query's counters are read from `system.processes`. */
export const PROGRESS_POLL_MS = 1000

function toBigInt(value: unknown): bigint {
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value)
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value)
  return 0n
}

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined
  try {
    const json = JSON.parse(text) as unknown
    return typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** `X-ClickHouse-Progress` JSON (values are strings). ClickHouse leaves out counters that are still 0. */
export function parseProgressHeader(text: string | undefined): ClickHouseProgress | undefined {
  const json = parseJson(text)
  if (!json) return undefined
  return {
    readRows: toBigInt(json.read_rows),
    readBytes: toBigInt(json.read_bytes),
    writtenRows: toBigInt(json.written_rows),
    writtenBytes: toBigInt(json.written_bytes),
    totalRowsToRead: toBigInt(json.total_rows_to_read),
    elapsedNs: json.elapsed_ns === undefined ? undefined : toBigInt(json.elapsed_ns),
  }
}

/**
 * `X-ClickHouse-Summary` JSON. Servers list every counter in it, zeros included,
 * so one that is missing is unknown (`undefined`), not 0.
 */
export function parseSummaryHeader(text: string | undefined): ClickHouseProgress | undefined {
  const json = parseJson(text)
  if (!json) return undefined
  const progress = parseProgressHeader(text) as ClickHouseProgress
  return {
    ...progress,
    writtenRows: json.written_rows === undefined ? undefined : progress.writtenRows,
    writtenBytes: json.written_bytes === undefined ? undefined : progress.writtenBytes,
  }
}

function larger(a: bigint | undefined, b: bigint | undefined): bigint | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return a > b ? a : b
}

/** Runs a small statement on the control connection and returns its body as text. */
export type ControlQuery = (sql: string, signal: AbortSignal) => Promise<string>

export class ProgressWatch {
  readonly #queryId: string
  readonly #onProgress: (queryId: string, progress: ClickHouseProgress) => void
  readonly #logger: Logger | undefined
  readonly #stopped = new AbortController()
  #last: ClickHouseProgress | undefined
  /** The response has started: from now on a query no longer listed has finished. */
  #responded = false

  constructor(
    queryId: string,
    onProgress: (queryId: string, progress: ClickHouseProgress) => void,
    logger: Logger | undefined,
  ) {
    this.#queryId = queryId
    this.#onProgress = onProgress
    this.#logger = logger
  }

  /** Polls `system.processes` with `query` until `stop()`. */
  start(query: ControlQuery, intervalMs = PROGRESS_POLL_MS): void {
    void this.#poll(query, intervalMs)
  }

  stop(): void {
    this.#stopped.abort()
  }

  responded(): void {
    this.#responded = true
  }

  /** Reports `progress` merged into what was reported before, if that grew. */
  report(progress: ClickHouseProgress): void {
    if (this.#stopped.signal.aborted) return
    const last = this.#last
    const merged: ClickHouseProgress = last
      ? {
          readRows: larger(last.readRows, progress.readRows) as bigint,
          readBytes: larger(last.readBytes, progress.readBytes) as bigint,
          writtenRows: larger(last.writtenRows, progress.writtenRows),
          writtenBytes: larger(last.writtenBytes, progress.writtenBytes),
          totalRowsToRead: larger(last.totalRowsToRead, progress.totalRowsToRead) as bigint,
          elapsedNs: larger(last.elapsedNs, progress.elapsedNs),
        }
      : progress
    if (
      last &&
      merged.readRows === last.readRows &&
      merged.readBytes === last.readBytes &&
      merged.writtenRows === last.writtenRows &&
      merged.totalRowsToRead === last.totalRowsToRead
    ) {
      return
    }
    this.#last = merged
    try {
      this.#onProgress(this.#queryId, merged)
    } catch (error) {
      // The callback's own failure must not fail the query it watches.
      log(this.#logger, 'warn', 'onProgress threw', { queryId: this.#queryId, error: String(error) })
    }
  }

  async #poll(query: ControlQuery, intervalMs: number): Promise<void> {
    const stopped = this.#stopped.signal
    const sql = `SELECT read_rows, read_bytes, written_rows, written_bytes, total_rows_approx, elapsed FROM system.processes WHERE query_id = ${quoteLiteral(this.#queryId)} FORMAT TabSeparated`
    try {
      for (;;) {
        await sleep(intervalMs, stopped)
        const text = await query(sql, AbortSignal.any([stopped, AbortSignal.timeout(10_000)]))
        if (stopped.aborted) return
        const fields = text.split('\n')[0]?.split('\t')
        if (!fields || fields.length < 6) {
          // Not listed: not started yet, or (once the response has begun) finished.
          if (this.#responded) return
          continue
        }
        const [readRows, readBytes, writtenRows, writtenBytes, totalRows, elapsed] = fields
        this.report({
          readRows: toBigInt(readRows),
          readBytes: toBigInt(readBytes),
          writtenRows: toBigInt(writtenRows),
          writtenBytes: toBigInt(writtenBytes),
          totalRowsToRead: toBigInt(totalRows),
          elapsedNs: BigInt(Math.round(Number(elapsed) * 1e9) || 0),
        })
      }
    } catch (error) {
      if (stopped.aborted) return
      // No right to read system.processes, or the server is gone: the query itself reports that.
      log(this.#logger, 'debug', 'progress polling stopped', { queryId: this.#queryId, error: String(error) })
    }
  }
}
