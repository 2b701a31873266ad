/**
 * The one classifier of ClickHouse statements. The client (result handling,
 * streams on old servers), the HTTP transport (replay on a stale socket), the
 * embedded transport (streaming API or not) and the mutation wait all decide
 * from this, so they cannot disagree.
 */
import { firstKeyword, type SqlLexicon, skipLeadingTrivia } from '@tributary/core'

/** ClickHouse's lexical rules: `'…'` strings, `"…"` and `` `…` `` identifiers with backslash escapes, `--`/`#` comments, nested block comments. */
export const CLICKHOUSE_SQL: SqlLexicon = {
  strings: ["'"],
  identifiers: ['"', '`'],
  backslashEscapes: true,
  lineComments: ['--', '#'],
  nestedBlockComments: true,
}

export interface StatementKind {
  /** The first keyword, upper case. */
  keyword: string
  /** The answer carries rows to decode. */
  returnsRows: boolean
  /** A SELECT (or WITH … SELECT): its result can be streamed, DESCRIBE can wrap it. */
  query: boolean
  /** Reads only, so sending it twice changes nothing (replay after a stale socket). */
  readOnly: boolean
}

const QUERY = new Set(['SELECT', 'WITH'])
const READ_ONLY = new Set(['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXISTS', 'EXPLAIN'])

export function classifyStatement(sql: string): StatementKind {
  const keyword = firstKeyword(sql, CLICKHOUSE_SQL)
  const readOnly = READ_ONLY.has(keyword)
  return { keyword, returnsRows: readOnly, query: QUERY.has(keyword), readOnly }
}

const IDENT = String.raw`(?:\`(?:[^\`\\]|\\.)*\`|"(?:[^"\\]|\\.)*"|[A-Za-z_][\w]*)`
const MUTATION = new RegExp(
  String.raw`^ALTER\s+TABLE\s+(${IDENT}(?:\.${IDENT})?)\s+(?:ON\s+CLUSTER\s+\S+\s+)?(?:UPDATE|DELETE)\b`,
  'i',
)

/** The table an `ALTER TABLE … UPDATE/DELETE` mutation changes, as written; undefined for other statements. */
export function mutationTarget(sql: string): string | undefined {
  const start = skipLeadingTrivia(sql, CLICKHOUSE_SQL)
  return MUTATION.exec(sql.slice(start))?.[1]
}
