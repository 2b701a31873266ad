// Recursive-descent parser for the Trino (Athena engine v3) statements athena-local executes.
// It is the only SQL parser of the server: statements and ExecutionParameters values both go through it,
// so what a client's literal formatter produces is judged by the same grammar as the statement.
import type {
  AliasSpec,
  Expr,
  FrameBound,
  GroupingElement,
  Ident,
  MergeClause,
  OrderItem,
  Pos,
  Property,
  Query,
  QueryBody,
  QuerySpec,
  Relation,
  SelectItem,
  SqlType,
  Statement,
  WindowSpec,
} from './ast.ts'
import { SqlSyntaxError, type Token, tokenize } from './lexer.ts'
import { TokenStream } from './token-stream.ts'

/** Words Trino reserves: they are not identifiers unless double quoted. */
export const RESERVED = new Set(
  (
    'ALTER AND AS BETWEEN BY CASE CAST CONSTRAINT CREATE CROSS CUBE CURRENT_CATALOG CURRENT_DATE CURRENT_PATH ' +
    'CURRENT_ROLE CURRENT_SCHEMA CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER DEALLOCATE DELETE DESCRIBE DISTINCT ' +
    'DROP ELSE END ESCAPE EXCEPT EXECUTE EXISTS EXTRACT FALSE FOR FROM FULL GROUP GROUPING HAVING IN INNER INSERT ' +
    'INTERSECT INTO IS JOIN JSON_ARRAY JSON_EXISTS JSON_OBJECT JSON_QUERY JSON_TABLE JSON_VALUE LEFT LIKE LISTAGG ' +
    'LOCALTIME LOCALTIMESTAMP NATURAL NORMALIZE NOT NULL ON OR ORDER OUTER PREPARE RECURSIVE RIGHT ROLLUP SELECT ' +
    'SKIP SOME TABLE THEN TRIM TRUE UESCAPE UNION UNNEST USING VALUES WHEN WHERE WITH'
  ).split(' '),
)

const STATEMENT_START = [
  "'ALTER'",
  "'ANALYZE'",
  "'CALL'",
  "'COMMENT'",
  "'COMMIT'",
  "'CREATE'",
  "'DEALLOCATE'",
  "'DELETE'",
  "'DENY'",
  "'DESC'",
  "'DESCRIBE'",
  "'DROP'",
  "'EXECUTE'",
  "'EXPLAIN'",
  "'GRANT'",
  "'INSERT'",
  "'MERGE'",
  "'PREPARE'",
  "'REFRESH'",
  "'RESET'",
  "'REVOKE'",
  "'ROLLBACK'",
  "'SET'",
  "'SHOW'",
  "'START'",
  "'TRUNCATE'",
  "'UPDATE'",
  "'USE'",
  '<query>',
]

/** Non-reserved words that start a clause, so they are never an implicit alias. */
const CLAUSE_WORDS = new Set(['LIMIT', 'OFFSET', 'FETCH', 'WINDOW'])

const COMPARISON = new Set(['=', '<>', '!=', '<', '<=', '>', '>='])

export interface ParseOptions {
  /** Count `?` placeholders (set by parseStatement). */
  params?: { count: number }
}

export function parseStatement(sql: string): { statement: Statement; parameterCount: number } {
  const parser = new TrinoParser(sql)
  const statement = parser.statement()
  parser.end()
  return { statement, parameterCount: parser.parameterCount }
}

/** Parses one expression standing alone (an ExecutionParameters value); throws SqlSyntaxError. */
export function parseExpression(sql: string): Expr {
  const parser = new TrinoParser(sql)
  const expr = parser.expression()
  parser.end()
  return expr
}

export function parseType(sql: string): SqlType {
  const parser = new TrinoParser(sql)
  const type = parser.type()
  parser.end()
  return type
}

export class TrinoParser {
  readonly ts: TokenStream
  parameterCount = 0

  constructor(sql: string) {
    const tokens = tokenize(sql)
    for (const t of tokens) {
      if (t.kind === 'backquoted') {
        throw new SqlSyntaxError(
          'backquoted identifiers are not supported; use double quotes to quote identifiers',
          t.line,
          t.column,
        )
      }
    }
    this.ts = new TokenStream(tokens, sql)
  }

  end(): void {
    this.ts.acceptOp(';')
    if (this.ts.peek.kind !== 'eof') this.ts.fail(['<EOF>'])
  }

  private pos(t: Token = this.ts.peek): Pos {
    return { line: t.line, column: t.column }
  }

  // ---------- statements ----------

  statement(): Statement {
    const ts = this.ts
    const t = ts.peek
    if (this.startsQuery()) return { kind: 'query', query: this.query() }
    if (ts.isWord('INSERT')) {
      ts.next()
      ts.expectWord('INTO')
      const table = this.qualifiedName()
      let columns: Ident[] | null = null
      if (ts.isOp('(') && !this.startsQueryAt(1)) {
        ts.next()
        columns = this.identList()
        ts.expectOp(')')
      }
      return { kind: 'insert', table, columns, query: this.query() }
    }
    if (ts.isWord('CREATE')) return this.create()
    if (ts.acceptWord('DROP', 'VIEW')) {
      const ifExists = ts.acceptWord('IF', 'EXISTS')
      return { kind: 'drop-view', ifExists, name: this.qualifiedName() }
    }
    if (ts.acceptWord('UPDATE')) {
      const table = this.qualifiedName()
      ts.expectWord('SET')
      const sets: { column: Ident; value: Expr }[] = []
      do {
        const column = this.identifier()
        ts.expectOp('=')
        sets.push({ column, value: this.expression() })
      } while (ts.acceptOp(','))
      const where = ts.acceptWord('WHERE') ? this.expression() : null
      return { kind: 'update', table, sets, where }
    }
    if (ts.acceptWord('DELETE')) {
      ts.expectWord('FROM')
      const table = this.qualifiedName()
      const where = ts.acceptWord('WHERE') ? this.expression() : null
      return { kind: 'delete', table, where }
    }
    if (ts.acceptWord('MERGE')) return this.merge()
    if (ts.acceptWord('UNLOAD')) {
      ts.expectOp('(')
      const query = this.query()
      ts.expectOp(')')
      ts.expectWord('TO')
      const loc = ts.next()
      if (loc.kind !== 'string') ts.fail(['<string>'], loc)
      ts.expectWord('WITH')
      const properties = this.properties()
      return { kind: 'unload', query, location: loc.value, properties }
    }
    if (ts.acceptWord('EXPLAIN')) {
      const analyze = ts.acceptWord('ANALYZE')
      if (ts.isOp('(')) {
        ts.next()
        while (!ts.isOp(')') && ts.peek.kind !== 'eof') ts.next()
        ts.expectOp(')')
      }
      return { kind: 'explain', analyze, statement: this.statement() }
    }
    if (ts.acceptWord('VACUUM')) return { kind: 'vacuum', table: this.qualifiedName() }
    if (ts.acceptWord('OPTIMIZE')) {
      const table = this.qualifiedName()
      ts.expectWord('REWRITE')
      ts.expectWord('DATA')
      ts.expectWord('USING')
      ts.expectWord('BIN_PACK')
      if (ts.acceptWord('WHERE')) this.expression()
      return { kind: 'optimize', table }
    }
    if (ts.acceptWord('PREPARE')) {
      const name = this.identifier()
      ts.expectWord('FROM')
      const start = ts.peek.start
      const before = this.parameterCount
      const statement = this.statement()
      const text = ts.sql.slice(start, ts.peek.start).trim()
      // placeholders of a prepared statement are bound by EXECUTE, not by ExecutionParameters
      this.parameterCount = before
      return { kind: 'prepare', name, statement, text }
    }
    if (ts.acceptWord('EXECUTE')) {
      const name = this.identifier()
      const using: Expr[] = []
      if (ts.acceptWord('USING')) {
        do using.push(this.expression())
        while (ts.acceptOp(','))
      }
      return { kind: 'execute', name, using }
    }
    if (ts.acceptWord('DEALLOCATE')) {
      ts.expectWord('PREPARE')
      return { kind: 'deallocate', name: this.identifier() }
    }
    if (ts.acceptWord('USE')) {
      const first = this.identifier()
      if (ts.acceptOp('.')) return { kind: 'use', catalog: first, schema: this.identifier() }
      return { kind: 'use', catalog: null, schema: first }
    }
    return ts.fail(STATEMENT_START, t)
  }

  private create(): Statement {
    const ts = this.ts
    ts.expectWord('CREATE')
    const orReplace = ts.acceptWord('OR', 'REPLACE')
    if (ts.acceptWord('VIEW')) {
      const name = this.qualifiedName()
      if (ts.acceptWord('COMMENT')) ts.next()
      if (ts.acceptWord('SECURITY')) ts.next()
      ts.expectWord('AS')
      const start = ts.peek.start
      const query = this.query()
      const text = ts.sql.slice(start, ts.peek.start).trim().replace(/;$/, '')
      return { kind: 'create-view', orReplace, name, query, text }
    }
    if (orReplace) ts.fail(["'VIEW'"])
    ts.expectWord('TABLE')
    const ifNotExists = ts.acceptWord('IF', 'NOT', 'EXISTS')
    const table = this.qualifiedName()
    let columns: Ident[] | null = null
    if (ts.acceptOp('(')) {
      columns = this.identList()
      ts.expectOp(')')
    }
    const comment = ts.acceptWord('COMMENT') ? this.stringLiteral() : null
    const properties = ts.acceptWord('WITH') ? this.properties() : []
    if (!ts.isWord('AS')) ts.fail(["'AS'", "'COMMENT'", "'WITH'"])
    ts.next()
    let query: Query
    if (ts.isOp('(') && this.startsQueryAt(1)) {
      ts.next()
      query = this.query()
      ts.expectOp(')')
    } else {
      query = this.query()
    }
    let withData = true
    if (ts.acceptWord('WITH', 'NO', 'DATA')) withData = false
    else ts.acceptWord('WITH', 'DATA')
    return { kind: 'ctas', ifNotExists, table, columns, comment, properties, query, withData }
  }

  private merge(): Statement {
    const ts = this.ts
    ts.expectWord('INTO')
    const target = this.qualifiedName()
    let targetAlias: Ident | null = null
    if (ts.acceptWord('AS')) targetAlias = this.identifier()
    else if (this.isIdentifierToken(ts.peek) && !ts.isWord('USING')) targetAlias = this.identifier()
    ts.expectWord('USING')
    const source = this.relationPrimary()
    ts.expectWord('ON')
    const on = this.expression()
    const clauses: (MergeClause & { matched: boolean })[] = []
    while (ts.acceptWord('WHEN')) {
      const matched = !ts.acceptWord('NOT')
      ts.expectWord('MATCHED')
      const condition = ts.acceptWord('AND') ? this.expression() : null
      ts.expectWord('THEN')
      if (matched && ts.acceptWord('UPDATE')) {
        ts.expectWord('SET')
        const sets: { column: Ident; value: Expr }[] = []
        do {
          const column = this.identifier()
          ts.expectOp('=')
          sets.push({ column, value: this.expression() })
        } while (ts.acceptOp(','))
        clauses.push({ kind: 'update', condition, sets, matched })
      } else if (matched && ts.acceptWord('DELETE')) {
        clauses.push({ kind: 'delete', condition, matched })
      } else if (!matched && ts.acceptWord('INSERT')) {
        let columns: Ident[] | null = null
        if (ts.acceptOp('(')) {
          columns = this.identList()
          ts.expectOp(')')
        }
        ts.expectWord('VALUES')
        ts.expectOp('(')
        const values = this.exprList()
        ts.expectOp(')')
        clauses.push({ kind: 'insert', condition, columns, values, matched })
      } else {
        ts.fail(matched ? ["'DELETE'", "'UPDATE'"] : ["'INSERT'"])
      }
    }
    if (clauses.length === 0) ts.fail(["'WHEN'"])
    return { kind: 'merge', target, targetAlias, source, on, clauses }
  }

  properties(): Property[] {
    const ts = this.ts
    ts.expectOp('(')
    const props: Property[] = []
    do {
      const name = this.identifier().name
      ts.expectOp('=')
      props.push({ name, value: this.expression() })
    } while (ts.acceptOp(','))
    ts.expectOp(')')
    return props
  }

  // ---------- queries ----------

  private startsQuery(): boolean {
    return this.startsQueryAt(0)
  }

  private startsQueryAt(offset: number): boolean {
    const ts = this.ts
    let i = offset
    while (ts.isOp('(', i)) i++
    return ts.isWord('SELECT', i) || ts.isWord('WITH', i) || ts.isWord('VALUES', i) || ts.isWord('TABLE', i)
  }

  query(): Query {
    const ts = this.ts
    let w: Query['with'] = null
    if (ts.acceptWord('WITH')) {
      const recursive = ts.acceptWord('RECURSIVE')
      const ctes: NonNullable<Query['with']>['ctes'] = []
      do {
        const name = this.identifier()
        let columns: Ident[] | null = null
        if (ts.acceptOp('(')) {
          columns = this.identList()
          ts.expectOp(')')
        }
        ts.expectWord('AS')
        ts.expectOp('(')
        const query = this.query()
        ts.expectOp(')')
        ctes.push({ name, columns, query })
      } while (ts.acceptOp(','))
      w = { recursive, ctes }
    }
    const body = this.queryBody()
    const q: Query = { with: w, body, orderBy: [], offset: null, limit: null, fetch: null }
    this.queryTail(q)
    return q
  }

  private queryTail(q: Query): void {
    const ts = this.ts
    if (ts.acceptWord('ORDER')) {
      ts.expectWord('BY')
      q.orderBy = this.orderItems()
    }
    if (ts.acceptWord('OFFSET')) {
      q.offset = this.rowCount()
      if (!ts.acceptWord('ROWS')) ts.acceptWord('ROW')
    }
    if (ts.acceptWord('LIMIT')) {
      if (ts.acceptWord('ALL')) q.limit = 'ALL'
      else q.limit = this.rowCount()
    } else if (ts.acceptWord('FETCH')) {
      if (!ts.acceptWord('FIRST')) ts.expectWord('NEXT')
      let count: Expr = { k: 'integer', text: '1', pos: this.pos() }
      if (!ts.isWord('ROW') && !ts.isWord('ROWS')) count = this.rowCount()
      if (!ts.acceptWord('ROWS')) ts.expectWord('ROW')
      let withTies = false
      if (ts.acceptWord('WITH', 'TIES')) withTies = true
      else ts.expectWord('ONLY')
      q.fetch = { count, withTies }
    }
  }

  private rowCount(): Expr {
    const t = this.ts.peek
    if (t.kind === 'integer') {
      this.ts.next()
      return { k: 'integer', text: t.value, pos: this.pos(t) }
    }
    if (t.kind === 'param') {
      this.ts.next()
      return { k: 'param', index: this.parameterCount++, pos: this.pos(t) }
    }
    return this.ts.fail(["'?'", '<integer>'])
  }

  private queryBody(): QueryBody {
    let left = this.queryTerm()
    for (;;) {
      const ts = this.ts
      let op: 'UNION' | 'EXCEPT' | null = null
      if (ts.isWord('UNION')) op = 'UNION'
      else if (ts.isWord('EXCEPT')) op = 'EXCEPT'
      if (!op) return left
      ts.next()
      const all = ts.acceptWord('ALL')
      if (!all) ts.acceptWord('DISTINCT')
      const right = this.queryTerm()
      left = { kind: 'setop', op, all, left, right }
    }
  }

  private queryTerm(): QueryBody {
    let left = this.queryPrimary()
    while (this.ts.acceptWord('INTERSECT')) {
      const all = this.ts.acceptWord('ALL')
      if (!all) this.ts.acceptWord('DISTINCT')
      const right = this.queryPrimary()
      left = { kind: 'setop', op: 'INTERSECT', all, left, right }
    }
    return left
  }

  private queryPrimary(): QueryBody {
    const ts = this.ts
    if (ts.isWord('SELECT')) return this.querySpec()
    if (ts.acceptWord('VALUES')) return { kind: 'values', rows: this.exprList() }
    if (ts.acceptWord('TABLE')) return { kind: 'table', name: this.qualifiedName() }
    if (ts.isOp('(')) {
      ts.next()
      const query = this.query()
      ts.expectOp(')')
      return { kind: 'query', query }
    }
    return ts.fail(["'('", "'SELECT'", "'TABLE'", "'VALUES'"])
  }

  private querySpec(): QuerySpec {
    const ts = this.ts
    ts.expectWord('SELECT')
    let distinct = false
    if (ts.acceptWord('DISTINCT')) distinct = true
    else ts.acceptWord('ALL')
    const items: SelectItem[] = []
    do items.push(this.selectItem())
    while (ts.acceptOp(','))
    const spec: QuerySpec = {
      kind: 'select',
      distinct,
      items,
      from: [],
      where: null,
      groupBy: null,
      having: null,
      windows: [],
    }
    if (ts.acceptWord('FROM')) {
      do spec.from.push(this.relation())
      while (ts.acceptOp(','))
    }
    if (ts.acceptWord('WHERE')) spec.where = this.expression()
    if (ts.acceptWord('GROUP')) {
      ts.expectWord('BY')
      let gDistinct = false
      if (ts.acceptWord('DISTINCT')) gDistinct = true
      else ts.acceptWord('ALL')
      const elements: GroupingElement[] = []
      do elements.push(this.groupingElement())
      while (ts.acceptOp(','))
      spec.groupBy = { distinct: gDistinct, elements }
    }
    if (ts.acceptWord('HAVING')) spec.having = this.expression()
    if (ts.acceptWord('WINDOW')) {
      do {
        const name = this.identifier().name
        ts.expectWord('AS')
        ts.expectOp('(')
        const windowSpec = this.windowSpec()
        ts.expectOp(')')
        spec.windows.push({ name, spec: windowSpec })
      } while (ts.acceptOp(','))
    }
    return spec
  }

  private groupingElement(): GroupingElement {
    const ts = this.ts
    if (ts.isWord('ROLLUP') || ts.isWord('CUBE')) {
      const kind = ts.next().value.toLowerCase() as 'rollup' | 'cube'
      ts.expectOp('(')
      const exprs = ts.isOp(')') ? [] : this.exprList()
      ts.expectOp(')')
      return { kind, exprs }
    }
    if (ts.acceptWord('GROUPING', 'SETS')) {
      ts.expectOp('(')
      const sets: Expr[][] = []
      do {
        if (ts.acceptOp('(')) {
          sets.push(ts.isOp(')') ? [] : this.exprList())
          ts.expectOp(')')
        } else {
          sets.push([this.expression()])
        }
      } while (ts.acceptOp(','))
      ts.expectOp(')')
      return { kind: 'sets', sets }
    }
    return { kind: 'expr', expr: this.expression() }
  }

  private selectItem(): SelectItem {
    const ts = this.ts
    if (ts.acceptOp('*')) return { kind: 'star', qualifier: null }
    // qualified star: a.b.*
    let i = 0
    while (this.isIdentifierToken(ts.ahead(i)) && ts.isOp('.', i + 1)) {
      if (ts.isOp('*', i + 2)) {
        const qualifier: Ident[] = []
        for (let k = 0; k <= i; k += 2) qualifier.push(this.identifier()) && ts.next()
        ts.expectOp('*')
        return { kind: 'star', qualifier }
      }
      i += 2
    }
    const expr = this.expression()
    let alias: Ident | null = null
    if (ts.acceptWord('AS')) alias = this.identifier()
    else if (this.isIdentifierToken(ts.peek) && !CLAUSE_WORDS.has(ts.peek.value.toUpperCase()))
      alias = this.identifier()
    return { kind: 'expr', expr, alias }
  }

  private relation(): Relation {
    let left = this.relationPrimary()
    const ts = this.ts
    for (;;) {
      if (ts.acceptWord('CROSS')) {
        ts.expectWord('JOIN')
        const right = this.relationPrimary()
        left = { kind: 'join', type: 'CROSS', natural: false, left, right, on: null, using: null }
        continue
      }
      const natural = ts.acceptWord('NATURAL')
      let type: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | null = null
      if (ts.acceptWord('INNER')) type = 'INNER'
      else if (ts.isWord('LEFT') || ts.isWord('RIGHT') || ts.isWord('FULL')) {
        type = ts.next().value.toUpperCase() as 'LEFT' | 'RIGHT' | 'FULL'
        ts.acceptWord('OUTER')
      }
      if (type === null && !ts.isWord('JOIN')) {
        if (natural) ts.fail(["'JOIN'"])
        return left
      }
      ts.expectWord('JOIN')
      const right = this.relationPrimary()
      let on: Expr | null = null
      let using: Ident[] | null = null
      if (!natural) {
        if (ts.acceptWord('ON')) on = this.expression()
        else if (ts.acceptWord('USING')) {
          ts.expectOp('(')
          using = this.identList()
          ts.expectOp(')')
        } else ts.fail(["'ON'", "'USING'"])
      }
      left = { kind: 'join', type: type ?? 'INNER', natural, left, right, on, using }
    }
  }

  relationPrimary(): Relation {
    const ts = this.ts
    if (ts.acceptWord('UNNEST')) {
      ts.expectOp('(')
      const args = this.exprList()
      ts.expectOp(')')
      const ordinality = ts.acceptWord('WITH', 'ORDINALITY')
      return { kind: 'unnest', args, ordinality, alias: this.aliasSpec() }
    }
    if (ts.isWord('LATERAL') && ts.isOp('(', 1)) {
      ts.next()
      ts.next()
      const query = this.query()
      ts.expectOp(')')
      return { kind: 'subquery', query, alias: this.aliasSpec(), lateral: true }
    }
    if (ts.isOp('(')) {
      if (this.startsQueryAt(1)) {
        ts.next()
        const query = this.query()
        ts.expectOp(')')
        return { kind: 'subquery', query, alias: this.aliasSpec(), lateral: false }
      }
      ts.next()
      const inner = this.relation()
      ts.expectOp(')')
      const alias = this.aliasSpec()
      if (alias) {
        return {
          kind: 'subquery',
          query: {
            with: null,
            body: {
              kind: 'select',
              distinct: false,
              items: [{ kind: 'star', qualifier: null }],
              from: [inner],
              where: null,
              groupBy: null,
              having: null,
              windows: [],
            },
            orderBy: [],
            offset: null,
            limit: null,
            fetch: null,
          },
          alias,
          lateral: false,
        }
      }
      return inner
    }
    const t = ts.peek
    if (!this.isIdentifierToken(t)) ts.fail(["'('", "'LATERAL'", "'UNNEST'", '<identifier>'])
    const name = this.qualifiedName()
    return { kind: 'table', name, alias: this.aliasSpec(), pos: this.pos(t) }
  }

  private aliasSpec(): AliasSpec | null {
    const ts = this.ts
    let name: Ident | null = null
    if (ts.acceptWord('AS')) name = this.identifier()
    else if (this.isIdentifierToken(ts.peek) && !this.isJoinWord()) name = this.identifier()
    if (!name) return null
    let columns: Ident[] | null = null
    if (ts.acceptOp('(')) {
      columns = this.identList()
      ts.expectOp(')')
    }
    return { name, columns }
  }

  private isJoinWord(): boolean {
    const ts = this.ts
    return [
      'CROSS',
      'NATURAL',
      'INNER',
      'LEFT',
      'RIGHT',
      'FULL',
      'JOIN',
      'WINDOW',
      'LIMIT',
      'OFFSET',
      'FETCH',
      'USING',
      'WHEN',
      'TABLESAMPLE',
    ].some((w) => ts.isWord(w))
  }

  private orderItems(): OrderItem[] {
    const ts = this.ts
    const items: OrderItem[] = []
    do {
      const expr = this.expression()
      let desc = false
      if (ts.acceptWord('DESC')) desc = true
      else ts.acceptWord('ASC')
      let nulls: 'FIRST' | 'LAST' | null = null
      if (ts.acceptWord('NULLS')) {
        if (ts.acceptWord('FIRST')) nulls = 'FIRST'
        else {
          ts.expectWord('LAST')
          nulls = 'LAST'
        }
      }
      items.push({ expr, desc, nulls })
    } while (ts.acceptOp(','))
    return items
  }

  // ---------- expressions ----------

  expression(): Expr {
    return this.or()
  }

  private or(): Expr {
    let left = this.and()
    while (this.ts.isWord('OR')) {
      const t = this.ts.next()
      left = { k: 'binary', op: 'OR', left, right: this.and(), pos: this.pos(t) }
    }
    return left
  }

  private and(): Expr {
    let left = this.not()
    while (this.ts.isWord('AND')) {
      const t = this.ts.next()
      left = { k: 'binary', op: 'AND', left, right: this.not(), pos: this.pos(t) }
    }
    return left
  }

  private not(): Expr {
    if (this.ts.isWord('NOT')) {
      const t = this.ts.next()
      return { k: 'unary', op: 'NOT', arg: this.not(), pos: this.pos(t) }
    }
    return this.predicate()
  }

  private predicate(): Expr {
    const ts = this.ts
    let left = this.valueExpression()
    for (;;) {
      const t = ts.peek
      const pos = this.pos(t)
      if (t.kind === 'op' && COMPARISON.has(t.value)) {
        ts.next()
        const op = t.value === '!=' ? '<>' : t.value
        if (ts.isWord('ALL') || ts.isWord('ANY') || ts.isWord('SOME')) {
          const quantifier = ts.next().value.toUpperCase() as 'ALL' | 'ANY' | 'SOME'
          ts.expectOp('(')
          const query = this.query()
          ts.expectOp(')')
          left = { k: 'quantified', op, quantifier, arg: left, query, pos }
          continue
        }
        left = { k: 'binary', op, left, right: this.valueExpression(), pos }
        continue
      }
      if (ts.isWord('IS')) {
        ts.next()
        const not = ts.acceptWord('NOT')
        if (ts.acceptWord('NULL')) {
          left = { k: 'isnull', arg: left, not, pos }
          continue
        }
        if (ts.acceptWord('DISTINCT')) {
          ts.expectWord('FROM')
          left = { k: 'distinct', left, right: this.valueExpression(), not, pos }
          continue
        }
        ts.fail(["'DISTINCT'", "'NULL'"])
      }
      let not = false
      if (ts.isWord('NOT') && (ts.isWord('BETWEEN', 1) || ts.isWord('IN', 1) || ts.isWord('LIKE', 1))) {
        ts.next()
        not = true
      }
      if (ts.acceptWord('BETWEEN')) {
        const low = this.valueExpression()
        ts.expectWord('AND')
        const high = this.valueExpression()
        left = { k: 'between', arg: left, low, high, not, pos }
        continue
      }
      if (ts.acceptWord('IN')) {
        ts.expectOp('(')
        if (this.startsQuery()) {
          const query = this.query()
          ts.expectOp(')')
          left = { k: 'in', arg: left, list: null, query, not, pos }
        } else {
          const list = this.exprList()
          ts.expectOp(')')
          left = { k: 'in', arg: left, list, query: null, not, pos }
        }
        continue
      }
      if (ts.acceptWord('LIKE')) {
        const pattern = this.valueExpression()
        const escapeExpr = ts.acceptWord('ESCAPE') ? this.valueExpression() : null
        left = { k: 'like', arg: left, pattern, escape: escapeExpr, not, pos }
        continue
      }
      return left
    }
  }

  private valueExpression(): Expr {
    let left = this.additive()
    while (this.ts.isOp('||')) {
      const t = this.ts.next()
      left = { k: 'binary', op: '||', left, right: this.additive(), pos: this.pos(t) }
    }
    return left
  }

  private additive(): Expr {
    let left = this.multiplicative()
    while (this.ts.isOp('+') || this.ts.isOp('-')) {
      const t = this.ts.next()
      left = { k: 'binary', op: t.value, left, right: this.multiplicative(), pos: this.pos(t) }
    }
    return left
  }

  private multiplicative(): Expr {
    let left = this.unary()
    while (this.ts.isOp('*') || this.ts.isOp('/') || this.ts.isOp('%')) {
      const t = this.ts.next()
      left = { k: 'binary', op: t.value, left, right: this.unary(), pos: this.pos(t) }
    }
    return left
  }

  private unary(): Expr {
    const ts = this.ts
    if (ts.isOp('-') || ts.isOp('+')) {
      const t = ts.next()
      const arg = this.unary()
      if (t.value === '-' && (arg.k === 'integer' || arg.k === 'decimal' || arg.k === 'double')) {
        return { ...arg, text: `-${arg.text}`, pos: this.pos(t) }
      }
      return { k: 'unary', op: t.value as '-' | '+', arg, pos: this.pos(t) }
    }
    return this.atTimeZone()
  }

  private atTimeZone(): Expr {
    let arg = this.postfix()
    while (this.ts.isWord('AT')) {
      const t = this.ts.next()
      if (this.ts.acceptWord('LOCAL')) {
        arg = { k: 'attz', arg, zone: { k: 'null', pos: this.pos(t) }, pos: this.pos(t) }
        continue
      }
      this.ts.expectWord('TIME')
      this.ts.expectWord('ZONE')
      const zone = this.ts.isWord('INTERVAL') ? this.primary() : this.primary()
      arg = { k: 'attz', arg, zone, pos: this.pos(t) }
    }
    return arg
  }

  private postfix(): Expr {
    let base = this.primary()
    const ts = this.ts
    for (;;) {
      if (ts.isOp('[')) {
        const t = ts.next()
        const index = this.expression()
        ts.expectOp(']')
        base = { k: 'subscript', base, index, pos: this.pos(t) }
        continue
      }
      if (ts.isOp('.') && this.isIdentifierToken(ts.ahead(1))) {
        const t = ts.next()
        const field = this.identifier()
        if (base.k === 'ident') base = { k: 'ident', parts: [...base.parts, field], pos: base.pos }
        else base = { k: 'deref', base, field, pos: this.pos(t) }
        continue
      }
      return base
    }
  }

  private primary(): Expr {
    const ts = this.ts
    const t = ts.peek
    const pos = this.pos(t)
    switch (t.kind) {
      case 'integer':
        ts.next()
        return { k: 'integer', text: t.value, pos }
      case 'decimal':
        ts.next()
        return { k: 'decimal', text: t.value, pos }
      case 'double':
        ts.next()
        return { k: 'double', text: t.value, pos }
      case 'string':
        ts.next()
        return { k: 'string', value: t.value, pos }
      case 'binary':
        ts.next()
        if (!/^[0-9a-fA-F]*$/.test(t.value) || t.value.length % 2 !== 0) {
          throw new SqlSyntaxError('Binary literal can only contain hexadecimal digits', t.line, t.column)
        }
        return { k: 'binlit', hex: t.value, pos }
      case 'param':
        ts.next()
        return { k: 'param', index: this.parameterCount++, pos }
      case 'op':
        if (t.value === '(') {
          if (this.startsQueryAt(1)) {
            ts.next()
            const query = this.query()
            ts.expectOp(')')
            return { k: 'subquery', query, pos }
          }
          // lambda with parenthesized parameters
          if (this.lambdaAhead()) return this.lambda()
          ts.next()
          const first = this.expression()
          if (ts.acceptOp(',')) {
            const items = [first, ...this.exprList()]
            ts.expectOp(')')
            return { k: 'row', items, pos }
          }
          ts.expectOp(')')
          return first
        }
        return ts.fail(['<expression>'])
      case 'quoted':
      case 'ident':
        return this.identOrKeywordExpr()
      default:
        return ts.fail(['<expression>'])
    }
  }

  private lambdaAhead(): boolean {
    const ts = this.ts
    let i = 1
    if (ts.isOp(')', i)) return ts.isOp('->', i + 1)
    for (;;) {
      if (!this.isIdentifierToken(ts.ahead(i))) return false
      i++
      if (ts.isOp(',', i)) {
        i++
        continue
      }
      return ts.isOp(')', i) && ts.isOp('->', i + 1)
    }
  }

  private lambda(): Expr {
    const ts = this.ts
    const pos = this.pos()
    const params: string[] = []
    if (ts.acceptOp('(')) {
      if (!ts.isOp(')')) params.push(...this.identList().map((p) => p.name))
      ts.expectOp(')')
    } else {
      params.push(this.identifier().name)
    }
    ts.expectOp('->')
    return { k: 'lambda', params, body: this.expression(), pos }
  }

  private identOrKeywordExpr(): Expr {
    const ts = this.ts
    const t = ts.peek
    const pos = this.pos(t)
    if (t.kind === 'ident') {
      const word = t.value.toUpperCase()
      if (this.isIdentifierToken(t) && ts.isOp('->', 1)) return this.lambda()
      switch (word) {
        case 'NULL':
          ts.next()
          return { k: 'null', pos }
        case 'TRUE':
        case 'FALSE':
          ts.next()
          return { k: 'bool', value: word === 'TRUE', pos }
        case 'CASE':
          return this.caseExpr()
        case 'CAST':
        case 'TRY_CAST': {
          ts.next()
          ts.expectOp('(')
          const arg = this.expression()
          ts.expectWord('AS')
          const type = this.type()
          ts.expectOp(')')
          return { k: 'cast', arg, type, safe: word === 'TRY_CAST', pos }
        }
        case 'EXISTS': {
          ts.next()
          ts.expectOp('(')
          const query = this.query()
          ts.expectOp(')')
          return { k: 'exists', query, pos }
        }
        case 'ARRAY':
          if (ts.isOp('[', 1)) {
            ts.next()
            ts.next()
            const items = ts.isOp(']') ? [] : this.exprList()
            ts.expectOp(']')
            return { k: 'array', items, pos }
          }
          break
        case 'ROW':
          if (ts.isOp('(', 1)) {
            ts.next()
            ts.next()
            const items = this.exprList()
            ts.expectOp(')')
            return { k: 'row', items, pos }
          }
          break
        case 'INTERVAL':
          if (ts.ahead(1).kind === 'string' || ts.isOp('-', 1) || ts.isOp('+', 1)) return this.interval()
          break
        case 'EXTRACT': {
          ts.next()
          ts.expectOp('(')
          const field = this.identifier().name.toUpperCase()
          ts.expectWord('FROM')
          const arg = this.expression()
          ts.expectOp(')')
          return { k: 'extract', field, arg, pos }
        }
        case 'CURRENT_DATE':
        case 'CURRENT_TIME':
        case 'CURRENT_TIMESTAMP':
        case 'LOCALTIME':
        case 'LOCALTIMESTAMP':
        case 'CURRENT_USER':
        case 'CURRENT_CATALOG':
        case 'CURRENT_SCHEMA': {
          ts.next()
          let precision: number | null = null
          if (word !== 'CURRENT_DATE' && ts.isOp('(') && ts.ahead(1).kind === 'integer') {
            ts.next()
            precision = Number(ts.next().value)
            ts.expectOp(')')
          }
          return { k: 'special', name: word, precision, pos }
        }
        case 'TRIM':
          if (ts.isOp('(', 1)) return this.trim()
          break
        case 'POSITION':
          if (ts.isOp('(', 1)) {
            ts.next()
            ts.next()
            const needle = this.valueExpression()
            ts.expectWord('IN')
            const haystack = this.valueExpression()
            ts.expectOp(')')
            return { k: 'position', needle, haystack, pos }
          }
          break
        case 'SUBSTRING':
          if (ts.isOp('(', 1)) {
            const save = ts.pos
            ts.next()
            ts.next()
            const arg = this.valueExpression()
            if (ts.acceptWord('FROM')) {
              const from = this.valueExpression()
              const forExpr = ts.acceptWord('FOR') ? this.valueExpression() : null
              ts.expectOp(')')
              return { k: 'substring', arg, from, for: forExpr, pos }
            }
            ts.pos = save
          }
          break
        case 'DATE':
        case 'TIME':
        case 'TIMESTAMP':
        case 'DECIMAL':
        case 'REAL':
        case 'DOUBLE':
        case 'CHAR':
        case 'VARCHAR':
        case 'JSON':
        case 'BIGINT':
        case 'INTEGER':
        case 'SMALLINT':
        case 'TINYINT':
        case 'VARBINARY':
        case 'BOOLEAN':
        case 'UUID':
        case 'IPADDRESS':
          if (ts.ahead(1).kind === 'string') {
            ts.next()
            const value = ts.next().value
            return { k: 'typed', type: word, value, pos }
          }
          if (word === 'TIMESTAMP' && ts.isWord('WITH', 1)) break
          break
        case 'GROUPING':
          break
      }
      if (RESERVED.has(word) && !ts.isOp('(', 1)) ts.fail(['<expression>'])
    }
    // identifier, possibly a function call
    const first = this.identifierAllowReserved()
    if (ts.isOp('(')) return this.functionCall([first], pos)
    const parts: Ident[] = [first]
    while (ts.isOp('.') && this.isIdentifierToken(ts.ahead(1))) {
      ts.next()
      parts.push(this.identifier())
      if (ts.isOp('(')) return this.functionCall(parts, pos)
    }
    return { k: 'ident', parts, pos }
  }

  private functionCall(name: Ident[], pos: Pos): Expr {
    const ts = this.ts
    ts.expectOp('(')
    let distinct = false
    const args: Expr[] = []
    const orderBy: OrderItem[] = []
    if (ts.acceptOp('*')) {
      // count(*)
    } else if (!ts.isOp(')')) {
      if (ts.acceptWord('DISTINCT')) distinct = true
      else ts.acceptWord('ALL')
      args.push(...this.exprList())
      if (ts.acceptWord('ORDER')) {
        ts.expectWord('BY')
        orderBy.push(...this.orderItems())
      }
    }
    ts.expectOp(')')
    let filter: Expr | null = null
    if (ts.isWord('FILTER') && ts.isOp('(', 1)) {
      ts.next()
      ts.next()
      ts.expectWord('WHERE')
      filter = this.expression()
      ts.expectOp(')')
    }
    let nulls: 'IGNORE' | 'RESPECT' | null = null
    if ((ts.isWord('IGNORE') || ts.isWord('RESPECT')) && ts.isWord('NULLS', 1)) {
      nulls = ts.next().value.toUpperCase() as 'IGNORE' | 'RESPECT'
      ts.next()
    }
    let over: WindowSpec | null = null
    if (ts.acceptWord('OVER')) {
      if (ts.acceptOp('(')) {
        over = this.windowSpec()
        ts.expectOp(')')
      } else {
        over = { name: this.identifier().name, partitionBy: [], orderBy: [], frame: null }
      }
    }
    return { k: 'call', name, args, distinct, filter, orderBy, over, nulls, pos }
  }

  private windowSpec(): WindowSpec {
    const ts = this.ts
    const spec: WindowSpec = { name: null, partitionBy: [], orderBy: [], frame: null }
    if (
      this.isIdentifierToken(ts.peek) &&
      !ts.isWord('PARTITION') &&
      !ts.isWord('ORDER') &&
      !ts.isWord('ROWS') &&
      !ts.isWord('RANGE') &&
      !ts.isWord('GROUPS')
    ) {
      spec.name = this.identifier().name
    }
    if (ts.acceptWord('PARTITION')) {
      ts.expectWord('BY')
      spec.partitionBy = this.exprList()
    }
    if (ts.acceptWord('ORDER')) {
      ts.expectWord('BY')
      spec.orderBy = this.orderItems()
    }
    if (ts.isWord('ROWS') || ts.isWord('RANGE') || ts.isWord('GROUPS')) {
      const type = ts.next().value.toUpperCase() as 'ROWS' | 'RANGE' | 'GROUPS'
      if (ts.acceptWord('BETWEEN')) {
        const start = this.frameBound()
        ts.expectWord('AND')
        spec.frame = { type, start, end: this.frameBound() }
      } else {
        spec.frame = { type, start: this.frameBound(), end: null }
      }
    }
    return spec
  }

  private frameBound(): FrameBound {
    const ts = this.ts
    if (ts.acceptWord('UNBOUNDED')) {
      if (ts.acceptWord('PRECEDING')) return { kind: 'UNBOUNDED PRECEDING' }
      ts.expectWord('FOLLOWING')
      return { kind: 'UNBOUNDED FOLLOWING' }
    }
    if (ts.acceptWord('CURRENT', 'ROW')) return { kind: 'CURRENT ROW' }
    const value = this.expression()
    if (ts.acceptWord('PRECEDING')) return { kind: 'PRECEDING', value }
    ts.expectWord('FOLLOWING')
    return { kind: 'FOLLOWING', value }
  }

  private caseExpr(): Expr {
    const ts = this.ts
    const pos = this.pos()
    ts.expectWord('CASE')
    const operand = ts.isWord('WHEN') ? null : this.expression()
    const whens: { when: Expr; result: Expr }[] = []
    while (ts.acceptWord('WHEN')) {
      const when = this.expression()
      ts.expectWord('THEN')
      whens.push({ when, result: this.expression() })
    }
    if (whens.length === 0) ts.fail(["'WHEN'"])
    const elseExpr = ts.acceptWord('ELSE') ? this.expression() : null
    ts.expectWord('END')
    return { k: 'case', operand, whens, else: elseExpr, pos }
  }

  private interval(): Expr {
    const ts = this.ts
    const pos = this.pos()
    ts.expectWord('INTERVAL')
    let negative = false
    if (ts.acceptOp('-')) negative = true
    else ts.acceptOp('+')
    const v = ts.next()
    if (v.kind !== 'string') ts.fail(['<string>'], v)
    const field = () => {
      const f = ts.peek
      const word = f.kind === 'ident' ? f.value.toUpperCase() : ''
      if (!['YEAR', 'MONTH', 'DAY', 'HOUR', 'MINUTE', 'SECOND'].includes(word)) {
        ts.fail(["'DAY'", "'HOUR'", "'MINUTE'", "'MONTH'", "'SECOND'", "'YEAR'"])
      }
      ts.next()
      return word
    }
    const from = field()
    const to = ts.acceptWord('TO') ? field() : null
    return { k: 'interval', value: v.value, negative, from, to, pos }
  }

  private trim(): Expr {
    const ts = this.ts
    const pos = this.pos()
    ts.next()
    ts.expectOp('(')
    let spec: 'BOTH' | 'LEADING' | 'TRAILING' = 'BOTH'
    let explicitSpec = false
    if (ts.isWord('BOTH') || ts.isWord('LEADING') || ts.isWord('TRAILING')) {
      spec = ts.next().value.toUpperCase() as typeof spec
      explicitSpec = true
    }
    if (explicitSpec && ts.acceptWord('FROM')) {
      const arg = this.valueExpression()
      ts.expectOp(')')
      return { k: 'trim', spec, chars: null, arg, pos }
    }
    const first = this.valueExpression()
    if (ts.acceptWord('FROM')) {
      const arg = this.valueExpression()
      ts.expectOp(')')
      return { k: 'trim', spec, chars: first, arg, pos }
    }
    if (!explicitSpec && ts.acceptOp(',')) {
      const chars = this.valueExpression()
      ts.expectOp(')')
      return { k: 'trim', spec, chars, arg: first, pos }
    }
    ts.expectOp(')')
    return { k: 'trim', spec, chars: null, arg: first, pos }
  }

  // ---------- types ----------

  type(): SqlType {
    const ts = this.ts
    const t = ts.peek
    if (t.kind !== 'ident' && t.kind !== 'quoted') ts.fail(['<type>'])
    const word = t.value.toLowerCase()
    if (word === 'array') {
      ts.next()
      if (ts.acceptOp('(')) {
        const element = this.type()
        ts.expectOp(')')
        return { kind: 'array', element }
      }
      ts.expectOp('<')
      const element = this.type()
      ts.expectOp('>')
      return { kind: 'array', element }
    }
    if (word === 'map') {
      ts.next()
      let close = ')'
      if (!ts.acceptOp('(')) {
        ts.expectOp('<')
        close = '>'
      }
      const key = this.type()
      ts.expectOp(',')
      const value = this.type()
      ts.expectOp(close)
      return { kind: 'map', key, value }
    }
    if (word === 'row') {
      ts.next()
      ts.expectOp('(')
      const fields: { name: string | null; type: SqlType }[] = []
      do {
        // `name type` or just `type`
        const a = ts.peek
        const b = ts.ahead(1)
        if ((a.kind === 'ident' || a.kind === 'quoted') && (b.kind === 'ident' || b.kind === 'quoted')) {
          const name = ts.next().value
          fields.push({ name, type: this.type() })
        } else {
          fields.push({ name: null, type: this.type() })
        }
      } while (ts.acceptOp(','))
      ts.expectOp(')')
      return { kind: 'row', fields }
    }
    if (word === 'interval') {
      ts.next()
      const from = ts.next().value.toLowerCase()
      ts.expectWord('TO')
      const to = ts.next().value.toLowerCase()
      return { kind: 'interval', from, to }
    }
    ts.next()
    let name = word
    if (name === 'double' && ts.acceptWord('PRECISION')) name = 'double'
    if (name === 'int') name = 'integer'
    const params: number[] = []
    if (ts.acceptOp('(')) {
      do {
        const p = ts.next()
        if (p.kind !== 'integer') ts.fail(['<integer>'], p)
        params.push(Number(p.value))
      } while (ts.acceptOp(','))
      ts.expectOp(')')
    }
    if ((name === 'timestamp' || name === 'time') && ts.isWord('WITH')) {
      ts.next()
      ts.expectWord('TIME')
      ts.expectWord('ZONE')
      return { kind: 'simple', name, params, withTimeZone: true }
    }
    if ((name === 'timestamp' || name === 'time') && ts.isWord('WITHOUT')) {
      ts.next()
      ts.expectWord('TIME')
      ts.expectWord('ZONE')
    }
    return { kind: 'simple', name, params }
  }

  // ---------- names ----------

  isIdentifierToken(t: Token): boolean {
    if (t.kind === 'quoted') return true
    if (t.kind !== 'ident') return false
    return !RESERVED.has(t.value.toUpperCase())
  }

  identifier(): Ident {
    const t = this.ts.peek
    if (!this.isIdentifierToken(t)) this.ts.fail(['<identifier>'])
    this.ts.next()
    return t.kind === 'quoted' ? { name: t.value, quoted: true } : { name: t.value, quoted: false }
  }

  /** Function names may be reserved words such as `IF`-like ones; only real identifiers here. */
  private identifierAllowReserved(): Ident {
    const t = this.ts.next()
    return t.kind === 'quoted' ? { name: t.value, quoted: true } : { name: t.value, quoted: false }
  }

  qualifiedName(): Ident[] {
    const parts = [this.identifier()]
    while (this.ts.isOp('.')) {
      this.ts.next()
      parts.push(this.identifier())
    }
    return parts
  }

  private identList(): Ident[] {
    const list = [this.identifier()]
    while (this.ts.acceptOp(',')) list.push(this.identifier())
    return list
  }

  private exprList(): Expr[] {
    const list = [this.expression()]
    while (this.ts.acceptOp(',')) list.push(this.expression())
    return list
  }

  private stringLiteral(): string {
    const t = this.ts.next()
    if (t.kind !== 'string') this.ts.fail(['<string>'], t)
    return t.value
  }
}
