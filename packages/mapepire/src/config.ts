/**
 * What a Mapepire client is configured with, and the defaults. The connection
 * properties sent with `connect` are JTOpen's (the server's JDBC driver);
 * docs/mapepire.md lists what the client sets itself.
 */
import { ConfigurationError, type IsolationLevel, type Logger } from '@tributary/core'
import type { ValueOptions } from './codecs/values.ts'
import { SYSTEM } from './errors.ts'

/** JTOpen connection properties by their JTOpen names (`naming`, `libraries`, `date format`, …). */
export type JdbcOptions = Record<string, string | number | boolean | readonly string[] | undefined>

export interface PoolConfig {
  /** Autocommit jobs kept open even when idle. Default 0. */
  min?: number | undefined
  /** Autocommit jobs at most. Default 8. */
  max?: number | undefined
  /** Transaction jobs (`auto commit=false`) at most; a separate pool. Default: `max`. */
  transactionMax?: number | undefined
  /**
   * Statements sent to one job before the pool waits for a reply. A job runs
   * one statement at a time; statements beyond the first wait in the server,
   * which saves the round trip between them. Default 16.
   */
  maxStatementsPerJob?: number | undefined
  /** How long a statement or lease waits for a job before `TimeoutError`. Default 30 s. */
  acquireTimeoutMs?: number | undefined
  /** Idle jobs above `min` are closed after this long. Default 60 s. */
  idleTimeoutMs?: number | undefined
  /** A job is replaced (when idle) after this long. Default 30 min. */
  maxLifetimeMs?: number | undefined
  /** Idle jobs are pinged (`ping`, which also checks the database connection) this often. Default 30 s. */
  healthCheckIntervalMs?: number | undefined
  /** Backoff between failed connects: first delay. Default 100 ms. */
  reconnectInitialDelayMs?: number | undefined
  /** Backoff between failed connects: largest delay. Default 5 s. */
  reconnectMaxDelayMs?: number | undefined
}

export interface MapepireConfig {
  /** Default `localhost`. */
  host?: string | undefined
  /** Default 8076. */
  port?: number | undefined
  user: string
  password: string
  /** Trusted certificate(s), PEM: pin the server's own (see `fetchServerCertificate`). */
  ca?: string | Buffer | (string | Buffer)[] | undefined
  /** Verify the server's certificate. Default true. */
  rejectUnauthorized?: boolean | undefined
  /** `false` speaks plain `ws://` (a server run with MP_UNSECURE=true). Default true. */
  tls?: boolean | undefined
  pool?: PoolConfig | undefined
  /** JTOpen properties for every job; `auto commit` is the client's own and cannot be set here. */
  jdbcOptions?: JdbcOptions | undefined
  /** `sql` (default): `schema.table`; `system`: `LIB/FILE` and the library list. */
  naming?: 'sql' | 'system' | undefined
  /** The library list; under SQL naming the first is the default schema. */
  libraries?: readonly string[] | undefined
  /** Isolation for transactions that do not name one. Default `read committed` (*CS). */
  transactionIsolation?: IsolationLevel | undefined
  values?: ValueOptions | undefined
  /** Rows of the first page when a result is read whole (the next pages double, up to about 1 MiB a frame). Default 2000. */
  fetchSize?: number | undefined
  /** Prepared statements kept per job for statements with parameters that return no rows. Default 32; 0 turns reuse off. */
  preparedStatementCacheSize?: number | undefined
  /** Largest incoming frame in bytes. Default 64 MiB. */
  maxPayload?: number | undefined
  /** TCP connect, TLS and the WebSocket upgrade together. Default 10 s. */
  connectTimeoutMs?: number | undefined
  /** Replies to `connect`, `ping`, `sqlclose` and other requests that are not statements. Default 30 s. */
  requestTimeoutMs?: number | undefined
  /** A statement running longer fails with TimeoutError (it is cancelled on the server). Default: no limit. */
  queryTimeoutMs?: number | undefined
  /** After CANCEL_SQL, how long to wait for the statement to end before its job is ended. Default 5 s. */
  cancelWaitMs?: number | undefined
  /** WebSocket ping interval on every socket. Default 30 s; 0 turns it off. */
  keepAliveMs?: number | undefined
  /** The `application` name sent with `connect`. */
  application?: string | undefined
  /** `tcp` (default) or `cli`. */
  technique?: 'tcp' | 'cli' | undefined
  /** Largest BLOB fetched from a newer server's blob URL. Default 256 MiB. */
  maxBlobBytes?: number | undefined
  logger?: Logger | undefined
}

export interface ResolvedConfig {
  url: string
  user: string
  password: string
  ca: MapepireConfig['ca']
  rejectUnauthorized: boolean
  pool: Required<PoolConfig>
  /** Properties every job gets (without `auto commit` and `transaction isolation`). */
  props: Record<string, string>
  naming: 'sql' | 'system'
  transactionIsolation: IsolationLevel
  values: ValueOptions
  fetchSize: number
  preparedStatementCacheSize: number
  maxPayload: number
  connectTimeoutMs: number
  requestTimeoutMs: number
  queryTimeoutMs: number | undefined
  cancelWaitMs: number
  keepAliveMs: number
  application: string
  technique: 'tcp' | 'cli'
  maxBlobBytes: number
  logger: Logger | undefined
}

const MANAGED_PROPS = new Set(['auto commit', 'transaction isolation'])

export function resolveConfig(config: MapepireConfig): ResolvedConfig {
  if (typeof config?.user !== 'string' || config.user === '') {
    throw new ConfigurationError('Mapepire needs a user', { system: SYSTEM })
  }
  if (typeof config.password !== 'string') {
    throw new ConfigurationError('Mapepire needs a password', { system: SYSTEM })
  }
  const host = config.host ?? 'localhost'
  const port = config.port ?? 8076
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  const pool = config.pool ?? {}
  const max = positiveInteger(pool.max ?? 8, 'pool.max')
  const props: Record<string, string> = {
    'date format': 'iso',
    'time format': 'iso',
  }
  const naming = config.naming ?? 'sql'
  props.naming = naming
  if (config.libraries && config.libraries.length > 0) props.libraries = config.libraries.join(',')
  for (const [key, value] of Object.entries(config.jdbcOptions ?? {})) {
    if (value === undefined) continue
    const name = key.trim().toLowerCase()
    if (MANAGED_PROPS.has(name)) {
      throw new ConfigurationError(
        `jdbcOptions["${key}"] is managed by the client: autocommit work runs on jobs with auto commit=true, ` +
          'transactions on jobs of their own; choose the isolation with transactionIsolation or per transaction',
        { system: SYSTEM },
      )
    }
    const text = Array.isArray(value) ? value.join(',') : String(value)
    if (/[;=]/.test(text) || /[;=]/.test(name)) {
      throw new ConfigurationError(`jdbcOptions["${key}"] cannot contain ';' or '='`, { system: SYSTEM })
    }
    props[name] = text
  }
  if (props.naming !== 'sql' && props.naming !== 'system') {
    throw new ConfigurationError(`naming must be 'sql' or 'system', got ${props.naming}`, { system: SYSTEM })
  }
  return {
    url: `${config.tls === false ? 'ws' : 'wss'}://${hostPart}:${port}/db/`,
    user: config.user,
    password: config.password,
    ca: config.ca,
    rejectUnauthorized: config.rejectUnauthorized ?? true,
    pool: {
      min: nonNegativeInteger(pool.min ?? 0, 'pool.min'),
      max,
      transactionMax: positiveInteger(pool.transactionMax ?? max, 'pool.transactionMax'),
      maxStatementsPerJob: positiveInteger(pool.maxStatementsPerJob ?? 16, 'pool.maxStatementsPerJob'),
      acquireTimeoutMs: pool.acquireTimeoutMs ?? 30_000,
      idleTimeoutMs: pool.idleTimeoutMs ?? 60_000,
      maxLifetimeMs: pool.maxLifetimeMs ?? 30 * 60_000,
      healthCheckIntervalMs: pool.healthCheckIntervalMs ?? 30_000,
      reconnectInitialDelayMs: pool.reconnectInitialDelayMs ?? 100,
      reconnectMaxDelayMs: pool.reconnectMaxDelayMs ?? 5000,
    },
    props,
    naming: props.naming as 'sql' | 'system',
    transactionIsolation: config.transactionIsolation ?? 'read committed',
    values: config.values ?? {},
    fetchSize: positiveInteger(config.fetchSize ?? 2000, 'fetchSize'),
    preparedStatementCacheSize: nonNegativeInteger(
      config.preparedStatementCacheSize ?? 32,
      'preparedStatementCacheSize',
    ),
    maxPayload: positiveInteger(config.maxPayload ?? 64 * 1024 * 1024, 'maxPayload'),
    connectTimeoutMs: config.connectTimeoutMs ?? 10_000,
    requestTimeoutMs: config.requestTimeoutMs ?? 30_000,
    queryTimeoutMs: config.queryTimeoutMs,
    cancelWaitMs: config.cancelWaitMs ?? 5000,
    keepAliveMs: config.keepAliveMs ?? 30_000,
    application: config.application ?? 'tributary',
    technique: config.technique ?? 'tcp',
    maxBlobBytes: config.maxBlobBytes ?? 256 * 1024 * 1024,
    logger: config.logger,
  }
}

/** `k=v;k=v`, as `connect` carries JTOpen properties. */
export function propsText(props: Record<string, string>): string {
  return Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join(';')
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigurationError(`${name} must be a positive integer, got ${String(value)}`, {
      system: SYSTEM,
    })
  }
  return value
}

function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new ConfigurationError(`${name} must be a non-negative integer, got ${String(value)}`, {
      system: SYSTEM,
    })
  }
  return value
}
