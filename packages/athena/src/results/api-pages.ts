/**
 * Results through GetQueryResults: pages of up to 1000 rows, each page's
 * successor requested as soon as the page arrives, so decoding and the
 * consumer's work overlap the next round trip and the whole read costs about
 * one round trip per page. The first page of a query repeats the column
 * names; DDL and utility results have no such row.
 */
import type { GetQueryResultsCommandOutput, QueryExecution, Row } from '@aws-sdk/client-athena'
import type { AwsTransport } from '../transport/aws.ts'
import type { ResultReader } from './reader.ts'
import { columnsOf, type ResultColumn, textDecoder } from './text-values.ts'

export interface ApiReadOptions {
  signal?: AbortSignal | undefined
  /** Rows per GetQueryResults call, 1 to 1000. */
  pageSize?: number | undefined
}

export async function readThroughApi(
  transport: AwsTransport,
  execution: QueryExecution,
  options: ApiReadOptions,
): Promise<ResultReader> {
  const queryId = execution.QueryExecutionId!
  const pageSize = options.pageSize ?? 1000
  const first = await transport.getQueryResults(queryId, undefined, pageSize, options.signal)
  const columns = columnsOf(first.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [])
  const updateCount = first.UpdateCount
  const numAffectedRows = updateCount !== undefined && isWrite(execution) ? BigInt(updateCount) : undefined
  const decoders = columns.map((c) => textDecoder(c.type))
  const header = execution.StatementType === 'DML' && isHeader(first.ResultSet?.Rows?.[0], columns)

  return {
    mode: 'api',
    columns,
    numAffectedRows,
    async *batches() {
      let page: GetQueryResultsCommandOutput = first
      let skip = header ? 1 : 0
      for (;;) {
        const token = page.NextToken
        // Ask for the next page now; its failure surfaces when it is awaited.
        const next = token ? transport.getQueryResults(queryId, token, pageSize, options.signal) : undefined
        next?.catch(() => undefined)
        // A consumer that stops early leaves `next` to settle on its own (its rejection is handled above).
        const rows = page.ResultSet?.Rows ?? []
        if (rows.length > skip) yield decodeRows(rows, skip, decoders)
        skip = 0
        if (!next) return
        page = await next
      }
    },
  }
}

function isWrite(execution: QueryExecution): boolean {
  return ['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'CREATE_TABLE_AS_SELECT', 'UNLOAD'].includes(
    execution.SubstatementType ?? '',
  )
}

function isHeader(row: Row | undefined, columns: ResultColumn[]): boolean {
  const data = row?.Data
  if (!data || data.length !== columns.length) return false
  return data.every((d, i) => d.VarCharValue === columns[i]!.name)
}

function decodeRows(rows: Row[], skip: number, decoders: ((text: string) => unknown)[]): unknown[][] {
  const out: unknown[][] = new Array(rows.length - skip)
  const width = decoders.length
  for (let r = skip; r < rows.length; r++) {
    const data = rows[r]!.Data ?? []
    const values: unknown[] = new Array(width)
    for (let c = 0; c < width; c++) {
      const text = data[c]?.VarCharValue
      values[c] = text === undefined ? null : decoders[c]!(text)
    }
    out[r - skip] = values
  }
  return out
}
