/**
 * Amazon Athena for the shared conformance suite (test/conformance), on
 * athena-local, once per result mode: the same queries read through
 * GetQueryResults pages, the CSV file in S3, and UNLOAD's Parquet. What the
 * server runs is seen through the official SDK (ListQueryExecutions and
 * BatchGetQueryExecution), outside our client.
 */

import {
  AthenaClient,
  BatchGetQueryExecutionCommand,
  ListQueryExecutionsCommand,
} from '@aws-sdk/client-athena'
import {
  type AthenaClientConfig,
  AthenaDialect,
  type AthenaQueryClient,
  ConnectionError,
  createClient,
  NotSupportedError,
  type ResultMode,
} from '@tributary/athena'
import { drizzle } from '@tributary/athena/drizzle'
import { type AthenaLocal, startAthenaLocal } from '@tributary/athena-local'
import { sql as dsql } from 'drizzle-orm'
import { bigint, doublePrecision, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { sql } from 'kysely'
import type {
  BackendEntry,
  ColumnKind,
  ColumnSpec,
  ConformanceBackend,
  ConformanceFixture,
  Limitation,
} from '../../../../test/conformance/fixture.ts'
import { drizzleFixture } from '../../../../test/conformance/fixture.ts'
import { athenaTypes } from './type-table.ts'

/** Hive DDL types (the suite writes them in CREATE TABLE as they are). */
const TYPES: Record<ColumnKind, string> = {
  bigint: 'bigint',
  integer: 'int',
  double: 'double',
  text: 'string',
  timestamp: 'timestamp',
}

const NO_TRANSACTIONS: Limitation = {
  // Athena runs each statement as a query execution of its own; Iceberg writes commit one by one.
  source: 'https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg.html',
  error: { class: NotSupportedError, message: /Amazon Athena has no transactions/ },
}

/** Why nothing is left running while rows are read: Athena finishes a query before any row can be read. */
const READ_AFTER_FINISH =
  'Athena runs a query to completion (SUCCEEDED) before GetQueryResults or its result file can be read, so ' +
  'nothing runs on the server while rows are streamed; stops during reading are tested in packages/athena/test/client.test.ts'

const entry = (mode: ResultMode): BackendEntry => ({
  capabilities: {
    transactions: false,
    savepoints: false,
    returning: false,
    serverSideCancel: true,
    sessions: false,
    authentication: true,
    instantMilliseconds: true,
  },
  unsupported: {
    returning: {
      // Trino's INSERT, UPDATE and DELETE have no RETURNING clause.
      source: 'https://docs.aws.amazon.com/athena/latest/ug/insert-into.html',
      error: { class: NotSupportedError, message: /RETURNING/ },
    },
    'returning on update and delete': {
      source: 'https://docs.aws.amazon.com/athena/latest/ug/update-statement.html',
      error: { class: NotSupportedError, message: /RETURNING/ },
    },
    transactions: NO_TRANSACTIONS,
    savepoints: NO_TRANSACTIONS,
    sessions: {
      // Every statement is a query execution of its own; there is no connection to keep state on.
      source: 'https://docs.aws.amazon.com/athena/latest/APIReference/API_StartQueryExecution.html',
      error: { class: NotSupportedError, message: /Amazon Athena has no sessions/ },
    },
  },
  todo: {
    'introspection › lists schemas, tables and columns with types, nullability and defaults':
      'Athena tables have no NOT NULL and no column defaults (docs/athena.md, "DDL"): every column reads as nullable without a default',
    'streaming › breaking out of a stream stops the statement on the server; the instance keeps working':
      READ_AFTER_FINISH,
  },
  faults: {
    'socket dropped with statements in flight': {
      absent:
        'Athena is request/response over HTTPS: a dropped socket fails one API call, which is retried (packages/athena/test/transport.test.ts)',
    },
    'session dies inside a transaction': { absent: 'Athena has no sessions and no transactions' },
    'reply never comes': {
      absent:
        'a query that never finishes is stopped by queryTimeoutMs (packages/athena/test/client.test.ts, "a deadline stops the query")',
    },
    'oversize reply': {
      absent: 'GetQueryResults pages are at most 1000 rows; result files are streamed, never held whole',
    },
  },
  types: athenaTypes(),
  start: () => start(mode),
})

export const athenaFixture: ConformanceFixture = {
  system: 'athena',
  backends: {
    'athena-local api': entry('api'),
    'athena-local csv': entry('csv'),
    'athena-local unload': entry('unload'),
  },
}

function column(name: string, spec: ColumnSpec) {
  const builders = {
    bigint: () => bigint(name, { mode: 'bigint' }),
    integer: () => integer(name),
    double: () => doublePrecision(name),
    text: () => text(name),
    timestamp: () => timestamp(name, { mode: 'date', precision: 3 }),
  }
  const built = builders[spec.kind]()
  return spec.primaryKey ? built.primaryKey() : spec.nullable ? built : built.notNull()
}

async function start(mode: ResultMode): Promise<ConformanceBackend> {
  const local = await startAthenaLocal({ port: 0 })
  const aws = { endpoint: local.endpoint, region: local.region, credentials: local.credentials }
  const observer = new AthenaClient({ ...aws, maxAttempts: 3 })
  return backend(local, observer, mode)
}

function backend(local: AthenaLocal, observer: AthenaClient, mode: ResultMode): ConformanceBackend {
  const clients = new Set<AthenaQueryClient>()
  const slow = new Set<string>()
  const config = (password?: string): AthenaClientConfig => {
    const credentials =
      password === undefined ? local.credentials : { ...local.credentials, secretAccessKey: password }
    const aws = { endpoint: local.endpoint, region: local.region, credentials }
    return {
      client: aws,
      s3: { ...aws, forcePathStyle: true },
      database: 'default',
      outputLocation: local.outputLocation,
      resultMode: mode,
      poll: { initialDelayMs: 5, maxDelayMs: 100 },
      retry: { initialDelayMs: 5, maxDelayMs: 100 },
    }
  }
  const client = () => {
    const made = createClient(config())
    clients.add(made)
    return made
  }
  return {
    dialect: (options = {}) =>
      new AthenaDialect({ ...config(options.password), migrationLock: { pollMs: 50, timeoutMs: 60_000 } }),
    drizzle: drizzleFixture({ open: (config) => drizzle(client(), config), table: pgTable, column }),
    columnType: (kind) => TYPES[kind],
    series: (n) => ({
      // sequence() makes at most 10,000 elements: two of them crossed for longer series.
      sql:
        n <= 10_000
          ? `SELECT x - 1 AS n FROM unnest(sequence(1, ${Math.max(n, 1)})) AS t(x) WHERE x <= ${n} ORDER BY n`
          : `SELECT a.x * 10000 + b.y AS n FROM unnest(sequence(0, ${Math.ceil(n / 10_000) - 1})) AS a(x) ` +
            `CROSS JOIN unnest(sequence(0, 9999)) AS b(y) WHERE a.x * 10000 + b.y < ${n} ORDER BY n`,
      value: (i) => BigInt(i),
    }),
    slow: (marker) => {
      // athena-local keeps queries with the marker RUNNING for a minute unless stopped.
      slow.add(marker)
      local.faults.set({ slowQueries: [...slow].map((match) => ({ match, ms: 60_000 })) })
      const text = `SELECT count(*) AS c FROM (VALUES 1) AS t(x) WHERE '${marker}' <> `
      return {
        sql: `${text}''`,
        kysely: sql`${sql.raw(text)}${'bound'}`,
        drizzle: dsql`${dsql.raw(text)}${'bound'}`,
      }
    },
    // A million rows: more than any test reads before it breaks or aborts (Athena has no endless result).
    endless: (marker) =>
      `SELECT a.x * 1000 + b.y AS n, '${marker}' AS m FROM unnest(sequence(0, 999)) AS a(x) CROSS JOIN unnest(sequence(0, 999)) AS b(y)`,
    running: async (marker) => {
      const { QueryExecutionIds = [] } = await observer.send(
        new ListQueryExecutionsCommand({ MaxResults: 50 }),
      )
      if (QueryExecutionIds.length === 0) return 0
      const { QueryExecutions = [] } = await observer.send(
        new BatchGetQueryExecutionCommand({ QueryExecutionIds }),
      )
      return QueryExecutions.filter(
        (e) => (e.Status?.State === 'RUNNING' || e.Status?.State === 'QUEUED') && e.Query?.includes(marker),
      ).length
    },
    errors: {
      syntax: { sql: 'SELEC 1', code: 'MALFORMED_QUERY' },
      unknownTable: { sql: 'SELECT * FROM no_such_table_anywhere', code: 'TABLE_NOT_FOUND' },
      unknownColumnCode: 'COLUMN_NOT_FOUND',
      // Athena fails the whole query before any row can be read.
      failsAfter: (rows) => ({
        sql: `SELECT x AS n, 1 / (x - ${rows}) AS y FROM unnest(sequence(${rows - 5}, ${rows + 5})) AS t(x)`,
        code: 'DIVISION_BY_ZERO',
      }),
      wrongPassword: { class: ConnectionError, codes: ['InvalidSignatureException'] },
    },
    async stop() {
      await Promise.allSettled([...clients].map((c) => c.close()))
      observer.destroy()
      await local.stop()
    },
  }
}
