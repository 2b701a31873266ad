// One entry point for a QueryString: Athena sends DDL to its Hive engine and everything else to Trino.
// Anything that fails here is refused synchronously (400 InvalidRequestException, MALFORMED_QUERY).
import type { Statement } from './ast.ts'
import { type HiveStatement, isHiveStatement, parseHive } from './hive-parser.ts'
import { SqlSyntaxError } from './lexer.ts'
import { parseStatement } from './trino-parser.ts'

export type ParsedStatement =
  | { dialect: 'trino'; statement: Statement; parameterCount: number }
  | { dialect: 'hive'; statement: HiveStatement; parameterCount: number }

/** A refusal at start that is not a parse error (Athena's own wording, still MALFORMED_QUERY). */
export class StartRefusal extends Error {}

export function parseAthena(sql: string): ParsedStatement {
  const text = sql.trim().replace(/;\s*$/, '')
  if (text === '') throw new SqlSyntaxError("mismatched input '<EOF>'. Expecting: <statement>", 1, 1)
  if (isHiveStatement(text)) {
    const statement = parseHive(text)
    if (statement.kind === 'create-table' && statement.location === null) {
      const iceberg = (statement.properties.table_type ?? '').toUpperCase() === 'ICEBERG'
      if (!statement.external || iceberg)
        throw new StartRefusal('No location was specified for table. An S3 location must be specified')
    }
    return { dialect: 'hive', statement, parameterCount: countPlaceholders(text) }
  }
  const { statement, parameterCount } = parseStatement(text)
  return { dialect: 'trino', statement, parameterCount }
}

/** `?` outside strings, quoted names and comments (Hive statements take parameters textually too). */
function countPlaceholders(sql: string): number {
  let n = 0
  let i = 0
  while (i < sql.length) {
    const c = sql[i]!
    if (c === "'" || c === '"' || c === '`') {
      const close = sql.indexOf(c, i + 1)
      i = close < 0 ? sql.length : close + 1
      continue
    }
    if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i)
      i = nl < 0 ? sql.length : nl
      continue
    }
    if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2)
      i = close < 0 ? sql.length : close + 2
      continue
    }
    if (c === '?') n++
    i++
  }
  return n
}

export interface StatementKind {
  statementType: 'DML' | 'DDL' | 'UTILITY'
  /** Omitted where no real answer was recorded. */
  substatementType: string | null
  /** Which result files the statement leaves. */
  output: 'csv' | 'txt' | 'insert' | 'ctas' | 'update' | 'unload'
}

export function classify(
  p: ParsedStatement,
  prepared?: (name: string) => ParsedStatement | undefined,
): StatementKind {
  if (p.dialect === 'hive') {
    const s = p.statement
    switch (s.kind) {
      case 'create-table':
        return { statementType: 'DDL', substatementType: 'CREATE_TABLE', output: 'txt' }
      case 'drop-table':
        return { statementType: 'DDL', substatementType: 'DROP_TABLE', output: 'txt' }
      case 'create-database':
        return { statementType: 'DDL', substatementType: 'CREATE_DATABASE', output: 'txt' }
      case 'drop-database':
        return { statementType: 'DDL', substatementType: 'DROP_DATABASE', output: 'txt' }
      case 'add-columns':
        return {
          statementType: 'DDL',
          substatementType: s.replace ? null : 'ALTER_TABLE_ADD_COLUMN',
          output: 'txt',
        }
      case 'add-partitions':
      case 'drop-partitions':
      case 'set-properties':
      case 'set-location':
      case 'msck':
        return { statementType: 'DDL', substatementType: null, output: 'txt' }
      case 'show-tables':
        return { statementType: 'UTILITY', substatementType: 'SHOW_TABLES', output: 'txt' }
      case 'show-databases':
        return { statementType: 'UTILITY', substatementType: 'SHOW_DATABASES', output: 'txt' }
      case 'show-columns':
        return { statementType: 'UTILITY', substatementType: 'SHOW_COLUMNS', output: 'txt' }
      case 'show-create-table':
        return { statementType: 'UTILITY', substatementType: 'SHOW_CREATE_TABLE', output: 'txt' }
      case 'describe':
        return { statementType: 'UTILITY', substatementType: 'DESCRIBE_TABLE', output: 'txt' }
      default:
        return { statementType: 'UTILITY', substatementType: null, output: 'txt' }
    }
  }
  const s = p.statement
  switch (s.kind) {
    case 'query':
      return { statementType: 'DML', substatementType: 'SELECT', output: 'csv' }
    case 'insert':
      return { statementType: 'DML', substatementType: 'INSERT', output: 'insert' }
    case 'update':
      return { statementType: 'DML', substatementType: 'UPDATE', output: 'update' }
    case 'delete':
      return { statementType: 'DML', substatementType: 'DELETE', output: 'update' }
    case 'merge':
      return { statementType: 'DML', substatementType: 'MERGE', output: 'update' }
    case 'unload':
      return { statementType: 'DML', substatementType: null, output: 'unload' }
    case 'explain':
      return { statementType: 'DML', substatementType: 'EXPLAIN', output: 'csv' }
    case 'vacuum':
      return { statementType: 'DML', substatementType: 'VACUUM_TABLE', output: 'update' }
    case 'optimize':
      return { statementType: 'DDL', substatementType: 'CREATE_TABLE_AS_SELECT', output: 'update' }
    case 'ctas':
      return { statementType: 'DDL', substatementType: 'CREATE_TABLE_AS_SELECT', output: 'ctas' }
    case 'create-view':
      return { statementType: 'DDL', substatementType: 'CREATE_VIEW', output: 'txt' }
    case 'drop-view':
      return { statementType: 'DDL', substatementType: 'DROP_VIEW', output: 'txt' }
    case 'execute': {
      const inner = prepared?.(s.name.name.toLowerCase())
      return inner ? classify(inner) : { statementType: 'DML', substatementType: 'SELECT', output: 'csv' }
    }
    default:
      return { statementType: 'UTILITY', substatementType: null, output: 'txt' }
  }
}
