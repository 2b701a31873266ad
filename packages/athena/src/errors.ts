/**
 * A query that reached FAILED, with Athena's own account of why: the error
 * name (`code`, e.g. `COLUMN_NOT_FOUND`), `AthenaError`'s category, type and
 * retryable flag, and the query id.
 */
import { type DatabaseErrorOptions, ServerError } from '@tributary/core'

export interface AthenaErrorFields {
  /** 1 system, 2 user, 3 other. */
  errorCategory?: number | undefined
  /** Athena's numeric error type (1006 COLUMN_NOT_FOUND, …). */
  errorType?: number | undefined
  retryable?: boolean | undefined
  /** `AthenaError.ErrorMessage`, or `StateChangeReason` where Athena gave no AthenaError. */
  errorMessage?: string | undefined
}

export class AthenaQueryError extends ServerError {
  override name = 'AthenaQueryError'
  readonly errorCategory: number | undefined
  readonly errorType: number | undefined
  readonly retryable: boolean | undefined
  readonly errorMessage: string | undefined

  constructor(message: string, fields: AthenaErrorFields, options: DatabaseErrorOptions) {
    super(message, options)
    this.errorCategory = fields.errorCategory
    this.errorType = fields.errorType
    this.retryable = fields.retryable
    this.errorMessage = fields.errorMessage
  }
}

/**
 * The error name Athena puts first in a failure text (`COLUMN_NOT_FOUND: line 1:8: …`);
 * Hive DDL failures (`FAILED: … AlreadyExistsException(…)`) are named by their exception.
 */
export function errorName(reason: string | undefined, errorType: number | undefined): string {
  const text = reason ?? ''
  const prefix = /^([A-Z][A-Z0-9_]+):/.exec(text)?.[1]
  if (prefix && prefix !== 'FAILED') return prefix
  const exception = /\b([A-Z][A-Za-z]+Exception)\b/.exec(text)?.[1]
  if (exception) return exception
  return errorType === undefined ? 'FAILED' : String(errorType)
}
