// Why a query FAILED, in the shape Athena reports it: StateChangeReason = AthenaError.ErrorMessage =
// `<ERROR_NAME>: <message>`, with ErrorCategory and ErrorType by the error name.

/** ErrorType by Trino error name, as recorded on real Athena (docs/athena-local.md cites the sources). */
const ERROR_TYPES: Record<string, number> = {
  DIVISION_BY_ZERO: 1001,
  TYPE_MISMATCH: 1002,
  COLUMN_NOT_FOUND: 1006,
  SYNTAX_ERROR: 1006,
  CATALOG_NOT_FOUND: 1006,
  INVALID_CAST_ARGUMENT: 1100,
  NUMERIC_VALUE_OUT_OF_RANGE: 1100,
  INVALID_PARAMETER_USAGE: 1100,
  INVALID_FUNCTION_ARGUMENT: 1106,
  TABLE_ALREADY_EXISTS: 1110,
  NOT_SUPPORTED: 1200,
  TABLE_NOT_FOUND: 1301,
  SCHEMA_NOT_FOUND: 1301,
  FUNCTION_NOT_FOUND: 1303,
}

export const CATEGORY_SYSTEM = 1
export const CATEGORY_USER = 2

export class QueryFailure extends Error {
  readonly errorName: string
  readonly category: number
  readonly errorType: number
  readonly retryable: boolean
  /** The full StateChangeReason. */
  readonly reason: string

  constructor(
    errorName: string,
    message: string,
    options: { category?: number; errorType?: number; retryable?: boolean; bare?: boolean } = {},
  ) {
    const reason = options.bare ? message : `${errorName}: ${message}`
    super(reason)
    this.name = 'QueryFailure'
    this.errorName = errorName
    this.category = options.category ?? CATEGORY_USER
    this.errorType =
      options.errorType ?? ERROR_TYPES[errorName] ?? (this.category === CATEGORY_USER ? 1000 : 200)
    this.retryable = options.retryable ?? false
    this.reason = reason
  }
}

/** A failure of athena-local itself (not of the user's SQL): system category, retryable. */
export function internalFailure(message: string): QueryFailure {
  return new QueryFailure('GENERIC_INTERNAL_ERROR', message, {
    category: CATEGORY_SYSTEM,
    errorType: 100,
    retryable: true,
  })
}

export function errorTypeOf(name: string): number | undefined {
  return ERROR_TYPES[name]
}
