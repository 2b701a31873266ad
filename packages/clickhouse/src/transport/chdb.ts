import { randomUUID } from 'node:crypto'
import {
  ConfigurationError,
  ConnectionError,
  DatabaseError,
  onAbort,
  QueryCancelledError,
  ServerError,
  TimeoutError,
  versionAtLeast,
} from '@tributary/core'
import { formatLiteral } from '../params/literal.ts'
import { toChdbParam } from '../params/text.ts'
import { quoteIdentifier } from '../statement.ts'
import { classifyStatement } from '../statement-kind.ts'
import { type ChunkJoiner, chunkJoinerFor } from './chdb-chunks.ts'
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
  /** Data directory. Without it, a temporary directory removed on `close()`. One directory per process. */
  path?: string | undefined
  /** Engine connections kept for concurrent queries (each runs one query at a time). Default 4. */
  maxConnections?: number | undefined
  /** Settings applied to every query. */
  settings?: Record<string, SettingValue> | undefined
}

/* The parts of the `chdb` package this transport uses. */
interface ChdbStreamChunk {
  raw(): Uint8Array
}
interface ChdbStream extends AsyncIterable<ChdbStreamChunk> {
  cancel(): void
}
interface ChdbResult {
  bytes(): Uint8Array
}
interface ChdbSession {
  readonly path: string
  queryAsync(sql: string, opts: { format?: string }): Promise<ChdbResult>
  queryBindAsync(sql: string, params: object, opts: { format?: string }): Promise<ChdbResult>
  queryStream(sql: string, opts: { format?: string }): ChdbStream
  queryStreamBind(sql: string, params: object, opts: { format?: string }): ChdbStream
  insert(params: {
    table: string
    values: AsyncIterable<Uint8Array>
    format: 'TSV'
    columns?: readonly string[]
    signal?: AbortSignal
  }): Promise<{ rowsWritten: number }>
  close(): void
}
interface ChdbModule {
  Session: new (path?: string) => ChdbSession
  drainPending(): Promise<void>
}

/**
 * One engine connection. The engine runs one stream per connection, so a
 * connection is leased for the whole life of a response body.
 */
interface EngineConnection {
  session: ChdbSession
  /** Settings currently SET on this connection, to send only what changes. */
  applied: Map<string, string>
  /** The database selected with USE, when one was. */
  database: string | undefined
}

/** Embedded ClickHouse (chDB) behind the same transport contract as HTTP. */
export class ChdbTransport implements ClickHouseTransport {
  readonly kind = 'embedded' as const
  readonly #options: ChdbTransportOptions
  #module: Promise<ChdbModule> | undefined
  #path: string | undefined
  readonly #idle: EngineConnection[] = []
  readonly #sessions = new Map<string, EngineConnection>()
  readonly #waiting: ((connection: EngineConnection) => void)[] = []
  readonly #running = new Map<string, { cancel: () => void }>()
  /** A connection reserved for KILL QUERY, so a kill never waits behind the pool. */
  #control: EngineConnection | undefined
  #open = 0
  #closed = false
  #server: ServerInfo | undefined

  constructor(options: ChdbTransportOptions = {}) {
    this.#options = options
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
    if (this.#closed)
      throw new ConfigurationError('the embedded ClickHouse transport is closed', { system: 'clickhouse' })
    if (request.signal?.aborted) throw cancelled(request.queryId, request.signal.reason)
    const chdb = await this.#load()
    const connection = await this.#lease(chdb, request.sessionId)
    let released = false
    const release = (reusable = true) => {
      if (released) return
      released = true
      this.#running.delete(request.queryId)
      if (reusable) this.#giveBack(connection, request.sessionId)
      else this.#discard(connection, request.sessionId)
    }
    try {
      await this.#applySettings(
        connection,
        { ...this.#options.settings, ...request.settings },
        request.database,
      )
      if (request.insert && request.body) {
        return await this.#insert(connection, request, release)
      }
      // The engine streams only queries (SELECT, WITH); everything else runs whole.
      const joiner = request.format === undefined ? undefined : chunkJoinerFor(request.format)
      if (joiner === undefined || !classifyStatement(request.sql).query) {
        return await this.#execute(connection, request, release)
      }
      return this.#stream(connection, request, release, joiner)
    } catch (error) {
      release()
      throw translate(error, request.queryId)
    }
  }

  async kill(queryId: string): Promise<void> {
    this.#running.get(queryId)?.cancel()
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const running of this.#running.values()) running.cancel()
    const module = this.#module ? await this.#module : undefined
    await module?.drainPending()
    const all = [...this.#idle, ...this.#sessions.values(), ...(this.#control ? [this.#control] : [])]
    for (const connection of all) connection.session.close()
    this.#idle.length = 0
    this.#sessions.clear()
  }

  #stream(
    connection: EngineConnection,
    request: ClickHouseRequest,
    release: (reusable?: boolean) => void,
    join: ChunkJoiner,
  ): ClickHouseResponse {
    const queryId = request.queryId
    // The engine has no caller-chosen query ids: a comment tag lets `kill` find this query in system.processes.
    const tag = `/* tributary:${randomUUID()} */`
    const signal = withTimeout(request.signal, request.timeoutMs)
    const opts = { format: request.format ?? 'TabSeparated' }
    const sql = `${tag} ${request.sql}`
    const stream =
      request.params && Object.keys(request.params).length > 0
        ? connection.session.queryStreamBind(sql, chdbParams(request.params), opts)
        : connection.session.queryStream(sql, opts)
    let killed = false
    const kill = () => {
      if (killed) return
      killed = true
      this.#killTagged(tag).catch(() => undefined)
    }
    this.#running.set(queryId, { cancel: kill })
    const stopListening = onAbort(signal, kill)
    async function* body(): AsyncGenerator<Uint8Array, void, undefined> {
      let done = false
      try {
        let index = 0
        for await (const chunk of stream) yield join(chunk.raw(), index++)
        done = true
        if (killed) throw cancelled(queryId, signal?.reason)
      } catch (error) {
        if (killed) throw cancelled(queryId, signal?.reason, error)
        throw translate(error, queryId)
      } finally {
        stopListening()
        // A consumer that stops early leaves the query running in the engine: stop it there.
        if (!done) kill()
        stream.cancel()
        // A stream stopped early is torn down by the engine after its last fetch; the connection cannot
        // run another query before that, so it is closed rather than reused.
        release(done)
      }
    }
    return { queryId, body: body(), summary: async () => undefined }
  }

  /** Statements without a result format (DDL, SET, INSERT … SELECT): the engine runs them whole, not as a stream. */
  async #execute(
    connection: EngineConnection,
    request: ClickHouseRequest,
    release: () => void,
  ): Promise<ClickHouseResponse> {
    const queryId = request.queryId
    const tag = `/* tributary:${randomUUID()} */`
    const signal = withTimeout(request.signal, request.timeoutMs)
    const sql = `${tag} ${request.sql}`
    let killed = false
    const kill = () => {
      if (killed) return
      killed = true
      this.#killTagged(tag).catch(() => undefined)
    }
    this.#running.set(queryId, { cancel: kill })
    const stopListening = onAbort(signal, kill)
    try {
      const opts = { format: request.format ?? 'TabSeparated' }
      const result =
        request.params && Object.keys(request.params).length > 0
          ? await connection.session.queryBindAsync(sql, chdbParams(request.params), opts)
          : await connection.session.queryAsync(sql, opts)
      if (killed) throw cancelled(queryId, signal?.reason)
      return { queryId, body: single(result.bytes()), summary: async () => undefined }
    } catch (error) {
      if (killed) throw cancelled(queryId, signal?.reason, error)
      throw error
    } finally {
      stopListening()
      release()
    }
  }

  /** Stops a tagged query from a separate engine connection (its own is blocked running it). */
  async #killTagged(tag: string): Promise<void> {
    const chdb = await this.#load()
    this.#control ??= this.#connect(chdb)
    const statement = `KILL QUERY WHERE startsWith(query, ${formatLiteral(tag, { kind: 'String' })}) ASYNC`
    await this.#control.session.queryAsync(statement, { format: 'TabSeparated' })
  }

  async #insert(
    connection: EngineConnection,
    request: ClickHouseRequest,
    release: () => void,
  ): Promise<ClickHouseResponse> {
    const insert = request.insert!
    const source = request.body!
    // The engine wraps whatever the row source throws; keep the original (a ParameterError for a bad value).
    let sourceError: unknown
    async function* values(): AsyncGenerator<Uint8Array> {
      try {
        yield* source instanceof Uint8Array ? single(source) : source
      } catch (error) {
        sourceError = error
        throw error
      }
    }
    try {
      const result = await connection.session.insert({
        table: insert.table,
        columns: insert.columns,
        values: values(),
        format: 'TSV',
        signal: request.signal,
      })
      const summary: ClickHouseProgress = {
        readRows: 0n,
        readBytes: 0n,
        writtenRows: BigInt(result.rowsWritten),
        writtenBytes: 0n,
        totalRowsToRead: 0n,
      }
      return { queryId: request.queryId, body: single(), summary: async () => summary }
    } catch (error) {
      throw sourceError ?? error
    } finally {
      release()
    }
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
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw new ConfigurationError(`invalid setting name ${JSON.stringify(name)}`, { system: 'clickhouse' })
      }
      const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value)
      if (connection.applied.get(name) === text) continue
      await run(`SET ${name} = ${formatLiteral(text, { kind: 'String' })}`)
      connection.applied.set(name, text)
    }
  }

  #load(): Promise<ChdbModule> {
    this.#module ??= import('chdb').then(
      (mod: { default?: ChdbModule } & Partial<ChdbModule>) => (mod.default ?? mod) as ChdbModule,
      (error: unknown) => {
        throw new ConfigurationError(
          'embedded ClickHouse needs the optional peer dependency `chdb` (npm i chdb)',
          {
            system: 'clickhouse',
            cause: error,
          },
        )
      },
    )
    return this.#module
  }

  /** A session is an engine connection of its own; ending it closes that connection. */
  async endSession(sessionId: string): Promise<void> {
    const connection = this.#sessions.get(sessionId)
    if (connection) this.#discard(connection, sessionId)
  }

  async #lease(chdb: ChdbModule, sessionId: string | undefined): Promise<EngineConnection> {
    if (sessionId) {
      let connection = this.#sessions.get(sessionId)
      if (!connection) {
        connection = this.#connect(chdb)
        this.#sessions.set(sessionId, connection)
      }
      return connection
    }
    const idle = this.#idle.pop()
    if (idle) return idle
    if (this.#open < (this.#options.maxConnections ?? 4)) {
      this.#open++
      return this.#connect(chdb)
    }
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  #connect(chdb: ChdbModule): EngineConnection {
    // Every connection after the first must open the same directory the first one chose.
    const session = new chdb.Session(this.#path ?? this.#options.path ?? '')
    this.#path ??= session.path
    return { session, applied: new Map(), database: undefined }
  }

  #discard(connection: EngineConnection, sessionId: string | undefined): void {
    connection.session.close()
    if (sessionId) this.#sessions.delete(sessionId)
    else this.#open--
    const next = this.#waiting.shift()
    if (next && this.#module) {
      this.#open++
      this.#module.then((chdb) => next(this.#connect(chdb)))
    }
  }

  #giveBack(connection: EngineConnection, sessionId: string | undefined): void {
    if (sessionId) return
    if (this.#closed) {
      connection.session.close()
      return
    }
    const next = this.#waiting.shift()
    if (next) next(connection)
    else this.#idle.push(connection)
  }
}

export function chdb(options: ChdbTransportOptions = {}): ChdbTransport {
  return new ChdbTransport(options)
}

function withTimeout(
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
): AbortSignal | undefined {
  if (timeoutMs === undefined) return signal
  const timeout = AbortSignal.timeout(timeoutMs)
  return signal ? AbortSignal.any([signal, timeout]) : timeout
}

function chdbParams(params: Readonly<Record<string, string>>): Record<string, string | null> {
  const out: Record<string, string | null> = {}
  for (const [name, text] of Object.entries(params)) out[name] = toChdbParam(text)
  return out
}

async function* single(bytes?: Uint8Array): AsyncGenerator<Uint8Array, void, undefined> {
  if (bytes) yield bytes
}

function cancelled(queryId: string, reason: unknown, cause?: unknown): DatabaseError {
  if (reason instanceof DatabaseError) return reason
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new TimeoutError('the query timed out', { system: 'clickhouse', queryId, cause: reason })
  }
  return new QueryCancelledError('the query was cancelled', {
    system: 'clickhouse',
    queryId,
    cause: cause ?? reason,
  })
}

/** Turns a chDB error into the shared hierarchy, keeping the engine's code and text. */
function translate(error: unknown, queryId: string): DatabaseError {
  if (error instanceof DatabaseError) return error
  const e = error as { message?: string; clickhouseCode?: number; code?: string }
  const message = String(e?.message ?? error)
  const parsed = parseClickHouseErrorText(message)
  const code = e?.clickhouseCode ?? parsed.code
  if (code !== undefined) {
    return new ServerError(parsed.message, {
      system: 'clickhouse',
      code: String(code),
      queryId,
      cause: error,
    })
  }
  if (e?.code === 'CHDB_ABORT') return cancelled(queryId, undefined, error)
  if (e?.code === 'CHDB_TIMEOUT')
    return new TimeoutError(message, { system: 'clickhouse', queryId, cause: error })
  return new ConnectionError(`embedded ClickHouse failed: ${message}`, {
    system: 'clickhouse',
    queryId,
    cause: error,
  })
}
