/** A ClickHouse-style error as the HTTP endpoint reports it: numeric code, symbolic name, text. */
export class ServerError extends Error {
  readonly code: number
  readonly codeName: string

  constructor(code: number, codeName: string, text: string) {
    super(text)
    this.name = 'ServerError'
    this.code = code
    this.codeName = codeName
  }
}

export const ENGINE_VERSION_SUFFIX = '(official build)'

/** The HTTP status a modern server picks for an error code (subset of exceptionCodeToHTTPStatus). */
export function httpStatusForError(codeName: string): number {
  switch (codeName) {
    case 'REQUIRED_PASSWORD':
      return 401
    case 'UNKNOWN_USER':
    case 'WRONG_PASSWORD':
    case 'AUTHENTICATION_FAILED':
    case 'SET_NON_GRANTED_ROLE':
    case 'ACCESS_DENIED':
      return 403
    case 'BAD_ARGUMENTS':
    case 'CANNOT_COMPILE_REGEXP':
    case 'CANNOT_PARSE_TEXT':
    case 'CANNOT_PARSE_ESCAPE_SEQUENCE':
    case 'CANNOT_PARSE_QUOTED_STRING':
    case 'CANNOT_PARSE_DATE':
    case 'CANNOT_PARSE_DATETIME':
    case 'CANNOT_PARSE_NUMBER':
    case 'CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING':
    case 'CANNOT_PARSE_IPV4':
    case 'CANNOT_PARSE_IPV6':
    case 'CANNOT_PARSE_INPUT_ASSERTION_FAILED':
    case 'CANNOT_PARSE_UUID':
    case 'DUPLICATE_COLUMN':
    case 'ILLEGAL_COLUMN':
    case 'UNKNOWN_ELEMENT_IN_AST':
    case 'UNKNOWN_TYPE_OF_AST_NODE':
    case 'THERE_IS_NO_COLUMN':
    case 'TOO_DEEP_AST':
    case 'TOO_BIG_AST':
    case 'UNEXPECTED_AST_STRUCTURE':
    case 'SYNTAX_ERROR':
    case 'INCORRECT_DATA':
    case 'TYPE_MISMATCH':
    case 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE':
      return 400
    case 'UNKNOWN_TABLE':
    case 'UNKNOWN_FUNCTION':
    case 'UNKNOWN_IDENTIFIER':
    case 'UNKNOWN_TYPE':
    case 'UNKNOWN_STORAGE':
    case 'UNKNOWN_DATABASE':
    case 'UNKNOWN_SETTING':
    case 'UNKNOWN_DIRECTION_OF_SORTING':
    case 'UNKNOWN_AGGREGATE_FUNCTION':
    case 'UNKNOWN_FORMAT':
    case 'UNKNOWN_DATABASE_ENGINE':
    case 'UNKNOWN_TYPE_OF_QUERY':
    case 'UNKNOWN_ROLE':
      return 404
    case 'QUERY_IS_TOO_LARGE':
      return 413
    case 'NOT_IMPLEMENTED':
      return 501
    case 'SOCKET_TIMEOUT':
    case 'CANNOT_OPEN_FILE':
    case 'CANNOT_SCHEDULE_TASK':
      return 503
    case 'HTTP_LENGTH_REQUIRED':
      return 411
    case 'TIMEOUT_EXCEEDED':
      return 408
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415
    default:
      return 500
  }
}

const CODE_PATTERN = /Code: (\d+)\. DB::Exception: ([\s\S]*?)\.? \(([A-Z0-9_]+)\)\s*$/

/** Turns whatever chDB threw into a ServerError, reading code, text and name from its message. */
export function toServerError(error: unknown): ServerError {
  if (error instanceof ServerError) return error
  const message = error instanceof Error ? error.message : String(error)
  const match = CODE_PATTERN.exec(message.trim())
  if (match) return new ServerError(Number(match[1]), match[3], match[2])
  const code = (error as { clickhouseCode?: unknown })?.clickhouseCode
  return new ServerError(typeof code === 'number' ? code : 1001, 'STD_EXCEPTION', message)
}

/** `Code: N. DB::Exception: text. (NAME) (version V (official build))` without trailing newline. */
export function formatErrorMessage(error: ServerError, version: string): string {
  const text = error.message.endsWith('.') ? error.message : `${error.message}.`
  return `Code: ${error.code}. DB::Exception: ${text} (${error.codeName}) (version ${version} ${ENGINE_VERSION_SUFFIX})`
}

export const errors = {
  readonly: (user: string) =>
    new ServerError(
      164,
      'READONLY',
      `${user}: Cannot execute query in readonly mode. For queries over HTTP, method GET implies readonly. You should use method POST for modifying queries`,
    ),
  authenticationFailed: (user: string) =>
    new ServerError(
      516,
      'AUTHENTICATION_FAILED',
      `${user}: Authentication failed: password is incorrect, or there is no user with such name`,
    ),
  sessionLocked: () => new ServerError(373, 'SESSION_IS_LOCKED', 'Session is locked by a concurrent client'),
  sessionNotFound: (id: string) => new ServerError(372, 'SESSION_NOT_FOUND', `Session ${id} not found`),
  queryCancelled: () => new ServerError(394, 'QUERY_WAS_CANCELLED', 'Query was cancelled'),
  duplicateQueryId: (id: string) =>
    new ServerError(216, 'QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING', `Query with id = ${id} is already running`),
  emptyQuery: () => new ServerError(62, 'SYNTAX_ERROR', 'Empty query'),
  badArguments: (text: string) => new ServerError(36, 'BAD_ARGUMENTS', text),
  unknownHandler: (path: string) =>
    new ServerError(
      36,
      'BAD_ARGUMENTS',
      `There is no handle ${path}\n\nUse / or /ping for health checks.\nOr /replicas_status for more sophisticated health checks.\n\nSend queries from your program with POST method or GET /?query=...`,
    ),
}
