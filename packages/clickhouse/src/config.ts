import type { Dispatcher } from 'undici'
import type { DecodeOptions } from './formats/value-options.ts'
import type { ParameterBinding } from './statement.ts'
import type { TlsOptions } from './transport/http-config.ts'
import type { ClickHouseTransport, SettingValue } from './transport/transport.ts'

export interface ClickHouseLogger {
  debug?(message: string, details?: Record<string, unknown>): void
  warn?(message: string, details?: Record<string, unknown>): void
}

export interface ClickHouseClientConfig extends DecodeOptions {
  /** `http://host:8123`. Defaults to `http://127.0.0.1:8123`; refused with an embedded `transport`. */
  url?: string | undefined
  username?: string | undefined
  password?: string | undefined
  /** Sent as `Authorization: Bearer …` instead of a password. */
  accessToken?: string | undefined
  /** `basic` (default) or `headers` (`X-ClickHouse-User` / `X-ClickHouse-Key`). */
  authMode?: 'basic' | 'headers' | undefined
  database?: string | undefined
  roles?: string[] | undefined
  /** Settings sent with every query. */
  settings?: Record<string, SettingValue> | undefined
  /**
   * How long the server may keep the client waiting, in ms (default 300 000): until the response
   * starts, then for each next chunk while the reader waits. A slow reader or a slow source of
   * INSERT rows never times out. Results read whole also get it as `max_execution_time`.
   */
  requestTimeoutMs?: number | undefined
  /** Limit for opening a connection (TCP and TLS handshake), in ms. Default 10 000. */
  connectTimeoutMs?: number | undefined
  maxSockets?: number | undefined
  /** Subtracted from the server's `Keep-Alive: timeout=N` hint before an idle socket is dropped. Default 500 ms. */
  keepAliveMarginMs?: number | undefined
  /** Longest request URL; longer ones are a `ParameterError` before sending. Default 1 MiB. */
  maxUrlBytes?: number | undefined
  compression?: { response?: 'gzip' | 'zstd' | false; request?: 'gzip' | false } | undefined
  /** Certificates and checks for `https:` URLs: a private CA, a client certificate, `rejectUnauthorized`. */
  tls?: TlsOptions | undefined
  /** HTTP headers sent with every request; their values are kept out of error messages. */
  headers?: Record<string, string> | undefined
  /** Your application's name, put at the start of the User-Agent (ClickHouse logs it). */
  application?: string | undefined
  /** An undici dispatcher (`Agent`, `ProxyAgent`, …) to send every request through; never closed by the client. */
  dispatcher?: Dispatcher | undefined
  /**
   * Use another wire: `chdb({ path })` from `@tributary/clickhouse/embedded`, or a custom transport.
   * The transport is given the wire options above (`applyClientConfig`) and refuses those it cannot honour.
   */
  transport?: ClickHouseTransport | undefined
  /** Give each Kysely/Drizzle connection its own ClickHouse session (temporary tables, SET). Default false. */
  sessions?: boolean | undefined
  /** Rows per batch the client decodes before yielding to a stream consumer. Default 1000 for `streamBatches`, 256 for `stream`. */
  streamBatchSize?: number | undefined
  /** `auto` (default): server-side `{name:Type}` binding where the server has it; `client`: escaped literals. */
  parameterBinding?: ParameterBinding | undefined
  /**
   * A JS Date written to a type with fewer sub-second digits than it has (its
   * milliseconds into `DateTime`, or into `DateTime64(0…2)`): `'refuse'`
   * (default) throws a `ParameterError` that says so; `'truncate'` drops the
   * digits the type cannot hold (toward the earlier instant). The same for
   * parameters, Kysely, Drizzle and `insert`. Text and numbers with too many
   * fraction digits are always refused.
   */
  subsecondDates?: 'refuse' | 'truncate' | undefined
  logger?: ClickHouseLogger | undefined
}
