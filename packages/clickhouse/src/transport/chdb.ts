import { randomUUID } from 'node:crypto'
import {
  ConfigurationError,
  ConnectionError,
  DatabaseError,
  type Logger,
  log,
  QueryCancelledError,
  ServerError,
  TimeoutError,
  versionAtLeast,
} from '@tributary/core'
import type { ClickHouseClientConfig } from '../config.ts'
import { formatLiteral } from '../params/literal.ts'
import { toChdbParam } from '../params/text.ts'
import { quoteIdentifier } from '../statement.ts'
import { classifyStatement } from '../statement-kind.ts'
import { type ChunkJoiner, chunkJoinerFor } from './chdb-chunks.ts'
import {
  type ChdbEngine,
  type ChdbResult,
  type ChdbSession,
  type ChdbStream,
  type ChdbStreamChunk,
  openChdbEngine,
  TAG_PREFIX,
} from './chdb-engine.ts'
import { parseClickHouseErrorText } from './error-text.ts'
import type {
  ClickHouseProgress,
  ClickHouseRequest,
  ClickHouseResponse,
  ClickHouseTransport,
  ServerInfo,
  SettingValue,
} from './transport.ts'

export interface ChdbTransportOptions {
  /**
   * Data directory. Without it, the process's temporary directory: one for every
   * `chdb()` without a path in the process, kept whatever happens to any query,
   * removed when the process exits. The engine opens one directory per process.
   */
  path?: string | undefined
  /** Engine connections kept for concurrent queries (each runs one query at a time). Default 4. */
  maxConnections?: number | undefined
  /** Settings applied to every query. */
  settings?: Record<string, SettingValue> | undefined
  /**
   * How long the engine may keep the caller waiting, in milliseconds: for a whole
   * result, or for the next block of a stream (time the caller spends reading or
   * producing rows does not count). Default 300 000.
   */
  requestTimeoutMs?: number | undefined
  /** Receives what the transport does with the engine (debug) and what went wrong (warn). Silent by default. */
  logger?: Logger | undefined
}

const DEFAULT_TIMEOUT_MS = 300_000
/** TIMEOUT_EXCEEDED: the engine stopped the statement at its `max_execution_time`. */
const TIMEOUT_EXCEEDED = '159'

/**
 * The options of `createClient` an engine in the process cannot honour, with the
 * reason given when one is set (never its value, which may be a secret).
 */
const NOT_EMBEDDED: readonly [keyof ClickHouseClientConfig, string][] = [
  ['url', 'there is no server to connect to'],
  ['username', 'the engine runs in this process, without logins'],
  ['password', 'the engine runs in this process, without logins'],
  ['accessToken', 'the engine runs in this process, without logins'],
  ['authMode', 'the engine runs in this process, without logins'],
  ['roles', 'the engine runs in this process, without access control'],
  ['maxSockets', 'there are no sockets; give chdb({ maxConnections }) instead'],
  ['connectTimeoutMs', 'there is no connection to open'],
  ['keepAliveMarginMs', 'there are no sockets to keep alive'],
  ['maxUrlBytes', 'statements are not sent in a URL'],
  ['tls', 'nothing leaves the process'],
  ['headers', 'there is no HTTP request to carry them'],
  ['application', 'there is no HTTP request to carry a User-Agent'],
  ['dispatcher', 'there is no HTTP request to dispatch'],
]

/**
 * One engine connection. The engine runs one statement (or one stream) per
 * connection, so a connection is leased for the whole life of a response body.
 */
interface EngineConnection {
  session: ChdbSession
  /** Settings currently SET on this connection, to send only what changes. */
  applied: Map<string, string>
  /** The database selected with USE, when one was. */
  database: string | undefined
  /** Settles when the engine is done with the last thing sent on this connection (a stopped statement included). */
  ready: Promise<void>
  /** Closed after a failure it could not be cleaned of. */
  broken: boolean
}

interface LeaseWaiter {
  resolve(connection: EngineConnection): void
  reject(error: unknown): void
}

/** Embedded ClickHouse (chDB) behind the same transport contract as HTTP. */
export class ChdbTransport implements ClickHouseTransport {
  readonly kind = 'embedded' as const
  /** The data directory, as an absolute path. */
  readonly path: string
  readonly #engine: ChdbEngine
  readonly #maxConnections: number
  #settings: Record<string, SettingValue>
  #timeoutMs: number
  #logger: Logger | undefined
  #adopted = false
  readonly #idle: EngineConnection[] = []
  /** Every open pooled connection, idle or not, so that `close()` reaches them all. */
  readonly #pooled = new Set<EngineConnection>()
  readonly #sessions = new Map<string, Promise<EngineConnection>>()
  readonly #waiting: LeaseWaiter[] = []
  readonly #running = new Map<string, EngineQuery>()
  /** Pooled connections open or being opened. */
  #open = 0
  #closed = false
  #server: ServerInfo | undefined

  constructor(options: ChdbTransportOptions = {}) {
    const max = options.maxConnections ?? 4
    if (!Number.isInteger(max) || max < 1) {
      throw new ConfigurationError(`maxConnections must be a positive integer, got ${max}`, {
        system: 'clickhouse',
      })
    }
    this.#maxConnections = max
    this.#settings = checkedSettings(options.settings)
    this.#timeoutMs = checkedTimeout(options.requestTimeoutMs) ?? DEFAULT_TIMEOUT_MS
    this.#logger = options.logger
    // Last: once the engine counts this transport, only close() lets another directory open.
    this.#engine = openChdbEngine(options.path)
    this.path = this.#engine.directory
  }

  /**
   * Called by `createClient`: takes over the client options that apply to an engine in
   * the process (settings, requestTimeoutMs, logger) and refuses the rest.
   */
  applyClientConfig(config: ClickHouseClientConfig): void {
    if (this.#adopted) {
      throw new ConfigurationError(
        'this chdb() transport already serves a client: make one chdb() per client (transports on one path share its engine)',
        { system: 'clickhouse' },
      )
    }
    for (const [option, reason] of NOT_EMBEDDED) {
      if (config[option] !== undefined) {
        throw new ConfigurationError(`\`${option}\` does not apply to embedded ClickHouse: ${reason}`, {
          system: 'clickhouse',
        })
      }
    }
    if (config.compression?.request || config.compression?.response) {
      throw new ConfigurationError(
        '`compression` does not apply to embedded ClickHouse: results never leave the process',
        { system: 'clickhouse' },
      )
    }
    const settings = checkedSettings(config.settings)
    const timeoutMs = checkedTimeout(config.requestTimeoutMs)
    this.#adopted = true
    this.#settings = { ...this.#settings, ...settings }
    if (timeoutMs !== undefined) this.#timeoutMs = timeoutMs
    if (config.logger) this.#logger = config.logger
  }

  async serverInfo(): Promise<ServerInfo> {
    if (this.#server) return this.#server
    const response = await this.request({
      sql: 'SELECT version(), timezone()',
      format: 'TabSeparated',
      queryId: randomUUID(),
    })
    let text = ''
    const decoder = new TextDecoder()
    for await (const chunk of response.body) text += decoder.decode(chunk, { stream: true })
    const [version = '', timezone = 'UTC'] = text.trim().split('\t')
    this.#server = {
      version,
      timezone,
      supportsQueryParameters: true,
      supportsRowBinaryWithNamesAndTypes: versionAtLeast(version, 19, 3),
    }
    return this.#server
  }

  async request(request: ClickHouseRequest): Promise<ClickHouseResponse> {
    this.#assertOpen()
    const settings = { ...this.#settings, ...checkedSettings(request.settings) }
    const limitMs = request.timeoutMs ?? this.#timeoutMs
    // Read whole, the result has no reader pauses for the engine's clock to count: the engine gets the limit too.
    if (request.readsWhole && Number.isFinite(limitMs) && !('max_execution_time' in settings)) {
      settings.max_execution_time = Math.ceil(limitMs / 1000)
    }
    const queryId = request.queryId
    if (!this.#engine.claim(queryId)) {
      throw new ServerError(`a query with id ${queryId} is already running in the embedded engine`, {
        system: 'clickhouse',
        code: '216',
        queryId,
      })
    }
    const query = new EngineQuery(queryId, request.signal, limitMs)
    this.#running.set(queryId, query)
    let connection: EngineConnection | undefined
    let handedOver = false
    let clean = false
    try {
      query.arm()
      connection = await this.#lease(request.sessionId, query)
      const leased = connection
      query.onStop = () => this.#stopInEngine(query, leased)
      await this.#run(
        connection,
        query,
        this.#applySettings(connection, { ...settings, log_comment: query.tag }, request.database),
      )
      let response: ClickHouseResponse
      if (request.insert && request.body) {
        response = await this.#insert(connection, request, query)
      } else {
        // The engine streams only queries (SELECT, WITH); everything else runs whole.
        const joiner = request.format === undefined ? undefined : chunkJoinerFor(request.format)
        if (joiner !== undefined && classifyStatement(request.sql).query) {
          const streamed = this.#stream(connection, request, query, joiner)
          handedOver = true
          return streamed
        }
        response = await this.#execute(connection, request, query)
      }
      clean = true
      return response
    } catch (error) {
      if (!query.stopped) throw translate(error, queryId)
      throw error instanceof QueryCancelledError || error instanceof TimeoutError ? error : query.error(error)
    } finally {
      if (!handedOver) this.#finish(query, connection, request.sessionId, clean)
    }
  }

  async kill(queryId: string): Promise<void> {
    this.#running.get(queryId)?.stop('killed')
  }

  /** A session is an engine connection of its own; ending it closes that connection. */
  async endSession(sessionId: string): Promise<void> {
    const opening = this.#sessions.get(sessionId)
    if (!opening) return
    this.#sessions.delete(sessionId)
    const connection = await opening.catch(() => undefined)
    if (!connection) return
    connection.broken = true
    // chDB defers tearing the connection down until the engine is done with what runs on it.
    connection.session.close()
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const waiter of this.#waiting.splice(0)) waiter.reject(closedError())
    for (const query of [...this.#running.values()]) query.stop('closed')
    // chDB defers tearing a connection down until the engine is done with what runs on it.
    for (const connection of this.#pooled) connection.session.close()
    for (const session of this.#sessions.values())
      void session.then(
        (c) => c.session.close(),
        () => undefined,
      )
    this.#pooled.clear()
    this.#idle.length = 0
    this.#sessions.clear()
    this.#engine.release()
  }

  #stream(
    connection: EngineConnection,
    request: ClickHouseRequest,
    query: EngineQuery,
    join: ChunkJoiner,
  ): ClickHouseResponse {
    const opts = { format: request.format ?? 'TabSeparated' }
    query.checkNotStopped()
    const stream = hasParams(request.params)
      ? connection.session.queryStreamBind(request.sql, chdbParams(request.params), opts)
      : connection.session.queryStream(request.sql, opts)
    const body = new EngineStream(
      stream,
      join,
      query,
      (fetch) => this.#run(connection, query, fetch),
      (clean) => this.#finish(query, connection, request.sessionId, clean),
    )
    query.onStop = () => {
      // A fetch in flight waits for the engine's next block, which a stuck query may never produce:
      // KILL QUERY reaches it there. Cancelling the stream ends it in the engine otherwise.
      if (body.fetching) this.#stopInEngine(query, connection)
      body.cancel()
    }
    query.disarm()
    return { queryId: query.queryId, body, summary: async () => undefined }
  }

  /** Statements without a streamed result (DDL, SET, INSERT … SELECT): the engine runs them whole. */
  async #execute(
    connection: EngineConnection,
    request: ClickHouseRequest,
    query: EngineQuery,
  ): Promise<ClickHouseResponse> {
    const opts = { format: request.format ?? 'TabSeparated' }
    const session = connection.session
    const params = request.params
    let run: Promise<ChdbResult>
    if (hasParams(params)) {
      run = this.#engine.bound(
        () => session.queryBindAsync(request.sql, chdbParams(params), opts),
        query.signal,
      )
    } else {
      query.checkNotStopped()
      run = session.queryAsync(request.sql, opts)
    }
    const result = await this.#run(connection, query, run)
    query.checkNotStopped()
    return { queryId: query.queryId, body: single(result.bytes()), summary: async () => undefined }
  }

  async #insert(
    connection: EngineConnection,
    request: ClickHouseRequest,
    query: EngineQuery,
  ): Promise<ClickHouseResponse> {
    const insert = request.insert!
    const source = request.body!
    // The engine wraps whatever the row source throws; keep the original (a ParameterError for a bad value).
    let sourceError: unknown
    const rows = source instanceof Uint8Array ? single(source) : source
    // Time spent producing rows is the caller's; the limit runs while the engine has them.
    async function* values(): AsyncGenerator<Uint8Array> {
      const iterator = rows[Symbol.asyncIterator]()
      try {
        for (;;) {
          query.disarm()
          const next = await raceStop(iterator.next(), query)
          if (next.done) break
          query.arm()
          yield next.value
        }
        query.arm()
      } catch (error) {
        sourceError = error
        Promise.resolve(iterator.return?.()).catch(noop)
        throw error
      }
    }
    query.checkNotStopped()
    const writing = connection.session.insert({
      table: insert.table,
      columns: insert.columns,
      values: values(),
      format: 'TSV',
    })
    try {
      const result = await this.#run(connection, query, writing)
      const summary: ClickHouseProgress = {
        readRows: 0n,
        readBytes: 0n,
        writtenRows: BigInt(result.rowsWritten),
        writtenBytes: 0n,
        totalRowsToRead: 0n,
      }
      return { queryId: query.queryId, body: single(), summary: async () => summary }
    } catch (error) {
      throw query.stopped ? error : (sourceError ?? error)
    }
  }

  /**
   * Sends nothing new: waits for `operation` (already running on `connection`), or
   * for the query to be stopped, whichever comes first. The connection is ready for
   * its next use only once the engine is done with the operation.
   */
  #run<T>(connection: EngineConnection, query: EngineQuery, operation: Promise<T>): Promise<T> {
    connection.ready = Promise.all([connection.ready, operation]).then(noop, noop)
    return raceStop(operation, query)
  }

  #stopInEngine(query: EngineQuery, connection: EngineConnection): void {
    log(this.#logger, 'debug', 'embedded ClickHouse: stopping a query in the engine', {
      queryId: query.queryId,
      reason: query.reason,
    })
    const killed = this.#engine.kill(query.tag).catch((error: unknown) => {
      log(this.#logger, 'warn', 'embedded ClickHouse: KILL QUERY failed', {
        queryId: query.queryId,
        error: String(error),
      })
    })
    connection.ready = Promise.all([connection.ready, killed]).then(noop, noop)
  }

  /**
   * The statement is over for the caller; its connection is used again once the engine is done
   * with it. After a statement that failed or was stopped, chDB keeps the part of its output that
   * was not read and prepends it to the next result on that connection (and lists the statement in
   * system.processes until then): one throwaway query takes it, or the connection is closed.
   */
  #finish(
    query: EngineQuery,
    connection: EngineConnection | undefined,
    sessionId: string | undefined,
    clean: boolean,
  ): void {
    query.dispose()
    this.#running.delete(query.queryId)
    if (!connection) {
      this.#engine.free(query.queryId)
      return
    }
    const usable = clean
      ? connection.ready.then(() => true)
      : connection.ready.then(() => flushed(connection))
    connection.ready = usable.then(noop)
    void usable.then((ok) => {
      this.#engine.free(query.queryId)
      if (!ok) this.#discard(connection, sessionId)
      else if (!sessionId) this.#giveBack(connection)
    })
  }

  #discard(connection: EngineConnection, sessionId: string | undefined): void {
    connection.broken = true
    connection.session.close()
    log(this.#logger, 'debug', 'embedded ClickHouse: closed an engine connection that could not be cleaned')
    if (sessionId) return
    if (!this.#pooled.delete(connection)) return
    this.#open--
    const next = this.#waiting.shift()
    if (!next || this.#closed) return
    this.#open++
    this.#connect().then(
      (fresh) => {
        this.#pooled.add(fresh)
        next.resolve(fresh)
      },
      (error: unknown) => {
        this.#open--
        next.reject(error)
      },
    )
  }

  async #lease(sessionId: string | undefined, query: EngineQuery): Promise<EngineConnection> {
    if (sessionId) {
      let opening = this.#sessions.get(sessionId)
      if (!opening) {
        opening = this.#connect()
        this.#sessions.set(sessionId, opening)
        opening.catch(() => this.#sessions.delete(sessionId))
      }
      const connection = await raceStop(opening, query)
      // A statement stopped earlier in this session may still be ending in the engine.
      await raceStop(connection.ready, query)
      this.#assertOpen()
      if (connection.broken) {
        // Its temporary tables and settings went with it: the session starts again on a new connection.
        this.#sessions.delete(sessionId)
        return this.#lease(sessionId, query)
      }
      return connection
    }
    const idle = this.#idle.pop()
    if (idle) return idle
    if (this.#open < this.#maxConnections) {
      this.#open++
      try {
        const connection = await this.#connect()
        this.#pooled.add(connection)
        if (this.#closed) {
          connection.session.close()
          throw closedError()
        }
        return connection
      } catch (error) {
        this.#open--
        throw this.#closed ? closedError() : error
      }
    }
    return new Promise<EngineConnection>((resolve, reject) => {
      const waiter: LeaseWaiter = {
        resolve: (connection) => {
          stopWaiting()
          resolve(connection)
        },
        reject: (error) => {
          stopWaiting()
          reject(error)
        },
      }
      const onStop = () => {
        const index = this.#waiting.indexOf(waiter)
        if (index >= 0) this.#waiting.splice(index, 1)
        reject(query.error())
      }
      const stopWaiting = () => query.signal.removeEventListener('abort', onStop)
      query.signal.addEventListener('abort', onStop, { once: true })
      this.#waiting.push(waiter)
    })
  }

  async #connect(): Promise<EngineConnection> {
    const session = await this.#engine.connect()
    return { session, applied: new Map(), database: undefined, ready: Promise.resolve(), broken: false }
  }

  #giveBack(connection: EngineConnection): void {
    if (this.#closed) {
      connection.session.close()
      return
    }
    const next = this.#waiting.shift()
    if (next) next.resolve(connection)
    else this.#idle.push(connection)
  }

  async #applySettings(
    connection: EngineConnection,
    settings: Record<string, SettingValue>,
    database: string | undefined,
  ): Promise<void> {
    const run = (statement: string) => connection.session.queryAsync(statement, { format: 'TabSeparated' })
    if (database !== undefined && connection.database !== database) {
      await run(`USE ${quoteIdentifier(database)}`)
      connection.database = database
    }
    // `applied` changes only after a SET succeeded, so a refused setting leaves the connection as it was.
    for (const name of [...connection.applied.keys()]) {
      if (name in settings) continue
      await run(`SET ${name} = DEFAULT`)
      connection.applied.delete(name)
    }
    for (const [name, value] of Object.entries(settings)) {
      const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value)
      if (connection.applied.get(name) === text) continue
      await run(`SET ${name} = ${formatLiteral(text, { kind: 'String' })}`)
      connection.applied.set(name, text)
    }
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new ConfigurationError('the embedded ClickHouse transport is closed', { system: 'clickhouse' })
    }
  }
}

export function chdb(options: ChdbTransportOptions = {}): ChdbTransport {
  return new ChdbTransport(options)
}

type StopReason = 'cancelled' | 'timeout' | 'closed' | 'killed'

/**
 * One statement in the engine: the tag that finds it in `system.processes`
 * (`Settings['log_comment']`; chDB has no caller-chosen query ids, and it lists a
 * statement with its bound values filled in and its comments removed, so nothing
 * in the statement's text could serve), what stops it, and the time limit, which
 * runs only while the caller waits for the engine.
 */
class EngineQuery {
  readonly queryId: string
  readonly tag: string
  readonly #stop = new AbortController()
  readonly #caller: AbortSignal | undefined
  readonly #limitMs: number
  reason: StopReason | undefined
  /** What stopping means right now (a KILL, a stream cancel); set as the statement moves on. */
  onStop: (() => void) | undefined
  #timer: NodeJS.Timeout | undefined
  #waiting = false
  readonly #onCallerAbort = () => this.stop('cancelled')

  constructor(queryId: string, caller: AbortSignal | undefined, limitMs: number) {
    this.queryId = queryId
    this.tag = `${TAG_PREFIX}${queryId}`
    this.#caller = caller
    this.#limitMs = limitMs
    if (caller?.aborted) this.stop('cancelled')
    else caller?.addEventListener('abort', this.#onCallerAbort, { once: true })
  }

  get signal(): AbortSignal {
    return this.#stop.signal
  }

  get stopped(): boolean {
    return this.reason !== undefined
  }

  stop(reason: StopReason): void {
    if (this.reason !== undefined) return
    this.reason = reason
    this.#waiting = false
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#stop.abort(this.error())
    this.onStop?.()
  }

  /** The caller starts waiting for the engine. */
  arm(): void {
    if (this.stopped || !Number.isFinite(this.#limitMs)) return
    this.#waiting = true
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        if (this.#waiting) this.stop('timeout')
      }, this.#limitMs)
      this.#timer.unref()
    } else {
      this.#timer.refresh()
    }
  }

  /** The engine answered; time from now on is the caller's. */
  disarm(): void {
    this.#waiting = false
  }

  checkNotStopped(): void {
    if (this.stopped) throw this.error()
  }

  dispose(): void {
    this.#waiting = false
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#caller?.removeEventListener('abort', this.#onCallerAbort)
  }

  /** The error the stop becomes, with the query id. */
  error(cause?: unknown): DatabaseError {
    const context = { system: 'clickhouse', queryId: this.queryId, cause }
    if (this.reason === 'timeout') {
      return new TimeoutError(
        `embedded ClickHouse kept the query waiting for more than ${this.#limitMs} ms`,
        context,
      )
    }
    if (this.reason === 'closed') {
      return new QueryCancelledError('the embedded ClickHouse transport was closed', context)
    }
    const reason: unknown = this.#caller?.aborted ? this.#caller.reason : undefined
    if (reason instanceof DatabaseError) return reason
    if (reason instanceof Error && reason.name === 'TimeoutError') {
      return new TimeoutError('the query timed out', { ...context, cause: reason })
    }
    return new QueryCancelledError(
      this.reason === 'killed' && !this.#caller?.aborted ? 'the query was killed' : 'the query was cancelled',
      { ...context, cause: cause ?? reason },
    )
  }
}

/**
 * A streamed result, read block by block as the consumer asks. Stopping it ends the
 * query in the engine; every read after a stop throws the stop's error.
 */
class EngineStream implements AsyncIterableIterator<Uint8Array> {
  readonly #stream: ChdbStream
  readonly #chunks: AsyncIterator<ChdbStreamChunk>
  readonly #join: ChunkJoiner
  readonly #query: EngineQuery
  readonly #track: <T>(fetch: Promise<T>) => Promise<T>
  readonly #done: (clean: boolean) => void
  #index = 0
  #finished = false
  fetching = false

  constructor(
    stream: ChdbStream,
    join: ChunkJoiner,
    query: EngineQuery,
    track: <T>(fetch: Promise<T>) => Promise<T>,
    done: (clean: boolean) => void,
  ) {
    this.#stream = stream
    this.#chunks = stream[Symbol.asyncIterator]()
    this.#join = join
    this.#query = query
    this.#track = track
    this.#done = done
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  async next(): Promise<IteratorResult<Uint8Array, undefined>> {
    if (this.#query.stopped) {
      this.cancel()
      throw this.#query.error()
    }
    if (this.#finished) return { value: undefined, done: true }
    this.fetching = true
    this.#query.arm()
    try {
      const result = await this.#track(this.#chunks.next())
      if (result.done) {
        this.#finish(true)
        return { value: undefined, done: true }
      }
      return { value: this.#join(result.value.raw(), this.#index++), done: false }
    } catch (error) {
      this.#finish(false)
      throw this.#query.stopped ? this.#query.error(error) : translate(error, this.#query.queryId)
    } finally {
      this.fetching = false
      this.#query.disarm()
    }
  }

  async return(): Promise<IteratorResult<Uint8Array, undefined>> {
    this.cancel()
    return { value: undefined, done: true }
  }

  /** Ends the stream in the engine: chDB cancels the query (after the fetch in flight, if any). */
  cancel(): void {
    if (this.#finished) return
    this.#stream.cancel()
    void this.#chunks.return?.()
    this.#finish(false)
  }

  #finish(clean: boolean): void {
    if (this.#finished) return
    this.#finished = true
    this.#done(clean)
  }
}

/** Waits for `operation`, or rejects with the query's error as soon as it is stopped. */
function raceStop<T>(operation: Promise<T>, query: EngineQuery): Promise<T> {
  const signal = query.signal
  if (signal.aborted) {
    operation.catch(noop)
    return Promise.reject(query.error())
  }
  return new Promise<T>((resolve, reject) => {
    const onStop = () => reject(query.error())
    signal.addEventListener('abort', onStop, { once: true })
    operation.then(
      (value) => {
        signal.removeEventListener('abort', onStop)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onStop)
        reject(error)
      },
    )
  })
}

function checkedSettings(
  settings: Readonly<Record<string, SettingValue>> | undefined,
): Record<string, SettingValue> {
  if (!settings) return {}
  for (const name of Object.keys(settings)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new ConfigurationError(`invalid setting name ${JSON.stringify(name)}`, { system: 'clickhouse' })
    }
    if (name.toLowerCase() === 'log_comment') {
      throw new ConfigurationError(
        'the setting `log_comment` is reserved on embedded ClickHouse: the transport tags each statement with it to find the statement in system.processes',
        { system: 'clickhouse' },
      )
    }
  }
  return { ...settings }
}

function checkedTimeout(ms: number | undefined): number | undefined {
  if (ms === undefined) return undefined
  if (!(ms > 0)) {
    throw new ConfigurationError(`requestTimeoutMs must be a positive number of milliseconds, got ${ms}`, {
      system: 'clickhouse',
    })
  }
  return ms
}

function hasParams(
  params: Readonly<Record<string, string>> | undefined,
): params is Readonly<Record<string, string>> {
  return params !== undefined && Object.keys(params).length > 0
}

function chdbParams(params: Readonly<Record<string, string>>): Record<string, string | null> {
  const out: Record<string, string | null> = {}
  for (const [name, text] of Object.entries(params)) out[name] = toChdbParam(text)
  return out
}

async function* single(bytes?: Uint8Array): AsyncGenerator<Uint8Array, void, undefined> {
  if (bytes) yield bytes
}

function closedError(): QueryCancelledError {
  return new QueryCancelledError('the embedded ClickHouse transport was closed', { system: 'clickhouse' })
}

function noop(): void {}

/** Runs a throwaway query that takes what a failed statement left on the connection; false if that fails too. */
function flushed(connection: EngineConnection): Promise<boolean> {
  return connection.session.queryAsync('SELECT 1', { format: 'TabSeparated' }).then(
    () => true,
    () => false,
  )
}

/** Turns a chDB error into the shared hierarchy, keeping the engine's code and text. */
function translate(error: unknown, queryId: string): DatabaseError {
  if (error instanceof DatabaseError) return error
  const e = error as { message?: string; clickhouseCode?: number; code?: string }
  const message = String(e?.message ?? error)
  const parsed = parseClickHouseErrorText(message)
  const code = e?.clickhouseCode ?? parsed.code
  if (String(code) === TIMEOUT_EXCEEDED) {
    return new TimeoutError(parsed.message, {
      system: 'clickhouse',
      code: TIMEOUT_EXCEEDED,
      queryId,
      cause: error,
    })
  }
  if (code !== undefined) {
    return new ServerError(parsed.message, {
      system: 'clickhouse',
      code: String(code),
      queryId,
      cause: error,
    })
  }
  return new ConnectionError(`embedded ClickHouse failed: ${message}`, {
    system: 'clickhouse',
    queryId,
    cause: error,
  })
}
