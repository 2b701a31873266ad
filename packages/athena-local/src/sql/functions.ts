// The Trino → DuckDB function translation table. Every function athena-local accepts is here, each with
// the DuckDB form it runs as; a call to any other name fails FUNCTION_NOT_FOUND before reaching DuckDB.
// docs/athena-local.md lists the same table, and the golden corpus has an entry for every name.

import { QueryFailure } from '../failure.ts'
import type { Expr, SqlType } from './ast.ts'
import {
  BIGINT,
  BOOLEAN,
  DATE,
  DOUBLE,
  duckString,
  INTEGER,
  JSON_TYPE,
  simple,
  timestamp,
  typeToString,
  VARBINARY,
  VARCHAR,
} from './types.ts'

export interface Arg {
  sql: string
  type: SqlType | null
  node: Expr
  /** For lambda arguments: parameter names and translated body. */
  lambda?: { params: string[]; body: string }
}

export interface CallContext {
  distinct: boolean
  /** Translated `ORDER BY` inside an aggregate call, or ''. */
  orderBy: string
  pos: { line: number; column: number }
  name: string
}

export interface FunctionRule {
  kind: 'scalar' | 'aggregate' | 'window'
  /** DuckDB SQL for the call. */
  emit: (args: Arg[], ctx: CallContext) => string
  /** Athena result type where it can be told from the arguments. */
  type?: (args: Arg[]) => SqlType | null
  /** Allowed argument counts. */
  arity?: number[]
  /** One line for the docs table: how it is translated. */
  doc: string
}

const list = (args: Arg[]) => args.map((a) => a.sql).join(', ')
const firstType = (args: Arg[]) => args[0]?.type ?? null

function same(name: string, type?: (args: Arg[]) => SqlType | null, arity?: number[]): FunctionRule {
  return { kind: 'scalar', emit: (args) => `${name}(${list(args)})`, type, arity, doc: `\`${name}\`` }
}

function renamed(duck: string, type?: (args: Arg[]) => SqlType | null, arity?: number[]): FunctionRule {
  return { kind: 'scalar', emit: (args) => `${duck}(${list(args)})`, type, arity, doc: `\`${duck}\`` }
}

function aggregate(
  duck: string,
  type?: (args: Arg[]) => SqlType | null,
  arity?: number[],
  doc?: string,
): FunctionRule {
  return {
    kind: 'aggregate',
    emit: (args, ctx) => `${duck}(${ctx.distinct ? 'DISTINCT ' : ''}${list(args)}${ctx.orderBy})`,
    type,
    arity,
    doc: doc ?? `\`${duck}\``,
  }
}

function windowFn(duck: string, type?: (args: Arg[]) => SqlType | null): FunctionRule {
  return { kind: 'window', emit: (args) => `${duck}(${list(args)})`, type, doc: `\`${duck}\`` }
}

const elementType = (args: Arg[]): SqlType | null => {
  const t = args[0]?.type
  return t?.kind === 'array' ? t.element : null
}

const lambdaOf = (arg: Arg | undefined, ctx: CallContext): { params: string[]; body: string } => {
  if (!arg?.lambda) {
    throw new QueryFailure(
      'TYPE_MISMATCH',
      `line ${ctx.pos.line}:${ctx.pos.column}: Unexpected parameters for function ${ctx.name}`,
    )
  }
  return arg.lambda
}

const duckLambda = (l: { params: string[]; body: string }) =>
  `lambda ${l.params.map((p) => `"${p}"`).join(', ')}: ${l.body}`

/** Trino returns NULL when any argument is NULL; DuckDB's greatest/least skip NULLs. */
function nullIfAnyNull(args: Arg[], inner: string): string {
  return `CASE WHEN ${args.map((a) => `(${a.sql}) IS NULL`).join(' OR ')} THEN NULL ELSE ${inner} END`
}

/** MySQL date_format specifiers → strftime. */
export function mysqlFormatToStrftime(format: string): string {
  const map: Record<string, string> = {
    a: '%a',
    b: '%b',
    c: '%-m',
    d: '%d',
    e: '%-d',
    f: '%f',
    H: '%H',
    h: '%I',
    I: '%I',
    i: '%M',
    j: '%j',
    k: '%-H',
    l: '%-I',
    M: '%B',
    m: '%m',
    p: '%p',
    r: '%I:%M:%S %p',
    S: '%S',
    s: '%S',
    T: '%H:%M:%S',
    W: '%A',
    w: '%w',
    Y: '%Y',
    y: '%y',
    '%': '%%',
  }
  let out = ''
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!
    if (c === '%' && i + 1 < format.length) {
      const spec = format[++i]!
      const mapped = map[spec]
      if (mapped === undefined)
        throw new QueryFailure('NOT_SUPPORTED', `date_format specifier %${spec} is not supported`)
      out += mapped
    } else {
      out += c === '%' ? '%%' : c
    }
  }
  return out
}

/** Joda-Time patterns (format_datetime / parse_datetime) → strftime. */
export function jodaFormatToStrftime(format: string): string {
  let out = ''
  let i = 0
  while (i < format.length) {
    const c = format[i]!
    if (c === "'") {
      const close = format.indexOf("'", i + 1)
      const lit = format.slice(i + 1, close < 0 ? format.length : close)
      out += lit === '' ? "'" : lit.replaceAll('%', '%%')
      i = close < 0 ? format.length : close + 1
      continue
    }
    if (!/[A-Za-z]/.test(c)) {
      out += c === '%' ? '%%' : c
      i++
      continue
    }
    let j = i
    while (j < format.length && format[j] === c) j++
    const n = j - i
    const table: Record<string, string | undefined> = {
      y: n === 2 ? '%y' : '%Y',
      Y: n === 2 ? '%y' : '%Y',
      M: n >= 4 ? '%B' : n === 3 ? '%b' : n === 2 ? '%m' : '%-m',
      d: n === 2 ? '%d' : '%-d',
      H: n === 2 ? '%H' : '%-H',
      h: n === 2 ? '%I' : '%-I',
      m: n === 2 ? '%M' : '%-M',
      s: n === 2 ? '%S' : '%-S',
      S: n === 3 ? '%g' : n === 6 ? '%f' : undefined,
      a: '%p',
      E: n >= 4 ? '%A' : '%a',
      D: '%j',
      Z: '%z',
      z: '%Z',
    }
    const mapped = table[c]
    if (mapped === undefined)
      throw new QueryFailure('NOT_SUPPORTED', `datetime pattern letter ${c.repeat(n)} is not supported`)
    out += mapped
    i = j
  }
  return out
}

function stringLiteralArg(arg: Arg | undefined): string | null {
  return arg?.node.k === 'string' ? arg.node.value : null
}

const UNITS: Record<string, string> = {
  millisecond: 'milliseconds',
  second: 'seconds',
  minute: 'minutes',
  hour: 'hours',
  day: 'days',
  week: 'weeks',
  month: 'months',
  quarter: 'quarters',
  year: 'years',
}

function unitOf(arg: Arg | undefined, fn: string): string {
  const unit = stringLiteralArg(arg)?.toLowerCase()
  if (!unit || !(unit in UNITS)) {
    throw new QueryFailure(
      'INVALID_FUNCTION_ARGUMENT',
      `'${stringLiteralArg(arg) ?? '?'}' is not a valid ${fn} unit`,
    )
  }
  return unit
}

function toInterval(unit: string, amount: string): string {
  if (unit === 'quarter') return `to_months(CAST(${amount} AS INTEGER) * 3)`
  if (unit === 'week') return `to_days(CAST(${amount} AS INTEGER) * 7)`
  if (unit === 'millisecond') return `to_milliseconds(CAST(${amount} AS BIGINT))`
  const fn = `to_${UNITS[unit]}`
  return `${fn}(CAST(${amount} AS ${unit === 'second' ? 'DOUBLE' : unit === 'minute' || unit === 'hour' ? 'BIGINT' : 'INTEGER'}))`
}

/** Java replacement syntax ($1, ${name}) → RE2 (\1). */
function javaReplacement(arg: Arg | undefined): string {
  const text = stringLiteralArg(arg)
  if (text === null) return arg ? `regexp_replace(${arg.sql}, '\\$(\\d)', '\\\\\\1', 'g')` : "''"
  return duckString(text.replace(/\\/g, '\\\\').replace(/\$(\d)/g, '\\$1'))
}

export const FUNCTIONS: Record<string, FunctionRule> = {
  // ---- aggregates ----
  count: aggregate('count', () => BIGINT),
  sum: aggregate(
    'sum',
    (a) =>
      a[0]?.type?.kind === 'simple' && ['tinyint', 'smallint', 'integer', 'bigint'].includes(a[0].type.name)
        ? BIGINT
        : firstType(a),
    [1],
    '`sum`, integer sums reported as `bigint`',
  ),
  avg: aggregate('avg', (a) =>
    a[0]?.type?.kind === 'simple' && a[0].type.name === 'decimal' ? a[0].type : DOUBLE,
  ),
  min: aggregate('min', firstType),
  max: aggregate('max', firstType),
  count_if: aggregate('count_if', () => BIGINT),
  bool_and: aggregate('bool_and', () => BOOLEAN),
  bool_or: aggregate('bool_or', () => BOOLEAN),
  every: aggregate('bool_and', () => BOOLEAN),
  array_agg: aggregate('array_agg', (a) => (a[0]?.type ? { kind: 'array', element: a[0].type } : null)),
  approx_distinct: aggregate('approx_count_distinct', () => BIGINT),
  arbitrary: aggregate('any_value', firstType),
  any_value: aggregate('any_value', firstType),
  max_by: aggregate('arg_max', firstType),
  min_by: aggregate('arg_min', firstType),
  stddev: aggregate('stddev_samp', () => DOUBLE),
  stddev_samp: aggregate('stddev_samp', () => DOUBLE),
  stddev_pop: aggregate('stddev_pop', () => DOUBLE),
  variance: aggregate('var_samp', () => DOUBLE),
  var_samp: aggregate('var_samp', () => DOUBLE),
  var_pop: aggregate('var_pop', () => DOUBLE),
  corr: aggregate('corr', () => DOUBLE),
  covar_pop: aggregate('covar_pop', () => DOUBLE),
  covar_samp: aggregate('covar_samp', () => DOUBLE),
  map_agg: {
    kind: 'aggregate',
    emit: (a) => `map(list(${a[0]!.sql}), list(${a[1]!.sql}))`,
    type: (a) => (a[0]?.type && a[1]?.type ? { kind: 'map', key: a[0].type, value: a[1].type } : null),
    arity: [2],
    doc: '`map(list(k), list(v))`',
  },
  // ---- window ----
  row_number: windowFn('row_number', () => BIGINT),
  rank: windowFn('rank', () => BIGINT),
  dense_rank: windowFn('dense_rank', () => BIGINT),
  percent_rank: windowFn('percent_rank', () => DOUBLE),
  cume_dist: windowFn('cume_dist', () => DOUBLE),
  ntile: windowFn('ntile', () => BIGINT),
  lag: windowFn('lag', firstType),
  lead: windowFn('lead', firstType),
  first_value: windowFn('first_value', firstType),
  last_value: windowFn('last_value', firstType),
  nth_value: windowFn('nth_value', firstType),
  // ---- conditional ----
  coalesce: same('coalesce', firstType),
  nullif: same('nullif', firstType, [2]),
  if: {
    kind: 'scalar',
    emit: (a) => `CASE WHEN ${a[0]!.sql} THEN ${a[1]!.sql} ELSE ${a[2]?.sql ?? 'NULL'} END`,
    type: (a) => a[1]?.type ?? null,
    arity: [2, 3],
    doc: '`CASE WHEN … THEN … ELSE … END`',
  },
  try: { kind: 'scalar', emit: (a) => `try(${a[0]!.sql})`, type: firstType, arity: [1], doc: '`try`' },
  greatest: {
    kind: 'scalar',
    emit: (a) => nullIfAnyNull(a, `greatest(${list(a)})`),
    type: firstType,
    doc: '`greatest`, NULL if any argument is NULL',
  },
  least: {
    kind: 'scalar',
    emit: (a) => nullIfAnyNull(a, `least(${list(a)})`),
    type: firstType,
    doc: '`least`, NULL if any argument is NULL',
  },
  // ---- math ----
  abs: same('abs', firstType, [1]),
  ceil: same('ceil', firstType, [1]),
  ceiling: renamed('ceil', firstType, [1]),
  floor: same('floor', firstType, [1]),
  round: same('round', firstType, [1, 2]),
  truncate: renamed('trunc', firstType, [1]),
  sign: same('sign', firstType, [1]),
  sqrt: same('sqrt', () => DOUBLE, [1]),
  cbrt: {
    kind: 'scalar',
    emit: (a) => `athena_cbrt(${a[0]!.sql})`,
    type: () => DOUBLE,
    arity: [1],
    doc: '`cbrt`, exact for perfect cubes like Java',
  },
  exp: same('exp', () => DOUBLE, [1]),
  ln: same('ln', () => DOUBLE, [1]),
  log2: same('log2', () => DOUBLE, [1]),
  log10: same('log10', () => DOUBLE, [1]),
  log: {
    kind: 'scalar',
    emit: (a) => `(ln(${a[1]!.sql}) / ln(${a[0]!.sql}))`,
    type: () => DOUBLE,
    arity: [2],
    doc: '`ln(x) / ln(b)`',
  },
  power: renamed('pow', () => DOUBLE, [2]),
  pow: same('pow', () => DOUBLE, [2]),
  mod: {
    kind: 'scalar',
    emit: (a) => `athena_mod(${a[0]!.sql}, ${a[1]!.sql})`,
    type: (a) => a[1]?.type ?? null,
    arity: [2],
    doc: '`%`, division by zero fails',
  },
  pi: same('pi', () => DOUBLE, [0]),
  e: { kind: 'scalar', emit: () => 'exp(1)', type: () => DOUBLE, arity: [0], doc: '`exp(1)`' },
  degrees: same('degrees', () => DOUBLE, [1]),
  radians: same('radians', () => DOUBLE, [1]),
  sin: same('sin', () => DOUBLE, [1]),
  cos: same('cos', () => DOUBLE, [1]),
  tan: same('tan', () => DOUBLE, [1]),
  asin: same('asin', () => DOUBLE, [1]),
  acos: same('acos', () => DOUBLE, [1]),
  atan: same('atan', () => DOUBLE, [1]),
  atan2: same('atan2', () => DOUBLE, [2]),
  random: {
    kind: 'scalar',
    emit: (a) => (a.length === 0 ? 'random()' : `CAST(floor(random() * ${a[0]!.sql}) AS BIGINT)`),
    type: (a) => (a.length === 0 ? DOUBLE : a[0]!.type),
    arity: [0, 1],
    doc: '`random()`',
  },
  rand: {
    kind: 'scalar',
    emit: (a) => (a.length === 0 ? 'random()' : `CAST(floor(random() * ${a[0]!.sql}) AS BIGINT)`),
    type: (a) => (a.length === 0 ? DOUBLE : a[0]!.type),
    arity: [0, 1],
    doc: '`random()`',
  },
  is_nan: renamed('isnan', () => BOOLEAN, [1]),
  is_finite: renamed('isfinite', () => BOOLEAN, [1]),
  is_infinite: renamed('isinf', () => BOOLEAN, [1]),
  nan: {
    kind: 'scalar',
    emit: () => "'nan'::DOUBLE",
    type: () => DOUBLE,
    arity: [0],
    doc: "`'nan'::DOUBLE`",
  },
  infinity: {
    kind: 'scalar',
    emit: () => "'inf'::DOUBLE",
    type: () => DOUBLE,
    arity: [0],
    doc: "`'inf'::DOUBLE`",
  },
  // ---- strings ----
  length: same('length', () => BIGINT, [1]),
  lower: same('lower', firstType, [1]),
  upper: same('upper', firstType, [1]),
  concat: {
    kind: 'scalar',
    emit: (a) => `(${a.map((x) => x.sql).join(' || ')})`,
    type: (a) =>
      a.some((x) => x.type?.kind === 'array')
        ? (a.find((x) => x.type?.kind === 'array')?.type ?? null)
        : VARCHAR,
    doc: '`||` (NULL if any argument is NULL; arrays concatenate)',
  },
  concat_ws: same('concat_ws', () => VARCHAR),
  substr: renamed('substring', () => VARCHAR, [2, 3]),
  substring: renamed('substring', () => VARCHAR, [2, 3]),
  replace: {
    kind: 'scalar',
    emit: (a) => `replace(${a[0]!.sql}, ${a[1]!.sql}, ${a[2]?.sql ?? "''"})`,
    type: () => VARCHAR,
    arity: [2, 3],
    doc: '`replace` (two arguments remove)',
  },
  reverse: {
    kind: 'scalar',
    emit: (a) => (a[0]?.type?.kind === 'array' ? `list_reverse(${a[0].sql})` : `reverse(${a[0]!.sql})`),
    type: firstType,
    arity: [1],
    doc: '`reverse`, `list_reverse` for arrays',
  },
  ltrim: same('ltrim', () => VARCHAR, [1, 2]),
  rtrim: same('rtrim', () => VARCHAR, [1, 2]),
  lpad: same('lpad', () => VARCHAR, [3]),
  rpad: same('rpad', () => VARCHAR, [3]),
  split: {
    kind: 'scalar',
    emit: (a, ctx) => {
      if (a.length > 2)
        throw new QueryFailure(
          'NOT_SUPPORTED',
          `line ${ctx.pos.line}:${ctx.pos.column}: split with a limit is not supported`,
        )
      return `string_split(${a[0]!.sql}, ${a[1]!.sql})`
    },
    type: () => ({ kind: 'array', element: VARCHAR }),
    arity: [2, 3],
    doc: '`string_split`',
  },
  split_part: {
    kind: 'scalar',
    emit: (a) =>
      `CASE WHEN ${a[2]!.sql} > len(string_split(${a[0]!.sql}, ${a[1]!.sql})) THEN NULL ELSE split_part(${list(a)}) END`,
    type: () => VARCHAR,
    arity: [3],
    doc: '`split_part`, NULL past the last field',
  },
  strpos: same('strpos', () => BIGINT, [2]),
  starts_with: same('starts_with', () => BOOLEAN, [2]),
  chr: same('chr', () => VARCHAR, [1]),
  codepoint: renamed('unicode', () => INTEGER, [1]),
  levenshtein_distance: renamed('levenshtein', () => BIGINT, [2]),
  hamming_distance: renamed('hamming', () => BIGINT, [2]),
  translate: same('translate', () => VARCHAR, [3]),
  regexp_like: renamed('regexp_matches', () => BOOLEAN, [2]),
  regexp_extract: {
    kind: 'scalar',
    emit: (a) =>
      `CASE WHEN regexp_matches(${a[0]!.sql}, ${a[1]!.sql}) THEN regexp_extract(${a[0]!.sql}, ${a[1]!.sql}, ${a[2]?.sql ?? '0'}) END`,
    type: () => VARCHAR,
    arity: [2, 3],
    doc: '`regexp_extract`, NULL when nothing matches',
  },
  regexp_extract_all: {
    kind: 'scalar',
    emit: (a) => `regexp_extract_all(${a[0]!.sql}, ${a[1]!.sql}, ${a[2]?.sql ?? '0'})`,
    type: () => ({ kind: 'array', element: VARCHAR }),
    arity: [2, 3],
    doc: '`regexp_extract_all`',
  },
  regexp_replace: {
    kind: 'scalar',
    emit: (a) =>
      `regexp_replace(${a[0]!.sql}, ${a[1]!.sql}, ${a.length > 2 ? javaReplacement(a[2]) : "''"}, 'g')`,
    type: () => VARCHAR,
    arity: [2, 3],
    doc: "`regexp_replace(…, 'g')`, `$1` → `\\1`",
  },
  regexp_split: renamed('regexp_split_to_array', () => ({ kind: 'array', element: VARCHAR }), [2]),
  to_utf8: renamed('encode', () => VARBINARY, [1]),
  from_utf8: renamed('decode', () => VARCHAR, [1]),
  to_hex: renamed('hex', () => VARCHAR, [1]),
  from_hex: renamed('unhex', () => VARBINARY, [1]),
  to_base64: same('to_base64', () => VARCHAR, [1]),
  from_base64: same('from_base64', () => VARBINARY, [1]),
  md5: {
    kind: 'scalar',
    emit: (a) => `unhex(md5(${a[0]!.sql}))`,
    type: () => VARBINARY,
    arity: [1],
    doc: '`unhex(md5(…))`',
  },
  sha1: {
    kind: 'scalar',
    emit: (a) => `unhex(sha1(${a[0]!.sql}))`,
    type: () => VARBINARY,
    arity: [1],
    doc: '`unhex(sha1(…))`',
  },
  sha256: {
    kind: 'scalar',
    emit: (a) => `unhex(sha256(${a[0]!.sql}))`,
    type: () => VARBINARY,
    arity: [1],
    doc: '`unhex(sha256(…))`',
  },
  // ---- date and time ----
  now: {
    kind: 'scalar',
    emit: () => 'current_timestamp',
    type: () => timestamp(3, true),
    arity: [0],
    doc: '`current_timestamp`',
  },
  date: {
    kind: 'scalar',
    emit: (a) => `CAST(${a[0]!.sql} AS DATE)`,
    type: () => DATE,
    arity: [1],
    doc: '`CAST(… AS DATE)`',
  },
  date_trunc: {
    kind: 'scalar',
    emit: (a) => `cast_to_type(date_trunc(${a[0]!.sql}, ${a[1]!.sql}), ${a[1]!.sql})`,
    type: (a) => a[1]?.type ?? null,
    arity: [2],
    doc: '`date_trunc`, keeping the argument type',
  },
  date_add: {
    kind: 'scalar',
    emit: (a) =>
      `cast_to_type(${a[2]!.sql} + ${toInterval(unitOf(a[0], 'date_add'), a[1]!.sql)}, ${a[2]!.sql})`,
    type: (a) => a[2]?.type ?? null,
    arity: [3],
    doc: '`x + to_<unit>(n)`, keeping the argument type',
  },
  date_diff: {
    kind: 'scalar',
    emit: (a) => `date_sub(${duckString(unitOf(a[0], 'date_diff'))}, ${a[1]!.sql}, ${a[2]!.sql})`,
    type: () => BIGINT,
    arity: [3],
    doc: '`date_sub` (whole units)',
  },
  date_format: {
    kind: 'scalar',
    emit: (a, ctx) => {
      const f = stringLiteralArg(a[1])
      if (f === null)
        throw new QueryFailure(
          'NOT_SUPPORTED',
          `line ${ctx.pos.line}:${ctx.pos.column}: date_format needs a literal format`,
        )
      return `strftime(${a[0]!.sql}, ${duckString(mysqlFormatToStrftime(f))})`
    },
    type: () => VARCHAR,
    arity: [2],
    doc: '`strftime`, MySQL specifiers rewritten',
  },
  date_parse: {
    kind: 'scalar',
    emit: (a, ctx) => {
      const f = stringLiteralArg(a[1])
      if (f === null)
        throw new QueryFailure(
          'NOT_SUPPORTED',
          `line ${ctx.pos.line}:${ctx.pos.column}: date_parse needs a literal format`,
        )
      return `strptime(${a[0]!.sql}, ${duckString(mysqlFormatToStrftime(f))})`
    },
    type: () => timestamp(3),
    arity: [2],
    doc: '`strptime`, MySQL specifiers rewritten',
  },
  format_datetime: {
    kind: 'scalar',
    emit: (a, ctx) => {
      const f = stringLiteralArg(a[1])
      if (f === null)
        throw new QueryFailure(
          'NOT_SUPPORTED',
          `line ${ctx.pos.line}:${ctx.pos.column}: format_datetime needs a literal format`,
        )
      return `strftime(${a[0]!.sql}, ${duckString(jodaFormatToStrftime(f))})`
    },
    type: () => VARCHAR,
    arity: [2],
    doc: '`strftime`, Joda patterns rewritten',
  },
  parse_datetime: {
    kind: 'scalar',
    emit: (a, ctx) => {
      const f = stringLiteralArg(a[1])
      if (f === null)
        throw new QueryFailure(
          'NOT_SUPPORTED',
          `line ${ctx.pos.line}:${ctx.pos.column}: parse_datetime needs a literal format`,
        )
      return `CAST(strptime(${a[0]!.sql}, ${duckString(jodaFormatToStrftime(f))}) AS TIMESTAMPTZ)`
    },
    type: () => timestamp(3, true),
    arity: [2],
    doc: '`strptime`, Joda patterns rewritten',
  },
  from_unixtime: {
    kind: 'scalar',
    emit: (a) => `to_timestamp(${a[0]!.sql})`,
    type: () => timestamp(3, true),
    arity: [1],
    doc: '`to_timestamp`',
  },
  to_unixtime: {
    kind: 'scalar',
    emit: (a) => `epoch(${a[0]!.sql})`,
    type: () => DOUBLE,
    arity: [1],
    doc: '`epoch`',
  },
  from_iso8601_timestamp: {
    kind: 'scalar',
    emit: (a) => `CAST(${a[0]!.sql} AS TIMESTAMPTZ)`,
    type: () => timestamp(3, true),
    arity: [1],
    doc: '`CAST(… AS TIMESTAMPTZ)`',
  },
  from_iso8601_date: {
    kind: 'scalar',
    emit: (a) => `CAST(${a[0]!.sql} AS DATE)`,
    type: () => DATE,
    arity: [1],
    doc: '`CAST(… AS DATE)`',
  },
  year: same('year', () => BIGINT, [1]),
  quarter: same('quarter', () => BIGINT, [1]),
  month: same('month', () => BIGINT, [1]),
  week: same('week', () => BIGINT, [1]),
  week_of_year: renamed('week', () => BIGINT, [1]),
  day: same('day', () => BIGINT, [1]),
  day_of_month: renamed('day', () => BIGINT, [1]),
  day_of_week: renamed('isodow', () => BIGINT, [1]),
  dow: renamed('isodow', () => BIGINT, [1]),
  day_of_year: renamed('dayofyear', () => BIGINT, [1]),
  doy: renamed('dayofyear', () => BIGINT, [1]),
  year_of_week: renamed('isoyear', () => BIGINT, [1]),
  hour: same('hour', () => BIGINT, [1]),
  minute: same('minute', () => BIGINT, [1]),
  second: same('second', () => BIGINT, [1]),
  millisecond: {
    kind: 'scalar',
    emit: (a) => `(millisecond(${a[0]!.sql}) % 1000)`,
    type: () => BIGINT,
    arity: [1],
    doc: '`millisecond(x) % 1000`',
  },
  last_day_of_month: renamed('last_day', () => DATE, [1]),
  // ---- arrays ----
  cardinality: {
    kind: 'scalar',
    emit: (a) => (a[0]?.type?.kind === 'map' ? `cardinality(${a[0].sql})` : `len(${a[0]!.sql})`),
    type: () => BIGINT,
    arity: [1],
    doc: '`len`, `cardinality` for maps',
  },
  element_at: {
    kind: 'scalar',
    emit: (a) => `(${a[0]!.sql})[${a[1]!.sql}]`,
    type: (a) => (a[0]?.type?.kind === 'map' ? a[0].type.value : elementType(a)),
    arity: [2],
    doc: '`x[i]` (arrays and maps)',
  },
  contains: renamed('list_contains', () => BOOLEAN, [2]),
  array_distinct: {
    kind: 'scalar',
    emit: (a) => `list_filter(${a[0]!.sql}, lambda v, i: list_position(${a[0]!.sql}, v) = i)`,
    type: firstType,
    arity: [1],
    doc: '`list_filter` keeping first occurrences in order',
  },
  array_max: renamed('list_max', elementType, [1]),
  array_min: renamed('list_min', elementType, [1]),
  array_position: {
    kind: 'scalar',
    emit: (a) => `coalesce(list_position(${list(a)}), 0)`,
    type: () => BIGINT,
    arity: [2],
    doc: '`list_position`, 0 when absent',
  },
  array_remove: {
    kind: 'scalar',
    emit: (a) => `list_filter(${a[0]!.sql}, lambda v: v IS DISTINCT FROM ${a[1]!.sql})`,
    type: firstType,
    arity: [2],
    doc: '`list_filter`',
  },
  array_sort: {
    kind: 'scalar',
    emit: (a, ctx) => {
      if (a.length > 1)
        throw new QueryFailure(
          'NOT_SUPPORTED',
          `line ${ctx.pos.line}:${ctx.pos.column}: array_sort with a comparator is not supported`,
        )
      return `list_sort(${a[0]!.sql}, 'ASC', 'NULLS LAST')`
    },
    type: firstType,
    arity: [1, 2],
    doc: "`list_sort(…, 'ASC', 'NULLS LAST')`",
  },
  array_join: {
    kind: 'scalar',
    emit: (a) =>
      a.length > 2
        ? `array_to_string(list_transform(${a[0]!.sql}, lambda v: coalesce(CAST(v AS VARCHAR), ${a[2]!.sql})), ${a[1]!.sql})`
        : `array_to_string(${a[0]!.sql}, ${a[1]!.sql})`,
    type: () => VARCHAR,
    arity: [2, 3],
    doc: '`array_to_string`',
  },
  array_union: {
    kind: 'scalar',
    emit: (a) =>
      `list_filter((${a[0]!.sql} || ${a[1]!.sql}), lambda v, i: list_position((${a[0]!.sql} || ${a[1]!.sql}), v) = i)`,
    type: firstType,
    arity: [2],
    doc: '`||`, then first occurrences',
  },
  array_intersect: {
    kind: 'scalar',
    emit: (a) =>
      `list_filter(list_filter(${a[0]!.sql}, lambda v, i: list_position(${a[0]!.sql}, v) = i), lambda v: list_contains(${a[1]!.sql}, v))`,
    type: firstType,
    arity: [2],
    doc: '`list_filter` + `list_contains`',
  },
  array_except: {
    kind: 'scalar',
    emit: (a) =>
      `list_filter(list_filter(${a[0]!.sql}, lambda v, i: list_position(${a[0]!.sql}, v) = i), lambda v: NOT list_contains(${a[1]!.sql}, v))`,
    type: firstType,
    arity: [2],
    doc: '`list_filter` + `NOT list_contains`',
  },
  arrays_overlap: renamed('list_has_any', () => BOOLEAN, [2]),
  flatten: same('flatten', elementType, [1]),
  slice: {
    kind: 'scalar',
    emit: (a) =>
      `list_slice(${a[0]!.sql}, ${a[1]!.sql}, CASE WHEN ${a[1]!.sql} < 0 AND ${a[1]!.sql} + ${a[2]!.sql} - 1 >= 0 THEN len(${a[0]!.sql}) ELSE ${a[1]!.sql} + ${a[2]!.sql} - 1 END)`,
    type: firstType,
    arity: [3],
    doc: '`list_slice(x, start, start + length - 1)`',
  },
  sequence: {
    kind: 'scalar',
    emit: (a) => {
      const step = a[2]?.sql
      const t = a[0]?.type
      if (t?.kind === 'simple' && t.name === 'date') {
        return `CAST(generate_series(CAST(${a[0]!.sql} AS TIMESTAMP), CAST(${a[1]!.sql} AS TIMESTAMP), ${step ?? 'INTERVAL 1 DAY'}) AS DATE[])`
      }
      // Trino counts down when start > stop and no step is given
      return `generate_series(${a[0]!.sql}, ${a[1]!.sql}, ${step ?? `CASE WHEN ${a[0]!.sql} <= ${a[1]!.sql} THEN 1 ELSE -1 END`})`
    },
    type: (a) => {
      const t = a[0]?.type
      if (t?.kind === 'simple' && (t.name === 'date' || t.name === 'timestamp'))
        return { kind: 'array', element: t }
      return { kind: 'array', element: BIGINT }
    },
    arity: [2, 3],
    doc: '`generate_series` (dates through timestamps)',
  },
  repeat: {
    kind: 'scalar',
    emit: (a) => `list_transform(generate_series(1, ${a[1]!.sql}), lambda i: ${a[0]!.sql})`,
    type: (a) => (a[0]?.type ? { kind: 'array', element: a[0].type } : null),
    arity: [2],
    doc: '`list_transform(generate_series(1, n), …)`',
  },
  transform: {
    kind: 'scalar',
    emit: (a, ctx) => `list_transform(${a[0]!.sql}, ${duckLambda(lambdaOf(a[1], ctx))})`,
    type: () => null,
    arity: [2],
    doc: '`list_transform`',
  },
  filter: {
    kind: 'scalar',
    emit: (a, ctx) => `list_filter(${a[0]!.sql}, ${duckLambda(lambdaOf(a[1], ctx))})`,
    type: firstType,
    arity: [2],
    doc: '`list_filter`',
  },
  reduce: {
    kind: 'scalar',
    emit: (a, ctx) => {
      const input = lambdaOf(a[2], ctx)
      const output = lambdaOf(a[3], ctx)
      const reduced = `list_reduce(${a[0]!.sql}, ${duckLambda(input)}, ${a[1]!.sql})`
      return `list_transform([${reduced}], ${duckLambda(output)})[1]`
    },
    type: () => null,
    arity: [4],
    doc: '`list_reduce` with an initial value, then the output function',
  },
  any_match: {
    kind: 'scalar',
    emit: (a, ctx) => `(len(list_filter(${a[0]!.sql}, ${duckLambda(lambdaOf(a[1], ctx))})) > 0)`,
    type: () => BOOLEAN,
    arity: [2],
    doc: '`len(list_filter(…)) > 0`',
  },
  all_match: {
    kind: 'scalar',
    emit: (a, ctx) => {
      const l = lambdaOf(a[1], ctx)
      return `(len(list_filter(${a[0]!.sql}, ${duckLambda({ params: l.params, body: `NOT (${l.body})` })})) = 0)`
    },
    type: () => BOOLEAN,
    arity: [2],
    doc: '`len(list_filter(…, NOT …)) = 0`',
  },
  none_match: {
    kind: 'scalar',
    emit: (a, ctx) => `(len(list_filter(${a[0]!.sql}, ${duckLambda(lambdaOf(a[1], ctx))})) = 0)`,
    type: () => BOOLEAN,
    arity: [2],
    doc: '`len(list_filter(…)) = 0`',
  },
  zip_with: {
    kind: 'scalar',
    emit: (a, ctx) =>
      `list_transform(list_zip(${a[0]!.sql}, ${a[1]!.sql}), lambda "__z": ${substituteLambda(lambdaOf(a[2], ctx), ['struct_extract("__z", 1)', 'struct_extract("__z", 2)'])})`,
    type: () => null,
    arity: [3],
    doc: '`list_transform(list_zip(a, b), …)`',
  },
  // ---- maps ----
  map: {
    kind: 'scalar',
    emit: (a) => (a.length === 0 ? 'map()' : `map(${a[0]!.sql}, ${a[1]!.sql})`),
    type: (a) =>
      a[0]?.type?.kind === 'array' && a[1]?.type?.kind === 'array'
        ? { kind: 'map', key: a[0].type.element, value: a[1].type.element }
        : null,
    arity: [0, 2],
    doc: '`map`',
  },
  map_keys: same(
    'map_keys',
    (a) => (a[0]?.type?.kind === 'map' ? { kind: 'array', element: a[0].type.key } : null),
    [1],
  ),
  map_values: same(
    'map_values',
    (a) => (a[0]?.type?.kind === 'map' ? { kind: 'array', element: a[0].type.value } : null),
    [1],
  ),
  map_concat: same('map_concat', firstType),
  map_from_entries: {
    kind: 'scalar',
    emit: (a) =>
      `map_from_entries(list_transform(${a[0]!.sql}, lambda e: struct_pack(key := e[1], value := e[2])))`,
    type: () => null,
    arity: [1],
    doc: '`map_from_entries` over key/value structs',
  },
  map_entries: {
    kind: 'scalar',
    emit: (a) => `list_transform(map_entries(${a[0]!.sql}), lambda e: row(e.key, e.value))`,
    type: (a) =>
      a[0]?.type?.kind === 'map'
        ? {
            kind: 'array',
            element: {
              kind: 'row',
              fields: [
                { name: null, type: a[0].type.key },
                { name: null, type: a[0].type.value },
              ],
            },
          }
        : null,
    arity: [1],
    doc: '`map_entries` as unnamed rows',
  },
  map_filter: {
    kind: 'scalar',
    emit: (a, ctx) =>
      `map_from_entries(list_filter(map_entries(${a[0]!.sql}), lambda "__e": ${substituteLambda(lambdaOf(a[1], ctx), ['"__e".key', '"__e".value'])}))`,
    type: firstType,
    arity: [2],
    doc: '`map_from_entries(list_filter(map_entries(m), …))`',
  },
  transform_values: {
    kind: 'scalar',
    emit: (a, ctx) =>
      `map_from_entries(list_transform(map_entries(${a[0]!.sql}), lambda "__e": struct_pack(key := "__e".key, value := ${substituteLambda(lambdaOf(a[1], ctx), ['"__e".key', '"__e".value'])})))`,
    type: () => null,
    arity: [2],
    doc: '`map_from_entries(list_transform(map_entries(m), …))`',
  },
  transform_keys: {
    kind: 'scalar',
    emit: (a, ctx) =>
      `map_from_entries(list_transform(map_entries(${a[0]!.sql}), lambda "__e": struct_pack(key := ${substituteLambda(lambdaOf(a[1], ctx), ['"__e".key', '"__e".value'])}, value := "__e".value)))`,
    type: () => null,
    arity: [2],
    doc: '`map_from_entries(list_transform(map_entries(m), …))`',
  },
  // ---- JSON ----
  json_parse: {
    kind: 'scalar',
    emit: (a) => `json(${a[0]!.sql})`,
    type: () => JSON_TYPE,
    arity: [1],
    doc: '`json`',
  },
  json_format: {
    kind: 'scalar',
    emit: (a) => `CAST(${a[0]!.sql} AS VARCHAR)`,
    type: () => VARCHAR,
    arity: [1],
    doc: '`CAST(… AS VARCHAR)`',
  },
  json_extract: same('json_extract', () => JSON_TYPE, [2]),
  json_extract_scalar: {
    kind: 'scalar',
    emit: (a) =>
      `CASE WHEN json_type(json_extract(${a[0]!.sql}, ${a[1]!.sql})) IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string(${a[0]!.sql}, ${a[1]!.sql}) END`,
    type: () => VARCHAR,
    arity: [2],
    doc: '`json_extract_string`, NULL for objects and arrays',
  },
  json_array_length: same('json_array_length', () => BIGINT, [1]),
  json_array_get: {
    kind: 'scalar',
    emit: (a) => {
      const path = `CASE WHEN ${a[1]!.sql} < 0 THEN '$[#' || CAST(${a[1]!.sql} AS VARCHAR) || ']' ELSE '$[' || CAST(${a[1]!.sql} AS VARCHAR) || ']' END`
      // Trino returns a string element as its bare text
      return `CASE WHEN json_type(json_extract(${a[0]!.sql}, ${path})) = 'VARCHAR' THEN json_extract_string(${a[0]!.sql}, ${path}) ELSE CAST(json_extract(${a[0]!.sql}, ${path}) AS VARCHAR) END`
    },
    type: () => JSON_TYPE,
    arity: [2],
    doc: "`json_extract(j, '$[i]')` (`'$[#-i]'` from the end); string elements as bare text",
  },
  is_json_scalar: {
    kind: 'scalar',
    emit: (a) => `(json_type(${a[0]!.sql}) NOT IN ('OBJECT', 'ARRAY'))`,
    type: () => BOOLEAN,
    arity: [1],
    doc: '`json_type(…) NOT IN (OBJECT, ARRAY)`',
  },
  // ---- other ----
  uuid: { kind: 'scalar', emit: () => 'uuid()', type: () => simple('uuid'), arity: [0], doc: '`uuid`' },
  typeof: {
    kind: 'scalar',
    emit: (a) => (a[0]?.type ? duckString(typeToString(a[0].type)) : `athena_typeof(${a[0]!.sql})`),
    type: () => VARCHAR,
    arity: [1],
    doc: "the argument's Athena type where the translation knows it, else DuckDB's `typeof` mapped to Trino names",
  },
}

/** Inlines a lambda body with its parameters replaced by expressions (for lambdas over map entries). */
function substituteLambda(l: { params: string[]; body: string }, values: string[]): string {
  let body = l.body
  l.params.forEach((p, i) => {
    body = body.replaceAll(`"${p}"`, values[i] ?? 'NULL')
  })
  return body
}

export function lookupFunction(name: string): FunctionRule | undefined {
  return Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined
}
