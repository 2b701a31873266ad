/**
 * The jobs of one server: job numbers, lookup by qualified name (for QSYS2.CANCEL_SQL and
 * WRKACTJOB), object locks, and the control connection used to cancel and to keep the job table.
 */

import type pg from 'pg'
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
