/**
 * One error hierarchy for every Tributary dialect. Everything a dialect throws
 * is a `DatabaseError`; subclasses say what kind of failure it was so callers can
 * branch on `instanceof` instead of parsing messages.
 */

export interface DatabaseErrorOptions {
  /** The database's own error code (e.g. ClickHouse `60`, Athena `TooManyRequestsException`). */
  code?: string | undefined
  /** The ANSI SQLSTATE, where the database reports one. */
  sqlState?: string | undefined
  /** The id of the query that failed, when one was assigned. */
  queryId?: string | undefined
  /** The database package that raised it (`clickhouse`, `athena`, `mapepire`, …). */
  system?: string | undefined
  cause?: unknown
}

/**
 * Brand read by `instanceof`: two copies of this package (a dialect that bundles
 * its own, source and build side by side) still recognise each other's errors.
 */
const KINDS = Symbol.for('@tributary/core:error-kinds')

export class DatabaseError extends Error {
  override name = 'DatabaseError'
  readonly code: string | undefined
  readonly sqlState: string | undefined
  readonly queryId: string | undefined
  readonly system: string | undefined

  // `this` is the class `instanceof` was asked about (a subclass too), which is the point here.
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false
    const kinds = (value as { [KINDS]?: unknown })[KINDS]
    // biome-ignore lint/complexity/noThisInStatic: the subclass being tested
    if (Array.isArray(kinds)) return kinds.includes(this.name)
    // biome-ignore lint/complexity/noThisInStatic: the subclass being tested
    return Function.prototype[Symbol.hasInstance].call(this, value)
  }

  constructor(message: string, options: DatabaseErrorOptions = {}) {
    super(redactSecrets(message), options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code
    this.sqlState = options.sqlState
    this.queryId = options.queryId
    this.system = options.system
    const kinds: string[] = []
    for (let c: unknown = new.target; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c)) {
      kinds.push((c as { name: string }).name)
    }
    Object.defineProperty(this, KINDS, { value: kinds })
  }
}

/** The database executed the statement and reported an error (syntax, unknown table, …). */
export class ServerError extends DatabaseError {
  override name = 'ServerError'
}

/** The connection could not be made or broke before a complete answer arrived. */
export class ConnectionError extends DatabaseError {
  override name = 'ConnectionError'
}

/** The answer arrived but could not be understood (truncated body, malformed frame). */
export class ProtocolError extends DatabaseError {
  override name = 'ProtocolError'
}

/** A configured time limit passed before the query finished. */
export class TimeoutError extends DatabaseError {
  override name = 'TimeoutError'
}

/** The caller aborted the query (AbortSignal, Kysely cancel, `break` out of a stream). */
export class QueryCancelledError extends DatabaseError {
  override name = 'QueryCancelledError'
}

/** The server refused for load reasons; the same request may succeed later. */
export class ThrottledError extends DatabaseError {
  override name = 'ThrottledError'
}

/** A value cannot be sent as a parameter of the requested type. */
export class ParameterError extends DatabaseError {
  override name = 'ParameterError'
}

/** The database cannot express what was asked (RETURNING, transactions, …). */
export class NotSupportedError extends DatabaseError {
  override name = 'NotSupportedError'
}

/** The client was configured wrongly, or used after `close()`. */
export class ConfigurationError extends DatabaseError {
  override name = 'ConfigurationError'
}

const SECRET_PATTERNS: RegExp[] = [
  // user:password@ in URLs
  /(\/\/[^/\s:@]+:)[^@\s/]+@/g,
  // password=..., key=..., token=... in query strings and settings dumps
  /((?:password|passwd|pwd|secret|token|key|signature|credential)[A-Za-z_-]*=)[^&\s'"]+/gi,
  // Authorization headers
  /(authorization:\s*(?:basic|bearer)\s+)\S+/gi,
]

/** Removes credentials that a transport may have echoed into an error text. */
export function redactSecrets(text: string): string {
  let out = text
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '$1***')
  return out
}

/** Removes the given known secrets (a configured password, a token) wherever they appear. */
export function redactKnown(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text
  for (const secret of secrets) {
    if (secret && secret.length >= 3) out = out.split(secret).join('***')
  }
  return out
}

export function isAbortError(error: unknown): boolean {
  return (
    error instanceof QueryCancelledError ||
    (error instanceof Error &&
      (error.name === 'AbortError' || (error as { code?: string }).code === 'ABORT_ERR'))
  )
}
