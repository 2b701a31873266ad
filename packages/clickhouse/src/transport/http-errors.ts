/**
 * Turning HTTP answers and undici failures into the typed errors of
 * `@tributary/core`, with configured secrets removed from every message.
 */

import {
  ConnectionError,
  type DatabaseError,
  ParameterError,
  ProtocolError,
  QueryCancelledError,
  redactKnown,
  ServerError,
  ThrottledError,
  TimeoutError,
} from '@tributary/core'
import { parseClickHouseErrorText } from './error-text.ts'
import { StreamExceptionScanner } from './exception-scanner.ts'

/** TOO_MANY_SIMULTANEOUS_QUERIES, and the other load-shedding codes a retry later can cure. */
const THROTTLE_CODES = new Set(['202', '203', '252', '439'])
const AUTHENTICATION_FAILED = '516'
/** QUERY_WAS_CANCELLED: what a query stopped by KILL QUERY reports. */
const QUERY_WAS_CANCELLED = '394'
/** SYNTAX_ERROR, which is also what a statement longer than `max_query_size` gets. */
const SYNTAX_ERROR = '62'
/** TIMEOUT_EXCEEDED: the server stopped the query at its `max_execution_time`. */
const TIMEOUT_EXCEEDED = '159'

export interface ErrorContext {
  queryId: string | undefined
  secrets: readonly (string | undefined)[]
}

/** A non-200 answer: the body text (already bounded) and the status decide the error type. */
export function errorFromStatus(
  status: number,
  headerCode: string | undefined,
  bodyText: string,
  context: ErrorContext,
): DatabaseError {
  const parsed = parseClickHouseErrorText(bodyText)
  const code = headerCode || parsed.code
  const text = redactKnown(parsed.message || `HTTP ${status} without an error text`, context.secrets)
  const base = { queryId: context.queryId, system: 'clickhouse' as const }
  if (status === 401 || status === 403 || code === AUTHENTICATION_FAILED) {
    return new ServerError(`ClickHouse authentication failed: ${text}`, {
      ...base,
      code: AUTHENTICATION_FAILED,
    })
  }
  if ((code && THROTTLE_CODES.has(code)) || status === 503 || status === 429) {
    return new ThrottledError(`ClickHouse refused the query for load: ${text}`, { ...base, code })
  }
  if (code === QUERY_WAS_CANCELLED) {
    return new QueryCancelledError(`ClickHouse query was cancelled: ${text}`, { ...base, code })
  }
  if (code === TIMEOUT_EXCEEDED) {
    return new TimeoutError(`ClickHouse stopped the query at its time limit: ${text}`, { ...base, code })
  }
  if (status === 431 || ((status === 414 || status === 400) && !parsed.code && bodyText.trim() === '')) {
    // Poco answers an over-long request line with an empty 400 (18.x limit: 16 KiB); proxies say 414 or 431.
    return new ParameterError(
      `ClickHouse refused the request (HTTP ${status}) without a message; the URL is probably too long for this server (large parameter values)`,
      { ...base, code: String(status) },
    )
  }
  if (code === SYNTAX_ERROR && /Max query size exceeded/i.test(bodyText)) {
    // The server's text quotes the statement from the failing position on: parameter values, maybe secret.
    return new ParameterError(
      "ClickHouse refused the statement: it is longer than the server's max_query_size (262144 bytes by default). On servers without query parameters the values are written into the statement: raise max_query_size in the query's settings, or send large values as INSERT data",
      { ...base, code },
    )
  }
  return new ServerError(`ClickHouse error${code ? ` ${code}` : ''}: ${text}`, { ...base, code })
}

/** An exception found inside a 200 body. */
export function errorFromStream(
  code: string | undefined,
  message: string,
  context: ErrorContext,
): DatabaseError {
  const text = redactKnown(message, context.secrets)
  const base = { queryId: context.queryId, system: 'clickhouse' as const, code }
  if (code && THROTTLE_CODES.has(code))
    return new ThrottledError(`ClickHouse refused the query for load: ${text}`, base)
  if (code === TIMEOUT_EXCEEDED)
    return new TimeoutError(`ClickHouse stopped the query at its time limit: ${text}`, base)
  if (code === QUERY_WAS_CANCELLED)
    return new QueryCancelledError(`ClickHouse query was cancelled: ${text}`, base)
  return new ServerError(`ClickHouse error${code ? ` ${code}` : ''}: ${text}`, base)
}

/**
 * A `200` answer that carries `X-ClickHouse-Exception-Code`: the query failed after progress
 * headers had already committed the status, so the (bounded) body is the error text, framed as
 * the server frames errors in a stream.
 */
export function errorFromLateFailure(
  bodyText: string,
  tag: string | undefined,
  headerCode: string | undefined,
  context: ErrorContext,
): DatabaseError {
  const scanner = new StreamExceptionScanner({ tag })
  const found =
    scanner.push(new TextEncoder().encode(bodyText)).exception ?? scanner.end().exception ?? scanner.broken()
  if (found) return errorFromStream(found.code ?? headerCode, found.message, context)
  return errorFromStatus(500, headerCode, bodyText, context)
}

/** OpenSSL's verification results for a server certificate (unknown CA, expired, wrong host…). */
const SERVER_CERTIFICATE_CODE =
  /^(?:UNABLE_TO_(?:GET_ISSUER_CERT|VERIFY_LEAF_SIGNATURE|DECRYPT_CERT)|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_[A-Z_]+|ERR_TLS_CERT_ALTNAME_INVALID)/

export type FailureReason = 'timeout' | 'cancelled' | undefined

/** A failure of the wire: socket, framing, timeout, abort. */
export function errorFromFailure(
  error: unknown,
  reason: FailureReason,
  context: ErrorContext & { timeoutMs?: number | undefined; phase: 'request' | 'body' },
): DatabaseError {
  const base = { queryId: context.queryId, system: 'clickhouse' as const, cause: error }
  if (reason === 'timeout') {
    const what =
      context.phase === 'request' ? 'did not start its response' : 'sent no data while the reader was waiting'
    return new TimeoutError(
      `ClickHouse ${what} for ${context.timeoutMs} ms (requestTimeoutMs); the query was stopped`,
      base,
    )
  }
  if (reason === 'cancelled') return new QueryCancelledError('ClickHouse query was cancelled', base)
  const code = (error as { code?: unknown } | null)?.code
  const detail = redactKnown(error instanceof Error ? error.message : String(error), context.secrets)
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new TimeoutError(`Connecting to ClickHouse timed out: ${detail}`, base)
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return new TimeoutError(`ClickHouse did not answer in time: ${detail}`, base)
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return new ProtocolError(`ClickHouse response body was shorter than announced: ${detail}`, base)
    case 'Z_BUF_ERROR':
    case 'Z_DATA_ERROR':
    case 'ERR_ZSTD_INVALID_PARAM':
      return new ProtocolError(`ClickHouse response body could not be decompressed: ${detail}`, base)
  }
  if (typeof code === 'string' && SERVER_CERTIFICATE_CODE.test(code)) {
    return new ConnectionError(`ClickHouse's TLS certificate was not accepted: ${detail}`, base)
  }
  if (typeof code === 'string' && (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))) {
    return new ConnectionError(`ClickHouse TLS handshake failed: ${detail}`, base)
  }
  if (typeof code === 'string' && code.startsWith('HPE_')) {
    return new ProtocolError(`ClickHouse sent a malformed HTTP response: ${detail}`, base)
  }
  if (
    error instanceof Error &&
    /zstd|gzip|inflate|unexpected end of file|incorrect header/i.test(error.message)
  ) {
    return new ProtocolError(`ClickHouse response body could not be decompressed: ${detail}`, base)
  }
  const where = context.phase === 'body' ? 'while reading the response body (the result is incomplete)' : ''
  return new ConnectionError(`ClickHouse connection failed${where ? ` ${where}` : ''}: ${detail}`, base)
}
