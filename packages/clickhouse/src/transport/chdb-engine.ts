/**
 * The chDB engine of this process. chDB runs one ClickHouse server in the
 * process, on one data directory at a time: every `chdb()` transport on that
 * directory shares this engine, and a transport on another directory is refused
 * while one is open. The engine keeps one connection of its own (the anchor)
 * from the first transport's first query until the last transport closes: it
 * sends `KILL QUERY`, and it keeps the engine up between queries, so Memory
 * tables and the data directory never depend on what happens to one query.
 */

import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { ConfigurationError, ConnectionError } from '@tributary/core'
import { formatLiteral } from '../params/literal.ts'

/* The parts of the `chdb` package the embedded transport uses. */
export interface ChdbStreamChunk {
  raw(): Uint8Array
}
export interface ChdbStream extends AsyncIterable<ChdbStreamChunk> {
  cancel(): void
}
export interface ChdbResult {
  bytes(): Uint8Array
}
export interface ChdbSession {
  readonly path: string
  query(sql: string, format?: string): string
  queryAsync(sql: string, opts: { format?: string }): Promise<ChdbResult>
  queryBindAsync(sql: string, params: object, opts: { format?: string }): Promise<ChdbResult>
  queryStream(sql: string, opts: { format?: string }): ChdbStream
  queryStreamBind(sql: string, params: object, opts: { format?: string }): ChdbStream
  insert(params: {
    table: string
    values: AsyncIterable<Uint8Array>
    format: 'TSV'
    columns?: readonly string[]
  }): Promise<{ rowsWritten: number }>
  close(): void
}
interface ChdbModule {
  Session: new (path?: string) => ChdbSession
  drainPending(): Promise<void>
}

/** Every statement the transport sends carries `log_comment = '<TAG_PREFIX><query id>'`. */
export const TAG_PREFIX = 'tributary:'

/** The temporary directories of this process are named `<prefix><pid>-<random>`. */
const DIRECTORY_PREFIX = 'tributary-embedded-'

let chdbModule: Promise<ChdbModule> | undefined
/** The engine open in this process, if any. */
let current: ChdbEngine | undefined
/** Set once an engine was released: the next one waits until chDB has torn the old connections down. */
let released = false
let processDirectory: string | undefined
let exitHookInstalled = false

/**
 * The engine for `path` (or the process's temporary directory without one), shared
 * with every other transport on that directory. Call `release()` once when done.
 */
export function openChdbEngine(path: string | undefined): ChdbEngine {
  const directory = path === undefined ? temporaryDirectory() : resolve(path)
  if (current && current.directory !== directory) {
    throw new ConfigurationError(
      `embedded ClickHouse (chDB) opens one data directory per process: ${current.directory} is open, ` +
        `so ${directory} cannot be. Close every chdb() transport on ${current.directory} first, ` +
        'or give this one the same path (transports on one path share its engine).',
      { system: 'clickhouse' },
    )
  }
  current ??= new ChdbEngine(directory)
  current.users++
  installExitHook()
  return current
}

export class ChdbEngine {
  readonly directory: string
  users = 0
  #anchor: Promise<ChdbSession> | undefined
  /** The anchor once it is open, for the synchronous kill at process exit. */
  #anchorSession: ChdbSession | undefined
  #released = false
  /** KILL statements run one after another on the anchor. */
  #kills: Promise<unknown> = Promise.resolve()
  readonly #queryIds = new Set<string>()
  /** Statements with bound parameters, which chDB runs one at a time per process. */
  readonly #boundQueue: BoundStatement[] = []
  #boundRunning = false

  constructor(directory: string) {
    this.directory = directory
  }

  /** A new engine connection; the first one starts the engine. */
  async connect(): Promise<ChdbSession> {
    const chdb = await loadChdb()
    await this.#start(chdb)
    return open(() => new chdb.Session(this.directory), this.directory)
  }

  /** Reserves a query id for the engine; false when a statement with that id is still there. */
  claim(queryId: string): boolean {
    if (this.#queryIds.has(queryId)) return false
    this.#queryIds.add(queryId)
    return true
  }

  free(queryId: string): void {
    this.#queryIds.delete(queryId)
  }

  /**
   * Runs `start` (a statement with bound parameters) when its turn comes. chDB runs
   * such statements one at a time in a process; waiting here rather than inside
   * chDB lets a statement that is stopped while it waits drop out without ever
   * reaching the engine, and lets the caller know when the engine is done with it.
   */
  bound<T>(start: () => Promise<T>, stopped: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: BoundStatement = {
        start: () => Promise.resolve().then(start).then(resolve, reject),
        stopped,
        drop: () => {
          const index = this.#boundQueue.indexOf(entry)
          if (index >= 0) this.#boundQueue.splice(index, 1)
          reject(stopped.reason)
        },
      }
      if (stopped.aborted) return reject(stopped.reason)
      stopped.addEventListener('abort', entry.drop, { once: true })
      this.#boundQueue.push(entry)
      this.#nextBound()
    })
  }

  /** Stops the statement tagged `tag` in the engine, from the anchor connection. */
  kill(tag: string): Promise<void> {
    const statement = `KILL QUERY WHERE Settings['log_comment'] = ${formatLiteral(tag, { kind: 'String' })} ASYNC`
    // The anchor as it is now: a release right after this call closes it only once the kill has run.
    const anchor = this.#anchor
    const run = this.#kills.then(async () => {
      await (await anchor)?.queryAsync(statement, { format: 'TabSeparated' })
    })
    this.#kills = run.catch(() => undefined)
    return run
  }

  /** One transport fewer; the last one closes the anchor, and the engine stops once chDB is done. */
  release(): void {
    if (--this.users > 0) return
    this.#released = true
    if (current === this) current = undefined
    released = true
    const anchor = this.#anchor
    this.#anchor = undefined
    this.#anchorSession = undefined
    // After the kills already asked for, which run on the anchor.
    void this.#kills.then(async () => (await anchor?.catch(() => undefined))?.close())
  }

  /** At process exit: stop every statement of this process, synchronously (nothing else can run then). */
  stopAllNow(): void {
    const statement = `KILL QUERY WHERE startsWith(Settings['log_comment'], ${formatLiteral(TAG_PREFIX, { kind: 'String' })}) ASYNC`
    try {
      this.#anchorSession?.query(statement, 'TabSeparated')
    } catch {
      // the process is ending; nothing more can be done
    }
  }

  async #start(chdb: ChdbModule): Promise<void> {
    if (this.#released) {
      throw new ConfigurationError('the embedded ClickHouse engine was released', { system: 'clickhouse' })
    }
    this.#anchor ??= (async () => {
      // A directory another engine used may still be held by connections chDB closes lazily.
      if (released) await chdb.drainPending()
      const anchor = open(() => new chdb.Session(this.directory), this.directory)
      if (this.#released) {
        anchor.close()
        throw new ConfigurationError('the embedded ClickHouse engine was released', { system: 'clickhouse' })
      }
      this.#anchorSession = anchor
      return anchor
    })()
    try {
      await this.#anchor
    } catch (error) {
      // A failed start (a directory that cannot be opened) may be retried by the next call.
      this.#anchor = undefined
      throw error
    }
  }

  #nextBound(): void {
    if (this.#boundRunning) return
    const entry = this.#boundQueue.shift()
    if (!entry) return
    entry.stopped.removeEventListener('abort', entry.drop)
    this.#boundRunning = true
    void entry.start().finally(() => {
      this.#boundRunning = false
      this.#nextBound()
    })
  }
}

interface BoundStatement {
  start(): Promise<void>
  stopped: AbortSignal
  drop(): void
}

function loadChdb(): Promise<ChdbModule> {
  chdbModule ??= import('chdb').then(
    (mod: { default?: ChdbModule } & Partial<ChdbModule>) => (mod.default ?? mod) as ChdbModule,
    (error: unknown) => {
      chdbModule = undefined
      throw new ConfigurationError(
        'embedded ClickHouse needs the optional peer dependency `chdb` (npm i chdb)',
        {
          system: 'clickhouse',
          cause: error,
        },
      )
    },
  )
  return chdbModule
}

function open(connect: () => ChdbSession, directory: string): ChdbSession {
  try {
    return connect()
  } catch (error) {
    throw new ConnectionError(
      `embedded ClickHouse could not open ${directory}: ${(error as Error)?.message ?? String(error)}`,
      { system: 'clickhouse', cause: error },
    )
  }
}

/**
 * The directory every `chdb()` without a path uses: made once per process, kept
 * whatever happens to any query or transport, removed when the process exits.
 */
function temporaryDirectory(): string {
  if (processDirectory === undefined) {
    removeLeftovers()
    processDirectory = mkdtempSync(join(tmpdir(), `${DIRECTORY_PREFIX}${process.pid}-`))
  }
  return processDirectory
}

/** Directories of processes that were killed before they could remove theirs. */
function removeLeftovers(): void {
  let names: string[]
  try {
    names = readdirSync(tmpdir())
  } catch {
    return
  }
  for (const name of names) {
    const pid = Number(/^tributary-embedded-(\d+)-/.exec(name)?.[1])
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue
    rmSync(join(tmpdir(), name), { recursive: true, force: true })
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * At exit the engine would wait for every statement still running, and a
 * statement that never ends would keep the process alive: stop them all first,
 * then remove the process's temporary directory.
 */
function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    current?.stopAllNow()
    if (processDirectory !== undefined) rmSync(processDirectory, { recursive: true, force: true })
  })
}
