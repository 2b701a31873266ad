/**
 * The HTTP transport's configuration, checked once at construction and turned
 * into what undici takes: the pool's connect options (TLS) and the headers every
 * request carries (credentials, the caller's own, the User-Agent).
 */

import { createRequire } from 'node:module'
import { ConfigurationError } from '@tributary/core'
import type { Dispatcher } from 'undici'
import type { SettingValue } from './transport.ts'

/** TLS for `https:` URLs; the fields of `tls.connect` a ClickHouse client needs. */
export interface TlsOptions {
  /** CA certificates (PEM) trusted instead of Node's bundled ones: a private CA. */
  ca?: string | Buffer | readonly (string | Buffer)[] | undefined
  /** Client certificate chain (PEM), for servers that require mutual TLS. */
  cert?: string | Buffer | readonly (string | Buffer)[] | undefined
  /** The client certificate's private key (PEM). */
  key?: string | Buffer | readonly (string | Buffer)[] | undefined
  /** Passphrase of an encrypted `key`. */
  passphrase?: string | undefined
  /** Default true. False accepts any server certificate: for tests only, it allows interception. */
  rejectUnauthorized?: boolean | undefined
  /** Name checked against the certificate (and sent as SNI) when it differs from the URL's host. */
  servername?: string | undefined
}

export interface HttpTransportLogger {
  debug?: ((message: string, details?: Record<string, unknown>) => void) | undefined
  warn?: ((message: string, details?: Record<string, unknown>) => void) | undefined
}

export interface HttpTransportConfig {
  /** `http(s)://host:port[/path]`; credentials in the URL are used when none are configured. */
  url: string
  username?: string | undefined
  password?: string | undefined
  /** Sent as `Authorization: Bearer`; replaces username/password. */
  accessToken?: string | undefined
  /** `basic` (default): `Authorization: Basic`; `headers`: `X-ClickHouse-User` / `X-ClickHouse-Key`. */
  authMode?: 'basic' | 'headers' | undefined
  database?: string | undefined
  roles?: readonly string[] | undefined
  /** Settings sent with every request; a request's own settings win. */
  settings?: Readonly<Record<string, SettingValue>> | undefined
  /**
   * How long the server may keep the client waiting, in ms (default 300 000): until the response
   * starts, then for each next chunk while the reader waits for it. The reader's own pauses and the
   * time spent producing an INSERT body do not count. Results read whole also send it to the server
   * as `max_execution_time`. `Infinity` turns it off.
   */
  requestTimeoutMs?: number | undefined
  /** Limit for opening a connection (TCP and TLS handshake), in ms. Default 10 000. */
  connectTimeoutMs?: number | undefined
  /** Sockets in the pool. Default 10. */
  maxSockets?: number | undefined
  compression?:
    | { response?: 'gzip' | 'zstd' | false | undefined; request?: 'gzip' | false | undefined }
    | undefined
  /** Subtracted from the server's `Keep-Alive: timeout=N` hint. Default 500 ms. */
  keepAliveMarginMs?: number | undefined
  /** Longest URL sent; longer ones fail with a `ParameterError` before sending. Default 1 MiB (the server default since 20.x; 18.x accepts 16 KiB). */
  maxUrlBytes?: number | undefined
  /** Certificates and checks for `https:` URLs (refused for `http:`). */
  tls?: TlsOptions | undefined
  /** Headers sent with every request (a gateway's API key, a tenant id). Values are kept out of error messages. */
  headers?: Readonly<Record<string, string>> | undefined
  /** Put at the start of the `User-Agent`, which ClickHouse logs (`system.query_log.http_user_agent`). */
  application?: string | undefined
  /**
   * An undici dispatcher (an `Agent`, a `ProxyAgent`, a mock) that carries every request instead of
   * the transport's own pool, `KILL QUERY` included. The transport never closes it. The pool settings
   * (`tls`, `maxSockets`, `connectTimeoutMs`, `keepAliveMarginMs`) then belong to the dispatcher.
   */
  dispatcher?: Dispatcher | undefined
  logger?: HttpTransportLogger | undefined
}

/** Headers the transport sets itself; a caller's header of that name would silently fight them. */
const MANAGED_HEADERS: Readonly<Record<string, string>> = {
  authorization: 'username/password, accessToken or authMode',
  'x-clickhouse-user': "username with authMode: 'headers'",
  'x-clickhouse-key': "password with authMode: 'headers'",
  'user-agent': 'application',
  'accept-encoding': 'compression.response',
  'content-encoding': 'compression.request',
  'content-length': 'nothing (undici sets it)',
  'transfer-encoding': 'nothing (undici sets it)',
  connection: 'nothing (undici sets it)',
  'keep-alive': 'keepAliveMarginMs',
  host: 'url',
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** Visible ASCII and spaces: no line breaks that could start another header. */
const HEADER_TEXT = /^[\x20-\x7e\t]*$/

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version

function refuse(message: string): never {
  throw new ConfigurationError(message, { system: 'clickhouse' })
}

/** Throws a `ConfigurationError` for settings that contradict each other or could not be sent safely. */
export function checkHttpConfig(config: HttpTransportConfig, url: URL): void {
  if (config.tls && url.protocol !== 'https:') {
    refuse(`ClickHouse tls options need an https: url, not ${url.protocol}`)
  }
  if (config.dispatcher) {
    const poolOptions = (['tls', 'maxSockets', 'connectTimeoutMs', 'keepAliveMarginMs'] as const).filter(
      (name) => config[name] !== undefined,
    )
    if (poolOptions.length > 0) {
      refuse(
        `ClickHouse options ${poolOptions.join(', ')} configure the client's own connection pool; with a dispatcher, configure the dispatcher instead`,
      )
    }
  }
  for (const [name, value] of Object.entries(config.headers ?? {})) {
    const lower = name.toLowerCase()
    if (!HEADER_NAME.test(name))
      refuse(`ClickHouse header name ${JSON.stringify(name)} is not a valid HTTP header name`)
    const instead = MANAGED_HEADERS[lower]
    if (instead) refuse(`ClickHouse header ${name} is set by the client; use ${instead} instead`)
    if (typeof value !== 'string' || !HEADER_TEXT.test(value)) {
      refuse(`ClickHouse header ${name} must be a string of visible ASCII characters`)
    }
  }
  if (
    config.application !== undefined &&
    (config.application === '' || !HEADER_TEXT.test(config.application))
  ) {
    refuse('ClickHouse application name must be non-empty visible ASCII (it goes into the User-Agent)')
  }
}

/** `[<application> ]tributary-clickhouse/<version> (node/<version>; <platform>)` */
export function userAgent(application: string | undefined): string {
  const own = `tributary-clickhouse/${VERSION} (node/${process.versions.node}; ${process.platform})`
  return application ? `${application} ${own}` : own
}

/** The caller's headers, lower-cased, then the User-Agent and the credentials. */
export function requestHeaders(
  config: HttpTransportConfig,
  auth: Readonly<Record<string, string>>,
): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(config.headers ?? {})) headers[name.toLowerCase()] = value
  headers['user-agent'] = userAgent(config.application)
  return { ...headers, ...auth }
}

/** undici's `connect` options for the pool (TLS), or undefined when there is nothing to set. */
export function connectOptions(tls: TlsOptions | undefined): Record<string, unknown> | undefined {
  if (!tls) return undefined
  const options: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(tls)) if (value !== undefined) options[name] = value
  return options
}
