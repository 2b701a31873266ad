/** Light lexical inspection of a statement: what kind it is, its FORMAT clause, INSERT targets, KILL QUERY. */

/** Statements that change data or schema; a GET (readonly=2 on a real server) must refuse them. */
const WRITE_KEYWORDS = new Set([
  'INSERT',
  'CREATE',
  'DROP',
  'ALTER',
  'TRUNCATE',
  'RENAME',
  'OPTIMIZE',
  'ATTACH',
  'DETACH',
  'DELETE',
  'UPDATE',
  'GRANT',
  'REVOKE',
  'KILL',
  'SYSTEM',
  'BACKUP',
  'RESTORE',
  'EXCHANGE',
  'UNDROP',
  'MOVE',
  'REPLACE',
  'UPSERT',
])

/** Strips leading whitespace, `--`/`#` line comments and block comments. */
function stripLeadingComments(sql: string): string {
  let rest = sql
  for (;;) {
    const trimmed = rest.replace(/^\s+/, '')
    if (trimmed.startsWith('--') || trimmed.startsWith('#')) {
      const end = trimmed.indexOf('\n')
      rest = end < 0 ? '' : trimmed.slice(end + 1)
    } else if (trimmed.startsWith('/*')) {
      const end = trimmed.indexOf('*/')
      rest = end < 0 ? '' : trimmed.slice(end + 2)
    } else {
      return trimmed
    }
  }
}

export function firstKeyword(sql: string): string {
  const match = /^\(*\s*([A-Za-z]+)/.exec(stripLeadingComments(sql))
  return match ? match[1].toUpperCase() : ''
}

/** True unless the statement starts with a writing keyword (unparseable text is left to the engine). */
export function isReadOnlyStatement(sql: string): boolean {
  return !WRITE_KEYWORDS.has(firstKeyword(sql))
}

/** The output format named by a trailing `FORMAT X` clause, if any. */
export function trailingFormat(sql: string): string | undefined {
  const match = /\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$/i.exec(sql)
  return match ? match[1] : undefined
}

export interface InsertWithData {
  /** Table as written (may be db-qualified, may be quoted). */
  table: string
  columns: string[] | undefined
  format: string
  /** The statement text up to and including the format name. */
  statement: string
}

const INSERT_PATTERN =
  /^\s*INSERT\s+INTO\s+(?:TABLE\s+)?((?:`[^`]+`|"[^"]+"|[A-Za-z0-9_]+)(?:\.(?:`[^`]+`|"[^"]+"|[A-Za-z0-9_]+))?)\s*(\(([^)]*)\))?\s*(?:SETTINGS\s+[\s\S]*?\s+)?FORMAT\s+([A-Za-z0-9_]+)/i

/**
 * Recognises `INSERT INTO t [(cols)] FORMAT X` at the start of `text`. Returns the parsed parts and the
 * offset where the inline data starts (after the format name and one optional line break / spaces).
 */
export function parseInsertWithData(
  text: string,
): { insert: InsertWithData; dataOffset: number } | undefined {
  const match = INSERT_PATTERN.exec(text)
  if (!match) return undefined
  let offset = match[0].length
  // The data begins after the whitespace that ends the statement (up to one line break).
  while (offset < text.length && (text[offset] === ' ' || text[offset] === '\t')) offset++
  if (text[offset] === '\r') offset++
  if (text[offset] === '\n') offset++
  const columns = match[3]
    ?.split(',')
    .map((column) => column.trim())
    .filter((column) => column.length > 0)
  return {
    insert: { table: match[1], columns, format: match[4], statement: match[0] },
    dataOffset: offset,
  }
}

export interface KillQueryStatement {
  queryIds: string[]
  mode: 'SYNC' | 'ASYNC' | 'TEST'
  format: string | undefined
}

function unquote(literal: string): string {
  return literal.slice(1, -1).replace(/\\(.)/g, (_all, ch: string) => {
    switch (ch) {
      case 'n':
        return '\n'
      case 't':
        return '\t'
      case 'r':
        return '\r'
      case '0':
        return '\0'
      default:
        return ch
    }
  })
}

const STRING_LITERAL = String.raw`'(?:[^'\\]|\\.|'')*'`
const KILL_PATTERN = new RegExp(
  String.raw`^\s*KILL\s+QUERY\s+(?:ON\s+CLUSTER\s+\S+\s+)?WHERE\s+query_id\s*(?:=\s*(${STRING_LITERAL})|IN\s*\(\s*((?:${STRING_LITERAL}\s*,?\s*)+)\))\s*(SYNC|ASYNC|TEST)?\s*(?:FORMAT\s+([A-Za-z0-9_]+))?\s*;?\s*$`,
  'i',
)

/** Recognises `KILL QUERY WHERE query_id = '…' | IN ('…', …) [SYNC|ASYNC|TEST] [FORMAT X]`. */
export function parseKillQuery(sql: string): KillQueryStatement | undefined {
  const match = KILL_PATTERN.exec(sql)
  if (!match) return undefined
  const literals =
    match[1] !== undefined ? [match[1]] : (match[2].match(new RegExp(STRING_LITERAL, 'g')) ?? [])
  return {
    queryIds: literals.map(unquote),
    mode: ((match[3] ?? 'ASYNC').toUpperCase() as KillQueryStatement['mode']) ?? 'ASYNC',
    format: match[4],
  }
}

/** True for KILL QUERY statements this endpoint cannot map onto its own query registry. */
export function isKillQuery(sql: string): boolean {
  return /^\s*KILL\s+QUERY\b/i.test(sql)
}

/** A SQL string literal for any JS string (ClickHouse escaping). */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

/** Content-Type a modern server sends for an output format. */
export function contentTypeFor(format: string): string {
  const name = format.toLowerCase()
  if (name.startsWith('tabseparated') || name.startsWith('tsv'))
    return 'text/tab-separated-values; charset=UTF-8'
  if (name.startsWith('csv')) {
    return `text/csv; charset=UTF-8; header=${name.includes('withnames') ? 'present' : 'absent'}`
  }
  if (name.endsWith('eachrow') || name.includes('eachrowwith') || name === 'ndjson' || name === 'jsonlines') {
    return 'application/x-ndjson; charset=UTF-8'
  }
  if (name.startsWith('json')) return 'application/json; charset=UTF-8'
  if (name === 'xml') return 'application/xml; charset=UTF-8'
  if (
    name.startsWith('rowbinary') ||
    name === 'native' ||
    name.startsWith('parquet') ||
    name.startsWith('arrow') ||
    name === 'orc' ||
    name === 'avro' ||
    name === 'msgpack' ||
    name === 'protobuf'
  ) {
    return 'application/octet-stream'
  }
  return 'text/plain; charset=UTF-8'
}
