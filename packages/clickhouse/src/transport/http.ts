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
  ParameterError,
  QueryCancelledError,
  versionAtLeast,
} from '@tributary/core'
import { type Dispatcher, Pool } from 'undici'
import { quoteLiteral } from '../params/literal.ts'
import { classifyStatement } from '../statement-kind.ts'
import { StreamExceptionScanner } from './exception-scanner.ts'
import {
  type ErrorContext,
  errorFromFailure,
  errorFromStatus,
  errorFromStream,
  type FailureReason,
} from './http-errors.ts'
import { isStaleSocketError, keepAliveOptions } from './keep-alive.ts'
import type {
  ClickHouseProgress,
  ClickHouseRequest,
  ClickHouseResponse,
  ClickHouseTransport,
  ClickHouseTransportEvents,
  ServerInfo,
  SettingValue,
} from './transport.ts'

export interface HttpTransportLogger {
  debug?: ((message: string, details?: Record<string, unknown>) => void) | undefined
  warn?: ((message: string, details?: Record<string, unknown>) => void) | undefined
}

export interface HttpTransportConfig {
  /** `http(s)://host:port[/path]`; credentials in the URL are used when none are configured. */
  url: string
  username?: string | undefined
  password?: string | undefined
  /** Sent as `Authorization: Bearer`; replaces username/password. */
  accessToken?: string | undefined
  /** `basic` (default): `Authorization: Basic`; `headers`: `X-ClickHouse-User` / `X-ClickHouse-Key`. */
  authMode?: 'basic' | 'headers' | undefined
  database?: string | undefined
  roles?: readonly string[] | undefined
  /** Settings sent with every request; a request's own settings win. */
  settings?: Readonly<Record<string, SettingValue>> | undefined
  /** Total time for one request including reading its body. Default 300 000 ms. */
  requestTimeoutMs?: number | undefined
  /** Default 10 000 ms. */
  connectTimeoutMs?: number | undefined
  /** Sockets in the pool. Default 10. */
  maxSockets?: number | undefined
  compression?:
    | { response?: 'gzip' | 'zstd' | false | undefined; request?: 'gzip' | false | undefined }
    | undefined
  /** Subtracted from the server's `Keep-Alive: timeout=N` hint. Default 500 ms. */
  keepAliveMarginMs?: number | undefined
  /** Longest URL sent; longer ones fail with a `ParameterError` before sending. Default 1 MiB (the server default since 20.x; 18.x accepts 16 KiB). */
  maxUrlBytes?: number | undefined
  logger?: HttpTransportLogger | undefined
}

const ERROR_BODY_LIMIT = 64 * 1024
const KILL_TIMEOUT_MS = 10_000
const DEFAULT_MAX_URL_BYTES = 1024 * 1024

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

function toBigInt(value: unknown): bigint {
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value)
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value)
  return 0n
}

/** `X-ClickHouse-Progress` / `-Summary` JSON (values are strings) → progress. */
export function parseProgressHeader(text: string | undefined): ClickHouseProgress | undefined {
  if (!text) return undefined
  let json: Record<string, unknown>
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    return undefined
  }
  return {
    readRows: toBigInt(json.read_rows),
    readBytes: toBigInt(json.read_bytes),
    writtenRows: toBigInt(json.written_rows),
    writtenBytes: toBigInt(json.written_bytes),
    totalRowsToRead: toBigInt(json.total_rows_to_read),
    elapsedNs: json.elapsed_ns === undefined ? undefined : toBigInt(json.elapsed_ns),
  }
}

/** Quotes a value for a ClickHouse string literal. */

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

/** The caller's signal and the request's own time limit, as one signal with a reason. */
class RequestDeadline {
  readonly controller = new AbortController()
  reason: FailureReason
  readonly #timer: NodeJS.Timeout
  readonly #callerSignal: AbortSignal | undefined
  readonly #onCallerAbort = () => this.#abort('cancelled')

  constructor(timeoutMs: number, callerSignal: AbortSignal | undefined, onTimeout: () => void) {
    this.#timer = setTimeout(() => {
      if (this.#abort('timeout')) onTimeout()
    }, timeoutMs)
    this.#timer.unref()
    this.#callerSignal = callerSignal
    if (callerSignal) {
      if (callerSignal.aborted) this.#abort('cancelled')
      else callerSignal.addEventListener('abort', this.#onCallerAbort, { once: true })
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  #abort(reason: FailureReason): boolean {
    if (this.controller.signal.aborted) return false
    this.reason = reason
    this.controller.abort(reason)
    return true
  }

  dispose(): void {
    clearTimeout(this.#timer)
    this.#callerSignal?.removeEventListener('abort', this.#onCallerAbort)
  }
}

class HttpTransport implements ClickHouseTransport {
  readonly kind = 'http' as const
  readonly #config: HttpTransportConfig
  readonly #origin: string
  readonly #basePath: string
  readonly #baseParams: URLSearchParams
  readonly #authHeaders: Record<string, string>
  readonly #secrets: readonly (string | undefined)[]
  readonly #pool: Pool
  readonly #poolOptions: Pool.Options
  #control: Pool | undefined
  #closed = false

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
    const username = config.username ?? (url.username ? decodeURIComponent(url.username) : 'default')
    const password = config.password ?? (url.password ? decodeURIComponent(url.password) : '')
    this.#config = config
    this.#origin = url.origin
    this.#basePath = url.pathname || '/'
    this.#baseParams = url.searchParams
    this.#secrets = [password, config.accessToken, Buffer.from(`${username}:${password}`).toString('base64')]
    if (config.accessToken) this.#authHeaders = { authorization: `Bearer ${config.accessToken}` }
    else if (config.authMode === 'headers') {
      this.#authHeaders = { 'x-clickhouse-user': username, 'x-clickhouse-key': password }
    } else {
      this.#authHeaders = {
        authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
      }
    }
    const margin = config.keepAliveMarginMs ?? 500
    this.#poolOptions = {
      connections: config.maxSockets ?? 10,
      connectTimeout: config.connectTimeoutMs ?? 10_000,
      ...keepAliveOptions(margin),
    }
    this.#pool = new Pool(this.#origin, this.#poolOptions)
  }

  async serverInfo(signal?: AbortSignal): Promise<ServerInfo> {
    const response = await this.request({
      sql: 'SELECT version(), timezone() FORMAT TabSeparated',
      queryId: crypto.randomUUID(),
      signal,
      idempotent: true,
      timeoutMs: Math.min(this.#config.requestTimeoutMs ?? 300_000, 30_000),
    })
    const chunks: Uint8Array[] = []
    for await (const chunk of response.body) chunks.push(chunk)
    const line = Buffer.concat(chunks).toString('utf8').split('\n')[0] ?? ''
    const [version = '', timezone = 'UTC'] = line.split('\t')
    return {
      version,
      timezone,
      supportsQueryParameters: versionAtLeast(version, 19, 15),
      supportsRowBinaryWithNamesAndTypes: versionAtLeast(version, 19, 3, 3),
    }
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
    const config = this.#config
    const context: ErrorContext = { queryId: request.queryId, secrets: this.#secrets }
    const path = this.#path(request, events)
    const headers: Record<string, string> = { ...this.#authHeaders }
    const responseCompression = config.compression?.response
    if (responseCompression) headers['accept-encoding'] = responseCompression
    const streamed = request.body !== undefined && !(request.body instanceof Uint8Array)
    const replayable =
      !streamed &&
      (request.idempotent ?? (request.body === undefined && classifyStatement(request.sql).readOnly))
    const timeoutMs = request.timeoutMs ?? config.requestTimeoutMs ?? 300_000
    const deadline = new RequestDeadline(timeoutMs, request.signal, () =>
      this.#killInBackground(request.queryId),
    )
    const failureContext = { ...context, timeoutMs, phase: 'request' as const }

    let bodyError: unknown
    let response: Dispatcher.ResponseData
    for (let attempt = 0; ; attempt++) {
      const body = this.#requestBody(request, headers, (error) => {
        bodyError = error
      })
      try {
        response = await this.#pool.request({
          origin: this.#origin,
          path,
          method: 'POST',
          headers,
          body,
          signal: deadline.signal,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        })
        break
      } catch (error) {
        if (
          deadline.reason === undefined &&
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
        deadline.dispose()
        if (bodyError !== undefined) throw bodyError
        throw errorFromFailure(error, deadline.reason, failureContext)
      }
    }

    const status = response.statusCode
    if (status !== 200) {
      try {
        const text = await readBounded(response, ERROR_BODY_LIMIT)
        throw errorFromStatus(
          status,
          headerValue(response.headers, 'x-clickhouse-exception-code'),
          text,
          context,
        )
      } catch (error) {
        if (error instanceof DatabaseErrorClass) throw error
        throw errorFromFailure(error, deadline.reason, { ...failureContext, phase: 'body' })
      } finally {
        deadline.dispose()
      }
    }

    const onProgress = events?.onProgress
    if (onProgress) {
      for (const value of headerValues(response.headers, 'x-clickhouse-progress')) {
        const progress = parseProgressHeader(value)
        if (progress) onProgress(request.queryId, progress)
      }
    }

    const summaryText = headerValue(response.headers, 'x-clickhouse-summary')
    const summary = deferred<ClickHouseProgress | undefined>()
    const scanner = new StreamExceptionScanner({
      tag: headerValue(response.headers, 'x-clickhouse-exception-tag'),
    })
    const body = responseBody(response, scanner, {
      context,
      failure: (error) => errorFromFailure(error, deadline.reason, { ...failureContext, phase: 'body' }),
      done: (error) => {
        deadline.dispose()
        if (error === undefined) summary.resolve(parseProgressHeader(summaryText))
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

  #path(request: ClickHouseRequest, events: ClickHouseTransportEvents | undefined): string {
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
    headers: Record<string, string>,
    onSourceError: (error: unknown) => void,
  ): Dispatcher.DispatchOptions['body'] {
    if (request.body === undefined) return request.sql
    const gzip = this.#config.compression?.request === 'gzip'
    if (gzip) headers['content-encoding'] = 'gzip'
    else delete headers['content-encoding']
    if (request.body instanceof Uint8Array) {
      const bytes = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength)
      return gzip ? zlib.gzipSync(bytes) : bytes
    }
    const source = Readable.from(asBuffers(request.body, onSourceError), { objectMode: false })
    if (!gzip) return source
    // pipeline() propagates errors and destroys both ends if the request is aborted.
    return pipeline(source, zlib.createGzip(), () => {})
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
    // A separate small pool, so a KILL never queues behind the busy sockets it is meant to free.
    this.#control ??= new Pool(this.#origin, { ...this.#poolOptions, connections: 2 })
    const params = new URLSearchParams(this.#baseParams)
    params.set('query_id', crypto.randomUUID())
    const signal = AbortSignal.timeout(KILL_TIMEOUT_MS)
    const context = { queryId, secrets: this.#secrets }
    let response: Dispatcher.ResponseData
    try {
      response = await this.#control.request({
        origin: this.#origin,
        path: `${this.#basePath}?${params.toString()}`,
        method: 'POST',
        headers: this.#authHeaders,
        body: `KILL QUERY WHERE query_id = ${quoteLiteral(queryId)} ASYNC FORMAT TabSeparated`,
        signal,
      })
    } catch (error) {
      throw errorFromFailure(error, signal.aborted ? 'timeout' : undefined, {
        ...context,
        timeoutMs: KILL_TIMEOUT_MS,
        phase: 'request',
      })
    }
    // No matching query is an empty 200 answer, not an error.
    const text = await readBounded(response, ERROR_BODY_LIMIT).catch(() => '')
    if (response.statusCode !== 200) {
      throw errorFromStatus(
        response.statusCode,
        headerValue(response.headers, 'x-clickhouse-exception-code'),
        text,
        context,
      )
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await Promise.all([this.#pool.close(), this.#control?.close()])
  }
}

async function* asBuffers(
  source: AsyncIterable<Uint8Array>,
  onError: (error: unknown) => void,
): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of source) {
      yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    }
  } catch (error) {
    onError(error)
    throw error
  }
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
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        const step = scanner.push(chunk)
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
