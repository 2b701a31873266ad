/**
 * The jobs of one server: job numbers, lookup by qualified name (for QSYS2.CANCEL_SQL and
 * WRKACTJOB), object locks, and the control connection used to cancel and to keep the job table.
 */

import type pg from 'pg'
import { type Naming, type Translated, translate } from '../db2/translate.ts'
import type { DomainTypes } from '../db2/types.ts'
import type { Job } from './job.ts'
import { ObjectLocks } from './object-locks.ts'

export interface Logger {
  debug?(message: string, fields?: Record<string, unknown>): void
  info?(message: string, fields?: Record<string, unknown>): void
  warn?(message: string, fields?: Record<string, unknown>): void
  error?(message: string, fields?: Record<string, unknown>): void
}

export interface PostgresTarget {
  host: string
  port: number
  user: string
  password?: string | undefined
  database: string
}

/** Declared column facts PostgreSQL's row description does not carry (domains, NOT NULL, identity). */
export interface AttributeFacts {
  typeId: number
  notNull: boolean
  identity: boolean
}

export class JobTable {
  readonly locks = new ObjectLocks()
  readonly postgres: PostgresTarget
  readonly control: pg.Client
  readonly domains: DomainTypes
  readonly logger: Logger
  /** tableID → attnum → facts; cleared after DDL. */
  readonly attributes = new Map<number, Map<number, AttributeFacts>>()
  /** Inferred parameter types of statements (job, path and SQL → types); cleared after DDL. */
  readonly parameterTypes = new Map<string, string[]>()
  /** Statements translated before (translation depends on the text and the naming mode only). */
  readonly #translations = new Map<string, Translated>()
  /** The control connection's work, one query at a time (a pg client runs one query at a time). */
  #controlQueue: Promise<unknown> = Promise.resolve()
  readonly #jobs = new Map<string, Job>()
  #nextNumber: number

  constructor(postgres: PostgresTarget, control: pg.Client, domains: DomainTypes, logger: Logger) {
    this.postgres = postgres
    this.control = control
    this.domains = domains
    this.logger = logger
    // Job numbers look like a real system's: six digits, increasing.
    this.#nextNumber = 100000 + (Math.floor(Date.now() / 1000) % 800000)
  }

  /** Runs a query on the control connection after the ones before it. */
  controlQuery(text: string, values?: unknown[], rowMode?: 'array'): Promise<pg.QueryResult> {
    const run: Promise<pg.QueryResult> = this.#controlQueue.then(() =>
      rowMode
        ? this.control.query({ text, values: values ?? [], rowMode })
        : this.control.query({ text, values: values ?? [] }),
    )
    this.#controlQueue = run.catch(() => {})
    return run
  }

  /** The PostgreSQL form of a Db2 statement; plain statements are kept (most recent 500) and shared read-only. */
  translate(sql: string, naming: Naming): Translated {
    const key = `${naming}\u0000${sql}`
    const known = this.#translations.get(key)
    if (known !== undefined) return known
    const translated = translate(sql, { naming })
    if (translated.kind === 'statement') {
      if (this.#translations.size >= 500) this.#translations.delete(this.#translations.keys().next().value!)
      this.#translations.set(key, translated)
    }
    return translated
  }

  rememberParameterTypes(key: string, types: string[]): void {
    if (this.parameterTypes.size >= 1000) this.parameterTypes.clear()
    this.parameterTypes.set(key, types)
  }

  /** A definition changed (DDL, a procedure): facts read from the catalog may be stale. */
  definitionsChanged(): void {
    this.attributes.clear()
    this.parameterTypes.clear()
  }

  nextJobNumber(): string {
    const n = this.#nextNumber++
    if (this.#nextNumber > 999999) this.#nextNumber = 100000
    return String(n).padStart(6, '0')
  }

  add(job: Job): void {
    this.#jobs.set(job.name, job)
  }

  remove(job: Job): void {
    this.#jobs.delete(job.name)
    this.locks.releaseJob(job.name)
  }

  find(name: string): Job | undefined {
    return this.#jobs.get(name.trim().toUpperCase())
  }

  all(): Job[] {
    return [...this.#jobs.values()]
  }
}
