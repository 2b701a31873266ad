/**
 * The one classifier of Athena statements, read from the SQL text with core's
 * scanner. Athena sends a statement to one of two engines: Hive DDL (CREATE
 * TABLE, DROP TABLE, ALTER TABLE, SHOW, DESCRIBE, MSCK, databases) with
 * backquoted names and backslash escapes in strings, or Trino (everything
 * else). The client decides from this how values are written (Trino or Hive
 * quoting), whether `ExecutionParameters` may carry them, which result modes
 * apply, and whether a query is ordered (UNLOAD loses the order).
 */
import { leadingKeywords, type SqlLexicon, scanCode, skipLeadingTrivia } from '@tributary/core'

/** Trino's lexical rules as Athena takes them: `'…'` strings, `"…"` names (and Hive's `` `…` ``), `--` and `/* *\/` comments. */
export const ATHENA_SQL: SqlLexicon = {
  strings: ["'"],
  identifiers: ['"', '`'],
  backslashEscapes: false,
  lineComments: ['--'],
  nestedBlockComments: false,
}

/** Hive DDL: strings take backslash escapes. */
export const HIVE_SQL: SqlLexicon = { ...ATHENA_SQL, backslashEscapes: true }

export type Engine = 'trino' | 'hive'

export interface StatementKind {
  /** The first keyword, upper case. */
  keyword: string
  /** Which of Athena's parsers reads it, so which quoting its literals take. */
  engine: Engine
  /** A query whose result is rows of its own (SELECT, WITH, VALUES, TABLE): the modes csv and unload apply. */
  query: boolean
  /** `?` markers may be bound through `ExecutionParameters` (Athena's DML); elsewhere values are inlined. */
  executionParameters: boolean
  /** The query ends with an ORDER BY of its own (outside parentheses): UNLOAD would lose that order. */
  ordered: boolean
}

const QUERY = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE'])
const PARAMETERIZED = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE', 'INSERT', 'UPDATE', 'DELETE', 'MERGE'])
const HIVE_FIRST = new Set(['ALTER', 'SHOW', 'DESCRIBE', 'DESC', 'MSCK'])

export function classifyStatement(sql: string): StatementKind {
  const words = leadingKeywords(sql, ATHENA_SQL, 3)
  const keyword = words[0] ?? ''
  const query = QUERY.has(keyword)
  return {
    keyword,
    engine: isHive(sql, words) ? 'hive' : 'trino',
    query,
    executionParameters: PARAMETERIZED.has(keyword),
    ordered: query && hasTopLevel(sql, ['ORDER', 'BY']),
  }
}

function isHive(sql: string, words: string[]): boolean {
  const [first, second, third] = words
  if (first === undefined) return false
  if (HIVE_FIRST.has(first)) return first !== 'ALTER' || second === 'TABLE' || second === 'DATABASE'
  if (first === 'DROP') return second === 'TABLE' || second === 'DATABASE' || second === 'SCHEMA'
  if (first !== 'CREATE') return false
  if (second === 'DATABASE' || second === 'SCHEMA') return true
  if (second === 'EXTERNAL') return true
  // CREATE TABLE … AS SELECT (CTAS) is Trino's; a plain CREATE TABLE is Hive DDL.
  if (second === 'TABLE') return !isTableAsSelect(sql)
  return third === 'TABLE' && second !== 'OR' && !isTableAsSelect(sql)
}

/** `AS` followed by a query, outside parentheses (`STORED AS PARQUET` is not one). */
function isTableAsSelect(sql: string): boolean {
  const words = topLevelWords(sql)
  for (let i = 0; i < words.length - 1; i++) {
    if (words[i] === 'AS' && (QUERY.has(words[i + 1]!) || words[i + 1] === '(')) return true
  }
  return false
}

function hasTopLevel(sql: string, sequence: string[]): boolean {
  const words = topLevelWords(sql)
  outer: for (let i = 0; i + sequence.length <= words.length; i++) {
    for (let k = 0; k < sequence.length; k++) if (words[i + k] !== sequence[k]) continue outer
    return true
  }
  return false
}

/** The words of the statement's code at parenthesis depth 0, upper case; an opening parenthesis is `(`. */
function topLevelWords(sql: string): string[] {
  const words: string[] = []
  let depth = 0
  let word = ''
  const flush = () => {
    if (word !== '') words.push(word.toUpperCase())
    word = ''
  }
  const start = skipLeadingTrivia(sql, ATHENA_SQL)
  scanCode(sql.slice(start), ATHENA_SQL, (i) => {
    const c = sql[start + i]!
    if (/[A-Za-z0-9_]/.test(c)) {
      if (depth === 0) word += c
      return undefined
    }
    flush()
    if (c === '(') {
      if (depth === 0) words.push('(')
      depth++
    } else if (c === ')') depth = Math.max(0, depth - 1)
    return undefined
  })
  flush()
  return words
}
