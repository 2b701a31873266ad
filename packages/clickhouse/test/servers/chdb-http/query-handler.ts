import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { type ChdbQueryStream, Session } from 'chdb'
import { chunkJoinerFor } from '../../../src/transport/chdb-chunks.ts'
import { authenticate } from './auth.ts'
import type { QueryRegistry, RunningQuery } from './query-registry.ts'
import { decodedBody, type QueryInput, readQueryInput } from './request-body.ts'
import { BodyWriter, chooseResponseEncoding, exceptionBlock, newExceptionTag } from './response-body.ts'
import {
  errors,
  formatErrorMessage,
  httpStatusForError,
  type ServerError,
  toServerError,
} from './server-error.ts'
import { DEFAULT_SESSION_TIMEOUT_S, type SessionRegistry } from './session-registry.ts'
import {
  contentTypeFor,
  firstKeyword,
  isKillQuery,
  isReadOnlyStatement,
  type KillQueryStatement,
  parseKillQuery,
  sqlString,
  trailingFormat,
} from './statement.ts'

/** URL params that are part of the HTTP interface rather than settings. */
const RESERVED_PARAMS = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'user',
  'password',
  'quota_key',
  'role',
  'wait_end_of_query',
  'compress',
  'decompress',
  'buffer_size',
  'stacktrace',
  'client_protocol_version',
  '__fault',
])

/** Formats chDB can take as a chunked stream insert; others are spooled to a file. */
const STREAM_INSERT_FORMATS = new Map([
  ['tsv', 'TSV'],
  ['tabseparated', 'TabSeparated'],
  ['jsoneachrow', 'JSONEachRow'],
  ['jsoncompacteachrow', 'JSONCompactEachRow'],
])

export type Fault = 'truncate' | 'reset' | 'hang'

export interface HandlerContext {
  dataPath: string
  spoolPath: string
  version: string
  timezone: string
  sessions: SessionRegistry
  queries: QueryRegistry
  faultsEnabled: boolean
  /** Responses held open by the `hang` fault, destroyed on shutdown. */
  hanging: Set<ServerResponse>
}

interface Summary {
  read_rows: number
  read_bytes: number
  written_rows: number
  written_bytes: number
  total_rows_to_read: number
  result_rows: number
  result_bytes: number
  elapsed_ns: number
}

/**
 * `writesUnknown`: the engine ran the statement without reporting what it wrote (chDB's
 * `queryAsync` gives read counters only), so the written counters are left out rather than
 * reported as 0; a real server always knows and lists them.
 */
function summaryJson(summary: Summary, writesUnknown = false): string {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(summary)) {
    if (writesUnknown && (key === 'written_rows' || key === 'written_bytes')) continue
    out[key] = String(Math.round(value))
  }
  return JSON.stringify(out)
}

function emptySummary(): Summary {
  return {
    read_rows: 0,
    read_bytes: 0,
    written_rows: 0,
    written_bytes: 0,
    total_rows_to_read: 0,
    result_rows: 0,
    result_bytes: 0,
    elapsed_ns: 0,
  }
}

function truthy(value: string | null): boolean {
  return value !== null && value !== '' && value !== '0' && value.toLowerCase() !== 'false'
}

function settingLiteral(value: string): string {
  return /^-?\d+(\.\d+)?$/.test(value) ? value : sqlString(value)
}

const displayName = hostname()

function baseHeaders(): OutgoingHttpHeaders {
  return { 'X-ClickHouse-Server-Display-Name': displayName, 'Keep-Alive': 'timeout=10' }
}

/** Answers a request with an error before any body was sent. */
function sendError(
  response: ServerResponse,
  error: ServerError,
  version: string,
  extra: OutgoingHttpHeaders = {},
) {
  if (response.headersSent) {
    response.destroy()
    return
  }
  const body = `${formatErrorMessage(error, version)}\n`
  response.writeHead(httpStatusForError(error.codeName), {
    ...baseHeaders(),
    ...extra,
    'Content-Type': 'text/plain; charset=UTF-8',
    'X-ClickHouse-Exception-Code': String(error.code),
  })
  response.end(body)
}

/** One HTTP request against the chDB engine, following the ClickHouse HTTP interface. */
export async function handleRequest(
  context: HandlerContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost')
  const params = url.searchParams
  const method = request.method ?? 'GET'

  if (url.pathname === '/ping' || url.pathname === '/replicas_status') {
    response.writeHead(200, { ...baseHeaders(), 'Content-Type': 'text/plain; charset=UTF-8' })
    response.end('Ok.\n')
    return
  }
  if (url.pathname !== '/') {
    const error = errors.unknownHandler(url.pathname)
    response.writeHead(404, {
      ...baseHeaders(),
      'Content-Type': 'text/plain; charset=UTF-8',
      'X-ClickHouse-Exception-Code': String(error.code),
    })
    response.end(`${formatErrorMessage(error, context.version)}\n`)
    return
  }

  let user: string
  try {
    user = authenticate(request, params)
  } catch (error) {
    request.resume()
    sendError(response, toServerError(error), context.version)
    return
  }

  const readOnly = method === 'GET' || method === 'HEAD'
  if (readOnly && !params.has('query')) {
    response.writeHead(200, { ...baseHeaders(), 'Content-Type': 'text/plain; charset=UTF-8' })
    response.end('Ok.\n')
    return
  }

  const fault = context.faultsEnabled ? (params.get('__fault') as Fault | null) : null
  if (fault === 'hang') {
    context.hanging.add(response)
    response.once('close', () => context.hanging.delete(response))
    request.resume()
    return
  }

  const queryId = params.get('query_id') || randomUUID()
  const sessionId = params.get('session_id')
  const defaultFormat =
    params.get('default_format') || String(request.headers['x-clickhouse-format'] ?? '') || 'TabSeparated'
  const database =
    params.get('database') || String(request.headers['x-clickhouse-database'] ?? '') || undefined
  const waitEndOfQuery = truthy(params.get('wait_end_of_query'))
  const sendProgress = truthy(params.get('send_progress_in_http_headers'))
  const encoding = chooseResponseEncoding(request, truthy(params.get('enable_http_compression')))

  const settings: [string, string][] = []
  const queryParams: [string, string][] = []
  for (const [name, value] of params) {
    if (name.startsWith('param_')) queryParams.push([name, value])
    else if (!RESERVED_PARAMS.has(name)) settings.push([name, value])
  }
  const timezone = settings.find(([name]) => name === 'session_timezone')?.[1] || context.timezone
  const queryHeaders: OutgoingHttpHeaders = {
    ...baseHeaders(),
    'X-ClickHouse-Query-Id': queryId,
    'X-ClickHouse-Timezone': timezone,
  }

  let input: QueryInput
  try {
    input = await readQueryInput(params.get('query') ?? '', decodedBody(request))
  } catch (error) {
    request.resume()
    sendError(response, toServerError(error), context.version, queryHeaders)
    return
  }
  if (input.sql.trim().length === 0) {
    sendError(response, errors.emptyQuery(), context.version, queryHeaders)
    return
  }
  if (readOnly && (input.kind === 'insert' || !isReadOnlyStatement(input.sql))) {
    sendError(response, errors.readonly(user), context.version, queryHeaders)
    return
  }

  let engine: Session
  try {
    engine =
      sessionId !== null
        ? context.sessions.acquire(
            sessionId,
            Number(params.get('session_timeout') || DEFAULT_SESSION_TIMEOUT_S),
            truthy(params.get('session_check')),
          )
        : new Session(context.dataPath)
  } catch (error) {
    sendError(response, toServerError(error), context.version, queryHeaders)
    return
  }

  // The engine does not take our query id; a unique log_comment lets KILL QUERY find the query in-process.
  const marker = `chdb-http ${queryId} ${randomUUID()}`
  let killed = false
  let cancelActive: () => void = () => {}
  let finish: () => void = () => {}
  let settled = false
  const killInEngine = () => {
    if (!settled) void killByMarker(context.dataPath, marker)
  }
  const running: RunningQuery = {
    id: queryId,
    user,
    sql: input.sql,
    kill: () => {
      killed = true
      cancelActive()
      killInEngine()
    },
    finished: new Promise<void>((resolve) => {
      finish = resolve
    }),
  }

  try {
    context.queries.register(running)
  } catch (error) {
    if (sessionId !== null) context.sessions.release(sessionId)
    else engine.close()
    sendError(response, toServerError(error), context.version, queryHeaders)
    return
  }

  const restore: string[] = []
  let released: Promise<void> | undefined
  const releaseSession = (id: string): Promise<void> => {
    released ??= (async () => {
      for (const statement of restore) await engine.queryAsync(statement).catch(() => {})
      context.sessions.release(id)
    })()
    return released
  }
  if (sessionId !== null) {
    // Free the session before the response completes, so the client's next request in it is not
    // refused as concurrent (the real server also releases it before the final bytes).
    const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse
    response.end = ((...args: unknown[]) => {
      void releaseSession(sessionId).then(() => end(...args))
      return response
    }) as typeof response.end
  }
  try {
    try {
      if (sessionId !== null) await snapshotForRestore(engine, settings, database, restore)
      // One SET for all of them: every engine round trip is in each request's latency, and the real
      // server reads URL settings for free.
      const assignments = settings.map(([name, value]) => `${name} = ${settingLiteral(value)}`)
      assignments.push(`log_comment = ${sqlString(marker)}`)
      await engine.queryAsync(`SET ${assignments.join(', ')}`)
      // A throwaway connection can enforce GET's readonly natively; a session keeps the keyword check only.
      if (readOnly && sessionId === null) await engine.queryAsync('SET readonly = 2')
      await setQueryParams(engine, queryParams)
      if (database !== undefined) await engine.queryAsync(`USE ${quoteIdentifier(database)}`)
      if (sessionId !== null) restore.push("SET log_comment = ''")
    } catch (error) {
      sendError(response, toServerError(error), context.version, queryHeaders)
      return
    }

    const kill = parseKillQuery(input.sql)
    if (kill !== undefined) {
      await answerKill(context, engine, kill, defaultFormat, response, queryHeaders)
      return
    }
    if (isKillQuery(input.sql)) {
      sendError(
        response,
        errors.badArguments('The test endpoint supports KILL QUERY WHERE query_id = ... only'),
        context.version,
        queryHeaders,
      )
      return
    }

    // A client that goes away mid-query stops the engine's work (no output is owed to anyone).
    response.once('close', () => {
      if (!response.writableFinished) {
        cancelActive()
        killInEngine()
      }
    })

    const format = trailingFormat(input.sql) ?? defaultFormat
    const tag = newExceptionTag()
    const headers: OutgoingHttpHeaders = {
      ...queryHeaders,
      'X-ClickHouse-Format': format,
      'X-ClickHouse-Exception-Tag': tag,
      'Content-Type': contentTypeFor(format),
    }
    if (encoding !== undefined) headers['Content-Encoding'] = encoding

    if (input.kind === 'insert') {
      await runInsert(context, engine, input, response, headers, () => killed)
      return
    }
    await runQuery({
      context,
      engine,
      sql: input.sql,
      defaultFormat,
      format,
      response,
      headers,
      tag,
      encoding,
      waitEndOfQuery,
      sendProgress,
      fault,
      isKilled: () => killed,
      onCancel: (cancel) => {
        cancelActive = cancel
      },
    })
  } finally {
    settled = true
    context.queries.unregister(queryId, running)
    if (sessionId !== null) {
      await releaseSession(sessionId)
    } else {
      engine.close()
    }
    finish()
  }
}

/** ClickHouse's default max_query_size, which the engine applies to the SET statements below. */
const MAX_QUERY_SIZE_DEFAULT = 262_144

/**
 * Hands `param_<name>` values to the engine with `SET`. A real server takes them from the URL
 * without its SQL parser, so a value of any size up to the URL limit works there; here the SET
 * statement would hit max_query_size, which is raised for the SETs alone and put back after.
 */
async function setQueryParams(engine: Session, queryParams: [string, string][]): Promise<void> {
  const statements = queryParams.map(([name, value]) => `SET ${name} = ${sqlString(value)}`)
  const longest = Math.max(0, ...statements.map((statement) => Buffer.byteLength(statement)))
  let previous: string | undefined
  if (longest >= MAX_QUERY_SIZE_DEFAULT) {
    const result = await engine.queryAsync(
      "SELECT value FROM system.settings WHERE name = 'max_query_size'",
      {
        format: 'TSVRaw',
      },
    )
    previous = result.text().trim()
    await engine.queryAsync(`SET max_query_size = ${longest + 1}`)
  }
  for (const statement of statements) await engine.queryAsync(statement)
  if (previous !== undefined) await engine.queryAsync(`SET max_query_size = ${Number(previous)}`)
}

function quoteIdentifier(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)
    ? name
    : `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``
}

/** URL settings and database apply to one query only: remember the session's values to put back. */
async function snapshotForRestore(
  engine: Session,
  settings: [string, string][],
  database: string | undefined,
  restore: string[],
): Promise<void> {
  if (settings.length > 0) {
    const names = settings.map(([name]) => sqlString(name)).join(', ')
    const result = await engine.queryAsync(
      `SELECT name, value FROM system.settings WHERE name IN (${names})`,
      {
        format: 'JSONEachRow',
      },
    )
    const text = result.text()
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue
      const row = JSON.parse(line) as { name: string; value: string }
      restore.push(`SET ${row.name} = ${sqlString(row.value)}`)
    }
  }
  if (database !== undefined) {
    const current = (await engine.queryAsync('SELECT currentDatabase()', { format: 'TSVRaw' })).text().trim()
    restore.push(`USE ${quoteIdentifier(current)}`)
  }
}

async function answerKill(
  context: HandlerContext,
  engine: Session,
  statement: KillQueryStatement,
  defaultFormat: string,
  response: ServerResponse,
  headers: OutgoingHttpHeaders,
): Promise<void> {
  const victims = statement.queryIds
    .map((id) => context.queries.get(id))
    .filter((query): query is RunningQuery => query !== undefined)
  let status = statement.mode === 'ASYNC' ? 'waiting' : 'pending'
  if (statement.mode !== 'TEST') for (const victim of victims) victim.kill()
  if (statement.mode === 'SYNC') {
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000).unref())
    const outcome = await Promise.race([Promise.all(victims.map((victim) => victim.finished)), timeout])
    status = outcome === 'timeout' ? 'pending' : 'finished'
  }
  const format = statement.format ?? defaultFormat
  const structure = "'kill_status String, query_id String, user String, query String'"
  const rows = victims.map(
    (victim) =>
      `(${[status, victim.id, victim.user, victim.sql].map((value) => sqlString(value)).join(', ')})`,
  )
  const sql =
    rows.length > 0
      ? `SELECT * FROM values(${structure}, ${rows.join(', ')})`
      : `SELECT * FROM values(${structure}, ('', '', '', '')) WHERE 0`
  try {
    const result = await engine.queryAsync(sql, { format })
    response.writeHead(200, {
      ...headers,
      'X-ClickHouse-Format': format,
      'Content-Type': contentTypeFor(format),
    })
    response.end(Buffer.from(result.bytes()))
  } catch (error) {
    sendError(response, toServerError(error), context.version, headers)
  }
}

async function runInsert(
  context: HandlerContext,
  engine: Session,
  input: Extract<QueryInput, { kind: 'insert' }>,
  response: ServerResponse,
  headers: OutgoingHttpHeaders,
  isKilled: () => boolean,
): Promise<void> {
  const started = process.hrtime.bigint()
  const summary = emptySummary()
  const streamFormat = STREAM_INSERT_FORMATS.get(input.insert.format.toLowerCase())
  const table = plainIdentifier(input.insert.table)
  const columns = input.insert.columns?.map(plainIdentifier)
  const streamable = streamFormat !== undefined && table !== undefined && !columns?.includes(undefined)
  try {
    if (streamable) {
      const result = await engine.insert({
        table: table!,
        columns: columns as string[] | undefined,
        values: input.data,
        format: streamFormat as 'TSV',
      })
      summary.written_rows = result.rowsWritten
      summary.written_bytes = result.bytesWritten
      summary.read_rows = result.rowsWritten
      summary.read_bytes = result.bytesSent
    } else {
      // Any other format (RowBinary, Native, CSV…): spool the bytes and let the engine read the file.
      const spoolDir = mkdtempSync(join(context.spoolPath, 'insert-'))
      const file = join(spoolDir, 'data')
      try {
        const parts: Buffer[] = []
        for await (const part of input.data) parts.push(part)
        writeFileSync(file, Buffer.concat(parts))
        const columns = input.insert.columns ? ` (${input.insert.columns.join(', ')})` : ''
        const result = await engine.queryAsync(
          `INSERT INTO ${input.insert.table}${columns} FROM INFILE ${sqlString(file)} FORMAT ${input.insert.format}`,
        )
        summary.read_rows = result.rowsRead
        summary.read_bytes = result.bytesRead
        summary.written_rows = result.rowsRead
      } finally {
        rmSync(spoolDir, { recursive: true, force: true })
      }
    }
    if (isKilled()) throw errors.queryCancelled()
  } catch (error) {
    sendError(response, toServerError(error), context.version, headers)
    return
  }
  summary.elapsed_ns = Number(process.hrtime.bigint() - started)
  const { 'Content-Encoding': _ignored, ...plain } = headers
  response.writeHead(200, { ...plain, 'X-ClickHouse-Summary': summaryJson(summary) })
  response.end()
}

interface RunQueryOptions {
  context: HandlerContext
  engine: Session
  sql: string
  defaultFormat: string
  /** The output format in effect (FORMAT clause or default_format). */
  format: string
  response: ServerResponse
  headers: OutgoingHttpHeaders
  tag: string
  encoding: string | undefined
  waitEndOfQuery: boolean
  sendProgress: boolean
  fault: Fault | null
  isKilled: () => boolean
  onCancel: (cancel: () => void) => void
}

const STREAMABLE_KEYWORDS = new Set(['SELECT', 'WITH', '('])

function progressJson(summary: Summary): string {
  const {
    read_rows,
    read_bytes,
    written_rows,
    written_bytes,
    total_rows_to_read,
    result_rows,
    result_bytes,
    elapsed_ns,
  } = summary
  return summaryJson({
    read_rows,
    read_bytes,
    written_rows,
    written_bytes,
    total_rows_to_read,
    result_rows,
    result_bytes,
    elapsed_ns,
  })
}

async function runQuery(options: RunQueryOptions): Promise<void> {
  const { context, engine, sql, defaultFormat, response, headers, tag, encoding, fault } = options
  const started = process.hrtime.bigint()
  const summary = emptySummary()
  const elapsed = () => Number(process.hrtime.bigint() - started)

  // Statements the engine cannot stream (DDL, INSERT … SELECT, SHOW, SET…) run buffered.
  // Formats whose per-chunk outputs cannot be joined (JSON, XML, Pretty…) run buffered too.
  const joiner = chunkJoinerFor(options.format)
  let stream: ChdbQueryStream | undefined
  if (
    joiner !== undefined &&
    (STREAMABLE_KEYWORDS.has(firstKeyword(sql)) || sql.trimStart().startsWith('('))
  ) {
    try {
      stream = engine.queryStream(sql, { format: defaultFormat })
    } catch (error) {
      const serverError = toServerError(error)
      if (!(serverError.code === 36 && /Streaming query is not supported/.test(serverError.message))) {
        sendError(response, serverError, context.version, headers)
        return
      }
    }
  }

  if (stream === undefined) {
    let bytes: Uint8Array
    try {
      const result = await engine.queryAsync(sql, { format: defaultFormat })
      if (options.isKilled()) throw errors.queryCancelled()
      bytes = result.bytes()
      summary.read_rows = result.rowsRead
      summary.read_bytes = result.bytesRead
      summary.result_bytes = bytes.length
    } catch (error) {
      sendError(response, toServerError(error), context.version, headers)
      return
    }
    summary.elapsed_ns = elapsed()
    response.writeHead(200, {
      ...headers,
      'X-ClickHouse-Summary': summaryJson(summary, !isReadOnlyStatement(sql)),
      ...(options.sendProgress ? { 'X-ClickHouse-Progress': progressJson(summary) } : {}),
    })
    const writer = new BodyWriter(response, encoding)
    await writer.write(bytes)
    writer.end()
    return
  }

  const active = stream
  options.onCancel(() => active.cancel())
  const iterator = active[Symbol.asyncIterator]()
  const progress: string[] = []
  const join = joiner!
  let chunkIndex = 0
  const pull = async (): Promise<Uint8Array | undefined> => {
    const next = await iterator.next()
    if (next.done) return undefined
    // Copied: whether the engine's chunk memory outlives the next fetch is not part of chDB's contract.
    const bytes = join(Buffer.from(next.value.raw()), chunkIndex++)
    summary.result_rows += next.value.numRows
    summary.result_bytes += bytes.length
    summary.read_rows += next.value.numRows
    summary.elapsed_ns = elapsed()
    if (options.sendProgress && progress.length < 50) progress.push(progressJson(summary))
    return bytes
  }

  let first: Uint8Array | undefined
  try {
    first = await pull()
    if (options.isKilled()) throw errors.queryCancelled()
  } catch (error) {
    active.cancel()
    sendError(response, toServerError(error), context.version, headers)
    return
  }

  if (options.waitEndOfQuery) {
    const parts: Uint8Array[] = first ? [first] : []
    try {
      for (let next = first && (await pull()); next !== undefined; next = await pull()) parts.push(next)
      if (options.isKilled()) throw errors.queryCancelled()
    } catch (error) {
      active.cancel()
      sendError(response, toServerError(error), context.version, headers)
      return
    }
    response.writeHead(200, {
      ...headers,
      'X-ClickHouse-Summary': summaryJson(summary),
      ...(progress.length > 0 ? { 'X-ClickHouse-Progress': progress } : {}),
    })
    const writer = new BodyWriter(response, encoding)
    for (const part of parts) await writer.write(part)
    writer.end()
    return
  }

  response.writeHead(200, {
    ...headers,
    'X-ClickHouse-Summary': summaryJson(summary),
    ...(progress.length > 0 ? { 'X-ClickHouse-Progress': progress } : {}),
  })
  const writer = new BodyWriter(response, encoding)
  if (first === undefined) {
    writer.end()
    return
  }
  if (fault === 'truncate' || fault === 'reset') {
    await injectFault(writer, response, first, fault)
    active.cancel()
    return
  }
  try {
    await writer.write(first)
    for (let next = await pull(); next !== undefined && !writer.closed; next = await pull())
      await writer.write(next)
    if (options.isKilled()) throw errors.queryCancelled()
  } catch (error) {
    active.cancel()
    await writer.write(exceptionBlock(tag, formatErrorMessage(toServerError(error), context.version)))
  }
  writer.end()
}

/** Sends part of a row and then breaks the connection: FIN without the final chunk, or RST. */
async function injectFault(writer: BodyWriter, response: ServerResponse, first: Uint8Array, fault: Fault) {
  const cut = Math.max(1, Math.floor(first.length / 2))
  await writer.write(first.subarray(0, cut))
  await writer.flush()
  const socket = response.socket
  if (socket === null) return
  await new Promise<void>((resolve) => setImmediate(resolve))
  if (fault === 'reset') socket.resetAndDestroy()
  else socket.end()
}

/** Kills the engine query tagged with `marker` from a separate connection (works even before any output). */
async function killByMarker(dataPath: string, marker: string): Promise<void> {
  let killer: Session | undefined
  try {
    killer = new Session(dataPath)
    await killer.queryAsync(`KILL QUERY WHERE Settings['log_comment'] = ${sqlString(marker)} ASYNC`)
  } catch {
    // The query may have finished meanwhile; nothing to kill then.
  } finally {
    killer?.close()
  }
}

/** `db`.`t` or "t" as db.t when every part is a plain word (chDB's insert() takes only those). */
function plainIdentifier(name: string): string | undefined {
  const parts = name.match(/`[^`]*`|"[^"]*"|[^.]+/g) ?? []
  const plain = parts.map((part) =>
    part.startsWith('`') || part.startsWith('"') ? part.slice(1, -1) : part.trim(),
  )
  return plain.length > 0 && plain.every((part) => /^[A-Za-z0-9_]+$/.test(part)) ? plain.join('.') : undefined
}
