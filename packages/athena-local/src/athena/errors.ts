// Athena API errors in the AWS JSON 1.1 shape the SDK reads: HTTP 400, `__type`, `Message`,
// `AthenaErrorCode` (and `Reason` for throttling).

export class ApiError extends Error {
  readonly type: string
  readonly status: number
  readonly fields: Record<string, string>
  constructor(type: string, message: string, fields: Record<string, string> = {}, status = 400) {
    super(message)
    this.type = type
    this.status = status
    this.fields = fields
  }
}

export const invalidRequest = (message: string, code: string) =>
  new ApiError('InvalidRequestException', message, { AthenaErrorCode: code, ErrorCode: code })

export const validation = (field: string, constraint: string) =>
  invalidRequest(
    `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${constraint}`,
    'INVALID_INPUT',
  )

export const metadataError = (message: string) => new ApiError('MetadataException', message)

export const tooManyRequests = (message: string, reason?: string) =>
  new ApiError('TooManyRequestsException', message, reason ? { Reason: reason } : {})
