/**
 * Running one statement on a job: which request carries it, paging its
 * result, decoding rows, closing it on the server, and stopping it when its
 * signal aborts.
 *
 * - No parameters: `sql`. Parameters: `prepare_sql_execute`; for writes
 *   (INSERT, UPDATE, DELETE, MERGE) the prepared statement is kept by the job
 *   and later runs are `execute` requests (no prepare on the server). Queries
 *   are prepared each time: a re-executed statement's result cannot be paged.
 * - Results come terse (positional) and are decoded through their metadata.
 *   A whole result is read with `sqlmore` pages of `fetchSize` rows; a stream
 *   pages by its batch size and asks for the next page while the consumer
 *   holds the current one (never more than one page ahead).
 * - Every `sql` and `prepare_sql*` request is closed with `sqlclose` once its
 *   caller is done with it (completion, early exit, error or abort), since
 *   the server keeps it until then; kept prepared statements are closed when
 *   evicted or when their job ends.
 */
import {
  type ColumnInfo,
  type DatabaseError,
  QueryCancelledError,
  type RowMode,
  type SqlResult,
  TimeoutError,
} from '@tributary/core'
import type { StatementStopper, StopOutcome } from './cancel.ts'
import type { WireValue } from './codecs/params.ts'
import { parseNumbersAsText, parseReply } from './codecs/reply-json.ts'
import { BlobReference, type RowDecoder, readColumns, rowDecoder } from './codecs/values.ts'
import type { ResolvedConfig } from './config.ts'
import { isCancelledByServer, SYSTEM } from './errors.ts'
import type { MapepireJob, PreparedEntry } from './job.ts'
import { fetchBlob } from './transport/blob.ts'
import { defaultParser, type Reply, type ReplyParser } from './transport/socket.ts'

export interface OutputParameter {
  index: number
  name: string | undefined
  type: string
  value: unknown
}

export interface MapepireResult<R = Record<string, unknown>> extends SqlResult<R> {
  /** OUT and INOUT parameters of a CALL. */
  outputParameters?: OutputParameter[] | undefined
}

/** A statement ready to send: parameters already encoded. */
export interface StatementRun {
  sql: string
  /** Undefined: no parameters (an `sql` request). A list of lists: a batch. */
  parameters: WireValue[] | WireValue[][] | undefined
  rowMode: RowMode
  signal: AbortSignal | undefined
  onQueryId: ((queryId: string) => void) | undefined
  /** The prepared statement may be kept and executed again. */
  reusable: boolean
  /** Longest wait for one reply before the statement is stopped with TimeoutError. */
  timeoutMs: number | undefined
}

/** What statements need from the client. */
export interface StatementContext {
  config: ResolvedConfig
  stopper: StatementStopper
  /** Called when a cancel no longer holds the job (its pool may use it again). */
  released(job: MapepireJob): void
}

/**
 * Parses a first reply: exactly throughout when its columns may hold DECFLOAT; with DECIMAL or
 * NUMERIC columns, its rows once more with their decimals as written; else as any reply.
 */
const firstReplyParser: ReplyParser = (text) => {
  if (text.includes('"DECFLOAT')) {
    const reply = parseReply(text, true)
    if (reply.metadata === undefined || rowDecoder(readColumns(reply.metadata)).exact) return reply
  }
  const reply = defaultParser(text)
  if (
    reply.has_results === true &&
    Array.isArray(reply.data) &&
    reply.data.length > 0 &&
    (text.includes('"DECIMAL') || text.includes('"NUMERIC'))
  ) {
    reply.data = parseNumbersAsText(text).data
  }
  return reply
}

const exactParser: ReplyParser = (text) => parseReply(text, true)

/** A page of rows with its decimals as written; a failed reply (sql_rc and all) as any reply. */
const textNumbersParser: ReplyParser = (text) => {
  const reply = parseNumbersAsText(text)
  return reply.success === true ? reply : defaultParser(text)
}

function pageParser(decoder: RowDecoder | undefined): ReplyParser {
  return decoder?.exact ? exactParser : decoder?.numbersAsText ? textNumbersParser : defaultParser
}

/** The request that carries a statement, and whether the server keeps it for a `sqlclose`. */
function firstRequest(
  job: MapepireJob,
  run: StatementRun,
  rows: number,
): {
  body: Record<string, unknown>
  registered: boolean
  kept: PreparedEntry | undefined
  cached: PreparedEntry | undefined
} {
  const id = job.socket.nextId()
  if (run.parameters === undefined) {
    return {
      body: { id, type: 'sql', sql: run.sql, rows, terse: true },
      registered: true,
      kept: undefined,
      cached: undefined,
    }
  }
  if (run.reusable && job.cacheSize > 0 && !job.pages(run.sql)) {
    const cached = job.freePrepared(run.sql)
    if (cached) {
      cached.busy = true
      return {
        body: { id, type: 'execute', cont_id: cached.id, parameters: run.parameters, rows, terse: true },
        registered: false,
        kept: undefined,
        cached,
      }
    }
    // None is free (or none yet): prepare one more, to keep.
    return {
      body: { id, type: 'prepare_sql_execute', sql: run.sql, parameters: run.parameters, rows, terse: true },
      registered: true,
      kept: { id, busy: true },
      cached: undefined,
    }
  }
  return {
    body: { id, type: 'prepare_sql_execute', sql: run.sql, parameters: run.parameters, rows, terse: true },
    registered: true,
    kept: undefined,
    cached: undefined,
  }
}

/** Runs a statement on `job` and reads its whole result. */
export async function executeOnJob<R>(
  context: StatementContext,
  job: MapepireJob,
  run: StatementRun,
): Promise<MapepireResult<R>> {
  const fetchSize = context.config.fetchSize
  const request = firstRequest(job, run, fetchSize)
  const id = request.body.id as string
  const queryId = job.queryId(id)
  const sent = job.sendStatement(request.body, { parse: firstReplyParser })
  let keep = false
  let reply: Reply
  try {
    run.onQueryId?.(queryId)
    reply = await awaitReply(context, job, sent, run, queryId)
    job.expect(reply, String(request.body.type), queryId)
  } catch (error) {
    if (request.cached) {
      request.cached.busy = false
      job.dropPrepared(run.sql, request.cached)
    }
    if (request.registered) job.closeStatement(id)
    throw error
  }
  // A result that does not end on its first page can only be paged from the request that made it.
  const pages = reply.has_results === true && reply.is_done === false
  if (request.cached) {
    request.cached.busy = false
    if (pages) {
      // The server cannot page an execute's result: forget the statement (closing its result) and run
      // the query again as a statement of its own, prepared each time from now on.
      job.dropPrepared(run.sql, request.cached)
      job.markPaging(run.sql)
      return executeOnJob(context, job, run)
    }
  }
  try {
    const result = await readResult<R>(context, job, id, reply, run, queryId, fetchSize)
    if (request.kept) {
      request.kept.busy = false
      if (pages) job.markPaging(run.sql)
      else {
        job.keepPrepared(run.sql, request.kept)
        keep = true
      }
    }
    return result
  } finally {
    if (request.registered && !keep) job.closeStatement(id)
  }
}

async function readResult<R>(
  context: StatementContext,
  job: MapepireJob,
  id: string,
  first: Reply,
  run: StatementRun,
  queryId: string,
  fetchSize: number,
): Promise<MapepireResult<R>> {
  const outputParameters = readOutputParameters(first.output_parms)
  const updateCount = typeof first.update_count === 'number' ? first.update_count : undefined
  const numAffectedRows = updateCount !== undefined && updateCount >= 0 ? BigInt(updateCount) : undefined
  if (first.has_results !== true) {
    return { rows: [], columns: [], numAffectedRows, queryId, outputParameters }
  }
  const decoder = rowDecoder(readColumns(first.metadata), context.config.values)
  const rows: R[] = []
  let reply = first
  for (;;) {
    // The next page is asked for before this one is decoded, so the server reads it meanwhile.
    const more =
      reply.is_done === false
        ? job.sendStatement(
            { type: 'sqlmore', cont_id: id, rows: fetchSize, terse: true },
            { parse: pageParser(decoder) },
          )
        : undefined
    try {
      decodeInto(rows, reply.data, decoder, run.rowMode)
    } catch (error) {
      if (more) await more.catch(() => undefined)
      throw error
    }
    if (!more) break
    reply = await awaitReply(context, job, more, run, queryId)
    job.expect(reply, 'sqlmore', queryId)
  }
  await resolveBlobs(context.config, job, rows, decoder, run.rowMode)
  return { rows, columns: columnInfo(decoder), numAffectedRows, queryId, outputParameters }
}

/**
 * Runs a query on `job` and yields its rows `batchSize` at a time. The next
 * page is requested when a batch is handed out; leaving early, an error or the
 * signal close the statement on the server.
 */
export async function* streamOnJob<R>(
  context: StatementContext,
  job: MapepireJob,
  run: StatementRun,
  batchSize: number,
): AsyncGenerator<R[], void, undefined> {
  const request = firstRequest(job, { ...run, reusable: false }, batchSize)
  const id = request.body.id as string
  const queryId = job.queryId(id)
  let closed = false
  const close = () => {
    if (closed) return
    closed = true
    job.openCursors--
    job.closeStatement(id)
  }
  job.openCursors++
  let inFlight: Promise<Reply> | undefined = job.sendStatement(request.body, { parse: firstReplyParser })
  run.onQueryId?.(queryId)
  let awaiting = false
  let stopping: Promise<unknown> | undefined
  // An abort while the consumer holds a batch stops the page being fetched (or closes the statement) now;
  // while a reply is awaited, awaitReply stops it.
  const onAbort = () => {
    if (awaiting) return
    if (inFlight) stopping = context.stopper.stop(job, inFlight, () => context.released(job))
    else close()
  }
  run.signal?.addEventListener('abort', onAbort, { once: true })
  let decoder: RowDecoder | undefined
  try {
    for (;;) {
      if (run.signal?.aborted) {
        const outcome = (await stopping) as StopOutcome | undefined
        throw cancelled(run.signal, queryId, outcome)
      }
      awaiting = true
      let reply: Reply
      try {
        reply = await awaitReply(context, job, inFlight!, run, queryId)
      } finally {
        awaiting = false
      }
      inFlight = undefined
      job.expect(reply, decoder ? 'sqlmore' : String(request.body.type), queryId)
      if (!decoder) {
        if (reply.has_results !== true) return
        decoder = rowDecoder(readColumns(reply.metadata), context.config.values)
      }
      const rows: R[] = []
      decodeInto(rows, reply.data, decoder, run.rowMode)
      const done = reply.is_done !== false
      if (!done) {
        inFlight = job.sendStatement(
          { type: 'sqlmore', cont_id: id, rows: batchSize, terse: true },
          { parse: pageParser(decoder) },
        )
      }
      if (rows.length > 0) {
        await resolveBlobs(context.config, job, rows, decoder, run.rowMode)
        yield rows
      }
      if (done) return
    }
  } finally {
    run.signal?.removeEventListener('abort', onAbort)
    // A page still being fetched is let finish (one page) before the statement is closed.
    const pending = inFlight
    if (pending)
      await pending.then(
        () => undefined,
        () => undefined,
      )
    close()
  }
}

/**
 * Waits for a statement's reply; if the signal aborts first, stops the
 * statement on the server and then rejects with QueryCancelledError (or
 * TimeoutError for the client's own query timeout).
 */
function awaitReply(
  context: StatementContext,
  job: MapepireJob,
  reply: Promise<Reply>,
  run: StatementRun,
  queryId: string,
): Promise<Reply> {
  const signal = run.signal
  const timeoutMs = run.timeoutMs
  if (!signal && timeoutMs === undefined) return reply
  return new Promise<Reply>((resolve, reject) => {
    let stopped = false
    let timer: NodeJS.Timeout | undefined
    const stop = (reason: (outcome: StopOutcome) => DatabaseError) => {
      if (stopped) return
      stopped = true
      cleanup()
      context.stopper.stop(job, reply, () => context.released(job)).then((outcome) => reject(reason(outcome)))
    }
    const onAbort = () => stop((outcome) => cancelled(signal!, queryId, outcome))
    const cleanup = () => {
      signal?.removeEventListener('abort', onAbort)
      if (timer) clearTimeout(timer)
    }
    if (timeoutMs !== undefined) {
      timer = setTimeout(
        () =>
          stop(
            (outcome) =>
              new TimeoutError(
                `no reply to the statement within ${timeoutMs} ms (queryTimeoutMs)${stoppedBy(outcome)}`,
                { system: SYSTEM, code: 'QUERY_TIMEOUT', queryId },
              ),
          ),
        timeoutMs,
      )
    }
    if (signal?.aborted) onAbort()
    else signal?.addEventListener('abort', onAbort, { once: true })
    reply.then(
      (value) => {
        cleanup()
        if (!stopped) resolve(value)
      },
      (error: unknown) => {
        cleanup()
        if (!stopped) reject(error)
      },
    )
  })
}

/** The signal's reason for aborting, as the error the caller sees. */
export function cancelled(
  signal: AbortSignal,
  queryId: string | undefined,
  outcome: StopOutcome | undefined,
): DatabaseError {
  const reason: unknown = signal.reason
  const how = stoppedBy(outcome)
  if (reason instanceof QueryCancelledError || reason instanceof TimeoutError) return reason
  return new QueryCancelledError(`the statement was cancelled${how}`, {
    system: SYSTEM,
    queryId,
    cause: reason,
  })
}

function stoppedBy(outcome: StopOutcome | undefined): string {
  switch (outcome) {
    case 'cancelled':
      return ' (CANCEL_SQL ended it on the server)'
    case 'job ended':
      return ' (it did not stop after CANCEL_SQL, so its job was ended)'
    case 'still queued':
      return ' (it waits behind other statements of its job; CANCEL_SQL follows once it runs)'
    default:
      return ''
  }
}

function decodeInto<R>(rows: R[], data: unknown, decoder: RowDecoder, mode: RowMode): void {
  if (!Array.isArray(data)) return
  if (mode === 'array') for (const row of data) rows.push(decoder.array(row) as R)
  else for (const row of data) rows.push(decoder.object(row) as R)
}

function columnInfo(decoder: RowDecoder): ColumnInfo[] {
  return decoder.columns.map((c, i) => ({ name: decoder.keys[i]!, type: c.type }))
}

function readOutputParameters(value: unknown): OutputParameter[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined
  return value.map((p: Record<string, unknown>) => ({
    index: Number(p.index),
    name: typeof p.name === 'string' ? p.name : undefined,
    type: String(p.type ?? ''),
    value: p.value === undefined ? undefined : p.value,
  }))
}

/** Fetches BLOB cells a newer server left as references. */
async function resolveBlobs<R>(
  config: ResolvedConfig,
  job: MapepireJob,
  rows: R[],
  decoder: RowDecoder,
  mode: RowMode,
): Promise<void> {
  const binary: number[] = []
  decoder.columns.forEach((c, i) => {
    if (/BLOB|BINARY|BIT DATA|ROWID/.test(c.type)) binary.push(i)
  })
  if (binary.length === 0) return
  const options = {
    socketUrl: job.socket.url,
    user: config.user,
    password: config.password,
    ca: config.ca,
    rejectUnauthorized: config.rejectUnauthorized,
    timeoutMs: config.requestTimeoutMs,
    maxBytes: config.maxBlobBytes,
  }
  for (const row of rows) {
    for (const i of binary) {
      const key = mode === 'array' ? i : decoder.keys[i]!
      const holder = row as unknown as Record<string | number, unknown>
      const cell = holder[key]
      if (cell instanceof BlobReference) holder[key] = await fetchBlob(cell.url, options)
    }
  }
}

export { isCancelledByServer }
