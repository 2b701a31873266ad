/**
 * Db2 for i through Mapepire for the shared conformance suite (test/conformance),
 * on mapepire-local (PostgreSQL 15 behind the Mapepire protocol). Clients go
 * through the statement ledger (support/statement-ledger.ts), which keeps the
 * server's list of statements not yet closed; the observer that watches the
 * server goes to it directly, over TLS.
 */

import { type MapepireLocal, startMapepireLocal } from '@tributary/mapepire-local'
import { sql as dsql } from 'drizzle-orm'
import { bigint, doublePrecision, integer, pgTable, timestamp, varchar } from 'drizzle-orm/pg-core'
import { sql } from 'kysely'
import type {
  BackendEntry,
  ColumnKind,
  ColumnSpec,
  ConformanceBackend,
  ConformanceFixture,
} from '../../../../test/conformance/fixture.ts'
import { drizzleFixture } from '../../../../test/conformance/fixture.ts'
import { drizzle } from '../../src/drizzle/index.ts'
import {
  ConnectionError,
  createClient,
  Db2ServerError,
  type MapepireClient,
  type MapepireConfig,
  MapepireDialect,
  NotSupportedError,
  ProtocolError,
  TimeoutError,
} from '../../src/index.ts'
import { leaks } from '../support/ledger-checks.ts'
import { type StatementLedger, startStatementLedger } from '../support/statement-ledger.ts'
import { DB2_TYPES } from './type-table.ts'

/** The schema every conformance table lives in: the first library, so unqualified names resolve to it. */
const SCHEMA = 'CONFORM'

/** Counts 1, 2, … up to two billion: far longer than any test waits, and nothing is returned before the end. */
const COUNT_UP = 'WITH T(N) AS (VALUES 1 UNION ALL SELECT N + 1 FROM T WHERE N < 2000000000)'

const TYPES: Record<ColumnKind, string> = {
  bigint: 'BIGINT',
  integer: 'INTEGER',
  double: 'DOUBLE',
  text: 'VARCHAR(8000)',
  timestamp: 'TIMESTAMP',
}

/** Rows in the series table `series(n)` reads from. */
const SERIES_ROWS = 20_000

const DB2_FOR_I_JSON = 'https://www.ibm.com/docs/en/i/7.5?topic=functions-json-arrayagg'

const entry: BackendEntry = {
  capabilities: {
    transactions: true,
    savepoints: true,
    returning: true,
    serverSideCancel: true,
    sessions: true,
    authentication: true,
    instantMilliseconds: true,
  },
  unsupported: {
    'returning on update and delete': {
      // Db2 for i reads changed rows back only from INSERT, through FINAL TABLE (data-change-table-reference).
      source: 'https://www.ibm.com/docs/en/i/7.5?topic=clause-table-reference',
      error: { class: NotSupportedError, message: /RETURNING/ },
    },
    'drizzle relational with': {
      // Drizzle's pg-core relational queries are built from PostgreSQL's json_agg and json_build_array; Db2 for
      // i's JSON aggregates are JSON_ARRAYAGG and JSON_OBJECT, so the Drizzle dialect refuses `with`.
      source: DB2_FOR_I_JSON,
      error: { class: NotSupportedError, message: /with: \{ posts \}/ },
    },
    'NUL in text': {
      // mapepire-local keeps text in PostgreSQL, which cannot store the character with code zero (Db2 for i can).
      source: 'https://www.postgresql.org/docs/15/datatype-character.html',
      error: { class: Db2ServerError, message: /invalid byte sequence/ },
    },
  },
  faults: {
    // A dropped socket fails every request pending on it: JDBC's 08006 (connection failure).
    'socket dropped with statements in flight': { error: ConnectionError, sqlState: '08006' },
    // The job's connection is gone under the statement: 08003 (connection does not exist).
    'session dies inside a transaction': { error: Db2ServerError, sqlState: '08003' },
    'reply never comes': { error: TimeoutError, code: 'QUERY_TIMEOUT' },
    'oversize reply': { error: ProtocolError, code: 'FRAME_TOO_LARGE' },
  },
  types: DB2_TYPES,
  start,
}

export const mapepireFixture: ConformanceFixture = {
  system: 'mapepire',
  backends: { 'mapepire-local': entry },
}

async function start(): Promise<ConformanceBackend> {
  const local = await startMapepireLocal({ port: 0, sample: false })
  let ledger: StatementLedger | undefined
  let observer: MapepireClient | undefined
  try {
    ledger = await startStatementLedger(local)
    observer = createClient({ ...direct(local), pool: { max: 1 } })
    await observer.query(`CREATE SCHEMA ${SCHEMA}`)
    await observer.query(`CREATE TABLE ${SCHEMA}.SERIES (N INTEGER NOT NULL PRIMARY KEY)`)
    // Ten digits crossed five times, in one statement: a batch of 20 000 rows takes seconds.
    await observer.query(`CREATE TABLE ${SCHEMA}.DIGITS (D INTEGER NOT NULL)`)
    await observer.batch(
      `INSERT INTO ${SCHEMA}.DIGITS (D) VALUES (?)`,
      Array.from({ length: 10 }, (_, i) => [i]),
    )
    await observer.query(
      `INSERT INTO ${SCHEMA}.SERIES (N) SELECT A.D * 10000 + B.D * 1000 + C.D * 100 + D.D * 10 + E.D ` +
        `FROM ${SCHEMA}.DIGITS A, ${SCHEMA}.DIGITS B, ${SCHEMA}.DIGITS C, ${SCHEMA}.DIGITS D, ${SCHEMA}.DIGITS E ` +
        `WHERE A.D * 10000 + B.D * 1000 + C.D * 100 + D.D * 10 + E.D < ${SERIES_ROWS}`,
    )
    return backend(local, ledger, observer)
  } catch (error) {
    await observer?.close()
    await ledger?.close()
    await local.stop()
    throw error
  }
}

/** Straight to the server over TLS, pinned to its certificate. */
function direct(local: MapepireLocal): MapepireConfig {
  return { host: local.host, port: local.port, user: local.user, password: local.password, ca: local.ca }
}

function column(name: string, spec: ColumnSpec) {
  const builders = {
    bigint: () => bigint(name, { mode: 'bigint' }),
    integer: () => integer(name),
    double: () => doublePrecision(name),
    text: () => varchar(name, { length: 8000 }),
    timestamp: () => timestamp(name, { mode: 'date', precision: 3 }),
  }
  const built = builders[spec.kind]()
  return spec.primaryKey ? built.primaryKey() : spec.nullable ? built : built.notNull()
}

function backend(
  local: MapepireLocal,
  ledger: StatementLedger,
  observer: MapepireClient,
): ConformanceBackend {
  const clients = new Set<MapepireClient>()
  /** A client through the ledger, with the conformance schema first in its library list. */
  const config = (extra: Partial<MapepireConfig> = {}): MapepireConfig => ({
    host: ledger.host,
    port: ledger.port,
    tls: false,
    user: local.user,
    password: local.password,
    libraries: [SCHEMA],
    ...extra,
  })
  const client = (extra: Partial<MapepireConfig> = {}) => {
    const made = createClient(config(extra))
    clients.add(made)
    return made
  }
  return {
    // Kysely's destroy() closes the client the dialect makes. Every lease keeps its job state (a lease pins
    // its job once it needs it), so `sessions` changes nothing here.
    dialect: (options = {}) =>
      new MapepireDialect({
        ...config(options.password === undefined ? {} : { password: options.password }),
        // ALCOBJ waits a second per attempt, so a waiting migrator sees the release at once; a lock that is
        // never released fails within the test's time instead of after 10 minutes.
        migrationLock: { timeoutMs: 10_000, waitSeconds: 1 },
      }),
    drizzle: drizzleFixture({ open: (config) => drizzle(client(), config), table: pgTable, column }),
    columnType: (kind) => TYPES[kind],
    introspectedType: (kind) => TYPES[kind].replace(/\(.*$/, ''),
    // A table rather than a recursive WITH, so the series also works as a subquery.
    series: (n) => {
      if (n > SERIES_ROWS) throw new Error(`the series table has ${SERIES_ROWS} rows`)
      return { sql: `SELECT N AS "n" FROM ${SCHEMA}.SERIES WHERE N < ${n} ORDER BY N`, value: (i) => i }
    },
    slow: (marker) => ({
      sql: `${COUNT_UP} SELECT COUNT(*) AS "c" FROM T WHERE '${marker}' <> ''`,
      kysely: sql`${sql.raw(`${COUNT_UP} SELECT COUNT(*) AS "c" FROM T WHERE '${marker}' <> CAST(`)}${'bound'}${sql.raw(' AS VARCHAR(10))')}`,
      drizzle: dsql`${dsql.raw(`${COUNT_UP} SELECT COUNT(*) AS "c" FROM T WHERE '${marker}' <> CAST(`)}${'bound'}${dsql.raw(' AS VARCHAR(10))')}`,
    }),
    // The server reads a result whole before its first page, so "endless" is a million rows: more than any
    // test reads before it breaks or aborts.
    endless: (marker) =>
      `WITH T(N) AS (VALUES 1 UNION ALL SELECT N + 1 FROM T WHERE N < 1000000) SELECT N AS "n", '${marker}' AS "m" FROM T`,
    running: async (marker) => {
      // Executing (the job's current statement), or finished with its result still open on the server.
      const { rows } = await observer.query<{ N: number }>(
        "SELECT COUNT(*) AS N FROM TABLE(QSYS2.ACTIVE_JOB_INFO(DETAILED_INFO => 'ALL')) " +
          "WHERE SQL_STATEMENT_STATUS = 'ACTIVE' AND SQL_STATEMENT_TEXT LIKE '%' || ? || '%'",
        [marker],
      )
      const open = leaks(ledger).filter((s) => s.sql.includes(marker)).length
      return Math.max(rows[0]!.N, open)
    },
    errors: {
      syntax: { sql: 'SELEC 1 FROM SYSIBM.SYSDUMMY1', code: 'SQL0104' },
      unknownTable: { sql: 'SELECT * FROM NO_SUCH_TABLE_ANYWHERE', code: 'SQL0204' },
      unknownColumnCode: 'SQL0206',
      failsAfter: (rows) => ({
        sql: `WITH T(N) AS (VALUES 1 UNION ALL SELECT N + 1 FROM T WHERE N < ${rows * 4}) SELECT N AS "n", 1 / (N - ${rows}) AS "x" FROM T`,
        code: 'SQL0802',
      }),
      // JTOpen's SQLSTATE for a refused sign-on.
      wrongPassword: { class: ConnectionError, codes: ['08004'] },
    },
    faults: {
      dialect: ({ inFlight, replyTimeoutMs, maxReplyBytes }) =>
        new MapepireDialect({
          client: client({
            // A job runs one statement at a time and queues the rest: two jobs hold `inFlight` between them.
            ...(inFlight === undefined
              ? {}
              : { pool: { max: 2, maxStatementsPerJob: Math.ceil(inFlight / 2) } }),
            ...(replyTimeoutMs === undefined
              ? {}
              : { queryTimeoutMs: replyTimeoutMs, cancelWaitMs: replyTimeoutMs }),
            ...(maxReplyBytes === undefined ? {} : { maxPayload: maxReplyBytes }),
          }),
        }),
      delayReplies: (marker, ms) => local.faults.add({ match: { sql: marker }, action: 'delay', ms }),
      dropConnections: () => local.dropConnections(),
      killSessionAt: (marker) => local.faults.add({ match: { sql: marker }, action: 'kill-job', times: 1 }),
      oversizeReplyTo: (marker, bytes) =>
        local.faults.add({ match: { sql: marker }, action: 'oversize', bytes, times: 1 }),
      clear: () => local.faults.clear(),
      openStatements: async () => leaks(ledger).map((s) => s.sql),
    },
    temporaryTable: (name) => ({
      create: `DECLARE GLOBAL TEMPORARY TABLE SESSION."${name}" ("n" INTEGER)`,
      table: `SESSION.${name}`,
    }),
    async stop() {
      await Promise.allSettled([...clients].map((c) => c.close()))
      await observer.close()
      await ledger.close()
      await local.stop()
    },
  }
}
