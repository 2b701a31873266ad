/**
 * A migration lock for databases without locks or transactions (ClickHouse,
 * Athena): a lease table whose creation is atomic. The migrator that creates
 * it holds the lock; the others wait. The holder appends a heartbeat row
 * while it holds the lease, so a migrator that died leaves a lease that
 * expires instead of a lock that stays forever; a waiter that sees it expired
 * drops it and takes its turn. Dropping the table by hand (`dropHint`) is the
 * forced release.
 */
import { ConfigurationError, TimeoutError } from './errors.ts'
import { type Logger, log } from './logger.ts'
import { pollUntil } from './poll.ts'

/** The few statements a database runs for a lease; each database writes its own SQL. */
export interface LeaseStore {
  /** Creates the lease table: `true` when this call created it, `false` when it already existed. */
  create(): Promise<boolean>
  /** Appends a row: who holds the lease and until when (epoch ms). */
  renew(owner: string, expiresAtMs: number): Promise<void>
  /** The latest row, or `undefined` while the table has none yet. */
  latest(): Promise<{ owner: string; expiresAtMs: number } | undefined>
  /** Drops the lease table; no error when it is gone already. */
  drop(): Promise<void>
  /** How an operator drops it by hand, for messages (`drop table kysely_migration_lock_lease`). */
  readonly dropHint: string
}

export interface TableLeaseOptions {
  /** How long a lease lives without a heartbeat. Default 5 minutes. */
  ttlMs?: number | undefined
  /** How long a migrator waits for the lock. Default 10 minutes. */
  timeoutMs?: number | undefined
  /** Poll interval while waiting. Default 250 ms. */
  pollMs?: number | undefined
  logger?: Logger | undefined
  /** Names the database in errors. */
  system?: string | undefined
}

export class TableLease {
  readonly #store: LeaseStore
  readonly #ttlMs: number
  readonly #timeoutMs: number
  readonly #pollMs: number
  readonly #logger: Logger | undefined
  readonly #system: string | undefined
  readonly #owner = `pid ${process.pid} ${Math.random().toString(36).slice(2, 10)}`
  #heartbeat: NodeJS.Timeout | undefined

  constructor(store: LeaseStore, options: TableLeaseOptions = {}) {
    this.#store = store
    this.#ttlMs = options.ttlMs ?? 300_000
    this.#timeoutMs = options.timeoutMs ?? 600_000
    this.#pollMs = options.pollMs ?? 250
    this.#logger = options.logger
    this.#system = options.system
    if (!(this.#ttlMs > 0)) throw new ConfigurationError('the lease ttl must be positive')
  }

  async acquire(): Promise<void> {
    // An empty lease (its creator has not written its row yet, or died before) expires one ttl after we first saw it.
    let emptySince: number | undefined
    await pollUntil(
      async () => {
        if (await this.#store.create()) {
          await this.#store.renew(this.#owner, Date.now() + this.#ttlMs)
          this.#startHeartbeat()
          return true
        }
        const held = await this.#store.latest()
        const now = Date.now()
        if (held === undefined) emptySince ??= now
        else emptySince = undefined
        const expired = held ? held.expiresAtMs < now : now - emptySince! > this.#ttlMs
        if (expired) {
          log(this.#logger, 'warn', 'migration lock lease expired; taking it over', {
            holder: held?.owner,
            system: this.#system,
          })
          await this.#store.drop()
          emptySince = undefined
        }
        return undefined
      },
      {
        timeoutMs: this.#timeoutMs,
        initialDelayMs: this.#pollMs,
        maxDelayMs: this.#pollMs,
        jitter: 'none',
        onTimeout: () =>
          new TimeoutError(
            `another migrator has held the migration lock for over ${this.#timeoutMs} ms; ` +
              `if it died, its lease expires by itself, or run: ${this.#store.dropHint}`,
            { system: this.#system },
          ),
      },
    )
  }

  async release(): Promise<void> {
    this.#stopHeartbeat()
    await this.#store.drop()
  }

  #startHeartbeat(): void {
    this.#stopHeartbeat()
    const every = Math.max(1, Math.floor(this.#ttlMs / 3))
    this.#heartbeat = setInterval(() => {
      this.#store.renew(this.#owner, Date.now() + this.#ttlMs).catch((error: unknown) => {
        log(this.#logger, 'warn', 'could not renew the migration lock lease', {
          error: error instanceof Error ? error.message : String(error),
          system: this.#system,
        })
      })
    }, every)
    this.#heartbeat.unref()
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat)
    this.#heartbeat = undefined
  }
}
