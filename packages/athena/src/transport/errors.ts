/**
 * AWS SDK failures as Tributary's typed errors. Messages name the operation,
 * AWS's own error name and text, and the query id when there is one; they are
 * built from those fields only (never from request dumps such as a string to
 * sign), and the configured secret key and session token are removed.
 */
import {
  ConnectionError,
  DatabaseError,
  type DatabaseErrorOptions,
  QueryCancelledError,
  redactKnown,
  ServerError,
  ThrottledError,
} from '@tributary/core'

/** Refusals of the caller's credentials, by Athena (JSON) and S3 (XML) names. */
const CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidClientTokenId',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'RequestExpired',
  'RequestTimeTooSkewed',
  'TokenRefreshRequired',
  'CredentialsProviderError',
])

const THROTTLING = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'SlowDown',
  'ProvisionedThroughputExceededException',
])

/** Network failures worth another attempt (every Athena and S3 read here is idempotent). */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
])

interface SdkError {
  name?: string
  message?: string
  code?: string
  AthenaErrorCode?: string
  Reason?: string
  $metadata?: { httpStatusCode?: number }
  $response?: unknown
  $retryable?: unknown
}

export interface ErrorContext {
  /** `StartQueryExecution`, `GetObject`, … */
  operation: string
  queryId?: string | undefined
  /** Known secrets to remove from the text (the secret key, a session token). */
  secrets?: readonly (string | undefined)[] | undefined
}

/** Whether another attempt of the same call may succeed. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof DatabaseError) return error instanceof ThrottledError || isTransientServer(error)
  const e = error as SdkError
  if (!e || typeof e !== 'object') return false
  if (e.name === 'AbortError') return false
  if (THROTTLING.has(e.name ?? '')) return true
  const status = e.$metadata?.httpStatusCode
  if (status === 429 || status === 500 || status === 502 || status === 503 || status === 504) return true
  if (e.name === 'InternalServerException' || e.name === 'InternalError' || e.name === 'ServiceUnavailable')
    return true
  if (e.name === 'TimeoutError' || e.name === 'RequestTimeout' || e.name === 'RequestTimeoutException')
    return true
  if (e.$response === undefined && e.$metadata?.httpStatusCode === undefined) {
    return NETWORK_CODES.has(e.code ?? '') || /socket hang up|ECONNRESET|EPIPE/i.test(e.message ?? '')
  }
  return false
}

function isTransientServer(error: DatabaseError): boolean {
  return (
    error instanceof ServerError && (error.code === 'InternalServerException' || error.code === 'SlowDown')
  )
}

/** The typed error for a failed SDK call. */
export function toDatabaseError(error: unknown, context: ErrorContext): DatabaseError {
  if (error instanceof DatabaseError) return error
  const e = (error ?? {}) as SdkError
  const name = e.name ?? 'Error'
  const where = context.queryId ? ` (query ${context.queryId})` : ''
  const text = (message: string) => redactKnown(message, context.secrets ?? [])
  const options = (code: string | undefined): DatabaseErrorOptions => ({
    code,
    queryId: context.queryId,
    system: 'athena',
    cause: error,
  })
  if (name === 'AbortError') {
    return new QueryCancelledError(
      text(`Athena ${context.operation} was aborted${where}`),
      options('ABORTED'),
    )
  }
  const detail = e.message ? `: ${e.message}` : ''
  const status = e.$metadata?.httpStatusCode
  if (THROTTLING.has(name)) {
    const reason = e.Reason ? ` (${e.Reason})` : ''
    return new ThrottledError(
      text(`Athena ${context.operation} was throttled: ${name}${reason}${detail}${where}`),
      options(name),
    )
  }
  if (CREDENTIAL_ERRORS.has(name) || (status === 403 && name !== 'AccessDeniedException')) {
    return new ConnectionError(
      text(`Athena ${context.operation} refused the credentials: ${name}${detail}${where}`),
      options(name),
    )
  }
  if (status === undefined && e.$response === undefined) {
    const code = e.code ?? name
    return new ConnectionError(
      text(`Athena ${context.operation} could not reach the service: ${code}${detail}${where}`),
      options(code),
    )
  }
  const code = e.AthenaErrorCode ?? name
  return new ServerError(text(`Athena ${context.operation} failed: ${code}${detail}${where}`), options(code))
}
