/**
 * ClickHouse for the shared conformance suite (test/conformance): its three
 * backends, its SQL for the suite's statements, its type table and what it
 * does not support, with where ClickHouse says so.
 */

import {
  type ClickHouseClient,
  type ClickHouseClientConfig,
  ClickHouseDialect,
  createClient,
  NotSupportedError,
  ServerError,
  typed,
} from '@tributary/clickhouse'
import {
  chTable,
  dateTime,
  dateTime64,
  drizzle,
  float64,
  int32,
  int64,
  nullable,
  string,
} from '@tributary/clickhouse/drizzle'
import { sql as dsql } from 'drizzle-orm'
import { sql } from 'kysely'
import type {
  BackendEntry,
  Capabilities,
  ColumnKind,
  ColumnSpec,
  ConformanceBackend,
  ConformanceFixture,
  Limitation,
  TypeCase,
} from '../../../../test/conformance/fixture.ts'
import { drizzleFixture } from '../../../../test/conformance/fixture.ts'
import { type BackendName, startBackend } from '../backends.ts'
import { runningCount } from '../processes.ts'
import { endlessQuery, slowQuery } from './statements.ts'
import { COMMON, MODERN, OPTIONAL } from './type-table.ts'

const TRANSACTIONS: Limitation = {
  // Experimental since 22.x, MergeTree only, and it needs ClickHouse Keeper; 18.16 and chDB have none.
  source: 'https://clickhouse.com/docs/guides/developer/transactional',
  error: { class: NotSupportedError, message: /transactions/i },
}

const UNSUPPORTED: BackendEntry['unsupported'] = {
  returning: {
    // INSERT, ALTER … UPDATE and ALTER … DELETE have no RETURNING clause.
    source: 'https://clickhouse.com/docs/sql-reference/statements/insert-into',
    error: { class: NotSupportedError, message: /RETURNING/ },
  },
  transactions: TRANSACTIONS,
  savepoints: TRANSACTIONS,
  'drizzle relational with': {
    // Drizzle nests relations with LATERAL joins, which ClickHouse's JOIN does not have.
    source: 'https://clickhouse.com/docs/sql-reference/statements/select/join',
    error: { class: NotSupportedError, message: /with: \{ posts \}/ },
  },
}

/**
 * The fault tests need a server that misbehaves on demand. Debian's 18.16 and the embedded engine cannot;
 * the HTTP transport's drops, stalls and mid-stream failures are tested against scripted servers in
 * packages/clickhouse/test/transport/http.test.ts and timeouts.test.ts.
 */
const NO_FAULT_HOOKS =
  'no fault hooks on this backend; packages/clickhouse/test/transport/http.test.ts tests server kills, dropped sockets, short bodies and timeouts'

const FAULTS: BackendEntry['faults'] = {
  'socket dropped with statements in flight': { absent: NO_FAULT_HOOKS },
  // ClickHouse has no transactions (unsupported.transactions), so no session can die inside one.
  'session dies inside a transaction': {
    absent: 'ClickHouse has no transactions: https://clickhouse.com/docs/guides/developer/transactional',
  },
  'reply never comes': { absent: NO_FAULT_HOOKS },
  // One HTTP response per statement, read as a stream: there is no frame size to exceed.
  'oversize reply': { absent: 'the HTTP interface streams a response; no frame has a size limit' },
}

const CAPABILITIES: Capabilities = {
  transactions: false,
  savepoints: false,
  returning: false,
  serverSideCancel: true,
  sessions: true,
  authentication: true,
  instantMilliseconds: true,
}

/** Defects the suite found, each named once; the tests that wait for them are listed per backend below. */
export const DEFECTS = {
  insertDefault:
    "a multi-row Kysely insert with a value left out compiles DEFAULT, which ClickHouse's VALUES does not accept",
  legacyDate: 'on 18.16 a JS Date parameter is sent as DateTime64 (toDateTime64), which 18.16 does not have',
  legacyOffset: "on 18.16 Kysely's OFFSET without LIMIT (LIMIT n, 18446744073709551615) returns no rows",
  embeddedSessionsUndeclared:
    'the embedded client declares capabilities.sessions false, yet its connections keep temporary tables of their own (the sessions test passes on it)',
}

const TYPE_TODO_MODERN: Record<string, string> = {
  'types › n_i64: Nullable(Int64)': DEFECTS.insertDefault,
}

const TODO: Record<BackendName, Record<string, string>> = {
  'clickhouse-18.16': {
    'kysely › limit and offset, alone and together': DEFECTS.legacyOffset,
    'types › n_i64: Nullable(Int64)': DEFECTS.insertDefault,
    'parameters › Kysely: instants bound as parameters come back exactly': DEFECTS.legacyDate,
    'parameters › Drizzle: instants in sql`` come back exactly': DEFECTS.legacyDate,
  },
  'chdb-embedded': {
    ...TYPE_TODO_MODERN,
    "kysely › the database package declares the fixture's capabilities": DEFECTS.embeddedSessionsUndeclared,
  },
  'chdb-http': TYPE_TODO_MODERN,
}

/**
 * The type table as a Kysely user writes it: the compiler infers each parameter's type from the
 * value, so values whose type it cannot tell (tuples, JSON documents, variants) are stated with
 * `typed()`, as docs/clickhouse.md says.
 */
function kyselyTypeTable(cases: readonly TypeCase[]): TypeCase[] {
  return cases.map((c) =>
    /^(Tuple|JSON|Variant)\b/.test(c.type)
      ? { ...c, rows: c.rows.map(([written, read]) => [typed(written, c.type), read] as const) }
      : c,
  )
}

function entry(name: BackendName): BackendEntry {
  const embedded = name === 'chdb-embedded'
  // Debian's 18.16 lacks the modern types; chDB (ClickHouse 26) has them all.
  const table = name === 'clickhouse-18.16' ? COMMON : [...COMMON, ...MODERN, ...OPTIONAL]
  return {
    faults: FAULTS,
    types: kyselyTypeTable(table),
    capabilities: {
      ...CAPABILITIES,
      authentication: !embedded,
      instantMilliseconds: name !== 'clickhouse-18.16',
    },
    unsupported: embedded
      ? {
          ...UNSUPPORTED,
          // chDB runs the engine inside this process, with no users or passwords.
          authentication: { source: 'https://clickhouse.com/docs/chdb' },
        }
      : UNSUPPORTED,
    todo: TODO[name],
    start: () => start(name),
  }
}

export const clickhouseFixture: ConformanceFixture = {
  system: 'clickhouse',
  backends: {
    'clickhouse-18.16': entry('clickhouse-18.16'),
    'chdb-embedded': entry('chdb-embedded'),
    'chdb-http': entry('chdb-http'),
  },
}

async function start(name: BackendName): Promise<ConformanceBackend> {
  const server = await startBackend(name)
  // Watches the server's process list from a connection of its own.
  let observer: ClickHouseClient | undefined
  try {
    observer = createClient(server.config())
    const info = await observer.serverInfo()
    return backend(server.config, observer, info.supportsRowBinaryWithNamesAndTypes, async () => {
      await observer?.close()
      await server.stop()
    })
  } catch (error) {
    await observer?.close()
    await server.stop()
    throw error
  }
}

function backend(
  config: () => ClickHouseClientConfig,
  observer: ClickHouseClient,
  modern: boolean,
  stop: () => Promise<void>,
): ConformanceBackend {
  // 18.16 has no DateTime64: its instants are whole seconds.
  const timestamp = modern ? "DateTime64(3, 'UTC')" : "DateTime('UTC')"
  const types: Record<ColumnKind, string> = {
    bigint: 'Int64',
    integer: 'Int32',
    double: 'Float64',
    text: 'String',
    timestamp,
  }
  const column = (name: string, spec: ColumnSpec) => {
    const builders = {
      bigint: () => int64(name),
      integer: () => int32(name),
      double: () => float64(name),
      text: () => string(name),
      timestamp: () => (modern ? dateTime64(name, 3, 'UTC') : dateTime(name, 'UTC')),
    }
    const builder = builders[spec.kind]()
    return spec.nullable ? nullable(builder as never) : builder
  }
  return {
    dialect: (options = {}) =>
      new ClickHouseDialect({
        ...config(),
        ...(options.password === undefined ? {} : { password: options.password }),
        sessions: options.sessions === true,
      }),
    drizzle: drizzleFixture({ open: (options) => drizzle(config(), options), table: chTable, column }),
    columnType: (kind, isNullable) => (isNullable ? `Nullable(${types[kind]})` : types[kind]),
    series: (n) => ({ sql: `SELECT number AS n FROM numbers(${n})`, value: (i) => BigInt(i) }),
    slow: (marker) => {
      const [head, tail] = slowQuery(marker, ', $').split('$') as [string, string]
      return {
        sql: slowQuery(marker),
        kysely: sql`${sql.raw(head)}${'bound'}${sql.raw(tail)}`,
        drizzle: dsql`${dsql.raw(head)}${'bound'}${dsql.raw(tail)}`,
      }
    },
    endless: endlessQuery,
    running: (marker) => runningCount(observer, marker),
    errors: {
      syntax: { sql: 'SELEC 1', code: '62', message: /Syntax error/i },
      unknownTable: { sql: 'SELECT * FROM no_such_table_anywhere', code: '60' },
      unknownColumnCode: '47',
      failsAfter: (rows) => ({
        sql: `SELECT number AS n, throwIf(number = ${rows}) AS x FROM numbers(${rows * 4}) SETTINGS max_block_size = 1000`,
        code: '395',
        message: /throwIf|non-zero|FUNCTION_THROW_IF/i,
      }),
      // 18.16 says WRONG_PASSWORD (193), modern servers AUTHENTICATION_FAILED (516).
      wrongPassword: { class: ServerError, codes: ['193', '516'] },
    },
    temporaryTable: (name) => ({ create: `CREATE TEMPORARY TABLE ${name} (n Int32)`, table: name }),
    stop,
  }
}
