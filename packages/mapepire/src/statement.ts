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
 *   pages by its batch size. The next page is asked for as a page arrives
 *   (see `ResultPages`), never more than one page ahead of the reader.
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
import { parseAnyReply, parseFirstReply, parsePage } from './codecs/result-replies.ts'
import { hasMoreRows } from './codecs/terse-rows.ts'
import { BlobReference, type RowDecoder, type ValueOptions } from './codecs/values.ts'
import type { ResolvedConfig } from './config.ts'
import { isCancelledByServer, SYSTEM } from './errors.ts'
import type { MapepireJob, PreparedEntry } from './job.ts'
import { fetchBlob } from './transport/blob.ts'
import type { Reply, ReplyParser } from './transport/socket.ts'

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

/** The frame size up to which the pages of a result read whole grow. */
const PAGE_BYTES = 1 << 20

/**
 * The replies of one statement, parsed in the socket's message handler: the first reply's metadata gives
 * the decoder, and with it how each column's cells are read (codecs/result-replies.ts); its pages are
 * parsed with that decoder. The next page is asked for the moment a page arrives, before it is parsed
 * and decoded, when the reader is already waiting for it (so the server reads a page while the client parses
 * and decodes the other); a page that arrives while the reader holds the one before is asked for when the
 * reader takes it. Never more than one page ahead of the reader.
 */
class ResultPages {
  decoder: RowDecoder | undefined
  /** The reader waits for a reply (a stream's consumer is not holding a batch). */
  waiting = true
  readonly #job: MapepireJob
  readonly #id: string
  /** Rows to ask for in the next `sqlmore`. */
  #rows: number
  /** A result read whole: its pages grow (see `#grow`). */
  readonly #growing: boolean
  readonly #values: ValueOptions
  /** The statement can be paged: the server keeps it for `sqlmore` (an `execute` cannot be). */
  readonly #pages: boolean
  readonly #signal: AbortSignal | undefined
  #ahead: Promise<Reply> | undefined
  #stopped = false

  constructor(
    job: MapepireJob,
    id: string,
    rows: number,
    options: { values: ValueOptions; pages: boolean; signal: AbortSignal | undefined; grow?: boolean },
  ) {
    this.#job = job
    this.#id = id
    this.#rows = rows
    this.#values = options.values
    this.#pages = options.pages
    this.#signal = options.signal
    this.#growing = options.grow === true
  }

  readonly first: ReplyParser = (text) => {
    this.#arrived(text)
    const { reply, decoder } = parseFirstReply(text, this.#values)
    this.decoder = decoder
    return reply
  }

  readonly #page: ReplyParser = (text) => {
    this.#arrived(text)
    return this.decoder ? parsePage(text, this.decoder) : parseAnyReply(text)
  }

  /** The next page after `reply`: the one already asked for, else asked for now; undefined at the end. */
  next(reply: Reply): Promise<Reply> | undefined {
    const ahead = this.#ahead
    this.#ahead = undefined
    if (ahead) return ahead
    return reply.is_done === false ? this.#request() : undefined
  }

  /** No more pages are asked for (the reader stops or has failed). */
  stop(): void {
    this.#stopped = true
  }

  /** A page asked for ahead that the reader did not take: settled before the statement is closed. */
  get pending(): Promise<Reply> | undefined {
    return this.#ahead
  }

  #arrived(text: string): void {
    if (this.#growing) this.#grow(text)
    if (
      this.waiting &&
      this.#pages &&
      !this.#stopped &&
      this.#signal?.aborted !== true &&
      this.#ahead === undefined &&
      hasMoreRows(text)
    ) {
      this.#ahead = this.#request()
    }
  }

  /**
   * A result read whole pays a round trip per page, so its pages double from `fetchSize` rows while a frame
   * stays under PAGE_BYTES (estimated from the frame that just arrived), so that reading one never holds the
   * event loop for long.
   */
  #grow(text: string): void {
    const rows = this.#rows
    if (text.length * 2 <= PAGE_BYTES) this.#rows = rows * 2
    else if (text.length < PAGE_BYTES)
      this.#rows = Math.max(rows, Math.floor((rows * PAGE_BYTES) / text.length))
  }

  #request(): Promise<Reply> {
    const sent = this.#job.sendStatement(
      { type: 'sqlmore', cont_id: this.#id, rows: this.#rows, terse: true },
      { parse: this.#page },
    )
    // Whoever takes it sees its failure; one left behind must not be an unhandled rejection.
    sent.catch(() => undefined)
    return sent
  }
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
  const pages = new ResultPages(job, id, fetchSize, {
    values: context.config.values,
    pages: request.registered,
    signal: run.signal,
    grow: true,
  })
  const sent = job.sendStatement(request.body, { parse: pages.first })
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
    pages.stop()
    await pages.pending?.catch(() => undefined)
    if (request.registered) job.closeStatement(id)
    throw error
  }
  // A result that does not end on its first page can only be paged from the request that made it.
  const paged = reply.has_results === true && reply.is_done === false
  if (request.cached) {
    request.cached.busy = false
    if (paged) {
      // The server cannot page an execute's result: forget the statement (closing its result) and run
      // the query again as a statement of its own, prepared each time from now on.
      job.dropPrepared(run.sql, request.cached)
      job.markPaging(run.sql)
      return executeOnJob(context, job, run)
    }
  }
  try {
    const result = await readResult<R>(context, job, pages, reply, run, queryId)
    if (request.kept) {
      request.kept.busy = false
      if (paged) job.markPaging(run.sql)
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
  pages: ResultPages,
  first: Reply,
  run: StatementRun,
  queryId: string,
): Promise<MapepireResult<R>> {
  const outputParameters = readOutputParameters(first.output_parms)
  const updateCount = typeof first.update_count === 'number' ? first.update_count : undefined
  const numAffectedRows = updateCount !== undefined && updateCount >= 0 ? BigInt(updateCount) : undefined
  if (first.has_results !== true || pages.decoder === undefined) {
    return { rows: [], columns: [], numAffectedRows, queryId, outputParameters }
  }
  const decoder = pages.decoder
  const rows: R[] = []
  let reply = first
  try {
    for (;;) {
      // The next page is on its way (asked for when this one arrived) while this one is decoded.
      const more = pages.next(reply)
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
  } catch (error) {
    // A page asked for ahead is let finish before the statement is closed.
    pages.stop()
    await pages.pending?.catch(() => undefined)
    throw error
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
  const pages = new ResultPages(job, id, batchSize, {
    values: context.config.values,
    pages: true,
    signal: run.signal,
  })
  let inFlight: Promise<Reply> | undefined = job.sendStatement(request.body, { parse: pages.first })
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
  let first = true
  try {
    for (;;) {
      if (run.signal?.aborted) {
        const outcome = (await stopping) as StopOutcome | undefined
        throw cancelled(run.signal, queryId, outcome)
      }
      awaiting = true
      pages.waiting = true
      let reply: Reply
      try {
        reply = await awaitReply(context, job, inFlight!, run, queryId)
      } finally {
        awaiting = false
      }
      inFlight = undefined
      job.expect(reply, first ? String(request.body.type) : 'sqlmore', queryId)
      first = false
      const decoder = pages.decoder
      if (decoder === undefined) return
      // The next page: asked for when this one arrived if the consumer was waiting, else now.
      inFlight = pages.next(reply)
      const rows: R[] = []
      decodeInto(rows, reply.data, decoder, run.rowMode)
      pages.waiting = false
      if (rows.length > 0) {
        await resolveBlobs(context.config, job, rows, decoder, run.rowMode)
        yield rows
      }
      if (!inFlight) return
    }
  } finally {
    run.signal?.removeEventListener('abort', onAbort)
    pages.stop()
    // A page still being fetched is let finish (one page) before the statement is closed.
    for (const pending of [inFlight, pages.pending]) {
      if (pending)
        await pending.then(
          () => undefined,
          () => undefined,
        )
    }
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
