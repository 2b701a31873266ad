/**
 * Db2 for i errors as the Mapepire server reports them. Two families exist on the wire:
 * SQL errors (a java.sql.SQLException there: `sql_state` and `sql_rc` follow `success`) and
 * request errors (any other exception: no `sql_state`/`sql_rc` keys at all).
 */

export class SqlError extends Error {
  readonly sqlState: string | null
  readonly sqlCode: number

  constructor(message: string, sqlState: string | null, sqlCode: number) {
    super(message)
    this.sqlState = sqlState
    this.sqlCode = sqlCode
  }
}

/** A failure that is not an SQLException on the real server (bad request, JSON shape, …). */
export class RequestError extends Error {}

/** `[SQLnnnn] text` with the code's SQLSTATE and SQLCODE. */
export function db2Error(code: number, text: string, sqlState: string): SqlError {
  return new SqlError(`[SQL${String(Math.abs(code)).padStart(4, '0')}] ${text}`, sqlState, code)
}

export const tokenNotValid = (token: string, valid = '<END-OF-STATEMENT>'): SqlError =>
  db2Error(-104, `Token ${token} was not valid. Valid tokens: ${valid}.`, '42601')

/** The JDBC driver's own (client-side) errors: SQLCODE -99999 and the driver's SQLSTATE. */
export const jdbcErrors = {
  emptyStatement: () =>
    new SqlError('A string parameter value with zero length was detected.', '43617', -99999),
  parameterCountMismatch: () =>
    new SqlError(
      'The number of parameter values set or registered does not match the number of parameters.',
      '07001',
      -99999,
    ),
  descriptorIndex: (index: number, count: number) =>
    new SqlError(`Descriptor index not valid. (${index}>${count})`, '07009', -99999),
  dataTypeMismatch: () => new SqlError('Data type mismatch.', '07006', -99999),
  resultSetClosed: () => new SqlError('Cursor state not valid.', '24000', -99999),
  notConnected: () => new SqlError('Not connected', null, 0),
}

export interface PgErrorLike {
  code?: string
  message: string
  detail?: string
  hint?: string
  table?: string
  schema?: string
  column?: string
  constraint?: string
  where?: string
}

export interface ErrorContext {
  /** The schema unqualified names resolve to, as Db2 spells it in messages (`*LIBL` under system naming). */
  defaultSchema: string
  /** Maps a PostgreSQL identifier back to its Db2 spelling. */
  db2Name: (pgName: string) => string
}

/** Translates a PostgreSQL error into the Db2 for i error a real server would report. */
export function fromPostgres(error: PgErrorLike, context: ErrorContext): SqlError {
  const name = context.db2Name
  const msg = error.message
  // SIGNAL inside an SQL procedure: the SQLSTATE is the error code, marked by the hint.
  if (error.hint === 'db2-signal') return db2Error(-438, msg, error.code ?? '38000')
  switch (error.code) {
    case 'P0001':
      return db2Error(-438, msg, '38000')
    case '42P01': {
      const { schema, object } = relationName(msg, context)
      return db2Error(-204, `${object} in ${schema} type *FILE not found.`, '42704')
    }
    case '3F000': {
      const m = /schema "([^"]+)" does not exist/.exec(msg)
      return db2Error(-204, `${name(m?.[1] ?? '?')} in QSYS type *LIB not found.`, '42704')
    }
    case '42883': {
      const op = /operator does not exist: (.+)/.exec(msg)
      if (op)
        return db2Error(-401, 'Comparison operator or arithmetic operator operands not compatible.', '42818')
      const fn = /function ([^(\s]+)\(/.exec(msg)
      const fnName = (fn?.[1] ?? 'FUNCTION').split('.').map((part) => name(part.replace(/"/g, '')))
      const object = fnName[fnName.length - 1]
      const schema = fnName.length > 1 ? fnName[0] : '*LIBL'
      return db2Error(-204, `${object} in ${schema} type *N not found.`, '42704')
    }
    case '42703': {
      const m = /column "?([^"\s]+)"? (?:of relation "[^"]+" )?does not exist/.exec(msg)
      const column = (m?.[1] ?? '?').split('.').pop()!
      return db2Error(-206, `Column or global variable ${name(column)} not found.`, '42703')
    }
    case '42702': {
      const m = /column reference "([^"]+)" is ambiguous/.exec(msg)
      return db2Error(-203, `Column or global variable ${name(m?.[1] ?? '?')} ambiguous.`, '42702')
    }
    case '23505':
      return db2Error(-803, 'Duplicate key value specified.', '23505')
    case '23502': {
      const column = error.column ?? /column "([^"]+)"/.exec(msg)?.[1] ?? '?'
      return db2Error(-407, `Null values not allowed in column or variable ${name(column)}.`, '23502')
    }
    case '23503': {
      const constraint = name(error.constraint ?? '?')
      const schema = error.schema ? name(error.schema) : context.defaultSchema
      if (/update or delete on table/.test(msg)) {
        return db2Error(
          -532,
          `Delete prevented by referential constraint ${constraint} in ${schema}.`,
          '23504',
        )
      }
      return db2Error(
        -530,
        `Operation not allowed by referential constraint ${constraint} in ${schema}.`,
        '23503',
      )
    }
    case '23514': {
      const constraint = name(error.constraint ?? '?')
      const schema = error.schema ? name(error.schema) : context.defaultSchema
      return db2Error(
        -545,
        `INSERT or UPDATE not allowed by CHECK constraint ${constraint} in ${schema}.`,
        '23513',
      )
    }
    case '42601': {
      if (/at end of input/.test(msg)) return tokenNotValid('<END-OF-STATEMENT>', '')
      const m = /at or near "((?:[^"]|"")*)"$/.exec(msg) ?? /at or near "([^"]*)"/.exec(msg)
      const token = (m?.[1] ?? '?').replace(/""/g, '"')
      return tokenNotValid(/^[a-z_][a-z0-9_]*$/.test(token) ? token.toUpperCase() : token)
    }
    case '42P07': {
      const m = /relation "([^"]+)" already exists/.exec(msg)
      return db2Error(
        -601,
        `${name(m?.[1] ?? '?')} in ${context.defaultSchema} type *FILE already exists.`,
        '42710',
      )
    }
    case '42P06': {
      const m = /schema "([^"]+)" already exists/.exec(msg)
      return db2Error(-601, `${name(m?.[1] ?? '?')} in QSYS type *LIB already exists.`, '42710')
    }
    case '42723': {
      const m = /function "?([^"(]+)"?/.exec(msg)
      return db2Error(
        -454,
        `Routine ${name(m?.[1] ?? '?')} in ${context.defaultSchema} already exists.`,
        '42723',
      )
    }
    case '22001':
      return db2Error(
        -404,
        `Value for column or variable ${error.column ? name(error.column) : '*N'} too long.`,
        '22001',
      )
    case '22003':
      return db2Error(-406, 'Conversion error on assignment to column or variable *N.', '22003')
    case '22012':
      return db2Error(-802, 'Data conversion or data mapping error.', '22012')
    case '22P02':
      return db2Error(-420, 'Character in CAST argument not valid.', '22018')
    case '22007':
    case '22008':
      return db2Error(-181, 'Value in date, time, or timestamp string not valid.', '22007')
    case '42804':
    case '42846':
      return db2Error(-408, 'Value for column or variable *N not compatible.', '42821')
    case '42501':
      return db2Error(-551, 'Not authorized to object *N in *N type *FILE.', '42501')
    case '42P18':
    case '42P08':
      return db2Error(-418, 'Use of parameter marker, NULL, or UNKNOWN not valid.', '42610')
    case '57014':
      return db2Error(-952, 'Processing of the SQL statement ended.  Reason code 10.', '57014')
    case '40001':
    case '40P01':
    case '55P03':
      return db2Error(-913, 'Row or object *N in *N type *FILE in use.', '57033')
    case '25P02':
      return db2Error(-901, 'SQL system error.', '58004')
    case '2BP01':
      return db2Error(
        -478,
        'DROP, ALTER, TRANSFER OWNERSHIP or REVOKE on object type *FILE not allowed.',
        '42893',
      )
    case '3B001':
      return db2Error(-880, 'Savepoint does not exist or is invalid in this context.', '3B001')
    case '0A000':
      return db2Error(-84, 'SQL statement not allowed.', '42612')
    case '21000':
      return db2Error(-811, 'Result of SELECT INTO or subquery more than one row.', '21000')
    case '42P10':
    case '42803':
      return db2Error(-122, 'Column or expression in SELECT list not valid.', '42803')
    case '42809':
      return db2Error(-156, `${context.defaultSchema} not a table.`, '42809')
    case '2201X':
    case '2201W':
      return db2Error(-802, 'Data conversion or data mapping error.', '22003')
    default:
      // Nothing maps: keep PostgreSQL's text so the failure stays diagnosable.
      return db2Error(-901, `SQL system error. ${msg}`, '58004')
  }
}

function relationName(msg: string, context: ErrorContext): { schema: string; object: string } {
  const m = /relation "([^"]+)" does not exist/.exec(msg)
  const full = m?.[1] ?? '?'
  const dot = full.lastIndexOf('.')
  if (dot < 0) return { schema: context.defaultSchema, object: context.db2Name(full) }
  return { schema: context.db2Name(full.slice(0, dot)), object: context.db2Name(full.slice(dot + 1)) }
}
