import WebSocket from 'ws'
import type { MapepireLocal } from '../src/index.ts'

export interface RawReply {
  /** The frame exactly as received. */
  text: string
  /** Parsed, with numbers as their source text wrapped (so exact digits can be checked). */
  value: Record<string, unknown>
  /** Key order of the top-level object. */
  keys: string[]
}

/** A bare WebSocket client speaking Mapepire frames, for protocol-level tests. */
export class RawClient {
  readonly socket: WebSocket
  readonly replies: RawReply[] = []
  readonly #waiters = new Map<string, (reply: RawReply) => void>()
  #counter = 0

  private constructor(socket: WebSocket) {
    this.socket = socket
    socket.on('message', (data) => {
      const text = data.toString()
      const value = JSON.parse(text) as Record<string, unknown>
      const reply = { text, value, keys: Object.keys(value) }
      this.replies.push(reply)
      const id = String(value.id)
      const waiter = this.#waiters.get(id)
      if (waiter) {
        this.#waiters.delete(id)
        waiter(reply)
      }
    })
  }

  static open(local: MapepireLocal, auth?: { user: string; password: string } | string): Promise<RawClient> {
    const header =
      typeof auth === 'string'
        ? auth
        : `Basic ${Buffer.from(`${auth?.user ?? local.user}:${auth?.password ?? local.password}`).toString('base64')}`
    const socket = new WebSocket(local.url, { headers: { authorization: header }, ca: local.ca })
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new RawClient(socket)))
      socket.once('error', reject)
      socket.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused: ${res.statusCode}`)),
      )
    })
  }

  nextId(prefix = 'r'): string {
    return `${prefix}${++this.#counter}`
  }

  /** Sends a request object (an id is added when missing) and resolves with its reply. */
  request(body: Record<string, unknown>): Promise<RawReply> {
    const id = String(body.id ?? this.nextId())
    const promise = this.waitFor(id)
    this.socket.send(JSON.stringify({ ...body, id }))
    return promise
  }

  /** Sends raw text; `expectId` is the id the reply will carry. */
  sendRaw(text: string): void {
    this.socket.send(text)
  }

  waitFor(id: string, timeoutMs = 20_000): Promise<RawReply> {
    const existing = this.replies.find((r) => String(r.value.id) === id)
    if (existing) return Promise.resolve(existing)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(id)
        reject(new Error(`no reply for ${id}`))
      }, timeoutMs)
      this.#waiters.set(id, (reply) => {
        clearTimeout(timer)
        resolve(reply)
      })
    })
  }

  async connect(props?: string): Promise<RawReply> {
    return this.request({ type: 'connect', technique: 'tcp', ...(props ? { props } : {}) })
  }

  async sql(sql: string, extra: Record<string, unknown> = {}): Promise<RawReply> {
    return this.request({ type: 'sql', sql, ...extra })
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) {
        resolve()
        return
      }
      this.socket.once('close', () => resolve())
      this.socket.close()
    })
  }
}

/** The status of an upgrade attempt with the given Authorization header (or none). */
export function upgradeStatus(local: MapepireLocal, authorization: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(local.url, {
      ...(authorization === undefined ? {} : { headers: { authorization } }),
      ca: local.ca,
    })
    socket.once('open', () => {
      socket.close()
      resolve(101)
    })
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      res.resume()
    })
    socket.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error)
    })
  })
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
}
