/**
 * A Mapepire job: one socket, connected, which on the server is one IBM i job
 * with one JDBC connection. A job runs one statement at a time; `running`
 * counts the statements sent to it and not yet answered, which is what the
 * pool chooses by.
 *
 * A job also owns what the server keeps for it: the prepared statements it
 * reuses (closed when evicted or when the job ends) and the request ids that
 * still need a `sqlclose`.
 */
import { ConnectionError, type DatabaseError, log } from '@tributary/core'
import { propsText, type ResolvedConfig } from './config.ts'
import { isConnectionLost, replyError, SYSTEM } from './errors.ts'
import { MapepireSocket, type Reply, type RequestOptions } from './transport/socket.ts'

export type JobKind = 'autocommit' | 'transaction' | 'control'

/** Which connection properties a job has, beyond the client's own: what makes jobs interchangeable. */
export interface JobProfile {
  kind: JobKind
  /** JTOpen's `transaction isolation` (transaction jobs). */
  isolation?: string | undefined
  /** JTOpen's `access=read only` (read-only transaction jobs). */
  readOnly?: boolean | undefined
}

export function profileKey(profile: JobProfile): string {
  return `${profile.kind}/${profile.isolation ?? ''}/${profile.readOnly ? 'ro' : 'rw'}`
}

export interface PreparedEntry {
  /** The id of the `prepare_sql_execute` that made it: the `cont_id` of later `execute`s. */
  id: string
  /** An execute is in flight: the server would bind two sets of values into one JDBC statement at once. */
  busy: boolean
}

export class MapepireJob {
  readonly socket: MapepireSocket
  /** `NNNNNN/USER/QZDASOINIT`, as `connect` answered. */
  readonly name: string
  readonly profile: JobProfile
  readonly createdAt = Date.now()
  readonly #config: ResolvedConfig
  /** Statements sent and not answered. */
  running = 0
  /** Statements the pool chose this job for that are about to be sent. */
  reserved = 0
  lastUsedAt = Date.now()
  /** Cancels waiting on this job: while any does, the pool sends it nothing new. */
  cancelHolds = 0
  /** Streams with a statement open on this job (their next page comes from it). */
  openCursors = 0
  /** Pinned by a lease (a transaction, a lease that changed job state): only that lease uses it. */
  pinned = false
  #broken: DatabaseError | undefined
  readonly #prepared = new Map<string, PreparedEntry[]>()
  #preparedCount = 0
  readonly #paging = new Set<string>()
  #settleWaiters: (() => void)[] = []
  /** Called after each statement reply (the pool serves its waiters). */
  onSettle: (() => void) | undefined

  private constructor(socket: MapepireSocket, name: string, profile: JobProfile, config: ResolvedConfig) {
    this.socket = socket
    this.name = name
    this.profile = profile
    this.#config = config
    socket.onClose((error) => {
      this.#broken ??= error
      this.#prepared.clear()
      this.#preparedCount = 0
      for (const wake of this.#settleWaiters.splice(0)) wake()
    })
  }

  static async connect(
    config: ResolvedConfig,
    profile: JobProfile,
    signal?: AbortSignal,
  ): Promise<MapepireJob> {
    const socket = await MapepireSocket.open(
      {
        url: config.url,
        user: config.user,
        password: config.password,
        ca: config.ca,
        rejectUnauthorized: config.rejectUnauthorized,
        maxPayload: config.maxPayload,
        connectTimeoutMs: config.connectTimeoutMs,
        keepAliveMs: config.keepAliveMs,
        logger: config.logger,
      },
      signal,
    )
    const props: Record<string, string> = { ...config.props }
    if (profile.kind === 'transaction') {
      props['auto commit'] = 'false'
      props['transaction isolation'] = profile.isolation ?? 'read committed'
      if (profile.readOnly) props.access = 'read only'
    } else {
      props['auto commit'] = 'true'
    }
    let reply: Reply
    try {
      reply = await socket.request(
        {
          type: 'connect',
          technique: config.technique,
          application: config.application,
          props: propsText(props),
        },
        { timeoutMs: config.connectTimeoutMs },
      )
    } catch (error) {
      socket.terminate()
      throw error
    }
    if (reply.success !== true || typeof reply.job !== 'string') {
      socket.close()
      throw replyError(reply, { request: 'connect' })
    }
    return new MapepireJob(socket, reply.job, profile, config)
  }

  /** What the pool chooses by: statements running, and those about to be sent. */
  get load(): number {
    return this.running + this.reserved
  }

  /** The pool chose this job for a statement that will not be sent after all. */
  unreserve(): void {
    if (this.reserved > 0) this.reserved--
  }

  get healthy(): boolean {
    return this.#broken === undefined && this.socket.isOpen
  }

  get brokenReason(): DatabaseError | undefined {
    return this.#broken ?? this.socket.closeError
  }

  /** The job cannot be trusted any more (its connection is gone, its state unknown): it is closed. */
  markBroken(reason: DatabaseError): void {
    this.#broken ??= reason
    this.socket.close(reason)
  }

  /** Sends a request that is not a statement (ping, sqlclose, getversion, …) and returns the successful reply. */
  async call(body: Record<string, unknown>, queryId?: string): Promise<Reply> {
    const reply = await this.socket.request(body, { timeoutMs: this.#config.requestTimeoutMs })
    return this.#expect(reply, String(body.type), queryId)
  }

  /**
   * Sends a statement request (sql, prepare_sql_execute, execute, sqlmore, cl)
   * counted in `running`; resolves with the reply, successful or not.
   */
  sendStatement(body: Record<string, unknown>, options: RequestOptions = {}): Promise<Reply> {
    if (this.reserved > 0) this.reserved--
    this.running++
    this.lastUsedAt = Date.now()
    const sent = this.socket.request(body, options)
    return sent.finally(() => {
      this.running--
      this.lastUsedAt = Date.now()
      for (const wake of this.#settleWaiters.splice(0)) wake()
      this.onSettle?.()
    })
  }

  /** Resolves when the next statement on this job settles (or the socket closes). */
  nextSettle(): Promise<void> {
    if (!this.socket.isOpen) return Promise.resolve()
    return new Promise((resolve) => this.#settleWaiters.push(resolve))
  }

  /** A successful reply, or the typed error of a failed one (which also tells whether the job is gone). */
  expect(reply: Reply, request: string, queryId?: string): Reply {
    return this.#expect(reply, request, queryId)
  }

  queryId(requestId: string): string {
    return `${this.name}#${requestId}`
  }

  /**
   * Forgets a statement on the server (`sqlclose`): the server keeps every
   * `sql` and `prepare_sql*` request until then, finished or not. Sent
   * without waiting; a failure is only logged.
   */
  closeStatement(id: string): void {
    if (!this.socket.isOpen) return
    this.socket
      .request({ type: 'sqlclose', cont_id: id }, { timeoutMs: this.#config.requestTimeoutMs })
      .then((reply) => {
        if (reply.success !== true) {
          log(this.#config.logger, 'warn', 'sqlclose failed', {
            system: SYSTEM,
            job: this.name,
            error: reply.error,
          })
        }
      })
      .catch((error: unknown) => {
        if (this.socket.isOpen) {
          log(this.#config.logger, 'warn', 'sqlclose failed', {
            system: SYSTEM,
            job: this.name,
            error: String(error),
          })
        }
      })
  }

  /**
   * A kept prepared statement for `sql` that no execute is using, if this job has one. A statement
   * run by several callers at once has several (each execute needs its own JDBC statement).
   */
  freePrepared(sql: string): PreparedEntry | undefined {
    const entries = this.#prepared.get(sql)
    if (!entries) return undefined
    // Most recently used last.
    this.#prepared.delete(sql)
    this.#prepared.set(sql, entries)
    for (const entry of entries) if (!entry.busy) return entry
    return undefined
  }

  /** Keeps a prepared statement for reuse; beyond the cache size the least recently used idle ones are closed. */
  keepPrepared(sql: string, entry: PreparedEntry): void {
    const entries = this.#prepared.get(sql)
    if (entries) entries.push(entry)
    else this.#prepared.set(sql, [entry])
    this.#preparedCount++
    const limit = this.#config.preparedStatementCacheSize
    for (const [key, list] of this.#prepared) {
      if (this.#preparedCount <= limit) break
      for (let i = 0; i < list.length && this.#preparedCount > limit; ) {
        const old = list[i]!
        if (old.busy || old === entry) {
          i++
          continue
        }
        list.splice(i, 1)
        this.#preparedCount--
        this.closeStatement(old.id)
      }
      if (list.length === 0) this.#prepared.delete(key)
    }
  }

  /** Forgets a prepared statement whose execution failed or cannot be reused (its state on the server is unknown). */
  dropPrepared(sql: string, entry: PreparedEntry): void {
    const list = this.#prepared.get(sql)
    const index = list ? list.indexOf(entry) : -1
    if (list && index !== -1) {
      list.splice(index, 1)
      this.#preparedCount--
      if (list.length === 0) this.#prepared.delete(sql)
    }
    this.closeStatement(entry.id)
  }

  /** A query whose result needed more than one page: its runs are prepared each time, so they can page. */
  markPaging(sql: string): void {
    if (this.#paging.size >= 256) this.#paging.clear()
    this.#paging.add(sql)
  }

  pages(sql: string): boolean {
    return this.#paging.has(sql)
  }

  get cacheSize(): number {
    return this.#config.preparedStatementCacheSize
  }

  get preparedCount(): number {
    return this.#preparedCount
  }

  /** `ping`: the socket answers and the job's database connection is alive. */
  async ping(): Promise<boolean> {
    const reply = await this.call({ type: 'ping' })
    return reply.alive === true && reply.db_alive !== false
  }

  /** Ends the job: closing the socket ends it on the server, and everything it held. */
  close(reason?: DatabaseError): void {
    this.#broken ??=
      reason ??
      new ConnectionError('the job was closed by the client', { system: SYSTEM, code: 'JOB_CLOSED' })
    this.socket.close(this.#broken)
  }

  #expect(reply: Reply, request: string, queryId?: string): Reply {
    if (reply.success === true) return reply
    const error = replyError(reply, { request, queryId })
    if (isConnectionLost(error)) this.markBroken(error)
    throw error
  }
}
