/**
 * ClickHouse over HTTP on one undici `Pool`. Requests go straight to
 * `pool.request` (no timers or microtask hops before them); the response body
 * is handed on as a pull-based iterator that checks for exceptions the server
 * writes into the stream, and releases the socket when the caller stops.
 */

import { pipeline, Readable } from 'node:stream'
import zlib from 'node:zlib'
import {
  ConfigurationError,
  type DatabaseError,
  DatabaseError as DatabaseErrorClass,
  onAbort,
  ParameterError,
  QueryCancelledError,
  ServerError,
  versionAtLeast,
} from '@tributary/core'
import { type Dispatcher, Pool } from 'undici'
import { quoteLiteral } from '../params/literal.ts'
import { classifyStatement } from '../statement-kind.ts'
import { StreamExceptionScanner } from './exception-scanner.ts'
import { checkHttpConfig, connectOptions, type HttpTransportConfig, requestHeaders } from './http-config.ts'
import {
  type ErrorContext,
  errorFromFailure,
  errorFromLateFailure,
  errorFromStatus,
  errorFromStream,
} from './http-errors.ts'
import { isStaleSocketError, keepAliveOptions } from './keep-alive.ts'
import { ProgressWatch, parseProgressHeader, parseSummaryHeader } from './progress.ts'
import { ServerWait } from './server-wait.ts'
import type {
  ClickHouseProgress,
  ClickHouseRequest,
  ClickHouseResponse,
  ClickHouseTransport,
  ClickHouseTransportEvents,
  ServerInfo,
  SettingValue,
} from './transport.ts'

export type { HttpTransportConfig, HttpTransportLogger, TlsOptions } from './http-config.ts'

const ERROR_BODY_LIMIT = 64 * 1024
const KILL_TIMEOUT_MS = 10_000
const DEFAULT_MAX_URL_BYTES = 1024 * 1024
const DEFAULT_REQUEST_TIMEOUT_MS = 300_000
/**
 * Progress headers while a query has no result yet keep idle-timeout proxies (commonly 60 s)
 * from cutting it. Ten seconds add about 80 KB of headers an hour, hence the larger header limit.
 */
const PROGRESS_HEADERS_INTERVAL_MS = 10_000
const MAX_HEADER_BYTES = 2 * 1024 * 1024
/** ClickHouse's READONLY and SETTING_CONSTRAINT_VIOLATION: a setting the user may not change. */
const SETTING_REFUSED_CODES = new Set(['164', '452'])

/** What the server's profile allows, learned with the version. */
interface ProfileLimits {
  /** `readonly = 1` refuses every setting in a request. */
  settingsChangeable: boolean
  /** The profile's own `max_execution_time` in seconds (0: none). */
  maxExecutionTimeS: number
}

interface Deferred<T> {
  promise: Promise<T>
  resolve(value: T): void
  reject(error: unknown): void
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  // Nobody has to ask for the summary; a failure is reported through the body.
  promise.catch(() => {})
  return { promise, resolve, reject }
}

function settingText(value: SettingValue): string {
  if (typeof value === 'boolean') return value ? '1' : '0'
  return String(value)
}

function headerValue(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name]
  if (Array.isArray(value)) return value[value.length - 1]
  return value ?? undefined
}

function headerValues(headers: Dispatcher.ResponseData['headers'], name: string): string[] {
  const value = headers[name]
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}

function decompressorFor(encoding: string | undefined): NodeJS.ReadWriteStream | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case undefined:
    case '':
    case 'identity':
      return undefined
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip()
    case 'deflate':
      return zlib.createInflate()
    case 'br':
      return zlib.createBrotliDecompress()
    case 'zstd':
      return zlib.createZstdDecompress()
    default:
      return undefined
  }
}

class HttpTransport implements ClickHouseTransport {
  readonly kind = 'http' as const
  readonly #config: HttpTransportConfig
  readonly #origin: string
  readonly #basePath: string
  readonly #baseParams: URLSearchParams
  /** Sent with every request: the caller's headers, the User-Agent and the credentials. */
  readonly #headers: Record<string, string>
  readonly #secrets: readonly (string | undefined)[]
  /** The transport's own pool, or the caller's dispatcher (which the transport never closes). */
  readonly #dispatcher: Dispatcher
  readonly #ownsDispatcher: boolean
  readonly #poolOptions: Pool.Options
  #control: Dispatcher | undefined
  #closed = false
  /** Unknown until `serverInfo()` answered: no setting is added on the transport's own before. */
  #profile: ProfileLimits | undefined
  /** Set once the server refused a setting the transport adds on its own; none is added after. */
  #ownSettingsRefused = false

  constructor(config: HttpTransportConfig) {
    let url: URL
    try {
      url = new URL(config.url)
    } catch (error) {
      throw new ConfigurationError('ClickHouse url is not a valid URL', {
        system: 'clickhouse',
        cause: error,
      })
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigurationError(`ClickHouse url must be http: or https:, not ${url.protocol}`, {
        system: 'clickhouse',
      })
    }
    checkHttpConfig(config, url)
    const username = config.username ?? (url.username ? decodeURIComponent(url.username) : 'default')
    const password = config.password ?? (url.password ? decodeURIComponent(url.password) : '')
    this.#config = config
    this.#origin = url.origin
    this.#basePath = url.pathname || '/'
    this.#baseParams = url.searchParams
    this.#secrets = [
      password,
      config.accessToken,
      Buffer.from(`${username}:${password}`).toString('base64'),
      ...Object.values(config.headers ?? {}),
    ]
    let auth: Record<string, string>
    if (config.accessToken) auth = { authorization: `Bearer ${config.accessToken}` }
    else if (config.authMode === 'headers')
      auth = { 'x-clickhouse-user': username, 'x-clickhouse-key': password }
    else auth = { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` }
    this.#headers = requestHeaders(config, auth)
    const margin = config.keepAliveMarginMs ?? 500
    const connect = connectOptions(config.tls)
    this.#poolOptions = {
      connections: config.maxSockets ?? 10,
      connectTimeout: config.connectTimeoutMs ?? 10_000,
      maxHeaderSize: MAX_HEADER_BYTES,
      ...keepAliveOptions(margin),
      ...(connect ? { connect } : {}),
    }
    this.#ownsDispatcher = config.dispatcher === undefined
    this.#dispatcher = config.dispatcher ?? new Pool(this.#origin, this.#poolOptions)
  }

  async serverInfo(signal?: AbortSignal): Promise<ServerInfo> {
    let fields: string[]
    try {
      fields = await this.#firstRow(
        `SELECT version(), timezone(), ${profileSetting('readonly')}, ${profileSetting('max_execution_time')}`,
        signal,
      )
    } catch (error) {
      if (!(error instanceof ServerError)) throw error
      // No grant on system.settings (select_from_system_db_requires_grant): the version alone, and
      // no settings added by the transport, since the profile is unknown.
      fields = await this.#firstRow('SELECT version(), timezone()', signal)
    }
    const [version = '', timezone = 'UTC', readonly, maxExecutionTime = '0'] = fields
    this.#profile = {
      settingsChangeable: readonly !== undefined && readonly.trim() !== '1',
      maxExecutionTimeS: Number(maxExecutionTime) || 0,
    }
    return {
      version,
      timezone,
      supportsQueryParameters: versionAtLeast(version, 19, 15),
      supportsRowBinaryWithNamesAndTypes: versionAtLeast(version, 19, 3, 3),
    }
  }

  async #firstRow(sql: string, signal: AbortSignal | undefined): Promise<string[]> {
    const response = await this.request({
      sql: `${sql} FORMAT TabSeparated`,
      queryId: crypto.randomUUID(),
      signal,
      idempotent: true,
      timeoutMs: Math.min(this.#config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, 30_000),
    })
    const chunks: Uint8Array[] = []
    for await (const chunk of response.body) chunks.push(chunk)
    return (Buffer.concat(chunks).toString('utf8').split('\n')[0] ?? '').split('\t')
  }

  request(request: ClickHouseRequest, events?: ClickHouseTransportEvents): Promise<ClickHouseResponse> {
    if (this.#closed) {
      return Promise.reject(
        new ConfigurationError('ClickHouse transport is closed', { system: 'clickhouse' }),
      )
    }
    return this.#send(request, events)
  }

  async #send(
    request: ClickHouseRequest,
    events: ClickHouseTransportEvents | undefined,
  ): Promise<ClickHouseResponse> {
    const timeoutMs = request.timeoutMs ?? this.#config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    const own = this.#ownSettings(request, timeoutMs)
    try {
      return await this.#attempt(request, events, timeoutMs, own)
    } catch (error) {
      if (own === undefined || !refusesOwnSetting(error, own)) throw error
      // A read-only profile or a settings constraint: the statement never ran, so it can be sent again.
      this.#ownSettingsRefused = true
      this.#config.logger?.debug?.('ClickHouse refused a setting the client adds itself; sending without', {
        queryId: request.queryId,
        settings: Object.keys(own),
      })
      return this.#attempt(request, events, timeoutMs, undefined)
    }
  }

  /**
   * Settings the transport adds itself, under the caller's: progress headers as a heartbeat, and
   * the time limit as the server's `max_execution_time` where the client reads the result whole
   * (a paused reader would count against the server's clock). Only once the profile is known to
   * allow settings, never for streamed bodies (which could not be replayed without them).
   */
  #ownSettings(request: ClickHouseRequest, timeoutMs: number): Record<string, string> | undefined {
    const profile = this.#profile
    if (!profile?.settingsChangeable || this.#ownSettingsRefused) return undefined
    if (request.body !== undefined && !(request.body instanceof Uint8Array)) return undefined
    const own: Record<string, string> = {
      send_progress_in_http_headers: '1',
      http_headers_progress_interval_ms: String(PROGRESS_HEADERS_INTERVAL_MS),
    }
    if (request.readsWhole && Number.isFinite(timeoutMs) && timeoutMs > 0) {
      const seconds = Math.ceil(timeoutMs / 1000)
      // Never raise a limit the profile already sets lower.
      if (profile.maxExecutionTimeS === 0 || profile.maxExecutionTimeS > seconds) {
        own.max_execution_time = String(seconds)
      }
    }
    return own
  }

  async #attempt(
    request: ClickHouseRequest,
    events: ClickHouseTransportEvents | undefined,
    timeoutMs: number,
    own: Record<string, string> | undefined,
  ): Promise<ClickHouseResponse> {
    const config = this.#config
    const context: ErrorContext = { queryId: request.queryId, secrets: this.#secrets }
    const path = this.#path(request, events, own)
    const headers: Record<string, string> = { ...this.#headers }
    const responseCompression = config.compression?.response
    if (responseCompression) headers['accept-encoding'] = responseCompression
    const streamed = request.body !== undefined && !(request.body instanceof Uint8Array)
    const replayable =
      !streamed &&
      (request.idempotent ?? (request.body === undefined && classifyStatement(request.sql).readOnly))
    const wait = new ServerWait(timeoutMs, request.signal, () => this.#killInBackground(request.queryId))
    const failure = (error: unknown, phase: 'request' | 'body') =>
      errorFromFailure(error, wait.reason, { ...context, timeoutMs, phase })
    const onProgress = events?.onProgress
    const watch = onProgress ? new ProgressWatch(request.queryId, onProgress, config.logger) : undefined
    watch?.start((sql, signal) => this.#controlQuery(sql, signal, request.queryId))
    const finish = () => {
      wait.dispose()
      watch?.stop()
    }

    // undici writes the request head only with the first body chunk, and a server closes a reused
    // socket that stays silent past its keep-alive timeout: wait for that chunk before sending.
    let data: AsyncIterable<Uint8Array> | undefined
    try {
      if (streamed)
        data = await primeBody(request.body as AsyncIterable<Uint8Array>, request.signal, request.queryId)
    } catch (error) {
      finish()
      throw error
    }
    let bodyError: unknown
    let response: Dispatcher.ResponseData
    for (let attempt = 0; ; attempt++) {
      const body = this.#requestBody(request, data, headers, {
        onError: (error) => {
          bodyError = error
        },
        // The server's time starts once it has the whole statement and its data.
        onEnd: () => wait.arm(),
      })
      if (!streamed) wait.arm()
      try {
        response = await this.#dispatcher.request({
          origin: this.#origin,
          path,
          method: 'POST',
          headers,
          body,
          signal: wait.signal,
          // The wait above is the one limit; undici's own timers would also count a paused reader.
          headersTimeout: 0,
          bodyTimeout: 0,
        })
        break
      } catch (error) {
        if (
          wait.reason === undefined &&
          bodyError === undefined &&
          attempt === 0 &&
          replayable &&
          isStaleSocketError(error)
        ) {
          config.logger?.debug?.('ClickHouse socket was closed by the server; retrying once', {
            queryId: request.queryId,
          })
          continue
        }
        finish()
        if (bodyError !== undefined) throw bodyError
        throw failure(error, 'request')
      }
    }
    wait.disarm()

    const status = response.statusCode
    const tag = headerValue(response.headers, 'x-clickhouse-exception-tag')
    const exceptionCode = headerValue(response.headers, 'x-clickhouse-exception-code')
    if (status !== 200 || exceptionCode) {
      wait.arm()
      try {
        const text = await readBounded(response, ERROR_BODY_LIMIT)
        if (status !== 200) throw errorFromStatus(status, exceptionCode, text, context)
        // The query failed after progress headers had already committed the 200: the body is the error.
        throw errorFromLateFailure(text, tag, exceptionCode, context)
      } catch (error) {
        if (error instanceof DatabaseErrorClass) throw error
        throw failure(error, 'body')
      } finally {
        finish()
      }
    }

    if (watch) {
      watch.responded()
      for (const value of headerValues(response.headers, 'x-clickhouse-progress')) {
        const progress = parseProgressHeader(value)
        if (progress) watch.report(progress)
      }
    }

    const summaryText = headerValue(response.headers, 'x-clickhouse-summary')
    const summary = deferred<ClickHouseProgress | undefined>()
    const scanner = new StreamExceptionScanner({ tag })
    const body = responseBody(response, scanner, {
      context,
      wait,
      failure: (error) => failure(error, 'body'),
      done: (error) => {
        finish()
        if (error === undefined) summary.resolve(parseSummaryHeader(summaryText))
        else summary.reject(error)
      },
    })
    return {
      queryId: headerValue(response.headers, 'x-clickhouse-query-id') ?? request.queryId,
      format: headerValue(response.headers, 'x-clickhouse-format'),
      timezone: headerValue(response.headers, 'x-clickhouse-timezone'),
      body,
      summary: () => summary.promise,
    }
  }

  #path(
    request: ClickHouseRequest,
    events: ClickHouseTransportEvents | undefined,
    own: Record<string, string> | undefined,
  ): string {
    const config = this.#config
    const params = new URLSearchParams(this.#baseParams)
    const database = request.database ?? config.database
    if (database) params.set('database', database)
    params.set('query_id', request.queryId)
    if (request.format) params.set('default_format', request.format)
    if (request.sessionId) params.set('session_id', request.sessionId)
    for (const role of config.roles ?? []) params.append('role', role)
    if (config.compression?.response) params.set('enable_http_compression', '1')
    if (events?.onProgress) params.set('send_progress_in_http_headers', '1')
    for (const [name, value] of Object.entries(own ?? {})) params.set(name, value)
    for (const [name, value] of Object.entries(config.settings ?? {})) params.set(name, settingText(value))
    for (const [name, value] of Object.entries(request.settings ?? {})) params.set(name, settingText(value))
    for (const [name, value] of Object.entries(request.params ?? {})) params.set(`param_${name}`, value)
    if (request.body !== undefined) params.set('query', request.sql)
    const path = `${this.#basePath}?${params.toString()}`
    const limit = config.maxUrlBytes ?? DEFAULT_MAX_URL_BYTES
    if (path.length > limit) {
      throw new ParameterError(
        `The request URL would be ${path.length} bytes, over the ${limit}-byte limit: parameter values (or an INSERT statement) this large must be sent as data instead`,
        { system: 'clickhouse', queryId: request.queryId },
      )
    }
    return path
  }

  /** The request body: the SQL itself, or the caller's data (optionally gzip-compressed). */
  #requestBody(
    request: ClickHouseRequest,
    data: AsyncIterable<Uint8Array> | undefined,
    headers: Record<string, string>,
    source: SourceHooks,
  ): Dispatcher.DispatchOptions['body'] {
    if (request.body === undefined) return request.sql
    const gzip = this.#config.compression?.request === 'gzip'
    if (gzip) headers['content-encoding'] = 'gzip'
    else delete headers['content-encoding']
    if (request.body instanceof Uint8Array) {
      const bytes = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength)
      return gzip ? zlib.gzipSync(bytes) : bytes
    }
    const stream = Readable.from(asBuffers(data ?? request.body, source), { objectMode: false })
    if (!gzip) return stream
    // pipeline() propagates errors and destroys both ends if the request is aborted. A sync flush per
    // chunk sends rows as they are produced instead of whenever the compressor's window fills.
    return pipeline(stream, zlib.createGzip({ flush: zlib.constants.Z_SYNC_FLUSH }), () => {})
  }

  #killInBackground(queryId: string): void {
    this.kill(queryId).catch((error: unknown) => {
      this.#config.logger?.warn?.('KILL QUERY after a timeout failed', {
        queryId,
        error: error instanceof Error ? error.message : String(error),
      })
    })
  }

  async kill(queryId: string): Promise<void> {
    if (this.#closed) return
    // No matching query is an empty answer, not an error.
    await this.#controlQuery(
      `KILL QUERY WHERE query_id = ${quoteLiteral(queryId)} ASYNC FORMAT TabSeparated`,
      AbortSignal.timeout(KILL_TIMEOUT_MS),
      queryId,
    )
  }

  /**
   * A small statement about another query (`KILL QUERY`, a progress read) on a separate two-socket
   * pool, so it never queues behind the busy sockets it concerns. With the caller's dispatcher, that
   * dispatcher's own pooling decides (it may be the only way to reach the server).
   */
  async #controlQuery(sql: string, signal: AbortSignal, queryId: string): Promise<string> {
    if (this.#closed) return ''
    this.#control ??= this.#ownsDispatcher
      ? new Pool(this.#origin, { ...this.#poolOptions, connections: 2 })
      : this.#dispatcher
    const params = new URLSearchParams(this.#baseParams)
    params.set('query_id', crypto.randomUUID())
    const context = { queryId, secrets: this.#secrets }
    let response: Dispatcher.ResponseData
    try {
      response = await this.#control.request({
        origin: this.#origin,
        path: `${this.#basePath}?${params.toString()}`,
        method: 'POST',
        headers: this.#headers,
        body: sql,
        signal,
      })
    } catch (error) {
      throw errorFromFailure(error, signal.aborted ? 'timeout' : undefined, {
        ...context,
        timeoutMs: KILL_TIMEOUT_MS,
        phase: 'request',
      })
    }
    const text = await readBounded(response, ERROR_BODY_LIMIT).catch(() => '')
    if (response.statusCode !== 200) {
      throw errorFromStatus(
        response.statusCode,
        headerValue(response.headers, 'x-clickhouse-exception-code'),
        text,
        context,
      )
    }
    return text
  }

  /**
   * The HTTP interface has no session close: one request that sets a 1 s
   * `session_timeout` makes the server drop the session moments later.
   */
  async endSession(sessionId: string): Promise<void> {
    if (this.#closed) return
    const response = await this.request({
      sql: 'SELECT 1',
      format: 'TabSeparated',
      queryId: crypto.randomUUID(),
      sessionId,
      settings: { session_timeout: 1 },
      idempotent: true,
    })
    for await (const _ of response.body) {
      // drain
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#ownsDispatcher) await Promise.all([this.#dispatcher.close(), this.#control?.close()])
  }
}

interface SourceHooks {
  /** The caller's data source threw: that error, not a connection error, is the request's. */
  onError(error: unknown): void
  /** The caller's data source ended: everything is handed to the socket. */
  onEnd(): void
}

async function* asBuffers(source: AsyncIterable<Uint8Array>, hooks: SourceHooks): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of source) {
      yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    }
  } catch (error) {
    hooks.onError(error)
    throw error
  }
  hooks.onEnd()
}

/** Waits for the first non-empty chunk of a streamed body, then replays it ahead of the rest. */
async function primeBody(
  source: AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
  queryId: string,
): Promise<AsyncIterable<Uint8Array>> {
  const iterator = source[Symbol.asyncIterator]()
  let first: IteratorResult<Uint8Array>
  try {
    do first = await untilAborted(iterator.next(), signal, queryId)
    while (!first.done && first.value.byteLength === 0)
  } catch (error) {
    if (signal?.aborted) void iterator.return?.()?.catch(() => {})
    throw error
  }
  return replay(first, iterator)
}

async function* replay(
  first: IteratorResult<Uint8Array>,
  iterator: AsyncIterator<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  let ended = first.done === true
  try {
    if (first.done) return
    yield first.value
    for (;;) {
      const next = await iterator.next()
      if (next.done) {
        ended = true
        return
      }
      yield next.value
    }
  } finally {
    if (!ended) await iterator.return?.()
  }
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, queryId: string): Promise<T> {
  if (!signal) return promise
  return new Promise<T>((resolve, reject) => {
    const stop = onAbort(signal, () =>
      reject(
        new QueryCancelledError('ClickHouse insert was cancelled before its data started', {
          system: 'clickhouse',
          queryId,
          cause: signal.reason,
        }),
      ),
    )
    promise.then(
      (value) => {
        stop()
        resolve(value)
      },
      (error: unknown) => {
        stop()
        reject(error)
      },
    )
  })
}

/** Whether a server error refuses one of the settings the transport added itself. */
function refusesOwnSetting(error: unknown, own: Record<string, string>): boolean {
  if (!(error instanceof DatabaseErrorClass) || !SETTING_REFUSED_CODES.has(error.code ?? '')) return false
  return Object.keys(own).some((name) => error.message.includes(name))
}

/** A scalar subquery for a setting's value in the current profile. */
function profileSetting(name: string): string {
  return `(SELECT value FROM system.settings WHERE name = '${name}')`
}

/** Reads at most `limit` decompressed bytes of an (error) body as text, then drops the rest. */
async function readBounded(response: Dispatcher.ResponseData, limit: number): Promise<string> {
  const decompressor = decompressorFor(headerValue(response.headers, 'content-encoding'))
  const source: AsyncIterable<Buffer> = decompressor
    ? (pipeline(response.body, decompressor, () => {}) as unknown as AsyncIterable<Buffer>)
    : response.body
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of source) {
    chunks.push(chunk)
    size += chunk.length
    if (size >= limit) break
  }
  if (size >= limit) response.body.destroy()
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8')
}

interface BodyHooks {
  context: ErrorContext
  /** Armed while the reader waits for the next chunk. */
  wait: ServerWait
  failure(error: unknown): DatabaseError
  /** Called once when the body is finished: read to the end, failed, or abandoned. */
  done(error: DatabaseError | undefined): void
}

function responseBody(
  response: Dispatcher.ResponseData,
  scanner: StreamExceptionScanner,
  hooks: BodyHooks,
): AsyncIterable<Uint8Array> {
  let started = false
  return {
    [Symbol.asyncIterator]() {
      if (started) {
        throw new ConfigurationError('A ClickHouse response body can be read only once', {
          system: 'clickhouse',
          queryId: hooks.context.queryId,
        })
      }
      started = true
      return readBody(response, scanner, hooks)
    },
  }
}

async function* readBody(
  response: Dispatcher.ResponseData,
  scanner: StreamExceptionScanner,
  hooks: BodyHooks,
): AsyncGenerator<Uint8Array, void, undefined> {
  const decompressor = decompressorFor(headerValue(response.headers, 'content-encoding'))
  const stream: NodeJS.ReadableStream = decompressor
    ? pipeline(response.body, decompressor, () => {})
    : response.body
  let finished = false
  let failure: DatabaseError | undefined
  try {
    try {
      const chunks = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]()
      for (;;) {
        hooks.wait.arm()
        let next: IteratorResult<Buffer>
        try {
          next = await chunks.next()
        } finally {
          hooks.wait.disarm()
        }
        if (next.done) break
        const step = scanner.push(next.value)
        if (step.data.length > 0) yield step.data
        if (step.exception) throw errorFromStream(step.exception.code, step.exception.message, hooks.context)
      }
    } catch (error) {
      if (error instanceof DatabaseErrorClass) throw error
      const exception = scanner.broken()
      if (exception) throw errorFromStream(exception.code, exception.message, hooks.context)
      throw hooks.failure(error)
    }
    const last = scanner.end()
    if (last.data.length > 0) yield last.data
    if (last.exception) throw errorFromStream(last.exception.code, last.exception.message, hooks.context)
    finished = true
  } catch (error) {
    failure = error as DatabaseError
    throw error
  } finally {
    if (!finished) {
      // Abandoned or failed: drop the socket (undici replaces it) rather than drain a large result.
      response.body.destroy()
      ;(decompressor as unknown as Readable | undefined)?.destroy()
    }
    hooks.done(
      finished
        ? undefined
        : (failure ??
            new QueryCancelledError('ClickHouse response body was not read to the end', {
              system: 'clickhouse',
              queryId: hooks.context.queryId,
            })),
    )
  }
}

/** Creates the HTTP transport. One undici pool per transport; `close()` ends it. */
export function createHttpTransport(config: HttpTransportConfig): ClickHouseTransport {
  return new HttpTransport(config)
}
