/**
 * Db2 for i SQL → PostgreSQL 15 SQL, on tokens. The translator first refuses what Db2 for i
 * refuses (`strict.ts`), then rewrites what PostgreSQL spells differently. Statements that need
 * the job (CALL, SET SCHEMA, transaction control, CREATE PROCEDURE) come back as their own kinds.
 */

import { db2Error, jdbcErrors, tokenNotValid } from './errors.ts'
import { isOp, isWord, LexError, significant, type Token, tokenize } from './lexer.ts'
import { foldIdentifier, pgName, quoteLiteral, quotePg } from './names.ts'
import { checkStrict } from './strict.ts'

export type Naming = 'sql' | 'system'

export interface TranslateOptions {
  naming: Naming
}

/** Alias given to unnamed select-list expressions; renamed to 00001, 00002, … by position. */
export const UNNAMED_COLUMN = '__db2_unnamed__'

export type Translated =
  | {
      kind: 'statement'
      /** PostgreSQL SQL with $n parameters. */
      sql: string
      paramCount: number
      /** Whether the statement returns rows (SELECT, VALUES, WITH … SELECT, FINAL TABLE). */
      isQuery: boolean
      /** VALUES: every result column is unnamed. */
      numberAllColumns: boolean
      /** The statement verb (SELECT, INSERT, CREATE …), for update counts and bookkeeping. */
      verb: string
      /** CREATE SCHEMA: the schema whose catalog views must be created afterwards. */
      createdSchema?: string
      /** Extra PostgreSQL statements to run first (CREATE OR REPLACE TABLE drops). */
      before?: string[]
      /** The schema of the object a CREATE names, for messages PostgreSQL gives unqualified. */
      objectSchema?: string
    }
  | { kind: 'call'; schema: string | undefined; name: string; args: CallArgument[]; paramCount: number }
  | { kind: 'set-schema'; schema: string | undefined; param: boolean }
  | { kind: 'set-path'; schemas: string[] }
  | { kind: 'transaction'; action: 'commit' | 'rollback'; sql: string }
  | { kind: 'savepoint'; sql: string }
  | { kind: 'create-procedure'; tokens: Token[]; orReplace: boolean }
  | { kind: 'drop-procedure'; schema: string | undefined; name: string; ifExists: boolean }
  | { kind: 'noop'; verb: string }

export type CallArgument =
  | { kind: 'param'; index: number }
  | { kind: 'literal'; value: string | null; sql: string }
  | { kind: 'expression'; sql: string }

const STATEMENT_WORDS = new Set([
  'SELECT',
  'VALUES',
  'WITH',
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'CREATE',
  'DROP',
  'ALTER',
  'CALL',
  'COMMIT',
  'ROLLBACK',
  'SAVEPOINT',
  'RELEASE',
  'SET',
  'DECLARE',
  'LOCK',
  'TRUNCATE',
  'RENAME',
  'COMMENT',
  'LABEL',
  'GRANT',
  'REVOKE',
  'BEGIN',
  'REFRESH',
])

/** Valid first tokens, as Db2 lists them in SQL0104 for a statement that starts badly. */
const FIRST_TOKENS = '( CL END GET SET CALL DROP FREE HOLD LOCK OPEN WITH ALTER BEGIN'

export function translate(sql: string, options: TranslateOptions): Translated {
  if (sql.length === 0) throw jdbcErrors.emptyStatement()
  let tokens: Token[]
  try {
    tokens = tokenize(sql)
  } catch (error) {
    if (error instanceof LexError) {
      // Db2 reports the first token that cannot start a statement before it sees the bad literal.
      const first = /^\s*([A-Za-z_][A-Za-z0-9_#@$]*)/.exec(sql)
      if (first && !STATEMENT_WORDS.has(first[1]!.toUpperCase())) {
        throw tokenNotValid(first[1]!.toUpperCase(), FIRST_TOKENS)
      }
      throw db2Error(-10, 'String constant beginning with quote not delimited.', '42603')
    }
    throw error
  }
  // A trailing semicolon is accepted, as JTOpen strips it.
  const sig = significant(tokens)
  while (sig.length > 0 && isOp(sig[sig.length - 1], ';')) sig.pop()
  if (sig.length === 0) throw tokenNotValid('<END-OF-STATEMENT>', FIRST_TOKENS)
  const first = sig[0]!
  if (!(first.kind === 'word' && STATEMENT_WORDS.has(first.value)) && !isOp(first, '(')) {
    throw tokenNotValid(first.kind === 'word' ? first.value : first.text, FIRST_TOKENS)
  }
  checkStrict(sig)

  const verb = first.kind === 'word' ? first.value : 'SELECT'
  switch (verb) {
    case 'CALL':
      return translateCall(sig, options)
    case 'COMMIT':
      return { kind: 'transaction', action: 'commit', sql: 'COMMIT' }
    case 'ROLLBACK':
      if (sig.some((t) => isWord(t, 'TO'))) return { kind: 'savepoint', sql: rollbackToSavepoint(sig) }
      return { kind: 'transaction', action: 'rollback', sql: 'ROLLBACK' }
    case 'SAVEPOINT':
      return { kind: 'savepoint', sql: savepoint(sig) }
    case 'RELEASE':
      return { kind: 'savepoint', sql: releaseSavepoint(sig) }
    case 'SET':
      return translateSet(sig, options)
    case 'LABEL':
      return { kind: 'noop', verb }
    case 'DECLARE':
      if (isWord(sig[1], 'GLOBAL') && isWord(sig[2], 'TEMPORARY') && isWord(sig[3], 'TABLE')) {
        return declareGlobalTemporaryTable(sig, options)
      }
      break
    case 'CREATE':
      if (isProcedureDefinition(sig)) {
        return { kind: 'create-procedure', tokens: sig, orReplace: isWord(sig[1], 'OR') }
      }
      break
    case 'DROP':
      if (isWord(sig[1], 'PROCEDURE')) {
        const name = readQualifiedName(sig, 2, options)
        return {
          kind: 'drop-procedure',
          schema: name.schema,
          name: name.name,
          ifExists: sig.some((t) => isWord(t, 'EXISTS')),
        }
      }
      break
  }
  return translateGeneral(sig, verb, options)
}

/**
 * DECLARE GLOBAL TEMPORARY TABLE [SESSION.]t (…) | LIKE x | AS (select) WITH DATA, [WITH REPLACE],
 * [ON COMMIT DELETE|PRESERVE ROWS], [NOT LOGGED] → a PostgreSQL temporary table (QTEMP/SESSION is the
 * job's own schema, pg_temp).
 */
function declareGlobalTemporaryTable(sig: Token[], options: TranslateOptions): Translated {
  const name = readQualifiedName(sig, 4, options)
  const table = quotePg(pgName(name.name))
  let body = sig.slice(name.next)
  const before: string[] = []
  const has = (a: string, b: string) => body.findIndex((t, i) => isWord(t, a) && isWord(body[i + 1], b))
  const replaceAt = has('WITH', 'REPLACE')
  if (replaceAt >= 0) {
    before.push(`DROP TABLE IF EXISTS pg_temp.${table}`)
    body = [...body.slice(0, replaceAt), ...body.slice(replaceAt + 2)]
  }
  // Db2's default is ON COMMIT DELETE ROWS, but a job without commitment control never commits there;
  // PostgreSQL commits every autocommit statement, which would empty the table at once.
  let onCommit = 'ON COMMIT PRESERVE ROWS'
  const commitAt = has('ON', 'COMMIT')
  if (commitAt >= 0) {
    onCommit = body
      .slice(commitAt, commitAt + 4)
      .map((t) => t.value)
      .join(' ')
    body = [...body.slice(0, commitAt), ...body.slice(commitAt + 4)]
  }
  body = body.filter(
    (t, i, all) =>
      !(isWord(t, 'NOT') && isWord(all[i + 1], 'LOGGED')) &&
      !(isWord(t, 'LOGGED') && isWord(all[i - 1], 'NOT')),
  )
  let definition: string
  if (isWord(body[0], 'LIKE')) {
    const like = readQualifiedName(body, 1, options)
    definition = `(LIKE ${qualifiedSql(like)} INCLUDING DEFAULTS) ${onCommit}`
  } else if (isWord(body[0], 'AS')) {
    // CREATE TABLE … AS takes ON COMMIT before AS.
    definition = `${onCommit} ${rewrite(body, options, { paramOffset: 0 }).sql}`
  } else {
    definition = `${rewrite(body, options, { paramOffset: 0 }).sql} ${onCommit}`
  }
  return {
    kind: 'statement',
    sql: `CREATE TEMPORARY TABLE ${table} ${definition}`,
    paramCount: 0,
    isQuery: false,
    numberAllColumns: false,
    verb: 'CREATE',
    ...(before.length > 0 ? { before } : {}),
  }
}

function isProcedureDefinition(sig: Token[]): boolean {
  let i = 1
  if (isWord(sig[i], 'OR') && isWord(sig[i + 1], 'REPLACE')) i += 2
  return isWord(sig[i], 'PROCEDURE')
}

export interface QualifiedName {
  schema: string | undefined
  name: string
  /** Index after the name. */
  next: number
}

/** Reads `name`, `schema.name` or (system naming) `lib/name` at `at`, folded the Db2 way. */
export function readQualifiedName(sig: Token[], at: number, options: TranslateOptions): QualifiedName {
  const part = (t: Token | undefined): string => {
    if (t === undefined || (t.kind !== 'word' && t.kind !== 'quoted')) {
      throw tokenNotValid(t === undefined ? '<END-OF-STATEMENT>' : t.text)
    }
    return foldIdentifier(t.text)
  }
  const first = part(sig[at])
  const sep = sig[at + 1]
  if (isOp(sep, '.') || (options.naming === 'system' && isOp(sep, '/'))) {
    return { schema: first, name: part(sig[at + 2]), next: at + 3 }
  }
  return { schema: undefined, name: first, next: at + 1 }
}

function translateCall(sig: Token[], options: TranslateOptions): Translated {
  const name = readQualifiedName(sig, 1, options)
  const args: CallArgument[] = []
  let paramCount = 0
  let i = name.next
  if (isOp(sig[i], '(')) {
    const close = matchingParen(sig, i)
    const inner = sig.slice(i + 1, close)
    if (inner.length > 0) {
      for (const part of splitDepth0(inner, ',')) {
        if (part.length === 1 && part[0]!.kind === 'param') {
          args.push({ kind: 'param', index: paramCount++ })
        } else if (part.length === 1 && part[0]!.kind === 'string' && part[0]!.prefix === undefined) {
          args.push({ kind: 'literal', value: part[0]!.value, sql: part[0]!.text })
        } else if (part.length === 1 && isWord(part[0], 'NULL')) {
          args.push({ kind: 'literal', value: null, sql: 'NULL' })
        } else if (part.length === 1 && part[0]!.kind === 'number') {
          args.push({ kind: 'literal', value: part[0]!.text, sql: part[0]!.text })
        } else {
          const before = paramCount
          const rewritten = rewrite(part, options, { paramOffset: before })
          paramCount += rewritten.paramCount
          args.push({ kind: 'expression', sql: rewritten.sql })
        }
      }
    }
    i = close + 1
  }
  if (i < sig.length) throw tokenNotValid(sig[i]!.text)
  return { kind: 'call', schema: name.schema, name: name.name, args, paramCount }
}

function translateSet(sig: Token[], options: TranslateOptions): Translated {
  let i = 1
  if (isWord(sig[i], 'CURRENT')) i++
  if (isWord(sig[i], 'SCHEMA', 'SQLID')) {
    i++
    if (isOp(sig[i], '=')) i++
    const t = sig[i]
    if (t?.kind === 'param') return { kind: 'set-schema', schema: undefined, param: true }
    if (t?.kind === 'string') return { kind: 'set-schema', schema: t.value, param: false }
    if (isWord(t, 'DEFAULT')) return { kind: 'set-schema', schema: undefined, param: false }
    if (t?.kind === 'word' || t?.kind === 'quoted')
      return { kind: 'set-schema', schema: foldIdentifier(t.text), param: false }
    throw tokenNotValid(t?.text ?? '<END-OF-STATEMENT>')
  }
  if (isWord(sig[i], 'PATH', 'FUNCTION')) {
    i++
    if (isWord(sig[i], 'PATH')) i++
    if (isOp(sig[i], '=')) i++
    const schemas: string[] = []
    for (const part of splitDepth0(sig.slice(i), ',')) {
      const t = part[0]
      if (t === undefined) continue
      if (isWord(t, 'SYSTEM') && isWord(part[1], 'PATH'))
        schemas.push('QSYS', 'QSYS2', 'SYSPROC', 'SYSIBMADM')
      else if (t.kind === 'string') schemas.push(t.value)
      else if (isWord(t, 'CURRENT', 'USER', 'SESSION_USER')) schemas.push('*USER')
      else schemas.push(foldIdentifier(t.text))
    }
    return { kind: 'set-path', schemas }
  }
  if (isWord(sig[i], 'OPTION')) return { kind: 'noop', verb: 'SET' }
  if (isWord(sig[i], 'TRANSACTION')) {
    return translateGeneral(sig, 'SET', options)
  }
  // SET of a global variable or anything else Db2 has and this server does not.
  throw tokenNotValid(sig[i]?.text.toUpperCase() ?? '<END-OF-STATEMENT>', 'PATH SCHEMA CURRENT')
}

function savepoint(sig: Token[]): string {
  const name = sig[1]
  if (name === undefined || (name.kind !== 'word' && name.kind !== 'quoted')) {
    throw tokenNotValid(name?.text ?? '<END-OF-STATEMENT>')
  }
  let i = 2
  if (isWord(sig[i], 'UNIQUE')) i++
  // Db2 for i requires ON ROLLBACK RETAIN CURSORS.
  if (!(isWord(sig[i], 'ON') && isWord(sig[i + 1], 'ROLLBACK') && isWord(sig[i + 2], 'RETAIN'))) {
    throw tokenNotValid(sig[i]?.text ?? '<END-OF-STATEMENT>', 'ON UNIQUE')
  }
  if (!isWord(sig[i + 3], 'CURSORS')) throw tokenNotValid(sig[i + 3]?.text ?? '<END-OF-STATEMENT>', 'CURSORS')
  i += 4
  if (
    isWord(sig[i], 'ON') &&
    isWord(sig[i + 1], 'ROLLBACK') &&
    isWord(sig[i + 2], 'RETAIN') &&
    isWord(sig[i + 3], 'LOCKS')
  ) {
    i += 4
  }
  if (i < sig.length) throw tokenNotValid(sig[i]!.text)
  return `SAVEPOINT ${identifierSql(name)}`
}

function rollbackToSavepoint(sig: Token[]): string {
  // ROLLBACK [WORK] TO SAVEPOINT [name]
  const at = sig.findIndex((t) => isWord(t, 'SAVEPOINT'))
  const name = sig[at + 1]
  if (at < 0 || name === undefined) throw tokenNotValid('<END-OF-STATEMENT>', 'SAVEPOINT')
  return `ROLLBACK TO SAVEPOINT ${identifierSql(name)}`
}

function releaseSavepoint(sig: Token[]): string {
  const at = sig.findIndex((t) => isWord(t, 'SAVEPOINT'))
  const name = sig[at + 1]
  if (at < 0 || name === undefined) throw tokenNotValid('<END-OF-STATEMENT>', 'SAVEPOINT')
  return `RELEASE SAVEPOINT ${identifierSql(name)}`
}

function identifierSql(t: Token): string {
  if (t.kind === 'quoted') return quotePg(pgName(t.value))
  if (t.kind === 'word') return t.text
  throw tokenNotValid(t.text)
}

function translateGeneral(sig: Token[], verb: string, options: TranslateOptions): Translated {
  let tokens = sig
  const before: string[] = []
  let createdSchema: string | undefined
  let pgVerb = verb

  if (
    verb === 'CREATE' &&
    isWord(tokens[1], 'OR') &&
    isWord(tokens[2], 'REPLACE') &&
    isWord(tokens[3], 'TABLE')
  ) {
    const name = readQualifiedName(tokens, 4, options)
    before.push(`DROP TABLE IF EXISTS ${qualifiedSql(name)}`)
    tokens = [tokens[0]!, ...tokens.slice(3)]
  }
  if (verb === 'CREATE' && isWord(tokens[1], 'SCHEMA', 'COLLECTION')) {
    const name = readQualifiedName(tokens, 2, options)
    createdSchema = name.name
    tokens = [tokens[0]!, { ...tokens[1]!, text: 'SCHEMA', value: 'SCHEMA' }, ...tokens.slice(2)]
  }
  if (verb === 'DROP') tokens = dropIfExists(tokens, options)
  if (verb === 'RENAME') return renameTable(tokens, options)
  if (verb === 'TRUNCATE') tokens = truncate(tokens)
  if (verb === 'ALTER' && isWord(tokens[1], 'TABLE')) tokens = alterColumnType(tokens)

  const isValues = verb === 'VALUES'
  const query = isQueryStatement(tokens)
  if (query && !isValues) tokens = nameUnnamedColumns(tokens)
  tokens = parenthesizeValues(tokens)
  tokens = finalTable(tokens)
  tokens = recursiveWith(tokens)
  tokens = tableFunctions(tokens)
  tokens = countAsInteger(tokens)
  if (!['CREATE', 'ALTER', 'DECLARE'].includes(verb)) tokens = castFunctions(tokens)
  const rewritten = rewrite(tokens, options, { paramOffset: 0 })
  if (
    verb === 'DROP' &&
    isWord(tokens[1], 'SCHEMA', 'COLLECTION') &&
    !/\b(RESTRICT|CASCADE)\s*$/i.test(rewritten.sql)
  ) {
    rewritten.sql += ' CASCADE'
  }
  if (verb === 'WITH' || verb === 'SELECT' || verb === 'VALUES') pgVerb = 'SELECT'
  let objectSchema: string | undefined
  if (verb === 'CREATE') {
    const at = sig.findIndex(
      (t, i) => i > 0 && i < 6 && isWord(t, 'TABLE', 'VIEW', 'INDEX', 'SEQUENCE', 'ALIAS'),
    )
    if (at > 0) {
      try {
        objectSchema = readQualifiedName(sig, at + 1, options).schema
      } catch {
        // not a name: PostgreSQL reports the syntax error
      }
    }
  }
  return {
    kind: 'statement',
    sql: rewritten.sql,
    paramCount: rewritten.paramCount,
    isQuery: query || isValues,
    numberAllColumns: isValues,
    verb: pgVerb,
    ...(createdSchema === undefined ? {} : { createdSchema }),
    ...(before.length > 0 ? { before } : {}),
    ...(objectSchema === undefined ? {} : { objectSchema }),
  }
}

function qualifiedSql(name: QualifiedName): string {
  const n = quotePg(pgName(name.name))
  return name.schema === undefined ? n : `${quotePg(pgName(name.schema))}.${n}`
}

function isQueryStatement(sig: Token[]): boolean {
  const first = sig[0]
  if (isWord(first, 'SELECT', 'VALUES')) return true
  if (isOp(first, '(')) return true
  if (isWord(first, 'WITH')) {
    // WITH … SELECT: find the statement after the common table expressions.
    let depth = 0
    for (const t of sig) {
      if (isOp(t, '(')) depth++
      else if (isOp(t, ')')) depth--
      else if (depth === 0 && isWord(t, 'SELECT', 'VALUES')) return true
      else if (depth === 0 && isWord(t, 'INSERT', 'UPDATE', 'DELETE', 'MERGE')) return false
    }
  }
  return false
}

/** `DROP TABLE t IF EXISTS` (Db2 for i) → `DROP TABLE IF EXISTS t`. */
function dropIfExists(sig: Token[], options: TranslateOptions): Token[] {
  const ifAt = sig.findIndex((t, i) => isWord(t, 'IF') && isWord(sig[i + 1], 'EXISTS'))
  if (ifAt < 0 || ifAt === 2) return sig
  const objectWords = isWord(sig[1], 'SPECIFIC') ? 3 : 2
  readQualifiedName(sig, objectWords, options)
  const out = [
    ...sig.slice(0, objectWords),
    sig[ifAt]!,
    sig[ifAt + 1]!,
    ...sig.slice(objectWords, ifAt),
    ...sig.slice(ifAt + 2),
  ]
  return out
}

function renameTable(sig: Token[], options: TranslateOptions): Translated {
  // RENAME [TABLE|INDEX] a TO b
  let i = 1
  let kind = 'TABLE'
  if (isWord(sig[i], 'TABLE', 'INDEX')) {
    kind = sig[i]!.value
    i++
  }
  const from = readQualifiedName(sig, i, options)
  if (!isWord(sig[from.next], 'TO')) throw tokenNotValid(sig[from.next]?.text ?? '<END-OF-STATEMENT>', 'TO')
  const to = readQualifiedName(sig, from.next + 1, options)
  return {
    kind: 'statement',
    sql: `ALTER ${kind} ${qualifiedSql(from)} RENAME TO ${quotePg(pgName(to.name))}`,
    paramCount: 0,
    isQuery: false,
    numberAllColumns: false,
    verb: 'ALTER',
  }
}

function truncate(sig: Token[]): Token[] {
  const drop = new Set([
    'IMMEDIATE',
    'DROP',
    'REUSE',
    'STORAGE',
    'IGNORE',
    'DELETE',
    'TRIGGERS',
    'RESTRICT',
    'WHEN',
  ])
  return sig.filter((t, i) => i < 2 || !(t.kind === 'word' && drop.has(t.value)))
}

/** `ALTER TABLE t ALTER COLUMN c SET DATA TYPE x` → PostgreSQL's `ALTER COLUMN c TYPE x`. */
function alterColumnType(sig: Token[]): Token[] {
  const out: Token[] = []
  for (let i = 0; i < sig.length; i++) {
    if (isWord(sig[i], 'SET') && isWord(sig[i + 1], 'DATA') && isWord(sig[i + 2], 'TYPE')) {
      out.push({ ...sig[i + 2]! })
      i += 2
      continue
    }
    out.push(sig[i]!)
  }
  return out
}

/** `VALUES 1, 2` → `VALUES (1), (2)`: Db2 allows row values without parentheses, anywhere. */
function parenthesizeValues(sig: Token[]): Token[] {
  const at = sig.findIndex((t, i) => isWord(t, 'VALUES') && !isOp(sig[i + 1], '(') && !isOp(sig[i - 1], '.'))
  if (at < 0) return sig
  const rest = sig.slice(at + 1)
  const end = findClauseEnd(rest)
  const rows = splitDepth0(rest.slice(0, end), ',')
  const out: Token[] = sig.slice(0, at + 1)
  rows.forEach((row, index) => {
    if (index > 0) out.push(synthetic(','))
    out.push(synthetic('('), ...row, synthetic(')'))
  })
  return [...out, ...parenthesizeValues(rest.slice(end))]
}

/** Db2 needs no RECURSIVE for a common table expression that refers to itself; PostgreSQL does. */
function recursiveWith(sig: Token[]): Token[] {
  if (!isWord(sig[0], 'WITH') || isWord(sig[1], 'RECURSIVE')) return sig
  return [sig[0]!, synthetic('RECURSIVE', 'word'), ...sig.slice(1)]
}

function findClauseEnd(tokens: Token[]): number {
  let depth = 0
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    if (isOp(t, '(')) depth++
    else if (isOp(t, ')')) {
      depth--
      if (depth < 0) return i
    } else if (
      depth === 0 &&
      isWord(
        t,
        'FETCH',
        'ORDER',
        'OFFSET',
        'LIMIT',
        'UNION',
        'EXCEPT',
        'INTERSECT',
        'FOR',
        'WITH',
        'OPTIMIZE',
      )
    ) {
      return i
    }
  }
  return tokens.length
}

const SPECIAL_REGISTER_WORDS = new Set([
  'USER',
  'SESSION_USER',
  'SYSTEM_USER',
  'CURRENT_USER',
  'CURRENT_DATE',
  'CURRENT_TIME',
  'CURRENT_TIMESTAMP',
  'CURRENT_SCHEMA',
  'CURRENT_SERVER',
  'JOB_NAME',
  'NULL',
  'TRUE',
  'FALSE',
])

const NOT_AN_ALIAS = new Set([
  'END',
  'NULL',
  'TRUE',
  'FALSE',
  'DATE',
  'TIME',
  'TIMESTAMP',
  'SCHEMA',
  'USER',
  'SERVER',
  'PATH',
  'TIMEZONE',
  'DISTINCT',
  'ALL',
  'ROWS',
  'ROW',
  'ONLY',
])

/** Adds the unnamed-column alias to select-list items Db2 leaves unnamed (expressions). */
function nameUnnamedColumns(sig: Token[]): Token[] {
  // Find the first top-level SELECT (after WITH … AS (…) lists, or inside a leading parenthesis).
  let depth = 0
  let selectAt = -1
  let selectDepth = 0
  for (let i = 0; i < sig.length; i++) {
    const t = sig[i]!
    if (isOp(t, '(')) depth++
    else if (isOp(t, ')')) depth--
    else if (isWord(t, 'SELECT')) {
      if (isWord(sig[0], 'WITH') && depth !== 0) continue
      selectAt = i
      selectDepth = depth
      break
    }
  }
  if (selectAt < 0) return sig
  let start = selectAt + 1
  if (isWord(sig[start], 'DISTINCT', 'ALL')) start++
  depth = 0
  let end = sig.length
  for (let i = start; i < sig.length; i++) {
    const t = sig[i]!
    if (isOp(t, '(')) depth++
    else if (isOp(t, ')')) {
      if (depth === 0) {
        end = i
        break
      }
      depth--
    } else if (
      depth === 0 &&
      isWord(
        t,
        'FROM',
        'INTO',
        'WHERE',
        'GROUP',
        'HAVING',
        'ORDER',
        'UNION',
        'EXCEPT',
        'INTERSECT',
        'FETCH',
        'LIMIT',
        'OFFSET',
        'FOR',
        'OPTIMIZE',
        'WITH',
      )
    ) {
      end = i
      break
    }
  }
  void selectDepth
  const items = splitDepth0WithIndex(sig, start, end, ',')
  const out: Token[] = []
  let cursor = 0
  for (const [itemStart, itemEnd] of items) {
    out.push(...sig.slice(cursor, itemEnd))
    cursor = itemEnd
    const item = sig.slice(itemStart, itemEnd)
    if (item.length > 0 && needsName(item)) {
      out.push(synthetic('AS', 'word'), {
        kind: 'quoted',
        text: `"${UNNAMED_COLUMN}"`,
        value: UNNAMED_COLUMN,
        start: -1,
      })
    }
  }
  out.push(...sig.slice(cursor))
  return out
}

function needsName(item: Token[]): boolean {
  const last = item[item.length - 1]!
  // * and t.*
  if (isOp(last, '*') && (item.length === 1 || isOp(item[item.length - 2], '.'))) return false
  // a column reference: name(.name)*
  const isChain = item.every((t, i) =>
    i % 2 === 0 ? t.kind === 'word' || t.kind === 'quoted' : isOp(t, '.'),
  )
  if (isChain && item.length % 2 === 1) {
    return item.length === 1 && last.kind === 'word' && SPECIAL_REGISTER_WORDS.has(last.value)
  }
  if (item.length >= 2 && (last.kind === 'word' || last.kind === 'quoted')) {
    const prev = item[item.length - 2]!
    if (isWord(prev, 'AS')) return false
    if (last.kind === 'word' && NOT_AN_ALIAS.has(last.value)) return true
    const prevEndsExpression =
      isOp(prev, ')') ||
      prev.kind === 'string' ||
      prev.kind === 'number' ||
      prev.kind === 'quoted' ||
      (prev.kind === 'word' && !KEYWORDS_BEFORE_OPERAND.has(prev.value))
    if (prevEndsExpression) return false
  }
  return true
}

const KEYWORDS_BEFORE_OPERAND = new Set([
  'CURRENT',
  'ELSE',
  'THEN',
  'WHEN',
  'AND',
  'OR',
  'NOT',
  'CASE',
  'IS',
  'LIKE',
  'IN',
  'BETWEEN',
  'DISTINCT',
])

const CAST_FUNCTIONS: Record<string, string> = {
  SMALLINT: 'SMALLINT',
  INT: 'INTEGER',
  INTEGER: 'INTEGER',
  BIGINT: 'BIGINT',
  DECIMAL: 'DECIMAL',
  DEC: 'DECIMAL',
  DOUBLE: 'DOUBLE PRECISION',
  DOUBLE_PRECISION: 'DOUBLE PRECISION',
  FLOAT: 'DOUBLE PRECISION',
  REAL: 'REAL',
  CHAR: 'VARCHAR',
  VARCHAR: 'VARCHAR',
  DATE: 'DATE',
  TIME: 'TIME(0)',
  TIMESTAMP: 'TIMESTAMP',
}

/**
 * Db2's casting functions (`INTEGER(x)`, `DECIMAL(x, 9, 2)`, `CHAR(x, 10)`, `DATE(x)`, `TIMESTAMP(d, t)`)
 * → CAST. Only outside DDL, where `CHAR(10)` is a type, and never after AS (a CAST's own type).
 */
export function castFunctions(sig: Token[]): Token[] {
  const out: Token[] = []
  for (let i = 0; i < sig.length; i++) {
    const t = sig[i]!
    const target = t.kind === 'word' ? CAST_FUNCTIONS[t.value] : undefined
    if (target === undefined || !isOp(sig[i + 1], '(') || isWord(sig[i - 1], 'AS') || isOp(sig[i - 1], '.')) {
      out.push(t)
      continue
    }
    const close = matchingParen(sig, i + 1)
    const args = splitDepth0(sig.slice(i + 2, close), ',').map((arg) => castFunctions(arg))
    const [value, ...rest] = args
    if (value === undefined || value.length === 0) {
      out.push(t)
      continue
    }
    if (t.value === 'TIMESTAMP' && rest.length === 1) {
      out.push(
        synthetic('('),
        synthetic('CAST', 'word'),
        synthetic('('),
        ...value,
        synthetic('AS', 'word'),
        synthetic('DATE', 'word'),
        synthetic(')'),
      )
      out.push(
        synthetic('+'),
        synthetic('CAST', 'word'),
        synthetic('('),
        ...rest[0]!,
        synthetic('AS', 'word'),
        synthetic('TIME', 'word'),
        synthetic(')'),
        synthetic(')'),
      )
      i = close
      continue
    }
    let type = target
    const numbers = rest.map((arg) =>
      arg.length === 1 && arg[0]!.kind === 'number' ? arg[0]!.text : undefined,
    )
    if (
      (t.value === 'DECIMAL' || t.value === 'DEC') &&
      numbers.length > 0 &&
      numbers.every((n) => n !== undefined)
    ) {
      type = `DECIMAL(${numbers.join(', ')})`
    } else if (
      (t.value === 'CHAR' || t.value === 'VARCHAR') &&
      numbers.length === 1 &&
      numbers[0] !== undefined
    ) {
      type = `${t.value}(${numbers[0]})`
    } else if (t.value === 'DECIMAL' || t.value === 'DEC') {
      type = 'DECIMAL(15, 0)'
    }
    out.push(
      synthetic('CAST', 'word'),
      synthetic('('),
      synthetic('('),
      ...value,
      synthetic(')'),
      synthetic('AS', 'word'),
      {
        kind: 'op',
        text: ` ${type} `,
        value: type,
        start: -1,
      },
      synthetic(')'),
    )
    i = close
  }
  return out
}

/** `FROM TABLE(f(…)) AS x` → `FROM f(…) AS x`: PostgreSQL calls table functions without TABLE(). */
function tableFunctions(sig: Token[]): Token[] {
  const out: Token[] = []
  const skip = new Set<number>()
  for (let i = 0; i < sig.length; i++) {
    if (skip.has(i)) continue
    const t = sig[i]!
    if (
      isWord(t, 'TABLE') &&
      isOp(sig[i + 1], '(') &&
      (isWord(sig[i - 1], 'FROM', 'JOIN', 'LATERAL') || isOp(sig[i - 1], ','))
    ) {
      const close = matchingParen(sig, i + 1)
      // TABLE (subselect) is a lateral derived table.
      if (isWord(sig[i + 2], 'SELECT', 'VALUES', 'WITH')) {
        out.push({ ...t, text: 'LATERAL', value: 'LATERAL' })
        continue
      }
      skip.add(i + 1)
      skip.add(close)
      continue
    }
    out.push(t)
  }
  return out
}

/** Db2's COUNT is INTEGER (COUNT_BIG is BIGINT); PostgreSQL's count is bigint. */
export function countAsInteger(sig: Token[]): Token[] {
  const out: Token[] = []
  const closers = new Set<number>()
  for (let i = 0; i < sig.length; i++) {
    const t = sig[i]!
    if (isWord(t, 'COUNT_BIG') && isOp(sig[i + 1], '(')) {
      out.push({ ...t, text: 'COUNT', value: 'COUNT' })
      continue
    }
    if (isWord(t, 'COUNT') && isOp(sig[i + 1], '(') && !isOp(sig[i - 1], '.')) {
      const close = matchingParen(sig, i + 1)
      if (!isWord(sig[close + 1], 'OVER')) {
        out.push(synthetic('CAST', 'word'), synthetic('('))
        closers.add(close)
      }
    }
    out.push(t)
    if (closers.has(i)) out.push(synthetic('AS', 'word'), synthetic('INTEGER', 'word'), synthetic(')'))
  }
  return out
}

/** `… FROM FINAL TABLE (INSERT …) [AS] x …` → `WITH x AS (INSERT … RETURNING *) … FROM x …`. */
function finalTable(sig: Token[]): Token[] {
  for (let i = 0; i < sig.length; i++) {
    if (!(isWord(sig[i], 'FINAL', 'NEW') && isWord(sig[i + 1], 'TABLE') && isOp(sig[i + 2], '('))) continue
    const open = i + 2
    const close = matchingParen(sig, open)
    const inner = sig.slice(open + 1, close)
    if (!isWord(inner[0], 'INSERT', 'UPDATE', 'DELETE', 'MERGE')) continue
    let after = close + 1
    let alias: Token | undefined
    if (isWord(sig[after], 'AS')) after++
    const candidate = sig[after]
    if (
      candidate &&
      (candidate.kind === 'quoted' || (candidate.kind === 'word' && !CLAUSE_WORDS.has(candidate.value)))
    ) {
      alias = candidate
      after++
    }
    const aliasToken = alias ?? {
      kind: 'word' as const,
      text: 'db2_final_table',
      value: 'DB2_FINAL_TABLE',
      start: -1,
    }
    const cte: Token[] = [
      aliasToken,
      synthetic('AS', 'word'),
      synthetic('('),
      ...inner,
      synthetic('RETURNING', 'word'),
      synthetic('*'),
      synthetic(')'),
    ]
    const body = [...sig.slice(0, i), aliasToken, ...sig.slice(after)]
    if (isWord(body[0], 'WITH')) {
      return finalTable([body[0]!, ...cte, synthetic(','), ...body.slice(1)])
    }
    return finalTable([synthetic('WITH', 'word'), ...cte, ...body])
  }
  return sig
}

const CLAUSE_WORDS = new Set([
  'WHERE',
  'ORDER',
  'GROUP',
  'FETCH',
  'LIMIT',
  'OFFSET',
  'UNION',
  'JOIN',
  'INNER',
  'LEFT',
  'RIGHT',
  'FULL',
  'CROSS',
  'ON',
  'HAVING',
  'FOR',
  'WITH',
  'OPTIMIZE',
])

export interface RewriteOptions {
  paramOffset: number
}

export interface Rewritten {
  sql: string
  paramCount: number
}

const DB2_TYPES: Record<string, string> = {
  CLOB: 'qsys.clob',
  DBCLOB: 'qsys.clob',
  NCLOB: 'qsys.clob',
  BLOB: 'qsys.blob',
  BINARY: 'qsys.binary',
  VARBINARY: 'qsys.varbinary',
  DECFLOAT: 'qsys.decfloat',
  ROWID: 'qsys.rowid',
  GRAPHIC: 'char',
  VARGRAPHIC: 'varchar',
  NVARCHAR: 'varchar',
}

/** Token-level rewrites that keep the statement's shape. */
export function rewrite(
  tokens: Token[],
  options: TranslateOptions,
  rewriteOptions: RewriteOptions,
): Rewritten {
  const out: string[] = []
  let params = 0
  let lastType = ''
  const hasFrom = tokens.some((t) => isWord(t, 'FROM'))
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    const prev = tokens[i - 1]
    const next = tokens[i + 1]
    const afterDot =
      isOp(prev, '.') || (options.naming === 'system' && isOp(prev, '/') && adjacent(tokens[i - 2], prev, t))
    switch (t.kind) {
      case 'param':
        params++
        out.push(`$${rewriteOptions.paramOffset + params}`)
        continue
      case 'quoted':
        // "SESSION" and "QTEMP" name the same library as their unquoted forms.
        if ((t.value === 'QTEMP' || t.value === 'SESSION') && isOp(next, '.') && !afterDot) {
          out.push('pg_temp')
          continue
        }
        out.push(quotePg(pgName(t.value)))
        continue
      case 'string':
        out.push(stringLiteral(t))
        continue
      case 'number':
      case 'space':
        out.push(t.text)
        continue
      case 'op':
        if (
          t.value === '/' &&
          options.naming === 'system' &&
          isName(prev) &&
          isName(next) &&
          adjacent(prev, t, next)
        ) {
          out.push('.')
          continue
        }
        if (t.value === ';') continue
        if (t.value === '!=') {
          out.push('<>')
          continue
        }
        out.push(t.text)
        continue
      case 'word':
        break
    }
    const w = t.value
    if (
      (w === 'QTEMP' || w === 'SESSION') &&
      (isOp(next, '.') || (options.naming === 'system' && isOp(next, '/')))
    ) {
      // The job's own library is PostgreSQL's temporary schema.
      out.push('pg_temp')
      continue
    }
    if (afterDot) {
      out.push(t.text)
      continue
    }
    // Special registers (two-word forms first).
    if (w === 'CURRENT' && next?.kind === 'word') {
      const register = next.value
      const replacement = specialRegister(register)
      if (replacement !== undefined) {
        out.push(replacement)
        i++
        continue
      }
    }
    if (
      [
        'CURRENT_DATE',
        'CURRENT_TIME',
        'CURRENT_TIMESTAMP',
        'CURRENT_SCHEMA',
        'CURRENT_SERVER',
        'CURRENT_USER',
      ].includes(w)
    ) {
      out.push(specialRegister(w.slice('CURRENT_'.length))!)
      continue
    }
    if (
      (w === 'USER' || w === 'SESSION_USER' || w === 'SYSTEM_USER') &&
      !isOp(next, '.') &&
      !isOp(next, '(')
    ) {
      out.push("current_setting('mapepire.user')")
      continue
    }
    if (w === 'JOB_NAME' && !hasFrom && !isOp(next, '(')) {
      out.push("current_setting('mapepire.job_name')")
      continue
    }
    if (w === 'QSYS2' && isOp(next, '.') && isWord(tokens[i + 2], 'JOB_NAME') && !isOp(tokens[i + 3], '(')) {
      out.push("current_setting('mapepire.job_name')")
      i += 2
      continue
    }
    if (w === 'CONCAT') {
      if (isOp(next, '(')) out.push('qsys.db2_concat')
      else out.push('||')
      continue
    }
    if ((w === 'VALUE' || w === 'IFNULL' || w === 'NVL') && isOp(next, '(')) {
      out.push('COALESCE')
      continue
    }
    if (w === 'IDENTITY_VAL_LOCAL' && isOp(next, '(')) {
      out.push('qsys.identity_val_local')
      continue
    }
    if (
      DURATIONS[w] !== undefined &&
      prev !== undefined &&
      (prev.kind === 'number' || prev.kind === 'param' || isOp(prev, ')')) &&
      !isOp(next, '(')
    ) {
      // Labeled durations: `d - 1 DAY`, `ts + ? HOURS`.
      out.push(`* INTERVAL '1 ${DURATIONS[w]}'`)
      continue
    }
    if (w === 'WITH' && isWord(next, 'DEFAULT')) {
      // NOT NULL WITH DEFAULT [value]: Db2's spelling of DEFAULT; without a value, the type's default.
      const after = tokens[i + 2]
      i++
      if (
        after === undefined ||
        isOp(after, ',', ')') ||
        isWord(after, 'NOT', 'NULL', 'PRIMARY', 'UNIQUE', 'CHECK', 'REFERENCES', 'CONSTRAINT')
      ) {
        out.push(`DEFAULT ${typeDefault(lastType)}`)
      } else {
        out.push('DEFAULT')
      }
      continue
    }
    if (isTypePosition(prev) && TYPE_WORDS.has(w)) lastType = w
    if (w === 'DOUBLE' && !isWord(next, 'PRECISION') && !isOp(next, '(')) {
      out.push('DOUBLE PRECISION')
      continue
    }
    if (w === 'TIME' && !isOp(next, '(') && isTypePosition(prev)) {
      out.push('TIME(0)')
      continue
    }
    if (w in DB2_TYPES && isTypePosition(prev) && !isOp(next, '.')) {
      out.push(DB2_TYPES[w]!)
      // Lengths do not apply to the unbounded PostgreSQL types behind them.
      if (isOp(next, '(') && DB2_TYPES[w]!.startsWith('qsys.')) i = matchingParen(tokens, i + 1)
      continue
    }
    if (w === 'LONG' && isWord(next, 'VARCHAR', 'VARGRAPHIC')) {
      out.push('text')
      i++
      continue
    }
    if (w === 'FOR' && isWord(next, 'BIT', 'SBCS', 'MIXED') && isWord(tokens[i + 2], 'DATA')) {
      if (next!.value === 'BIT') replaceLastCharType(out)
      i += 2
      continue
    }
    if (w === 'CCSID' && tokens[i + 1]?.kind === 'number') {
      i++
      continue
    }
    if (w === 'ALLOCATE' && isOp(next, '(')) {
      i = matchingParen(tokens, i + 1)
      continue
    }
    if (
      w === 'WITH' &&
      isWord(next, 'NC', 'UR', 'CS', 'RS', 'RR', 'CHG', 'ALL', 'NONE') &&
      isClauseEnd(tokens, i + 2)
    ) {
      i++
      continue
    }
    if (w === 'OPTIMIZE' && isWord(next, 'FOR')) {
      // OPTIMIZE FOR n ROWS|ROW | ALL ROWS
      let j = i + 2
      while (j < tokens.length && !isWord(tokens[j], 'ROWS', 'ROW')) j++
      i = j
      continue
    }
    if (w === 'FOR' && isWord(next, 'READ', 'FETCH') && isWord(tokens[i + 2], 'ONLY')) {
      i += 2
      continue
    }
    if (w === 'IDENTITY' && isOp(next, '(')) {
      out.push('IDENTITY', identityOptions(tokens, i + 1))
      i = matchingParen(tokens, i + 1)
      continue
    }
    if (w === 'NOT' && isWord(next, 'LOGGED') && isWord(tokens[i + 2], 'INITIALLY')) {
      i += 2
      continue
    }
    if (w === 'IMPLICITLY' && isWord(next, 'HIDDEN')) {
      i++
      continue
    }
    out.push(t.text)
  }
  return { sql: out.join(' ').trim(), paramCount: params }
}

const DURATIONS: Record<string, string> = {
  YEAR: 'year',
  YEARS: 'year',
  MONTH: 'month',
  MONTHS: 'month',
  DAY: 'day',
  DAYS: 'day',
  HOUR: 'hour',
  HOURS: 'hour',
  MINUTE: 'minute',
  MINUTES: 'minute',
  SECOND: 'second',
  SECONDS: 'second',
  MICROSECOND: 'microsecond',
  MICROSECONDS: 'microsecond',
}

const TYPE_WORDS = new Set([
  'SMALLINT',
  'INT',
  'INTEGER',
  'BIGINT',
  'DECIMAL',
  'DEC',
  'NUMERIC',
  'REAL',
  'DOUBLE',
  'FLOAT',
  'DECFLOAT',
  'CHAR',
  'CHARACTER',
  'VARCHAR',
  'GRAPHIC',
  'VARGRAPHIC',
  'CLOB',
  'DBCLOB',
  'BLOB',
  'BINARY',
  'VARBINARY',
  'DATE',
  'TIME',
  'TIMESTAMP',
  'BOOLEAN',
])

/** The value a Db2 column declared WITH DEFAULT (and no value) starts with. */
function typeDefault(type: string): string {
  switch (type) {
    case 'CHAR':
    case 'CHARACTER':
    case 'VARCHAR':
    case 'GRAPHIC':
    case 'VARGRAPHIC':
    case 'CLOB':
    case 'DBCLOB':
      return "''"
    case 'BLOB':
    case 'BINARY':
    case 'VARBINARY':
      return "''::bytea"
    case 'DATE':
    case 'TIME':
    case 'TIMESTAMP':
      return specialRegister(type)!
    case 'BOOLEAN':
      return 'false'
    default:
      return '0'
  }
}

function adjacent(a: Token | undefined, b: Token | undefined, c: Token | undefined): boolean {
  if (a === undefined || b === undefined || c === undefined) return false
  return a.start + a.text.length === b.start && b.start + b.text.length === c.start
}

function isName(t: Token | undefined): boolean {
  return t !== undefined && (t.kind === 'word' || t.kind === 'quoted')
}

function isTypePosition(prev: Token | undefined): boolean {
  // After a column name, AS (in CAST), a comma or parenthesis in a definition list, or DATA TYPE.
  return prev !== undefined && (prev.kind === 'word' || prev.kind === 'quoted' || isOp(prev, '(', ','))
}

function isClauseEnd(tokens: Token[], at: number): boolean {
  const t = tokens.slice(at).find((x) => x.kind !== 'space')
  return t === undefined || isOp(t, ')', ';') || isWord(t, 'USE', 'SKIP', 'KEEP')
}

function replaceLastCharType(out: string[]): void {
  // CHAR(n) FOR BIT DATA / VARCHAR(n) FOR BIT DATA → bytea
  for (let j = out.length - 1; j >= 0; j--) {
    const piece = out[j]!.toUpperCase()
    if (piece === 'CHAR' || piece === 'VARCHAR' || piece === 'CHARACTER') {
      out.splice(j, out.length - j, 'qsys.varbinary')
      return
    }
  }
}

function identityOptions(tokens: Token[], open: number): string {
  const close = matchingParen(tokens, open)
  const inner = significant(tokens.slice(open + 1, close))
  const parts: string[] = []
  for (let i = 0; i < inner.length; i++) {
    const t = inner[i]!
    if (isOp(t, ',')) continue
    if (isWord(t, 'ORDER')) continue
    if (isWord(t, 'NO') && isWord(inner[i + 1], 'ORDER')) {
      i++
      continue
    }
    if (isWord(t, 'NO') && isWord(inner[i + 1], 'CACHE')) {
      parts.push('CACHE 1')
      i++
      continue
    }
    parts.push(t.text)
  }
  return `(${parts.join(' ')})`
}

function specialRegister(register: string): string | undefined {
  switch (register) {
    case 'DATE':
      return 'CURRENT_DATE'
    case 'TIME':
      return 'LOCALTIME(0)'
    case 'TIMESTAMP':
      return 'LOCALTIMESTAMP'
    case 'SCHEMA':
    case 'SQLID':
      return "current_setting('mapepire.current_schema')"
    case 'USER':
      return "current_setting('mapepire.user')"
    case 'SERVER':
      return "current_setting('mapepire.server')"
    case 'TIMEZONE':
      return '(EXTRACT(TIMEZONE FROM CURRENT_TIMESTAMP)::integer / 3600 * 10000 + EXTRACT(TIMEZONE FROM CURRENT_TIMESTAMP)::integer % 3600 / 60 * 100)::numeric(6,0)'
    case 'PATH':
      return "current_setting('mapepire.path')"
    default:
      return undefined
  }
}

function stringLiteral(t: Token): string {
  switch (t.prefix) {
    case 'X':
    case 'BX':
      return `'\\x${t.value}'::bytea`
    case 'UX':
    case 'GX':
      return quoteLiteral(hexToUtf16(t.value))
    default:
      // N'..', G'..' and plain literals; standard_conforming_strings is on, so backslashes are literal.
      return quoteLiteral(t.value)
  }
}

function hexToUtf16(hex: string): string {
  let s = ''
  for (let i = 0; i + 4 <= hex.length; i += 4)
    s += String.fromCharCode(Number.parseInt(hex.slice(i, i + 4), 16))
  return s
}

export function matchingParen(tokens: Token[], open: number): number {
  let depth = 0
  for (let i = open; i < tokens.length; i++) {
    if (isOp(tokens[i], '(')) depth++
    else if (isOp(tokens[i], ')')) {
      depth--
      if (depth === 0) return i
    }
  }
  throw tokenNotValid('<END-OF-STATEMENT>', ')')
}

export function splitDepth0(tokens: Token[], separator: string): Token[][] {
  const out: Token[][] = []
  let depth = 0
  let current: Token[] = []
  for (const t of tokens) {
    if (isOp(t, '(')) depth++
    else if (isOp(t, ')')) depth--
    if (depth === 0 && isOp(t, separator)) {
      out.push(current)
      current = []
      continue
    }
    current.push(t)
  }
  out.push(current)
  return out
}

function splitDepth0WithIndex(
  tokens: Token[],
  start: number,
  end: number,
  separator: string,
): [number, number][] {
  const out: [number, number][] = []
  let depth = 0
  let itemStart = start
  for (let i = start; i < end; i++) {
    const t = tokens[i]!
    if (isOp(t, '(')) depth++
    else if (isOp(t, ')')) depth--
    else if (depth === 0 && isOp(t, separator)) {
      out.push([itemStart, i])
      itemStart = i + 1
    }
  }
  out.push([itemStart, end])
  return out
}

function synthetic(text: string, kind: Token['kind'] = 'op'): Token {
  return {
    kind,
    text: kind === 'word' ? ` ${text} ` : ` ${text} `,
    value: text.trim().toUpperCase(),
    start: -1,
  }
}
