/**
 * Results read from `<id>.csv` in S3, streamed: the column types come from
 * one GetQueryResults call (the file's `.metadata` sidecar is undocumented),
 * the rows from the file as it arrives, decoded with the same text decoders
 * as the API path. A body that ends before its Content-Length, breaks off, or
 * stops inside a quoted field is an error naming the query, never a short
 * result.
 */
import type { QueryExecution } from '@aws-sdk/client-athena'
import { ConnectionError, DatabaseError, ProtocolError } from '@tributary/core'
import type { AwsTransport } from '../transport/aws.ts'
import { toDatabaseError } from '../transport/errors.ts'
import { type CsvField, CsvRecordReader, CsvSyntaxError } from './csv-records.ts'
import type { ResultReader } from './reader.ts'
import { columnsOf, textDecoder } from './text-values.ts'

/** Bytes of the file read between two hand-overs of rows (a chunk of a fast body can be 64 KiB or more). */
const PIECE_BYTES = 16 * 1024

export interface CsvReadOptions {
  signal?: AbortSignal | undefined
}

export async function readThroughCsv(
  transport: AwsTransport,
  execution: QueryExecution,
  options: CsvReadOptions,
): Promise<ResultReader> {
  const queryId = execution.QueryExecutionId!
  const location = execution.ResultConfiguration?.OutputLocation ?? ''
  // One row is the header: what is wanted is ColumnInfo.
  const first = await transport.getQueryResults(queryId, undefined, 1, options.signal)
  const columns = columnsOf(first.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [])
  const decoders = columns.map((c) => textDecoder(c.type))
  const width = columns.length

  return {
    mode: 'csv',
    columns,
    numAffectedRows: undefined,
    async *batches() {
      const { body, contentLength: expected } = await transport.getObjectStream(
        location,
        options.signal,
        queryId,
      )
      const records = new CsvRecordReader()
      const text = new TextDecoder('utf-8', { ignoreBOM: true })
      let header = true
      let received = 0
      let finished = false
      const decode = (batch: CsvField[][]): unknown[][] => {
        const rows: unknown[][] = []
        for (const record of batch) {
          if (header) {
            header = false
            continue
          }
          if (record.length !== width) {
            throw new ProtocolError(
              `Athena query ${queryId}: a row of its result file has ${record.length} fields, expected ${width}`,
              { queryId, system: 'athena', code: 'MALFORMED_RESULT' },
            )
          }
          const values: unknown[] = new Array(width)
          for (let c = 0; c < width; c++) {
            const field = record[c]!
            values[c] = field === null ? null : decoders[c]!(field)
          }
          rows.push(values)
        }
        return rows
      }
      try {
        for await (const chunk of body) {
          received += chunk.length
          // A chunk is read in pieces, so the rows of each go on (and the event loop gets its turns) before the next.
          for (let at = 0; at < chunk.length; at += PIECE_BYTES) {
            const piece = chunk.subarray(at, Math.min(chunk.length, at + PIECE_BYTES))
            const rows = decode(records.push(text.decode(piece, { stream: true })))
            if (rows.length > 0) yield rows
          }
        }
        if (expected !== undefined && received !== expected) {
          throw new ProtocolError(
            `Athena query ${queryId}: its result file ended after ${received} of ${expected} bytes`,
            { queryId, system: 'athena', code: 'TRUNCATED_RESULT' },
          )
        }
        const rows = decode([...records.push(text.decode()), ...records.end()])
        finished = true
        if (rows.length > 0) yield rows
      } catch (error) {
        throw readError(error, queryId, options.signal)
      } finally {
        if (!finished) body.destroy?.()
      }
    },
  }
}

/** The error a broken read becomes: always typed, always naming the query. */
export function readError(error: unknown, queryId: string, signal: AbortSignal | undefined): DatabaseError {
  if (error instanceof DatabaseError) return error
  if (error instanceof CsvSyntaxError) {
    return new ProtocolError(`Athena query ${queryId}: its result file is not valid CSV (${error.message})`, {
      queryId,
      system: 'athena',
      code: 'MALFORMED_RESULT',
      cause: error,
    })
  }
  if (signal?.aborted) return toDatabaseError({ name: 'AbortError' }, { operation: 'GetObject', queryId })
  const e = error as { code?: string; message?: string }
  return new ConnectionError(
    `Athena query ${queryId}: reading its result file broke off (${e.code ?? e.message ?? String(error)})`,
    { queryId, system: 'athena', code: e.code ?? 'RESULT_READ_FAILED', cause: error },
  )
}
