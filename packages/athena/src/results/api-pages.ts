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
      /**
       * A page asked for. Its successor is prepared as soon as this request has left, under a token still to
       * come: the token is given to it once this page's answer names it (`hint`) and the reader waits for
       * this page, so at most one page is asked for ahead of the one the consumer is on.
       */
      interface Request {
        /** The page's token, once known (a prepared request's comes later). */
        token: string | undefined
        page: Promise<ResultPage>
        awaited: boolean
        hint: string | undefined
        /** The successor, prepared, and the means to give it its token or to drop it unsent. */
        following: Request | undefined
        open: ((token: string) => void) | undefined
        drop: (() => void) | undefined
        /** Not needed any more: prepares no successor, and drops the one it has. */
        closed: boolean
      }
      const release = (r: Request) => {
        const following = r.following
        if (!r.awaited || r.hint === undefined || !following || following.token !== undefined) return
        following.token = r.hint
        r.open!(r.hint)
      }
      const close = (r: Request) => {
        if (r.closed) return
        r.closed = true
        r.drop?.()
        if (r.following) close(r.following)
      }
      const prepareFollowing = (r: Request) => {
        if (r.closed) return
        const token = new Promise<string>((resolve, reject) => {
          r.open = resolve
          r.drop = () => reject(Object.assign(new Error('page not needed'), { name: 'AbortError' }))
        })
        r.following = request(token)
        release(r)
      }
      const request = (token: string | Promise<string>): Request => {
        const r: Request = {
          token: typeof token === 'string' ? token : undefined,
          page: undefined as never,
          awaited: false,
          hint: undefined,
          following: undefined,
          open: undefined,
          drop: undefined,
          closed: false,
        }
        r.page = transport.getQueryResults(queryId, token, pageSize, options.signal, (hint) => {
          r.hint = hint
          release(r)
        })
        // Once this request has reached the socket (the SDK sends through promises, which all run before an
        // immediate), so that preparing its successor costs nothing on the way to it.
        Promise.resolve(token).then(
          () => setImmediate(prepareFollowing, r),
          () => close(r),
        )
        // The last page, or a failed one, leaves its prepared successor unsent.
        r.page.then(
          (page) => {
            if (!page.NextToken) close(r)
          },
          () => close(r),
        )
        return r
      }
      let page: ResultPage = first
      let skip = header ? 1 : 0
      let next: Request | undefined
      try {
        for (;;) {
          const token = page.NextToken
          // Ask for the next page now, unless it was asked for already under the token this page carries.
          if (!token || next?.token !== token) {
            if (next) close(next)
            next = token ? request(token) : undefined
          }
          const rows = page.ResultSet?.Rows ?? []
          if (rows.length > skip) yield decodeRows(rows, skip, decoders)
          skip = 0
          if (!next) return
          next.awaited = true
          release(next)
          page = await next.page
          next = next.following
        }
      } finally {
        // A request left behind by an early stop settles on its own; the successor it prepared is dropped.
        if (next) close(next)
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
