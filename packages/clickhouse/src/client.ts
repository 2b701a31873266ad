import { randomUUID } from 'node:crypto'
import {
  type AcquireOptions,
  backoffDelay,
  type Capabilities,
  type ColumnInfo,
  ConfigurationError,
  Deadline,
  flatten,
  log,
  onAbort,
  ParameterError,
  QueryCancelledError,
  type RowMode,
  ServerError,
  type SqlClient,
  type SqlConnection,
  type SqlResult,
  type SqlStatement,
  sleep,
  TimeoutError,
  untilAborted,
  versionAtLeast,
} from '@tributary/core'
import type { ClickHouseClientConfig } from './config.ts'
import { TSV_INSERT_SETTINGS } from './formats/tsv-writer.ts'
import type { DecodeOptions } from './formats/value-options.ts'
import { describeTable, type InsertRows, prepareInsert } from './insert.ts'
import { mutationSettings, waitForMutations } from './mutations.ts'
import { findDeferredTypes, hasDeferredTypes, replaceDeferredTypes } from './params/deferred.ts'
import { resolveDeferredType } from './params/resolve-deferred.ts'
import type { ValueContext } from './params/scalars.ts'
import { decodeBatches, type ResultFormat } from './result-stream.ts'
import { ClickHouseSession } from './session.ts'
import {
  type PreparedStatement,
  type PrepareOptions,
  paramsByName,
  prepareStatement,
  type QueryParams,
  quoteTableName,
} from './statement.ts'
import { classifyStatement, mutationTarget } from './statement-kind.ts'
import { type KeptDescription, TableColumnCache, type TableDescription } from './table-columns.ts'
import { createHttpTransport } from './transport/http.ts'
import type {
  ClickHouseProgress,
  ClickHouseResponse,
  ClickHouseTransport,
  ServerInfo,
  SettingValue,
} from './transport/transport.ts'

export interface QueryOptions {
  queryId?: string | undefined
  signal?: AbortSignal | undefined
  settings?: Record<string, SettingValue> | undefined
  /** `object` (default) or positional `array` rows. */
  rowMode?: RowMode | undefined
  onProgress?: ((progress: ClickHouseProgress) => void) | undefined
  /** Used by sessions; most callers leave it unset. */
  sessionId?: string | undefined
  timeoutMs?: number | undefined
}

export interface StreamOptions extends QueryOptions {
  /**
   * Rows decoded per batch; `stream` still hands out single rows. Default: the client's
   * `streamBatchSize`, else 1000 for `streamBatches` and 256 for `stream`.
   */
  batchSize?: number | undefined
}

/**
 * Rows `stream` decodes ahead of its consumer. Small, so that the rows alive at any moment stay
 * few: the young generation then stays small, which keeps the process's peak memory down, and
 * the per-batch cost is still spread over enough rows not to show.
 */
const ROW_STREAM_BATCH = 256

export interface QueryResult<R> {
  rows: R[]
  columns: ColumnInfo[]
  queryId: string
  summary: ClickHouseProgress | undefined
}

export interface CommandResult {
  queryId: string
  summary: ClickHouseProgress | undefined
}

export interface InsertOptions extends Omit<QueryOptions, 'rowMode'> {
  table: string
  values: InsertRows
  /** Columns the rows provide, in order for array rows. Defaults to every insertable column. */
  columns?: readonly string[] | undefined
}

export interface InsertResult {
  queryId: string
  writtenRows: bigint | undefined
}

/** ClickHouse's code for SESSION_IS_LOCKED. */
const SESSION_IS_LOCKED = '373'
/** How long a session request waits for the session's previous request to let go of it. */
const SESSION_LOCK_WAIT_MS = 5000

/** A ClickHouse client: queries, streams, inserts and commands over one transport. */
export class ClickHouseClient implements SqlClient {
  readonly system = 'clickhouse'
  readonly displayName = 'ClickHouse'
  readonly capabilities: Capabilities
  readonly transport: ClickHouseTransport
  readonly #config: ClickHouseClientConfig
  readonly #decode: DecodeOptions
  /** How parameters are bound and values written (`parameterBinding`, `subsecondDates`). */
  readonly #prepareOptions: PrepareOptions
  #server: Promise<ServerInfo> | undefined
  readonly #tables = new TableColumnCache((table, options) => describeTable(this, table, options))
  #closed = false
  /** Session ends sent in the background by released leases; `close()` waits for them. */
  readonly #endingSessions = new Set<Promise<void>>()
  /** The answer of `serverInfo()` once it arrived, so queries need not await it again. */
  #known: ServerInfo | undefined
  /** Set once the server is known to have `output_format_binary_write_json_as_string`. */
  #jsonAsString = false

  constructor(config: ClickHouseClientConfig = {}) {
    this.#config = config
    this.#prepareOptions = {
      binding: config.parameterBinding,
      values: { subsecondDates: config.subsecondDates },
    }
    this.#decode = { binaryStrings: config.binaryStrings, dateTimes: config.dateTimes, maps: config.maps }
    // A transport given in the config takes the wire options itself, or refuses them.
    config.transport?.applyClientConfig?.(config)
    this.transport =
      config.transport ??
      createHttpTransport({
        url: config.url ?? 'http://127.0.0.1:8123',
        username: config.username,
        password: config.password,
        accessToken: config.accessToken,
        authMode: config.authMode,
        database: config.database,
        roles: config.roles,
        settings: config.settings,
        requestTimeoutMs: config.requestTimeoutMs,
        connectTimeoutMs: config.connectTimeoutMs,
        maxSockets: config.maxSockets,
        keepAliveMarginMs: config.keepAliveMarginMs,
        maxUrlBytes: config.maxUrlBytes,
        compression: config.compression,
        tls: config.tls,
        headers: config.headers,
        application: config.application,
        dispatcher: config.dispatcher,
        logger: config.logger,
      })
    this.capabilities = {
      transactions: false,
      savepoints: false,
      returning: false,
      serverSideCancel: true,
      sessions: this.transport.kind === 'http',
      transactionalDdl: false,
    }
  }

  /** Version and capabilities, asked once. */
  serverInfo(): Promise<ServerInfo> {
    this.#assertOpen()
    if (!this.#server) {
      this.#server = this.transport.serverInfo()
      this.#server.then(
        (info) => {
          this.#known = info
          this.#jsonAsString = versionAtLeast(info.version, 24, 10)
        },
        () => {
          this.#server = undefined
        },
      )
    }
    return this.#server
  }

  async query<R = Record<string, unknown>>(
    sql: string,
    params?: QueryParams,
    options: QueryOptions = {},
  ): Promise<QueryResult<R>> {
    const rows: R[] = []
    const stream = await this.#open(sql, params, options, Number.MAX_SAFE_INTEGER)
    for await (const batch of stream.batches) for (const row of batch as R[]) rows.push(row)
    return {
      rows,
      columns: stream.batches.columns ?? [],
      queryId: stream.response.queryId,
      summary: await stream.response.summary(),
    }
  }

  /**
   * Rows one at a time, decoded in batches. Breaking out of `for await`, an
   * error, or the signal stops the query on the server.
   */
  stream<R = Record<string, unknown>>(
    sql: string,
    params?: QueryParams,
    options: StreamOptions = {},
  ): AsyncIterableIterator<R> {
    const batchSize = options.batchSize ?? this.#config.streamBatchSize ?? ROW_STREAM_BATCH
    return flatten(this.streamBatches<R>(sql, params, { ...options, batchSize }))
  }

  /** Like `stream`, but yields the decoded batches (at most `batchSize` rows each). */
  async *streamBatches<R = Record<string, unknown>>(
    sql: string,
    params?: QueryParams,
    options: StreamOptions = {},
  ): AsyncGenerator<R[], void, undefined> {
    const batchSize = options.batchSize ?? this.#config.streamBatchSize ?? 1000
    const stream = await this.#open(sql, params, options, batchSize, true)
    let finished = false
    try {
      yield* untilAborted(stream.batches as AsyncIterable<R[]>, options.signal, (signal) =>
        cancelledBy(signal, stream.response.queryId),
      )
      finished = true
    } finally {
      if (!finished) this.#killInBackground(stream.response.queryId)
    }
  }

  /** A statement whose result is not read (DDL, INSERT … SELECT, ALTER, SET). */
  async command(sql: string, params?: QueryParams, options: QueryOptions = {}): Promise<CommandResult> {
    const server = this.#known ?? (await this.serverInfo())
    const prepared = await this.#prepare(sql, params, options, server)
    const waitSettings = mutationSettings(prepared.sql, server)
    const requestOptions = waitSettings
      ? { ...options, settings: { ...waitSettings, ...options.settings } }
      : options
    try {
      const response = await this.#request(prepared, requestOptions, undefined, false, true)
      for await (const _ of response.body) {
        // drain: the server reports errors at the end of the body
      }
      const summary = await response.summary()
      await waitForMutations(this, prepared.sql, server, options)
      return {
        queryId: response.queryId,
        summary: changesUncounted(prepared.sql) ? uncounted(summary) : summary,
      }
    } catch (error) {
      // The server may have refused because a table is not what its kept description says.
      if (!(error instanceof ParameterError)) for (const table of prepared.tables) this.#tables.forget(table)
      throw error
    }
  }

  /**
   * Streams rows into a table as TabSeparated with backpressure: rows are
   * encoded only as fast as the server takes them.
   */
  async insert(options: InsertOptions): Promise<InsertResult> {
    const server = this.#known ?? (await this.serverInfo())
    // Servers from 20.1 read `\N` as a column's default and know the TSV settings below.
    const modernInsert = versionAtLeast(server.version, 20, 1)
    const insert = await prepareInsert(this.#tables, options.table, options.values, options.columns, {
      ...options,
      nullAsDefault: modernInsert,
      subsecondDates: this.#config.subsecondDates,
    })
    const queryId = options.queryId ?? randomUUID()
    try {
      const response = await this.transport.request({
        sql: insert.statement,
        insert: { table: options.table, columns: insert.columns, format: 'TabSeparated' },
        body: insert.body,
        queryId,
        sessionId: options.sessionId,
        database: this.#config.database,
        settings: modernInsert ? { ...TSV_INSERT_SETTINGS, ...options.settings } : options.settings,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        idempotent: false,
      })
      for await (const _ of response.body) {
        // drain
      }
      const summary = await response.summary()
      return { queryId: response.queryId, writtenRows: summary?.writtenRows }
    } catch (error) {
      // The server may have refused because the table is not what the kept description says.
      if (!(error instanceof ParameterError)) this.#tables.forget(quoteTableName(options.table))
      throw error
    }
  }

  async acquire(options?: AcquireOptions): Promise<SqlConnection> {
    this.#assertOpen()
    const session = options?.exclusive || this.#config.sessions ? randomUUID() : undefined
    return new ClickHouseSession(this, session)
  }

  /** A ClickHouse session (`session_id`): temporary tables and `SET` last across its queries. */
  session(): ClickHouseSession {
    this.#assertOpen()
    return new ClickHouseSession(this, randomUUID())
  }

  /** Ends a session on the server (its temporary tables and settings go with it). */
  endSession(sessionId: string): Promise<void> {
    return this.#requestInSession(sessionId, () => this.transport.endSession(sessionId))
  }

  /** Ends a session without making the caller wait; failures are logged. */
  endSessionInBackground(sessionId: string): void {
    if (this.#closed) return
    const ending = this.endSession(sessionId).catch((error: unknown) => {
      log(this.#config.logger, 'warn', 'could not end a ClickHouse session', { error: String(error) })
    })
    this.#endingSessions.add(ending)
    void ending.finally(() => this.#endingSessions.delete(ending))
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await Promise.allSettled([...this.#endingSessions])
    await this.transport.close()
  }

  /** `SqlClient` execution for the bridges: rows or an affected-row count. */
  async executeStatement<R>(statement: SqlStatement, sessionId: string | undefined): Promise<SqlResult<R>> {
    const queryId = randomUUID()
    statement.onQueryId?.(queryId)
    const options = { queryId, signal: statement.signal, rowMode: statement.rowMode, sessionId }
    if (!classifyStatement(statement.sql).returnsRows) {
      const result = await this.command(statement.sql, statement.params, options)
      return {
        rows: [],
        columns: [],
        queryId: result.queryId,
        numAffectedRows: result.summary?.writtenRows,
      }
    }
    const result = await this.query<R>(statement.sql, statement.params, options)
    return { rows: result.rows, columns: result.columns, queryId: result.queryId }
  }

  async #open(
    sql: string,
    params: QueryParams | undefined,
    options: QueryOptions,
    batchSize: number,
    large = false,
  ) {
    const server = this.#known ?? (await this.serverInfo())
    const prepared = await this.#prepare(sql, params, options, server)
    let format: ResultFormat = server.supportsRowBinaryWithNamesAndTypes
      ? 'RowBinaryWithNamesAndTypes'
      : 'TSVWithNamesAndTypes'
    let columns: ColumnInfo[] | undefined
    if (format === 'TSVWithNamesAndTypes' && large && classifyStatement(prepared.sql).query) {
      // Old servers have no binary format with a header; for a stream, one DESCRIBE round trip
      // buys plain RowBinary, which decodes several times faster than typed text.
      // A statement DESCRIBE cannot wrap (or a bad one) takes the text path, which reports the real error.
      columns = await this.#describeResult(prepared, options).catch(() => undefined)
      if (columns) format = 'RowBinary'
    }
    const response = await this.#request(prepared, options, format, true, !large)
    const batches = decodeBatches(
      response.body,
      format,
      options.rowMode ?? 'object',
      batchSize,
      { ...this.#decode, timezone: response.timezone ?? server.timezone },
      columns,
    )
    return { response, batches }
  }

  /**
   * Binds a statement's parameters, first deciding the types the compilers
   * left to the client (params/deferred.ts): a value written to a column takes
   * that column's type, a JS Date the server's instant type. A value refused
   * for a column type from a kept description is tried once more against a
   * fresh one.
   */
  async #prepare(
    sql: string,
    params: QueryParams | undefined,
    options: QueryOptions,
    server: ServerInfo,
  ): Promise<PreparedStatement & { tables: readonly string[] }> {
    this.#tables.noticeStatement(sql)
    if (!hasDeferredTypes(sql))
      return { ...prepareStatement(sql, params, server, this.#prepareOptions), tables: [] }
    const marks = findDeferredTypes(sql)
    const values = params === undefined ? {} : paramsByName(params)
    const kept = new Map<string, KeptDescription>()
    for (const { type } of marks)
      if ((type.kind === 'column' || type.kind === 'set') && !kept.has(type.table))
        kept.set(type.table, this.#tables.get(type.table, options))
    for (let refreshed = false; ; ) {
      const described = new Map<string, TableDescription>()
      for (const [table, { description }] of kept) described.set(table, await description)
      const targets: Record<string, ValueContext> = {}
      const resolved = replaceDeferredTypes(sql, marks, (type) =>
        resolveDeferredType(type, values, described, server, targets),
      )
      try {
        const prepared = prepareStatement(resolved, params, server, { ...this.#prepareOptions, targets })
        return { ...prepared, tables: [...kept.keys()] }
      } catch (error) {
        if (!(error instanceof ParameterError) || refreshed || ![...kept.values()].some((k) => k.cached))
          throw error
        for (const [table, k] of kept)
          kept.set(table, { description: this.#tables.refresh(table, k.description, options), cached: false })
        refreshed = true
      }
    }
  }

  async #describeResult(prepared: PreparedStatement, options: QueryOptions): Promise<ColumnInfo[]> {
    const described = { sql: `DESCRIBE (${prepared.sql})`, params: prepared.params }
    const response = await this.#request(
      described,
      { ...options, queryId: undefined },
      'TSVWithNamesAndTypes',
      true,
      true,
    )
    const columns: ColumnInfo[] = []
    for await (const batch of decodeBatches<unknown[]>(
      response.body,
      'TSVWithNamesAndTypes',
      'array',
      1000,
      {},
    )) {
      for (const row of batch) columns.push({ name: String(row[0]), type: String(row[1]) })
    }
    return columns
  }

  async #request(
    prepared: PreparedStatement,
    options: QueryOptions,
    format: ResultFormat | undefined,
    idempotent: boolean,
    readsWhole: boolean,
  ): Promise<ClickHouseResponse> {
    this.#assertOpen()
    const onProgress = options.onProgress
    const queryId = options.queryId ?? randomUUID()
    // Aborting the request alone leaves the query running on the server: kill it by id as well.
    const stopWatching = onAbort(options.signal, () => this.#killInBackground(queryId))
    let response: ClickHouseResponse
    try {
      response = await this.#requestInSession(options.sessionId, () =>
        this.transport.request(
          {
            sql: prepared.sql,
            params: prepared.params,
            format,
            queryId,
            sessionId: options.sessionId,
            database: this.#config.database,
            settings:
              format === 'RowBinaryWithNamesAndTypes' && this.#jsonAsString
                ? withBinaryJson(options.settings)
                : options.settings,
            signal: options.signal,
            timeoutMs: options.timeoutMs,
            idempotent,
            readsWhole,
          },
          onProgress ? { onProgress: (_id, progress) => onProgress(progress) } : undefined,
        ),
      )
    } catch (error) {
      stopWatching()
      throw error
    }
    if (!options.signal) return response
    return { ...response, body: watchedBody(response.body, stopWatching), summary: response.summary }
  }

  /**
   * A session's previous request can hold it for a moment after its response
   * ended; the server then refuses the next one with SESSION_IS_LOCKED before
   * running it, so asking again is safe.
   */
  async #requestInSession<T>(sessionId: string | undefined, send: () => Promise<T>): Promise<T> {
    if (sessionId === undefined) return send()
    const deadline = new Deadline(SESSION_LOCK_WAIT_MS)
    for (let attempt = 0; ; attempt++) {
      try {
        return await send()
      } catch (error) {
        if (!(error instanceof ServerError) || error.code !== SESSION_IS_LOCKED || deadline.passed)
          throw error
      }
      await sleep(
        Math.min(backoffDelay(attempt, { initialDelayMs: 10, maxDelayMs: 250 }), deadline.remainingMs),
      )
    }
  }

  #killInBackground(queryId: string): void {
    this.transport.kill(queryId).catch((error: unknown) => {
      log(this.#config.logger, 'warn', 'could not kill an abandoned query', { queryId, error: String(error) })
    })
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new ConfigurationError('the ClickHouse client is closed', { system: 'clickhouse' })
  }
}

/** The error of a stream stopped by its signal: the signal's own reason if it is one of ours, with the query id otherwise. */
function cancelledBy(signal: AbortSignal, queryId: string): Error {
  const reason: unknown = signal.reason
  if (reason instanceof QueryCancelledError || reason instanceof TimeoutError) return reason
  return new QueryCancelledError('the query was cancelled', { system: 'clickhouse', queryId, cause: reason })
}

async function* watchedBody(body: AsyncIterable<Uint8Array>, done: () => void): AsyncGenerator<Uint8Array> {
  try {
    yield* body
  } finally {
    done()
  }
}

/**
 * Mutations (`ALTER TABLE … UPDATE/DELETE`, lightweight `DELETE`/`UPDATE`) change rows in the
 * background: the statement's own written-row counter does not count them, so it says nothing.
 */
function changesUncounted(sql: string): boolean {
  const { keyword } = classifyStatement(sql)
  return keyword === 'DELETE' || keyword === 'UPDATE' || mutationTarget(sql) !== undefined
}

function uncounted(summary: ClickHouseProgress | undefined): ClickHouseProgress | undefined {
  return summary && { ...summary, writtenRows: undefined, writtenBytes: undefined }
}

/** JSON columns arrive as text in RowBinary so the reader can parse them without a binary JSON decoder. */
function withBinaryJson(settings: Record<string, SettingValue> | undefined): Record<string, SettingValue> {
  return { output_format_binary_write_json_as_string: 1, ...settings }
}

export function createClient(config: ClickHouseClientConfig = {}): ClickHouseClient {
  return new ClickHouseClient(config)
}
