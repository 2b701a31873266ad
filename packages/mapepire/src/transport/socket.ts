/**
 * One Mapepire WebSocket: requests out, replies routed back by id.
 *
 * The server runs each request on a thread of its own, so replies come back
 * in any order. Every request is entered in the pending map (keyed by its id)
 * before it is sent; a reply settles exactly the request with its id. When
 * the socket dies (closed, reset, a frame over `maxPayload`, no answer to a
 * WebSocket ping) every pending request fails with the same typed error: none
 * is left waiting.
 *
 * States: connecting → open → closed. Nothing here knows SQL; the job above
 * it does.
 */
import {
  ConfigurationError,
  ConnectionError,
  type DatabaseError,
  type Logger,
  log,
  ProtocolError,
  redactKnown,
  TimeoutError,
} from '@tributary/core'
import WebSocket from 'ws'
import { leadingId } from '../codecs/reply-json.ts'
import { parseAnyReply } from '../codecs/result-replies.ts'
import { SYSTEM } from '../errors.ts'

export interface SocketOptions {
  /** `wss://host:port/db/` (or `ws://` for a server run with MP_UNSECURE). */
  url: string
  user: string
  password: string
  /** Certificates trusted for this server (pinning), PEM. */
  ca?: string | Buffer | (string | Buffer)[] | undefined
  /** Verify the server's certificate (default true). */
  rejectUnauthorized?: boolean | undefined
  /** Largest incoming frame in bytes; a larger one closes the socket. */
  maxPayload: number
  /** Limit for TCP connect, TLS and the WebSocket upgrade together. */
  connectTimeoutMs: number
  /** WebSocket ping interval; a socket that does not answer one ping by the next is dead. 0 turns it off. */
  keepAliveMs: number
  logger?: Logger | undefined
}

export type Reply = Record<string, unknown>

/** How a reply frame is parsed: its request decides (a page of a known result, say). */
export type ReplyParser = (text: string) => Reply

export interface RequestOptions {
  parse?: ReplyParser | undefined
  /** Reject with TimeoutError after this long; a reply arriving later is dropped. */
  timeoutMs?: number | undefined
}

interface Pending {
  resolve(reply: Reply): void
  reject(error: Error): void
  parse: ReplyParser
  timer: NodeJS.Timeout | undefined
  /** The caller gave up (timeout): a late reply is dropped without complaint. */
  abandoned: boolean
}

type State = 'open' | 'closed'

export class MapepireSocket {
  readonly url: string
  readonly #ws: WebSocket
  readonly #options: SocketOptions
  readonly #pending = new Map<string, Pending>()
  readonly #closeListeners: ((error: DatabaseError) => void)[] = []
  #state: State = 'open'
  #nextId = 0
  #closeError: DatabaseError | undefined
  #keepAlive: NodeJS.Timeout | undefined
  #awaitingPong = false

  private constructor(ws: WebSocket, options: SocketOptions) {
    this.#ws = ws
    this.#options = options
    this.url = options.url
    ws.on('message', (data, isBinary) => this.#receive(data, isBinary))
    ws.on('pong', () => {
      this.#awaitingPong = false
    })
    ws.on('error', (error) => {
      this.#closeError ??= socketError(error, options)
    })
    ws.on('close', (code, reason) => this.#closed(code, reason.toString('utf8')))
    if (options.keepAliveMs > 0) {
      this.#keepAlive = setInterval(() => this.#ping(), options.keepAliveMs)
      this.#keepAlive.unref()
    }
  }

  /** Connects and upgrades; rejects with ConnectionError or TimeoutError, never hangs past `connectTimeoutMs`. */
  static open(options: SocketOptions, signal?: AbortSignal): Promise<MapepireSocket> {
    if (!/^wss?:\/\//.test(options.url)) {
      return Promise.reject(new ConfigurationError(`not a Mapepire URL: ${options.url}`, { system: SYSTEM }))
    }
    const authorization = `Basic ${Buffer.from(`${options.user}:${options.password}`, 'utf8').toString('base64')}`
    return new Promise((resolve, reject) => {
      let settled = false
      const ws = new WebSocket(options.url, {
        headers: { authorization },
        ca: options.ca,
        rejectUnauthorized: options.rejectUnauthorized ?? true,
        maxPayload: options.maxPayload,
        handshakeTimeout: options.connectTimeoutMs,
        perMessageDeflate: false,
        followRedirects: false,
      })
      const fail = (error: DatabaseError) => {
        if (settled) return
        settled = true
        cleanup()
        ws.removeAllListeners()
        ws.on('error', () => {})
        ws.terminate()
        reject(error)
      }
      const timer = setTimeout(
        () =>
          fail(
            new TimeoutError(
              `no Mapepire socket to ${redactUrl(options.url)} within ${options.connectTimeoutMs} ms (TCP, TLS and the WebSocket upgrade)`,
              { system: SYSTEM, code: 'CONNECT_TIMEOUT' },
            ),
          ),
        options.connectTimeoutMs,
      )
      const onAbort = () =>
        fail(
          new ConnectionError('opening the Mapepire socket was aborted', {
            system: SYSTEM,
            cause: signal?.reason,
          }),
        )
      signal?.addEventListener('abort', onAbort, { once: true })
      const cleanup = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
      }
      if (signal?.aborted) {
        onAbort()
        return
      }
      ws.once('unexpected-response', (_request, response) => {
        const status = response.statusCode ?? 0
        response.resume()
        fail(upgradeRefused(status, response.statusMessage ?? '', options.url))
      })
      ws.once('error', (error) => fail(socketError(error, options)))
      ws.once('close', (code) =>
        fail(
          new ConnectionError(`the Mapepire server closed the socket during the upgrade (code ${code})`, {
            system: SYSTEM,
            code: 'SOCKET_CLOSED',
            sqlState: '08001',
          }),
        ),
      )
      ws.once('open', () => {
        if (settled) return
        settled = true
        cleanup()
        ws.removeAllListeners()
        resolve(new MapepireSocket(ws, options))
      })
    })
  }

  get isOpen(): boolean {
    return this.#state === 'open'
  }

  /** Requests sent and not yet answered. */
  get pending(): number {
    return this.#pending.size
  }

  /** Why the socket closed, once it has. */
  get closeError(): DatabaseError | undefined {
    return this.#state === 'closed' ? this.#closeError : undefined
  }

  /** Called once, with the error every pending request failed with, when the socket closes. */
  onClose(listener: (error: DatabaseError) => void): void {
    if (this.#state === 'closed') listener(this.#closeError!)
    else this.#closeListeners.push(listener)
  }

  /** The next request id on this socket (ids only need to be unique per socket: one socket is one job). */
  nextId(): string {
    return (++this.#nextId).toString(36)
  }

  /**
   * Sends `body` (with `id` set to a fresh id unless it has one) and resolves
   * with the reply, successful or not: the caller reads `success`.
   */
  request(body: Record<string, unknown>, options: RequestOptions = {}): Promise<Reply> {
    if (this.#state !== 'open') return Promise.reject(this.#closeError ?? closedError(0, ''))
    const id = typeof body.id === 'string' ? body.id : this.nextId()
    const frame = JSON.stringify(body.id === id ? body : { id, ...body })
    return new Promise<Reply>((resolve, reject) => {
      const pending: Pending = {
        resolve,
        reject,
        parse: options.parse ?? parseAnyReply,
        timer: undefined,
        abandoned: false,
      }
      if (options.timeoutMs !== undefined && Number.isFinite(options.timeoutMs)) {
        pending.timer = setTimeout(() => {
          pending.abandoned = true
          reject(
            new TimeoutError(
              `no reply to the Mapepire ${String(body.type)} request within ${options.timeoutMs} ms`,
              {
                system: SYSTEM,
                code: 'REPLY_TIMEOUT',
              },
            ),
          )
        }, options.timeoutMs)
      }
      // Registered before the frame leaves, so no reply can arrive for an unknown id.
      this.#pending.set(id, pending)
      this.#ws.send(frame, (error) => {
        if (error && this.#pending.get(id) === pending) {
          this.#pending.delete(id)
          if (pending.timer) clearTimeout(pending.timer)
          reject(this.#closeError ?? socketError(error, this.#options))
        }
      })
    })
  }

  /** Closes the socket (the server ends the job); pending requests fail with `reason`. */
  close(reason?: DatabaseError): void {
    if (this.#state === 'closed') return
    this.#closeError ??= reason
    this.#ws.close(1000)
    // A server that does not answer the close handshake does not keep us waiting.
    setTimeout(() => this.#ws.terminate(), 2000).unref()
  }

  /** Drops the TCP connection at once. */
  terminate(reason?: DatabaseError): void {
    if (this.#state === 'closed') return
    this.#closeError ??= reason
    this.#ws.terminate()
  }

  #ping(): void {
    if (this.#state !== 'open') return
    if (this.#awaitingPong) {
      this.terminate(
        new ConnectionError(
          `the Mapepire server did not answer a WebSocket ping within ${this.#options.keepAliveMs} ms`,
          { system: SYSTEM, code: 'KEEPALIVE_TIMEOUT', sqlState: '08006' },
        ),
      )
      return
    }
    this.#awaitingPong = true
    this.#ws.ping()
  }

  #receive(data: WebSocket.RawData, isBinary: boolean): void {
    this.#awaitingPong = false
    if (isBinary) {
      log(this.#options.logger, 'warn', 'ignored a binary Mapepire frame', { system: SYSTEM })
      return
    }
    const text = Buffer.isBuffer(data)
      ? data.toString('utf8')
      : Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data).toString('utf8')
    // One reply per frame, ending in one or two newlines; split only if a frame holds more.
    const newline = text.indexOf('\n')
    if (newline === -1 || text.slice(newline).trim() === '') {
      this.#route(newline === -1 ? text : text.slice(0, newline))
      return
    }
    for (const line of text.split('\n')) if (line.trim() !== '') this.#route(line)
  }

  #route(text: string): void {
    let id = leadingId(text)
    let parsed: Reply | undefined
    if (id === undefined) {
      try {
        parsed = parseAnyReply(text)
        id = typeof parsed.id === 'string' ? parsed.id : String(parsed.id)
      } catch (error) {
        log(this.#options.logger, 'warn', 'ignored a Mapepire frame that is not JSON', {
          system: SYSTEM,
          error: error instanceof Error ? error.message : String(error),
        })
        return
      }
    }
    const pending = this.#pending.get(id)
    if (!pending) {
      log(this.#options.logger, 'warn', 'ignored a Mapepire reply for no request of this socket', {
        system: SYSTEM,
        id,
      })
      return
    }
    this.#pending.delete(id)
    if (pending.timer) clearTimeout(pending.timer)
    if (pending.abandoned) return
    let reply: Reply
    try {
      reply = parsed ?? pending.parse(text)
    } catch (error) {
      pending.reject(
        error instanceof ProtocolError
          ? error
          : new ProtocolError('could not read a Mapepire reply', { system: SYSTEM, cause: error }),
      )
      return
    }
    pending.resolve(reply)
  }

  #closed(code: number, reason: string): void {
    if (this.#state === 'closed') return
    this.#state = 'closed'
    if (this.#keepAlive) clearInterval(this.#keepAlive)
    const error = this.#closeError ?? closedError(code, reason)
    this.#closeError = error
    const pending = [...this.#pending.values()]
    this.#pending.clear()
    for (const p of pending) {
      if (p.timer) clearTimeout(p.timer)
      if (!p.abandoned) p.reject(error)
    }
    for (const listener of this.#closeListeners.splice(0)) {
      try {
        listener(error)
      } catch (listenerError) {
        log(this.#options.logger, 'warn', 'a socket close listener threw', { error: String(listenerError) })
      }
    }
  }
}

function closedError(code: number, reason: string): ConnectionError {
  return new ConnectionError(
    `the Mapepire socket closed (code ${code}${reason ? `: ${reason}` : ''}); requests in flight on it failed`,
    { system: SYSTEM, code: 'SOCKET_CLOSED', sqlState: '08006' },
  )
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
])

function socketError(error: Error & { code?: string }, options: SocketOptions): DatabaseError {
  const message = redactKnown(error.message, [options.password])
  if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
    return new ProtocolError(
      `a Mapepire reply was larger than maxPayload (${options.maxPayload} bytes); the socket was closed. ` +
        'Fetch fewer rows per page, or raise maxPayload.',
      { system: SYSTEM, code: 'FRAME_TOO_LARGE', cause: error },
    )
  }
  if (error.code && TLS_CODES.has(error.code)) {
    return new ConnectionError(
      `the Mapepire server's certificate was not trusted (${error.code}: ${message}). Pass it as \`ca\` ` +
        '(fetchServerCertificate() reads it), or set rejectUnauthorized: false to skip verification.',
      { system: SYSTEM, code: error.code, sqlState: '08001', cause: error },
    )
  }
  if (/handshake has timed out/i.test(error.message)) {
    return new TimeoutError(`the Mapepire WebSocket upgrade timed out (${options.connectTimeoutMs} ms)`, {
      system: SYSTEM,
      code: 'CONNECT_TIMEOUT',
      cause: error,
    })
  }
  return new ConnectionError(`Mapepire socket to ${redactUrl(options.url)}: ${message}`, {
    system: SYSTEM,
    code: error.code ?? 'SOCKET_ERROR',
    sqlState: '08001',
    cause: error,
  })
}

function upgradeRefused(status: number, statusText: string, url: string): ConnectionError {
  const why =
    status === 403
      ? 'the Authorization header was refused'
      : status === 503
        ? 'the server refuses an empty user or password, and users containing *'
        : status === 401
          ? 'the credentials were refused'
          : status === 404
            ? 'no Mapepire endpoint at this path (the server serves /db/)'
            : 'the WebSocket upgrade was refused'
  return new ConnectionError(
    `Mapepire server at ${redactUrl(url)} answered ${status}${statusText ? ` ${statusText}` : ''}: ${why}`,
    {
      system: SYSTEM,
      code: `HTTP_${status}`,
      sqlState: status === 403 || status === 401 ? '08004' : '08001',
    },
  )
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//')
}
