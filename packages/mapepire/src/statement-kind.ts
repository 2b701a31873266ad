/**
 * The one classifier of Db2 for i statements, read from the SQL text with
 * core's scanner (strings, quoted identifiers and comments are never taken
 * for code). It decides:
 * - whether a statement needs the job's own state (`jobState`): special
 *   registers (SET SCHEMA, SET PATH, SET CURRENT …, any SET), declared
 *   temporary tables and anything in QTEMP or SESSION, LOCK TABLE, CL through
 *   QCMDEXC (ADDLIBLE, ALCOBJ, …), CONNECT/DISCONNECT. Such a statement never
 *   runs on a shared job: its lease pins a job of its own first;
 * - whether its prepared statement may be reused: writes, and queries that only read (their
 *   result is then read from one reply; see statement.ts);
 * - whether it is transaction control, which autocommit jobs refuse.
 */
import { firstKeyword, leadingKeywords, type SqlLexicon, skipComment, skipQuoted } from '@tributary/core'

/** Db2 for i: `'…'` strings (also X'…', G'…', N'…'), `"…"` identifiers, `--` and `/* … *\/` comments. */
export const DB2_SQL: SqlLexicon = {
  strings: ["'"],
  identifiers: ['"'],
  backslashEscapes: false,
  lineComments: ['--'],
  nestedBlockComments: false,
}

export interface StatementKind {
  /** The first keyword, upper case (`SELECT`, `WITH`, `INSERT`, `SET`, …). */
  keyword: string
  /** Why the statement needs a job of its own (e.g. `SET SCHEMA`, `QTEMP`), or undefined. */
  jobState: string | undefined
  /**
   * INSERT, UPDATE, DELETE, MERGE, and SELECT, VALUES or WITH that change nothing (no data-change
   * statement inside, no FOR UPDATE): a prepared statement can be executed again. A query that
   * changes data is never run twice.
   */
  reusable: boolean
  /** COMMIT, ROLLBACK, SAVEPOINT, RELEASE SAVEPOINT. */
  transactionControl: boolean
}

const REUSABLE = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE'])
const QUERIES = new Set(['SELECT', 'VALUES', 'WITH'])
const CHANGES = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'CALL', 'TRUNCATE'])
const STATEFUL_SCHEMAS = new Set(['QTEMP', 'SESSION'])
const QCMDEXC = /^(?:(?:QSYS2|QSYS)\.)?QCMDEXC$/

export function classifyStatement(sql: string): StatementKind {
  const keyword = firstKeyword(sql, DB2_SQL)
  let jobState: string | undefined
  let transactionControl = false
  switch (keyword) {
    case 'SET': {
      const words = leadingKeywords(sql, DB2_SQL, 3)
      jobState = words.slice(0, words[1] === 'CURRENT' ? 3 : 2).join(' ')
      break
    }
    case 'DECLARE':
      jobState = 'DECLARE GLOBAL TEMPORARY TABLE'
      break
    case 'LOCK':
      jobState = 'LOCK TABLE'
      break
    case 'CONNECT':
    case 'DISCONNECT':
      jobState = keyword
      break
    case 'COMMIT':
    case 'ROLLBACK':
    case 'SAVEPOINT':
      transactionControl = true
      break
    case 'RELEASE': {
      const words = leadingKeywords(sql, DB2_SQL, 2)
      if (words[1] === 'SAVEPOINT' || words[1] === 'TO') transactionControl = true
      else jobState = 'RELEASE'
      break
    }
    case 'CALL': {
      const name = calledProcedure(sql)
      if (name && QCMDEXC.test(name)) jobState = 'a CL command (QCMDEXC)'
      break
    }
  }
  jobState ??= statefulReference(sql)
  const reusable =
    (REUSABLE.has(keyword) || (QUERIES.has(keyword) && readsOnly(sql))) && jobState === undefined
  return { keyword, jobState, reusable, transactionControl }
}

/** A query with no data-change statement in it (FINAL TABLE (INSERT …)) and no FOR UPDATE. */
function readsOnly(sql: string): boolean {
  if (!/INSERT|UPDATE|DELETE|MERGE|CALL|TRUNCATE/i.test(sql)) return true
  return !codeWords(sql).some((word) => !word.quoted && CHANGES.has(word.text))
}

interface Word {
  text: string
  quoted: boolean
  /** Index just past the word. */
  end: number
}

/** The words of the statement's code, identifiers unquoted, in order. */
export function codeWords(sql: string): Word[] {
  const words: Word[] = []
  const n = sql.length
  let i = 0
  while (i < n) {
    const c = sql[i]!
    if (c === "'") {
      i = skipQuoted(sql, i, DB2_SQL)
      continue
    }
    if (c === '"') {
      const end = skipQuoted(sql, i, DB2_SQL)
      words.push({ text: sql.slice(i + 1, end - 1).replace(/""/g, '"'), quoted: true, end })
      i = end
      continue
    }
    const afterComment = skipComment(sql, i, DB2_SQL)
    if (afterComment !== i) {
      i = afterComment
      continue
    }
    if (isWordStart(sql.charCodeAt(i))) {
      let end = i + 1
      while (end < n && isWordPart(sql.charCodeAt(end))) end++
      words.push({ text: sql.slice(i, end).toUpperCase(), quoted: false, end })
      i = end
      continue
    }
    i++
  }
  return words
}

/** `QTEMP.T`, `QTEMP/T`, `SESSION.T`: a table only this job sees. */
function statefulReference(sql: string): string | undefined {
  if (!/QTEMP|SESSION/i.test(sql)) return undefined
  for (const word of codeWords(sql)) {
    if (!STATEFUL_SCHEMAS.has(word.quoted ? word.text : word.text.toUpperCase())) continue
    const next = nextSignificant(sql, word.end)
    if (next === '.' || next === '/') return word.text.toUpperCase()
  }
  return undefined
}

function calledProcedure(sql: string): string | undefined {
  const words = codeWords(sql)
  if (words[0]?.text !== 'CALL' || !words[1]) return undefined
  const first = words[1]
  if (nextSignificant(sql, first.end) === '.' && words[2])
    return `${first.text}.${words[2].text}`.toUpperCase()
  return first.text.toUpperCase()
}

function nextSignificant(sql: string, from: number): string | undefined {
  let i = from
  while (i < sql.length && /\s/.test(sql[i]!)) i++
  return sql[i]
}

function isWordStart(code: number): boolean {
  return (
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    code === 95 ||
    code === 35 ||
    code === 36 ||
    code === 64
  )
}

function isWordPart(code: number): boolean {
  return isWordStart(code) || (code >= 48 && code <= 57)
}
