/**
 * What a database gives the conformance suite. The suite knows Kysely, Drizzle
 * and the error classes of @tributary/core; everything about one database (its
 * servers, its SQL, its types, its limits) comes through this interface.
 * README.md in this folder explains each part.
 */

import type { Capabilities as ClientCapabilities } from '@tributary/core'
import type { BridgeDatabase } from '@tributary/core/drizzle'
import type { SQL } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'
import type { Dialect, RawBuilder } from 'kysely'

/** A class the suite checks a thrown error against with `instanceof` (NotSupportedError, …). */
export type ErrorClass = abstract new (...args: never[]) => Error

export interface ConformanceFixture {
  /** The `system` every error of this database carries: `clickhouse`, `athena`, `mapepire`. */
  system: string
  /** The backends of this database by name; each is started once by the entry file that names it. */
  backends: Readonly<Record<string, BackendEntry>>
}

/** A backend as the suite sees it before starting it: facts that decide which tests exist. */
export interface BackendEntry {
  capabilities: Capabilities
  /** Every capability that is false, and `drizzle relational with` where refused: why, and the error. */
  unsupported: Readonly<Partial<Record<Feature, Limitation>>>
  /**
   * Tests of the suite this backend cannot pass yet, by full test name (`suite › test`), with the
   * defect each waits for. They still run, reported as todo, so they pass the day the defect is fixed.
   */
  todo?: Readonly<Record<string, string>>
  /**
   * The faults the suite injects, each with the typed error the library must raise, or why this backend
   * cannot have it (`absent`, naming where the behaviour is tested instead).
   */
  faults: Readonly<Record<FaultName, FaultExpectation | { absent: string }>>
  /** The type table: one test per case, named by the case. */
  types: readonly TypeCase[]
  /** Starts the backend (servers on free ports, data in temp dirs); `stop()` undoes it. */
  start(): Promise<ConformanceBackend>
}

/** Faults the suite injects through `ConformanceBackend.faults`. */
export type FaultName =
  | 'socket dropped with statements in flight'
  | 'session dies inside a transaction'
  | 'reply never comes'
  | 'oversize reply'

/** The error a fault must end in: its class, and its code and SQLSTATE where the database has them. */
export interface FaultExpectation {
  error: ErrorClass
  code?: string
  sqlState?: string
}

/**
 * The capabilities a database package declares (core's `Capabilities`) that the suite tries, each
 * checked against the package's declaration (`transactionalDdl` is not tried).
 */
export const DECLARED_CAPABILITIES = [
  'transactions',
  'savepoints',
  'returning',
  'serverSideCancel',
  'sessions',
] as const satisfies readonly (keyof ClientCapabilities)[]

/** What the database (as reached through this backend) can do: what its package declares, and two facts of the backend. */
export interface Capabilities extends Pick<ClientCapabilities, (typeof DECLARED_CAPABILITIES)[number]> {
  /** The backend checks credentials, so a wrong password is refused. */
  authentication: boolean
  /** Instants keep milliseconds (false: whole seconds, the suite then writes only those). */
  instantMilliseconds: boolean
}

/** Features the suite tries; a backend without one lists it in `unsupported`. */
export type Feature =
  | 'returning'
  | 'returning on update and delete'
  | 'transactions'
  | 'savepoints'
  | 'drizzle relational with'
  | 'server-side cancel'
  | 'sessions'
  | 'authentication'
  | 'NUL in text'

/** Why a feature is missing, and how the library must say so. */
export interface Limitation {
  /** The database's own documentation (a URL) or source that states the limitation. */
  source: string
  /**
   * The error the library throws when the suite uses the feature, and what its message names.
   * Absent only for features without an API to refuse (authentication on an in-process engine).
   */
  error?: { class: ErrorClass; message: RegExp }
}

/** Column kinds the generic suites build their tables from. */
export type ColumnKind = 'bigint' | 'integer' | 'double' | 'text' | 'timestamp'

/**
 * The JS value each kind reads as: `bigint` for 64-bit integers, `number` for 32-bit ones and
 * doubles, `string` for text, `Date` for instants. Timestamps in the suites are whole seconds.
 */
export interface ColumnSpec {
  kind: ColumnKind
  nullable?: boolean
  primaryKey?: boolean
}

/** One column of the type table: a database type, and per row the value written and the value read. */
export interface TypeCase {
  /** Column name (a plain identifier). */
  name: string
  /** The column type, as written in CREATE TABLE. */
  type: string
  /** [written, read] per row; every case of a table has the same number of rows. */
  rows: readonly (readonly [written: unknown, read: unknown])[]
}

/** A statement the suite expects to fail on the server, and how. */
export interface ServerErrorCase {
  sql: string
  /** The database's own error code (`DatabaseError.code`). */
  code: string
  message?: RegExp
}

export interface DrizzleFixture {
  /** A Drizzle database on its own client; `close()` releases it. */
  open<S extends Record<string, unknown> = Record<string, never>>(
    schema?: S,
  ): { db: BridgeDatabase<S>; close(): Promise<void> }
  /** A table with the database's own column builders, one per spec, named as the keys. */
  table(name: string, columns: Readonly<Record<string, ColumnSpec>>): PgTable
}

/**
 * The `DrizzleFixture` every database builds the same way: `open` through the package's
 * `drizzle(client, { schema })` (closing the database closes its client), `table` through the
 * package's table function with `column` building each spec.
 */
export function drizzleFixture<C>(options: {
  open: <S extends Record<string, unknown>>(config: { schema?: S }) => BridgeDatabase<S>
  table: (name: string, columns: Record<string, C>) => unknown
  column: (name: string, spec: ColumnSpec) => C
}): DrizzleFixture {
  return {
    open(schema) {
      const db = options.open(schema ? { schema } : {})
      return { db, close: () => db.$client.close() }
    },
    table: (name, columns) =>
      options.table(
        name,
        Object.fromEntries(Object.entries(columns).map(([key, spec]) => [key, options.column(key, spec)])),
      ) as PgTable,
  }
}

/** A started backend. */
export interface ConformanceBackend {
  /** A fresh Kysely dialect with its own client (a Kysely instance closes it on destroy). */
  dialect(options?: { sessions?: boolean; password?: string }): Dialect
  drizzle: DrizzleFixture

  /** The column type CREATE TABLE uses for a kind. */
  columnType(kind: ColumnKind, nullable: boolean): string
  /** The data type Kysely's introspector reports for such a column (default: `columnType`). */
  introspectedType?(kind: ColumnKind, nullable: boolean): string

  /** SQL returning `n` rows of one column `n`, 0 to n-1 in order, and the JS value row `i` reads as. */
  series(n: number): { sql: string; value(i: number): unknown }
  /**
   * A statement that runs on the server for at least 15 seconds unless stopped, returns nothing
   * before it ends, and has `marker` in its text (which is what `running` looks for).
   * `sql`: no parameters; `kysely` and `drizzle`: the same with one bound parameter.
   */
  slow(marker: string): { sql: string; kysely: RawBuilder<unknown>; drizzle: SQL }
  /** A statement that returns rows as fast as the server can, never ending on its own, with `marker` in its text. */
  endless(marker: string): string
  /**
   * How many statements with `marker` in their text the server is running now, seen from a
   * connection of its own (the server's process list, query history or job list).
   */
  running(marker: string): Promise<number>

  errors: {
    syntax: ServerErrorCase
    unknownTable: ServerErrorCase
    /** The code for selecting a column the table does not have. */
    unknownColumnCode: string
    /** Returns rows, then fails on the server after about `rows` rows. */
    failsAfter(rows: number): ServerErrorCase
    /** How the backend refuses a wrong password: the error class, and its code or SQLSTATE. */
    wrongPassword?: { class: ErrorClass; codes: readonly string[] }
  }

  /** Fault injection, for the faults the entry declares. */
  faults?: FaultInjection

  /** CREATE for a temporary table of one `n` integer column, and how a statement names it. */
  temporaryTable?(name: string): { create: string; table: string }

  stop(): Promise<void>
}

/**
 * How the suite breaks a backend on purpose. Statements a fault applies to carry a marker in their
 * text; `clear()` ends every fault.
 */
export interface FaultInjection {
  /**
   * A Kysely dialect with its own client for fault tests: room for `inFlight` statements at once, a
   * `replyTimeoutMs` after which the client gives up on a reply (and stops the statement), and the
   * largest reply it accepts (`maxReplyBytes`).
   */
  dialect(options: { inFlight?: number; replyTimeoutMs?: number; maxReplyBytes?: number }): Dialect
  /** Replies to statements with `marker` wait `ms` before they are sent. */
  delayReplies(marker: string, ms: number): void
  /** Every socket between the clients and the server is dropped, as a network failure. */
  dropConnections(): void
  /** The session or job that runs the next statement with `marker` dies under it. */
  killSessionAt(marker: string): void
  /** The reply to the next statement with `marker` is a frame of `bytes` bytes. */
  oversizeReplyTo(marker: string, bytes: number): void
  clear(): void
  /** Statements the server still holds open for the suite's clients (results not closed). */
  openStatements(): Promise<readonly string[]>
}
