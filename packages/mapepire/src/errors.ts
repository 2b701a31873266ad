/**
 * Errors from a Mapepire server, typed: Db2 for i's message id (`SQL0204`,
 * `CPF0006`), SQLSTATE and SQLCODE where the server reports them, the query id
 * (job name and request id), and a hint for the failures users cannot act on
 * from the server's text alone (SQL7008).
 */
import { ConnectionError, type DatabaseErrorOptions, ServerError } from '@tributary/core'

export const SYSTEM = 'mapepire'

export interface Db2ServerErrorOptions extends DatabaseErrorOptions {
  /** Db2's SQLCODE (`sql_rc`), e.g. -204; absent where the server reports 0. */
  sqlCode?: number | undefined
  /** The IBM i message id at the start of the text (`SQL0204`, `CPF0006`), when there is one. */
  messageId?: string | undefined
}

/**
 * The server ran the request and Db2 (or the JDBC driver, or a CL command)
 * refused it. `code` is the message id where the text has one, else the SQLSTATE.
 */
export class Db2ServerError extends ServerError {
  override name = 'Db2ServerError'
  readonly sqlCode: number | undefined
  readonly messageId: string | undefined

  constructor(message: string, options: Db2ServerErrorOptions = {}) {
    super(message, options)
    this.sqlCode = options.sqlCode
    this.messageId = options.messageId
  }
}

/** What a failed reply carries (`error`, `sql_state`, `sql_rc`). */
export interface FailedReply {
  error?: unknown
  sql_state?: unknown
  sql_rc?: unknown
}

const MESSAGE_ID = /^\[([A-Z]{3}[0-9A-F]{4})\]\s*/

/** Why SQL7008 happens and what to do, since the server's text names neither. */
const SQL7008_HINT =
  ' (SQL7008: the job runs under commitment control, which needs the table journaled. Journal it ' +
  '(STRJRNPF), or create it in a schema made by CREATE SCHEMA, whose tables are journaled automatically; ' +
  'statements outside a transaction run on autocommit jobs and do not need a journal.)'

/** JTOpen's text when the server refused the sign-on (SQLSTATE 08004 in JDBC terms). */
const REJECTED = /The application server rejected the connection/

/** Turns a failed reply into the error the caller sees. */
export function replyError(
  reply: FailedReply,
  context: { queryId?: string | undefined; request: string },
): Db2ServerError | ConnectionError {
  const text = typeof reply.error === 'string' && reply.error !== '' ? reply.error : 'request failed'
  const sqlState = typeof reply.sql_state === 'string' && reply.sql_state !== '' ? reply.sql_state : undefined
  const rc = typeof reply.sql_rc === 'number' ? reply.sql_rc : Number(reply.sql_rc)
  const sqlCode = Number.isFinite(rc) && rc !== 0 ? rc : undefined
  const messageId = MESSAGE_ID.exec(text)?.[1]
  if (REJECTED.test(text)) {
    // Sign-on refused (unknown user, wrong password, disabled profile): never worth retrying.
    const reason = /\(([^)]*)\)\s*$/.exec(text)?.[1]
    return new ConnectionError(
      `Mapepire ${context.request} refused: the application server rejected the connection${reason ? ` (${reason})` : ''}`,
      { code: 'AUTHENTICATION', sqlState: '08004', system: SYSTEM, queryId: context.queryId },
    )
  }
  const hint = messageId === 'SQL7008' ? SQL7008_HINT : ''
  return new Db2ServerError(`${text}${hint}`, {
    code: messageId ?? sqlState,
    sqlState,
    sqlCode,
    messageId,
    queryId: context.queryId,
    system: SYSTEM,
  })
}

/** SQLSTATE class 08 (connection exception): the job behind the socket is gone. */
export function isConnectionLost(error: unknown): boolean {
  if (error instanceof ConnectionError) return error.code !== 'AUTHENTICATION'
  return error instanceof ServerError && typeof error.sqlState === 'string' && error.sqlState.startsWith('08')
}

/** SQL0952 / 57014: the statement was ended by a cancel request. */
export function isCancelledByServer(error: unknown): boolean {
  return error instanceof ServerError && (error.sqlState === '57014' || error.code === 'SQL0952')
}

export function isAuthenticationFailure(error: unknown): boolean {
  return error instanceof ConnectionError && error.code === 'AUTHENTICATION'
}
