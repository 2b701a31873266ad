/**
 * What every result mode produces: the columns, then rows of decoded values
 * in column order, a batch at a time, pulled by the consumer. The client
 * shapes them into objects or arrays of the size the caller asked for.
 */
import type { ResultColumn } from './text-values.ts'

export type ResultMode = 'api' | 'csv' | 'unload'

export interface ResultReader {
  /** The mode that actually read the rows (an `unload` or `csv` client reads DDL and writes through the API). */
  readonly mode: ResultMode
  readonly columns: ResultColumn[]
  /** Rows written or changed (`UpdateCount`), for statements that report it. */
  readonly numAffectedRows: bigint | undefined
  /** Rows of values in column order. Returning early releases what the reader holds (sockets, prefetches). */
  batches(): AsyncGenerator<unknown[][], void, undefined>
}

/** A result without rows (DDL, an INSERT read through its update count). */
export function emptyReader(
  mode: ResultMode,
  columns: ResultColumn[],
  numAffectedRows?: bigint,
): ResultReader {
  return {
    mode,
    columns,
    numAffectedRows,
    async *batches() {},
  }
}
