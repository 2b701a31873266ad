// DuckDB's errors in Athena's words: the Trino error name, Trino's message and the position of the
// offending name in the statement.
import { CATEGORY_SYSTEM, QueryFailure } from '../failure.ts'
import { tokenize } from '../sql/lexer.ts'

function positionOf(sql: string, name: string): string {
  try {
    const wanted = name.toLowerCase()
    for (const t of tokenize(sql)) {
      if ((t.kind === 'ident' || t.kind === 'quoted') && t.value.toLowerCase() === wanted)
        return `line ${t.line}:${t.column}: `
    }
  } catch {
    // no position
  }
  return 'line 1:1: '
}

const DUCK_TYPES: Record<string, string> = {
  INT32: 'integer',
  INTEGER: 'integer',
  INT64: 'bigint',
  BIGINT: 'bigint',
  INT16: 'smallint',
  SMALLINT: 'smallint',
  INT8: 'tinyint',
  TINYINT: 'tinyint',
  DOUBLE: 'double',
  FLOAT: 'real',
  VARCHAR: 'varchar',
  BOOLEAN: 'boolean',
  DATE: 'date',
  TIMESTAMP: 'timestamp(3)',
  BLOB: 'varbinary',
}

const trinoType = (t: string) => DUCK_TYPES[t.toUpperCase()] ?? t.toLowerCase()

type Rule = [RegExp, (m: RegExpExecArray, sql: string) => QueryFailure]

const RULES: Rule[] = [
  // the translation's own failures travel as failing casts of 'NAME: message'
  [
    /Could not convert string '(DIVISION_BY_ZERO|INVALID_FUNCTION_ARGUMENT|NUMERIC_VALUE_OUT_OF_RANGE): ([^']*)'/,
    (m) => new QueryFailure(m[1]!, m[2]!),
  ],
  [
    /(DIVISION_BY_ZERO|INVALID_FUNCTION_ARGUMENT|NUMERIC_VALUE_OUT_OF_RANGE|INVALID_CAST_ARGUMENT|GENERIC_USER_ERROR): (.*)$/,
    (m) => new QueryFailure(m[1]!, m[2]!),
  ],
  [
    /(?:Referenced column|Referenced table) "([^"]+)" not found|does not have a column named "([^"]+)"|Column "([^"]+)" referenced that exists in the SELECT clause/,
    (m, sql) => columnNotFound(m[1] ?? m[2] ?? m[3]!, sql),
  ],
  [
    /Ambiguous reference to column name "([^"]+)"/,
    (m, sql) => new QueryFailure('AMBIGUOUS_NAME', `${positionOf(sql, m[1]!)}Column '${m[1]}' is ambiguous`),
  ],
  [
    /column "([^"]+)" must appear in the GROUP BY clause/,
    (m, sql) =>
      new QueryFailure(
        'EXPRESSION_NOT_AGGREGATE',
        `${positionOf(sql, m[1]!)}'${m[1]}' must be an aggregate expression or appear in GROUP BY clause`,
      ),
  ],
  [
    /Cannot compare values of type (\w+) and type (\w+)/,
    (m) =>
      new QueryFailure(
        'TYPE_MISMATCH',
        `line 1:1: Cannot apply operator: ${trinoType(m[1]!)} = ${trinoType(m[2]!)}`,
      ),
  ],
  [
    /No function matches the given name and argument types '([a-z_0-9]+)\((.*)\)'/,
    (m, sql) =>
      new QueryFailure(
        'FUNCTION_NOT_FOUND',
        `${positionOf(sql, m[1]!)}Unexpected parameters (${m[2]!.split(', ').map(trinoType).join(', ')}) for function ${m[1]}`,
      ),
  ],
  [
    /Could not convert string '(.*)' to (\w+)/,
    (m) => new QueryFailure('INVALID_CAST_ARGUMENT', `Cannot cast '${m[1]}' to ${m[2]!.replace(/\d+$/, '')}`),
  ],
  [/^Conversion Error: (.*)/, (m) => new QueryFailure('INVALID_CAST_ARGUMENT', m[1]!)],
  [
    /^Out of Range Error: (.*)|(.*(?:out of range|Overflow).*)/i,
    (m) => new QueryFailure('NUMERIC_VALUE_OUT_OF_RANGE', m[1] ?? m[2]!),
  ],
  [
    /More than one row returned by a subquery/,
    () => new QueryFailure('SUBQUERY_MULTIPLE_ROWS', 'Scalar sub-query has returned multiple rows'),
  ],
  [/^Invalid Input Error: (.*)/, (m) => new QueryFailure('INVALID_FUNCTION_ARGUMENT', m[1]!)],
  [/^Binder Error: (.*)/, (m) => new QueryFailure('TYPE_MISMATCH', `line 1:1: ${m[1]}`)],
  [/^Interrupt/, () => new QueryFailure('USER_CANCELED', 'Query was canceled')],
  // A table dropped while a query that had already found it in the catalog was being planned.
  [
    /^Catalog Error: Table with name (\S+) does not exist/,
    (m) => new QueryFailure('TABLE_NOT_FOUND', `line 1:1: Table '${m[1]}' does not exist`),
  ],
]

function columnNotFound(name: string, sql: string): QueryFailure {
  return new QueryFailure('COLUMN_NOT_FOUND', `${positionOf(sql, name)}Column '${name}' cannot be resolved`)
}

/** Maps an error DuckDB raised while running `sql` to the failure Athena reports. */
export function failureFromDuck(err: unknown, sql: string): QueryFailure {
  if (err instanceof QueryFailure) return err
  const message = err instanceof Error ? err.message : String(err)
  const first = message.split('\n')[0]!
  for (const [re, build] of RULES) {
    const m = re.exec(first)
    if (m) return build(m, sql)
  }
  return new QueryFailure('GENERIC_INTERNAL_ERROR', first, { category: CATEGORY_SYSTEM, errorType: 200 })
}
