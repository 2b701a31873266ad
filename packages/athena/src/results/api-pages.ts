/**
 * Results through GetQueryResults: pages of up to 1000 rows, each page's
 * successor requested as soon as the page's answer is in (its NextToken is
 * read before the page is parsed), so parsing, decoding and the consumer's
 * work overlap the next round trip and the whole read costs about one round
 * trip per page. At most one page is asked for ahead of the one the consumer
 * is on. The first page of a query repeats the column
 * names; DDL and utility results have no such row.
 */
import type { QueryExecution, Row } from '@aws-sdk/client-athena'
import type { AwsTransport, ResultPage } from '../transport/aws.ts'
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
      /** A page asked for; its answer's NextToken starts the page after it once the reader waits for it. */
      interface Request {
        token: string
        page: Promise<ResultPage>
        awaited: boolean
        hint: string | undefined
        following: Request | undefined
      }
      const request = (token: string): Request => {
        const r: Request = {
          token,
          page: undefined as never,
          awaited: false,
          hint: undefined,
          following: undefined,
        }
        r.page = transport.getQueryResults(queryId, token, pageSize, options.signal, (hint) => {
          r.hint = hint
          if (r.awaited) r.following ??= request(hint)
        })
        // Its failure surfaces when it is awaited; one left behind by an early stop settles on its own.
        r.page.catch(() => undefined)
        return r
      }
      let page: ResultPage = first
      let skip = header ? 1 : 0
      let next: Request | undefined
      for (;;) {
        const token = page.NextToken
        // Ask for the next page now (unless it was asked for already, under the token this page carries).
        if (next?.token !== token) next = token ? request(token) : undefined
        const rows = page.ResultSet?.Rows ?? []
        if (rows.length > skip) yield decodeRows(rows, skip, decoders)
        skip = 0
        if (!next) return
        next.awaited = true
        if (next.hint !== undefined) next.following ??= request(next.hint)
        page = await next.page
        next = next.following
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
