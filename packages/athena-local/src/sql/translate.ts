// Trino statement tree → DuckDB SQL. Every function goes through the translation table (functions.ts);
// syntax DuckDB shares with Trino is printed as is; what differs is rewritten here: unsuffixed decimal
// literals are DOUBLE, `/` and `%` go through macros that fail on integer division by zero, typed
// literals keep Trino's precision, VALUES and unnamed expressions get Trino's `_colN` names.

import { QueryFailure } from '../failure.ts'
import type {
  Expr,
  GroupingElement,
  Ident,
  OrderItem,
  Pos,
  Query,
  QueryBody,
  QuerySpec,
  Relation,
  SelectItem,
  SqlType,
  WindowSpec,
} from './ast.ts'
import { type Arg, lookupFunction } from './functions.ts'
import {
  BIGINT,
  BOOLEAN,
  DATE,
  DOUBLE,
  duckString,
  duckType,
  INTEGER,
  JSON_TYPE,
  quoteDuck,
  simple,
  timestamp,
  typeToString,
  UNKNOWN,
  VARBINARY,
  VARCHAR,
} from './types.ts'

export interface Column {
  name: string
  type: SqlType | null
}

export type ResolvedRelation =
  | { kind: 'table'; sql: string; columns: Column[] }
  | { kind: 'view'; query: Query; database: string }

export interface Resolver {
  /** A table or view named in a query; throws QueryFailure TABLE_NOT_FOUND / SCHEMA_NOT_FOUND. */
  relation(name: Ident[], pos: Pos, database: string): ResolvedRelation
}

export interface Typed {
  sql: string
  type: SqlType | null
}

interface ScopeRelation {
  alias: string | null
  columns: Column[] | null
  /** The table's name as written (`db.t`, `awsdatacatalog.db.t`), when it has no alias. */
  qualified?: string[]
}

export class Scope {
  readonly relations: ScopeRelation[] = []
  readonly ctes = new Map<string, Column[] | null>()
  readonly lambdaParams = new Set<string>()
  readonly parent: Scope | null
  constructor(parent: Scope | null) {
    this.parent = parent
  }

  cte(name: string): Column[] | null | undefined {
    for (let s: Scope | null = this; s; s = s.parent) {
      if (s.ctes.has(name)) return s.ctes.get(name)
    }
    return undefined
  }

  /** `db.t.col` and `awsdatacatalog.db.t.col` name a column of table `t` in scope: they become `t.col`. */
  unqualify(parts: string[]): string[] {
    if (parts.length < 3) return parts
    for (let s: Scope | null = this; s; s = s.parent) {
      for (const rel of s.relations) {
        const name = rel.qualified
        if (!name || name.length < 2 || parts.length <= name.length) continue
        const matches = (n: string[]) => n.every((p, i) => parts[i] === p)
        if (matches(name)) return [rel.alias!, ...parts.slice(name.length)]
        if (name.length === 2 && parts.length > 3 && matches(['awsdatacatalog', ...name])) {
          return [rel.alias!, ...parts.slice(3)]
        }
      }
    }
    return parts
  }

  isLambdaParam(name: string): boolean {
    for (let s: Scope | null = this; s; s = s.parent) if (s.lambdaParams.has(name)) return true
    return false
  }

  /** Type of a column reference, when the tables in scope tell it. */
  columnType(parts: string[]): SqlType | null {
    for (let s: Scope | null = this; s; s = s.parent) {
      for (let take = Math.min(parts.length, 2); take >= 1; take--) {
        if (take === 2) {
          const rel = s.relations.find((r) => r.alias === parts[0])
          const col = rel?.columns?.find((c) => c.name === parts[1])
          if (col) return fieldPath(col.type, parts.slice(2))
        } else {
          for (const rel of s.relations) {
            const col = rel.columns?.find((c) => c.name === parts[0])
            if (col) return fieldPath(col.type, parts.slice(1))
          }
        }
      }
    }
    return null
  }
}

function fieldPath(type: SqlType | null, fields: string[]): SqlType | null {
  let t = type
  for (const f of fields) {
    if (t?.kind !== 'row') return null
    t = t.fields.find((x) => x.name === f)?.type ?? null
  }
  return t
}

const lower = (i: Ident) => i.name.toLowerCase()
const q = (name: string) => quoteDuck(name)

function failAt(name: string, pos: Pos, message: string): never {
  throw new QueryFailure(name, `line ${pos.line}:${pos.column}: ${message}`)
}

export class Translator {
  private readonly resolver: Resolver
  private readonly database: string
  /** Relations the statement reads (for statistics). */
  readonly tablesRead: string[] = []

  constructor(resolver: Resolver, database: string) {
    this.resolver = resolver
    this.database = database
  }

  /** A scope holding the given relations (the target of UPDATE, DELETE, MERGE). */
  scopeWith(relations: { alias: string | null; columns: Column[] | null }[]): Scope {
    const scope = new Scope(null)
    scope.relations.push(...relations)
    return scope
  }

  /** A relation (MERGE's source) translated into `scope`, which then sees its columns. */
  relationIn(rel: Relation, scope: Scope): string {
    return this.relation(rel, scope)
  }

  /** A whole query; `columns` are the output names and the types the translation can tell. */
  query(query: Query, parent: Scope | null = null): { sql: string; columns: Column[] | null } {
    const scope = new Scope(parent)
    let withSql = ''
    if (query.with) {
      const parts: string[] = []
      for (const cte of query.with.ctes) {
        const inner = this.query(cte.query, scope)
        let columns = inner.columns
        const name = lower(cte.name)
        let colList = ''
        if (cte.columns) {
          colList = `(${cte.columns.map((c) => q(lower(c))).join(', ')})`
          columns = cte.columns.map((c, i) => ({ name: lower(c), type: inner.columns?.[i]?.type ?? null }))
        }
        scope.ctes.set(name, columns)
        parts.push(`${q(name)}${colList} AS (${inner.sql})`)
      }
      withSql = `WITH ${query.with.recursive ? 'RECURSIVE ' : ''}${parts.join(', ')} `
    }
    const body = this.body(query.body, scope)
    let sql = withSql + body.sql
    if (query.orderBy.length > 0) sql += ` ORDER BY ${this.orderItems(query.orderBy, scope, body.columns)}`
    const limit = query.fetch ? query.fetch.count : query.limit
    if (query.fetch?.withTies)
      throw new QueryFailure('NOT_SUPPORTED', 'FETCH FIRST … WITH TIES is not supported')
    if (limit && limit !== 'ALL') sql += ` LIMIT ${this.expr(limit, scope).sql}`
    if (query.offset) sql += ` OFFSET ${this.expr(query.offset, scope).sql}`
    return { sql, columns: body.columns }
  }

  private body(body: QueryBody, scope: Scope): { sql: string; columns: Column[] | null } {
    switch (body.kind) {
      case 'select':
        return this.select(body, scope)
      case 'setop': {
        const left = this.body(body.left, scope)
        const right = this.body(body.right, scope)
        return {
          sql: `(${left.sql}) ${body.op}${body.all ? ' ALL' : ''} (${right.sql})`,
          columns: left.columns,
        }
      }
      case 'values':
        return this.values(body.rows, scope)
      case 'table': {
        const rel = this.relationName(body.name, { line: 1, column: 1 }, scope)
        return { sql: `SELECT * FROM ${rel.sql}`, columns: rel.columns }
      }
      case 'query': {
        const inner = this.query(body.query, scope)
        return { sql: `SELECT * FROM (${inner.sql})`, columns: inner.columns }
      }
    }
  }

  private values(rows: Expr[], scope: Scope): { sql: string; columns: Column[] } {
    const translated = rows.map((row) =>
      row.k === 'row' ? row.items.map((e) => this.expr(e, scope)) : [this.expr(row, scope)],
    )
    const width = translated[0]?.length ?? 0
    for (const r of translated) {
      if (r.length !== width) throw new QueryFailure('TYPE_MISMATCH', 'Values rows have mismatched sizes')
    }
    const columns: Column[] = Array.from({ length: width }, (_, i) => ({
      name: `_col${i}`,
      type: commonType(translated.map((r) => r[i]!.type)),
    }))
    const sql = `SELECT * FROM (VALUES ${translated.map((r) => `(${r.map((x) => x.sql).join(', ')})`).join(', ')}) AS "__values"(${columns.map((c) => q(c.name)).join(', ')})`
    return { sql, columns }
  }

  private select(spec: QuerySpec, outer: Scope): { sql: string; columns: Column[] | null } {
    const scope = new Scope(outer)
    const from = spec.from.map((r) => this.relation(r, scope))
    const items: string[] = []
    let columns: Column[] | null = []
    spec.items.forEach((item, index) => {
      const out = this.selectItem(item, index, scope)
      items.push(out.sql)
      if (out.columns === null || columns === null) columns = null
      else columns.push(...out.columns)
    })
    let sql = `SELECT ${spec.distinct ? 'DISTINCT ' : ''}${items.join(', ')}`
    if (from.length > 0) sql += ` FROM ${from.join(', ')}`
    if (spec.where) sql += ` WHERE ${this.expr(spec.where, scope).sql}`
    if (spec.groupBy) {
      if (spec.groupBy.distinct) throw new QueryFailure('NOT_SUPPORTED', 'GROUP BY DISTINCT is not supported')
      sql += ` GROUP BY ${spec.groupBy.elements.map((g) => this.grouping(g, scope)).join(', ')}`
    }
    if (spec.having) sql += ` HAVING ${this.expr(spec.having, scope).sql}`
    if (spec.windows.length > 0) {
      sql += ` WINDOW ${spec.windows.map((w) => `${q(w.name)} AS (${this.windowSpec(w.spec, scope)})`).join(', ')}`
    }
    return { sql, columns }
  }

  private grouping(g: GroupingElement, scope: Scope): string {
    switch (g.kind) {
      case 'expr':
        return this.expr(g.expr, scope).sql
      case 'rollup':
        return `ROLLUP (${g.exprs.map((e) => this.expr(e, scope).sql).join(', ')})`
      case 'cube':
        return `CUBE (${g.exprs.map((e) => this.expr(e, scope).sql).join(', ')})`
      case 'sets':
        return `GROUPING SETS (${g.sets.map((s) => `(${s.map((e) => this.expr(e, scope).sql).join(', ')})`).join(', ')})`
    }
  }

  private selectItem(
    item: SelectItem,
    index: number,
    scope: Scope,
  ): { sql: string; columns: Column[] | null } {
    if (item.kind === 'star') {
      if (item.qualifier) {
        const alias = item.qualifier.map(lower).join('.')
        const rel = scope.relations.find(
          (r) => r.alias === alias || r.alias === lower(item.qualifier!.at(-1)!),
        )
        if (!rel) {
          const t = scope.columnType(item.qualifier.map(lower))
          if (t?.kind === 'row') {
            return {
              sql: `${item.qualifier.map((p) => q(lower(p))).join('.')}.*`,
              columns: t.fields.map((f, i) => ({ name: f.name ?? `_col${i}`, type: f.type })),
            }
          }
          throw new QueryFailure(
            'COLUMN_NOT_FOUND',
            `Column '${item.qualifier.map((p) => p.name).join('.')}' cannot be resolved`,
          )
        }
        return { sql: `${q(alias)}.*`, columns: rel.columns }
      }
      if (scope.relations.length === 0)
        throw new QueryFailure('SYNTAX_ERROR', 'SELECT * not allowed in queries without FROM clause')
      const all = scope.relations.every((r) => r.columns !== null)
      if (!all) return { sql: '*', columns: null }
      const columns = scope.relations.flatMap((r) => r.columns!)
      return { sql: '*', columns }
    }
    const t = this.expr(item.expr, scope)
    const name = item.alias ? item.alias.name : outputName(item.expr, index)
    return { sql: `${t.sql} AS ${q(name)}`, columns: [{ name, type: t.type }] }
  }

  // ---------- relations ----------

  private relation(rel: Relation, scope: Scope): string {
    switch (rel.kind) {
      case 'table': {
        const resolved = this.relationName(rel.name, rel.pos, scope)
        const alias = rel.alias ? lower(rel.alias.name) : lower(rel.name.at(-1)!)
        let columns = resolved.columns
        let colList = ''
        if (rel.alias?.columns) {
          colList = `(${rel.alias.columns.map((c) => q(lower(c))).join(', ')})`
          columns = rel.alias.columns.map((c, i) => ({
            name: lower(c),
            type: resolved.columns?.[i]?.type ?? null,
          }))
        }
        scope.relations.push({ alias, columns, qualified: rel.alias ? undefined : rel.name.map(lower) })
        return `${resolved.sql} AS ${q(alias)}${colList}`
      }
      case 'subquery': {
        const inner = this.query(rel.query, rel.lateral ? scope : scope.parent)
        const alias = rel.alias ? lower(rel.alias.name) : null
        let columns = inner.columns
        let colList = ''
        if (rel.alias?.columns) {
          colList = `(${rel.alias.columns.map((c) => q(lower(c))).join(', ')})`
          columns = rel.alias.columns.map((c, i) => ({
            name: lower(c),
            type: inner.columns?.[i]?.type ?? null,
          }))
        }
        scope.relations.push({ alias, columns })
        return `${rel.lateral ? 'LATERAL ' : ''}(${inner.sql})${alias ? ` AS ${q(alias)}${colList}` : ''}`
      }
      case 'values': {
        const inner = this.values(rel.rows, scope)
        const alias = rel.alias ? lower(rel.alias.name) : null
        scope.relations.push({ alias, columns: inner.columns })
        return `(${inner.sql})${alias ? ` AS ${q(alias)}` : ''}`
      }
      case 'unnest':
        return this.unnest(rel, scope)
      case 'join': {
        const left = this.relation(rel.left, scope)
        const right = this.relation(rel.right, scope)
        if (rel.type === 'CROSS') return `${left} CROSS JOIN ${right}`
        const kind = `${rel.natural ? 'NATURAL ' : ''}${rel.type} JOIN`
        if (rel.on) return `${left} ${kind} ${right} ON ${this.expr(rel.on, scope).sql}`
        if (rel.using)
          return `${left} ${kind} ${right} USING (${rel.using.map((u) => q(lower(u))).join(', ')})`
        return `${left} ${kind} ${right}`
      }
    }
  }

  private unnest(rel: Extract<Relation, { kind: 'unnest' }>, scope: Scope): string {
    const args = rel.args.map((a) => this.expr(a, scope))
    const columns: Column[] = []
    const selects: string[] = []
    const aliasCols = rel.alias?.columns?.map(lower) ?? []
    let n = 0
    const nextName = () => aliasCols[n] ?? `_col${n}`
    for (const a of args) {
      if (a.type?.kind === 'map') {
        const k = nextName()
        n++
        const v = nextName()
        n++
        selects.push(`unnest(map_keys(${a.sql})) AS ${q(k)}`, `unnest(map_values(${a.sql})) AS ${q(v)}`)
        columns.push({ name: k, type: a.type.key }, { name: v, type: a.type.value })
      } else if (a.type?.kind === 'array' && a.type.element.kind === 'row') {
        const fields = a.type.element.fields
        const element = `unnest(${a.sql})`
        fields.forEach((f, i) => {
          const name = nextName()
          n++
          selects.push(`struct_extract(${element}, ${i + 1}) AS ${q(name)}`)
          columns.push({ name, type: f.type })
        })
      } else {
        const name = nextName()
        n++
        selects.push(`unnest(${a.sql}) AS ${q(name)}`)
        columns.push({ name, type: a.type?.kind === 'array' ? a.type.element : null })
      }
    }
    if (rel.ordinality) {
      const name = nextName()
      selects.push(`generate_subscripts(${args[0]!.sql}, 1) AS ${q(name)}`)
      columns.push({ name, type: BIGINT })
    }
    const alias = rel.alias ? lower(rel.alias.name) : '__unnest'
    scope.relations.push({ alias, columns })
    return `LATERAL (SELECT ${selects.join(', ')}) AS ${q(alias)}`
  }

  private relationName(name: Ident[], pos: Pos, scope: Scope): { sql: string; columns: Column[] | null } {
    if (name.length === 1) {
      const cte = scope.cte(lower(name[0]!))
      if (cte !== undefined) return { sql: q(lower(name[0]!)), columns: cte }
    }
    const resolved = this.resolver.relation(name, pos, this.database)
    if (resolved.kind === 'table') {
      this.tablesRead.push(resolved.sql)
      return resolved
    }
    const inner = new Translator(this.resolver, resolved.database)
    const out = inner.query(resolved.query)
    this.tablesRead.push(...inner.tablesRead)
    return { sql: `(${out.sql})`, columns: out.columns }
  }

  // ---------- expressions ----------

  private orderItems(items: OrderItem[], scope: Scope, _columns: Column[] | null): string {
    return items
      .map((o) => {
        const e = o.expr.k === 'integer' ? o.expr.text : this.expr(o.expr, scope).sql
        return `${e} ${o.desc ? 'DESC' : 'ASC'} NULLS ${o.nulls ?? 'LAST'}`
      })
      .join(', ')
  }

  private windowSpec(spec: WindowSpec, scope: Scope): string {
    const parts: string[] = []
    if (spec.name) parts.push(q(spec.name))
    if (spec.partitionBy.length > 0)
      parts.push(`PARTITION BY ${spec.partitionBy.map((e) => this.expr(e, scope).sql).join(', ')}`)
    if (spec.orderBy.length > 0) parts.push(`ORDER BY ${this.orderItems(spec.orderBy, scope, null)}`)
    if (spec.frame) {
      const bound = (b: NonNullable<WindowSpec['frame']>['start']) =>
        b.kind === 'PRECEDING' || b.kind === 'FOLLOWING'
          ? `${this.expr(b.value, scope).sql} ${b.kind}`
          : b.kind
      parts.push(
        spec.frame.end
          ? `${spec.frame.type} BETWEEN ${bound(spec.frame.start)} AND ${bound(spec.frame.end)}`
          : `${spec.frame.type} ${bound(spec.frame.start)}`,
      )
    }
    return parts.join(' ')
  }

  expr(e: Expr, scope: Scope): Typed {
    switch (e.k) {
      case 'null':
        return { sql: 'NULL', type: UNKNOWN }
      case 'bool':
        return { sql: e.value ? 'TRUE' : 'FALSE', type: BOOLEAN }
      case 'integer': {
        const v = BigInt(e.text)
        if (v > 9223372036854775807n || v < -9223372036854775808n)
          failAt('NUMERIC_VALUE_OUT_OF_RANGE', e.pos, `Invalid numeric literal: ${e.text}`)
        const type = v > 2147483647n || v < -2147483648n ? BIGINT : INTEGER
        return { sql: v < 0n ? `(${e.text})` : e.text, type }
      }
      case 'decimal':
        // Athena parses unsuffixed decimal literals as DOUBLE
        return { sql: `CAST('${e.text}' AS DOUBLE)`, type: DOUBLE }
      case 'double':
        return { sql: `CAST('${e.text}' AS DOUBLE)`, type: DOUBLE }
      case 'string':
        return { sql: duckString(e.value), type: simple('varchar', [codePoints(e.value)]) }
      case 'binlit':
        return { sql: `unhex('${e.hex}')`, type: VARBINARY }
      case 'typed':
        return this.typedLiteral(e)
      case 'interval':
        return this.intervalLiteral(e)
      case 'ident':
        return this.identifier(e, scope)
      case 'param':
        return failAt('INVALID_PARAMETER_USAGE', e.pos, 'Incorrect number of parameters')
      case 'deref': {
        const base = this.expr(e.base, scope)
        const type =
          base.type?.kind === 'row'
            ? (base.type.fields.find((f) => f.name === lower(e.field))?.type ?? null)
            : null
        return { sql: `(${base.sql}).${q(lower(e.field))}`, type }
      }
      case 'subscript': {
        const base = this.expr(e.base, scope)
        const index = this.expr(e.index, scope)
        let type: SqlType | null = null
        if (base.type?.kind === 'array') type = base.type.element
        else if (base.type?.kind === 'map') type = base.type.value
        else if (base.type?.kind === 'row' && e.index.k === 'integer')
          type = base.type.fields[Number(e.index.text) - 1]?.type ?? null
        if (base.type?.kind === 'row') return { sql: `struct_extract(${base.sql}, ${index.sql})`, type }
        return { sql: `(${base.sql})[${index.sql}]`, type }
      }
      case 'unary': {
        const arg = this.expr(e.arg, scope)
        if (e.op === 'NOT') {
          requireBoolean(arg.type, e.arg.pos, 'Value of logical NOT expression')
          return { sql: `(NOT ${arg.sql})`, type: BOOLEAN }
        }
        return { sql: `(${e.op}${arg.sql})`, type: arg.type }
      }
      case 'binary':
        return this.binary(e, scope)
      case 'between': {
        const a = this.expr(e.arg, scope).sql
        return {
          sql: `(${a} ${e.not ? 'NOT ' : ''}BETWEEN ${this.expr(e.low, scope).sql} AND ${this.expr(e.high, scope).sql})`,
          type: BOOLEAN,
        }
      }
      case 'in': {
        const a = this.expr(e.arg, scope).sql
        const inner = e.query
          ? this.query(e.query, scope).sql
          : e.list!.map((x) => this.expr(x, scope).sql).join(', ')
        return { sql: `(${a} ${e.not ? 'NOT ' : ''}IN (${inner}))`, type: BOOLEAN }
      }
      case 'like': {
        const a = this.expr(e.arg, scope).sql
        const p = this.expr(e.pattern, scope).sql
        const esc = e.escape ? ` ESCAPE ${this.expr(e.escape, scope).sql}` : " ESCAPE ''"
        return { sql: `(${a} ${e.not ? 'NOT ' : ''}LIKE ${p}${e.escape ? esc : ''})`, type: BOOLEAN }
      }
      case 'isnull':
        return { sql: `(${this.expr(e.arg, scope).sql} IS ${e.not ? 'NOT ' : ''}NULL)`, type: BOOLEAN }
      case 'distinct':
        return {
          sql: `(${this.expr(e.left, scope).sql} IS ${e.not ? 'NOT ' : ''}DISTINCT FROM ${this.expr(e.right, scope).sql})`,
          type: BOOLEAN,
        }
      case 'exists':
        return { sql: `(EXISTS (${this.query(e.query, scope).sql}))`, type: BOOLEAN }
      case 'subquery': {
        const inner = this.query(e.query, scope)
        return { sql: `(${inner.sql})`, type: inner.columns?.[0]?.type ?? null }
      }
      case 'quantified':
        return {
          sql: `(${this.expr(e.arg, scope).sql} ${e.op} ${e.quantifier === 'SOME' ? 'ANY' : e.quantifier} (${this.query(e.query, scope).sql}))`,
          type: BOOLEAN,
        }
      case 'case': {
        const operand = e.operand ? ` ${this.expr(e.operand, scope).sql}` : ''
        const whens = e.whens.map((w) => ({
          when: this.expr(w.when, scope),
          result: this.expr(w.result, scope),
        }))
        const elseExpr = e.else ? this.expr(e.else, scope) : null
        const type = commonType([...whens.map((w) => w.result.type), ...(elseExpr ? [elseExpr.type] : [])])
        return {
          sql: `(CASE${operand} ${whens.map((w) => `WHEN ${w.when.sql} THEN ${w.result.sql}`).join(' ')}${elseExpr ? ` ELSE ${elseExpr.sql}` : ''} END)`,
          type,
        }
      }
      case 'cast':
        return this.cast(e, scope)
      case 'call':
        return this.call(e, scope)
      case 'lambda':
        failAt('SYNTAX_ERROR', e.pos, 'Lambda expression is not allowed here')
        break
      case 'array': {
        // Trino's ArrayConstructor takes at most 254 elements; an array of constants is folded before it runs.
        if (e.items.length > 254 && !e.items.every(isConstant))
          throw new QueryFailure('NOT_SUPPORTED', 'Too many arguments for array constructor')
        const items = e.items.map((x) => this.expr(x, scope))
        const element = commonType(items.map((i) => i.type))
        return {
          sql: `[${items.map((i) => i.sql).join(', ')}]`,
          type: element ? { kind: 'array', element } : null,
        }
      }
      case 'row': {
        const items = e.items.map((x) => this.expr(x, scope))
        return {
          sql: `row(${items.map((i) => i.sql).join(', ')})`,
          type: items.every((i) => i.type)
            ? { kind: 'row', fields: items.map((i) => ({ name: null, type: i.type! })) }
            : null,
        }
      }
      case 'attz': {
        const arg = this.expr(e.arg, scope)
        if (e.zone.k === 'null') return arg
        const zone = this.expr(e.zone, scope)
        return { sql: `athena_at_time_zone(${arg.sql}, ${zone.sql})`, type: timestamp(3, true) }
      }
      case 'extract':
        return this.extract(e, scope)
      case 'special':
        return this.special(e)
      case 'trim': {
        const fn = e.spec === 'LEADING' ? 'ltrim' : e.spec === 'TRAILING' ? 'rtrim' : 'trim'
        const arg = this.expr(e.arg, scope).sql
        const chars = e.chars ? `, ${this.expr(e.chars, scope).sql}` : ''
        return { sql: `${fn}(${arg}${chars})`, type: VARCHAR }
      }
      case 'position':
        return {
          sql: `strpos(${this.expr(e.haystack, scope).sql}, ${this.expr(e.needle, scope).sql})`,
          type: BIGINT,
        }
      case 'substring': {
        const arg = this.expr(e.arg, scope).sql
        const from = this.expr(e.from, scope).sql
        const len = e.for ? `, ${this.expr(e.for, scope).sql}` : ''
        return { sql: `substring(${arg}, ${from}${len})`, type: VARCHAR }
      }
    }
    throw new QueryFailure('NOT_SUPPORTED', 'Unsupported expression')
  }

  private identifier(e: Extract<Expr, { k: 'ident' }>, scope: Scope): Typed {
    const parts = e.parts.map(lower)
    if (parts.length === 1 && scope.isLambdaParam(parts[0]!)) return { sql: q(parts[0]!), type: null }
    const unqualified = scope.unqualify(parts)
    return { sql: unqualified.map(q).join('.'), type: scope.columnType(unqualified) }
  }

  private binary(e: Extract<Expr, { k: 'binary' }>, scope: Scope): Typed {
    const l = this.expr(e.left, scope)
    const r = this.expr(e.right, scope)
    switch (e.op) {
      case 'AND':
      case 'OR':
        requireBoolean(l.type, e.left.pos, 'Left side of logical expression')
        requireBoolean(r.type, e.right.pos, 'Right side of logical expression')
        return { sql: `(${l.sql} ${e.op} ${r.sql})`, type: BOOLEAN }
      case '=':
      case '<>':
      case '<':
      case '<=':
      case '>':
      case '>=':
        return { sql: `(${l.sql} ${e.op} ${r.sql})`, type: BOOLEAN }
      case '||':
        // array || element and element || array append and prepend
        if (l.type?.kind === 'array' && r.type && r.type.kind !== 'array')
          return { sql: `list_append(${l.sql}, ${r.sql})`, type: l.type }
        if (r.type?.kind === 'array' && l.type && l.type.kind !== 'array')
          return { sql: `list_prepend(${l.sql}, ${r.sql})`, type: r.type }
        return {
          sql: `(${l.sql} || ${r.sql})`,
          type: l.type?.kind === 'array' ? l.type : r.type?.kind === 'array' ? r.type : VARCHAR,
        }
      case '/':
        return { sql: `athena_divide(${l.sql}, ${r.sql})`, type: arithmeticType(l.type, r.type) }
      case '%':
        return { sql: `athena_mod(${l.sql}, ${r.sql})`, type: arithmeticType(l.type, r.type) }
      default: {
        const temporal = temporalArithmetic(e.op, l.type, r.type)
        // DuckDB turns date ± interval into a timestamp; Trino keeps the date
        if (temporal?.kind === 'simple' && temporal.name === 'date') {
          const date = l.type?.kind === 'simple' && l.type.name === 'date' ? l.sql : r.sql
          return { sql: `cast_to_type(${l.sql} ${e.op} ${r.sql}, ${date})`, type: temporal }
        }
        return { sql: `(${l.sql} ${e.op} ${r.sql})`, type: temporal ?? arithmeticType(l.type, r.type) }
      }
    }
  }

  private typedLiteral(e: Extract<Expr, { k: 'typed' }>): Typed {
    const v = duckString(e.value)
    switch (e.type) {
      case 'DATE':
        if (!/^\s*[+-]?\d{1,6}-\d{1,2}-\d{1,2}\s*$/.test(e.value))
          failAt('INVALID_LITERAL', e.pos, `'${e.value}' is not a valid DATE literal`)
        return { sql: `DATE ${v}`, type: DATE }
      case 'TIMESTAMP': {
        const m =
          /^\s*(\d{4}-\d{1,2}-\d{1,2})(?:[ T](\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.(\d+))?)?))?\s*(.*?)\s*$/.exec(
            e.value,
          )
        if (!m) failAt('INVALID_LITERAL', e.pos, `'${e.value}' is not a valid TIMESTAMP literal`)
        const precision = m[3]?.length ?? 0
        if (m[4]) {
          // Trino reads what follows the time as a zone: an offset or a zone id; anything else is no literal.
          if (!/^(?:[+-]\d{1,2}(?::?\d{2})?|[A-Za-z][\w+-]*(?:\/[\w+-]+)*)$/.test(m[4]))
            failAt('INVALID_LITERAL', e.pos, `'${e.value}' is not a valid TIMESTAMP literal`)
          // without ICU DuckDB knows offsets, not zone names
          const zone = /^(UTC|GMT|Z)$/i.test(m[4])
            ? '+00:00'
            : /^[+-]\d{2}(:?\d{2})?$/.test(m[4])
              ? m[4]
              : null
          if (zone === null)
            failAt(
              'NOT_SUPPORTED',
              e.pos,
              `Time zone '${m[4]}' is not supported by athena-local (offsets and UTC are)`,
            )
          return {
            sql: `CAST(${duckString(`${m[1]} ${m[2] ?? '00:00:00'}${zone}`)} AS TIMESTAMPTZ)`,
            type: timestamp(precision, true),
          }
        }
        return {
          sql: `TIMESTAMP ${duckString(`${m[1]} ${m[2] ?? '00:00:00'}`)}`,
          type: timestamp(precision),
        }
      }
      case 'TIME': {
        // Trino's shape: H:M[:S[.f]], optionally an offset; anything else would reach DuckDB's parser.
        const m = /^\s*\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.(\d+))?)?\s*(?:[+-]\d{1,2}(?::?\d{2})?)?\s*$/.exec(
          e.value,
        )
        if (!m) failAt('INVALID_LITERAL', e.pos, `'${e.value}' is not a valid TIME literal`)
        const precision = m[1]?.length ?? 0
        return { sql: `TIME ${v}`, type: simple('time', [precision]) }
      }
      case 'DECIMAL': {
        const m = /^\s*([+-])?(\d*)(?:\.(\d*))?\s*$/.exec(e.value)
        if (!m || (m[2] === '' && (m[3] ?? '') === ''))
          failAt('INVALID_LITERAL', e.pos, `'${e.value}' is not a valid DECIMAL literal`)
        const intDigits = (m[2] ?? '').replace(/^0+(?=\d)/, '')
        const scale = (m[3] ?? '').length
        const precision = Math.max(1, (intDigits === '0' ? 0 : intDigits.length) + scale)
        if (precision > 38) failAt('INVALID_LITERAL', e.pos, `'${e.value}' is not a valid DECIMAL literal`)
        return {
          sql: `CAST(${v} AS DECIMAL(${precision},${scale}))`,
          type: simple('decimal', [precision, scale]),
        }
      }
      case 'REAL':
        return { sql: `CAST(${v} AS FLOAT)`, type: simple('real') }
      case 'DOUBLE':
        return { sql: `CAST(${v} AS DOUBLE)`, type: DOUBLE }
      case 'CHAR':
        return { sql: v, type: simple('char', [codePoints(e.value)]) }
      case 'VARCHAR':
        return { sql: v, type: simple('varchar', [codePoints(e.value)]) }
      case 'JSON':
        return { sql: `json(${v})`, type: JSON_TYPE }
      case 'BIGINT':
      case 'INTEGER':
      case 'SMALLINT':
      case 'TINYINT':
      case 'BOOLEAN':
        return { sql: `CAST(${v} AS ${e.type})`, type: simple(e.type.toLowerCase()) }
      case 'VARBINARY':
        return { sql: `encode(${v})`, type: VARBINARY }
      case 'UUID':
        return { sql: `CAST(${v} AS UUID)`, type: simple('uuid') }
      default:
        return failAt('NOT_SUPPORTED', e.pos, `Unsupported type literal: ${e.type}`)
    }
  }

  private intervalLiteral(e: Extract<Expr, { k: 'interval' }>): Typed {
    const sign = e.negative ? -1 : 1
    const text = e.value.trim()
    const yearMonth = e.from === 'YEAR' || e.from === 'MONTH'
    if (yearMonth) {
      let months: number
      if (e.to === 'MONTH' && e.from === 'YEAR') {
        const m = /^([+-])?(\d+)-(\d+)$/.exec(text)
        if (!m) failAt('INVALID_LITERAL', e.pos, `'${e.value}' is not a valid INTERVAL literal`)
        months = (Number(m[2]) * 12 + Number(m[3])) * (m[1] === '-' ? -1 : 1)
      } else {
        const n = Number(text)
        if (!Number.isInteger(n))
          failAt('INVALID_LITERAL', e.pos, `'${e.value}' is not a valid INTERVAL literal`)
        months = e.from === 'YEAR' ? n * 12 : n
      }
      return { sql: `to_months(${sign * months})`, type: { kind: 'interval', from: 'year', to: 'month' } }
    }
    const unitMs: Record<string, number> = { DAY: 86400000, HOUR: 3600000, MINUTE: 60000, SECOND: 1000 }
    let ms: number
    if (e.to) {
      const m = /^([+-])?(?:(\d+) )?(\d+)(?::(\d+))?(?::(\d+(?:\.\d+)?))?$/.exec(text)
      if (!m) failAt('INVALID_LITERAL', e.pos, `'${e.value}' is not a valid INTERVAL literal`)
      const fields = [m[2], m[3], m[4], m[5]].filter((x) => x !== undefined).map(Number)
      const order = ['DAY', 'HOUR', 'MINUTE', 'SECOND']
      const start = order.indexOf(e.from)
      ms = 0
      fields.forEach((f, i) => {
        ms += f * unitMs[order[start + i]!]!
      })
      if (m[1] === '-') ms = -ms
    } else {
      const n = Number(text)
      if (!Number.isFinite(n))
        failAt('INVALID_LITERAL', e.pos, `'${e.value}' is not a valid INTERVAL literal`)
      ms = n * unitMs[e.from]!
    }
    return {
      sql: `to_milliseconds(${Math.round(sign * ms)})`,
      type: { kind: 'interval', from: 'day', to: 'second' },
    }
  }

  private cast(e: Extract<Expr, { k: 'cast' }>, scope: Scope): Typed {
    const arg = this.expr(e.arg, scope)
    const t = e.type
    const fn = e.safe ? 'TRY_CAST' : 'CAST'
    if (t.kind === 'simple') {
      const name = t.name === 'int' ? 'integer' : t.name
      if (name === 'json') {
        if (arg.type !== null && !castsToJson(arg.type, 0))
          failAt('TYPE_MISMATCH', e.pos, `Cannot cast ${typeToString(arg.type)} to json`)
        return { sql: jsonOf(arg.sql, arg.type, 0), type: JSON_TYPE }
      }
      if (name === 'varchar' || name === 'char') {
        const inner =
          arg.type && isJson(arg.type)
            ? `json_extract_string(${arg.sql}, '$')`
            : arg.type?.kind === 'simple' && arg.type.name === 'timestamp'
              ? timestampText(arg.sql, arg.type)
              : `${fn}(${arg.sql} AS VARCHAR)`
        const n = t.params[0]
        if (name === 'char') {
          const len = n ?? 1
          return { sql: `rpad(left(${inner}, ${len}), ${len}, ' ')`, type: simple('char', [len]) }
        }
        return {
          sql: n === undefined ? inner : `left(${inner}, ${n})`,
          type: n === undefined ? VARCHAR : simple('varchar', [n]),
        }
      }
      if (name === 'timestamp') {
        const precision = t.params[0] ?? 3
        const type = timestamp(precision, t.withTimeZone)
        const duck = duckType(type)
        const sql = `${fn}(${arg.sql} AS ${duck})`
        return {
          sql: precision < 6 && !t.withTimeZone ? `athena_round_timestamp(${sql}, ${precision})` : sql,
          type,
        }
      }
      if (name === 'decimal') {
        const p = t.params[0] ?? 38
        const s = t.params[1] ?? 0
        return { sql: `${fn}(${arg.sql} AS DECIMAL(${p},${s}))`, type: simple('decimal', [p, s]) }
      }
      if (name === 'time') {
        return { sql: `${fn}(${arg.sql} AS TIME)`, type: simple('time', [t.params[0] ?? 3]) }
      }
    }
    const normalized = normalizeCastType(t)
    const duck = duckType(normalized)
    if (!duck) failAt('TYPE_NOT_FOUND', e.pos, `Unknown type: ${typeName(t)}`)
    if (arg.type && isJson(arg.type) && (normalized.kind !== 'simple' || normalized.name !== 'json')) {
      return { sql: `${fn}(${arg.sql} AS ${duck})`, type: normalized }
    }
    return { sql: `${fn}(${arg.sql} AS ${duck})`, type: normalized }
  }

  private call(e: Extract<Expr, { k: 'call' }>, scope: Scope): Typed {
    if (e.name.length > 1)
      failAt('FUNCTION_NOT_FOUND', e.pos, `Function '${e.name.map((n) => n.name).join('.')}' not registered`)
    const name = lower(e.name[0]!)
    const rule = lookupFunction(name)
    if (!rule) failAt('FUNCTION_NOT_FOUND', e.pos, `Function '${name}' not registered`)
    if (rule.arity && !rule.arity.includes(e.args.length) && !(name === 'count' && e.args.length === 0)) {
      failAt('FUNCTION_NOT_FOUND', e.pos, `Unexpected parameters for function ${name}`)
    }
    if (rule.kind !== 'aggregate' && (e.distinct || e.filter || e.orderBy.length > 0) && !e.over) {
      failAt('FUNCTION_NOT_FOUND', e.pos, `${name} is not an aggregate function`)
    }
    if (rule.kind === 'window' && !e.over)
      failAt('MISSING_OVER', e.pos, `Window function ${name} requires an OVER clause`)
    const args: Arg[] = e.args.map((a) => {
      if (a.k === 'lambda') {
        const inner = new Scope(scope)
        for (const p of a.params) inner.lambdaParams.add(p.toLowerCase())
        const body = this.expr(a.body, inner)
        return {
          sql: '',
          type: null,
          node: a,
          lambda: { params: a.params.map((p) => p.toLowerCase()), body: body.sql },
        }
      }
      const t = this.expr(a, scope)
      return { sql: t.sql, type: t.type, node: a }
    })
    const orderBy = e.orderBy.length > 0 ? ` ORDER BY ${this.orderItems(e.orderBy, scope, null)}` : ''
    let sql =
      name === 'count' && e.args.length === 0
        ? 'count(*)'
        : rule.emit(args, { distinct: e.distinct, orderBy, pos: e.pos, name })
    if (e.filter) sql += ` FILTER (WHERE ${this.expr(e.filter, scope).sql})`
    if (e.nulls === 'IGNORE') sql = sql.replace(/\)$/, ' IGNORE NULLS)')
    if (e.over) sql += ` OVER (${this.windowSpec(e.over, scope)})`
    return { sql, type: rule.type ? rule.type(args) : null }
  }

  private extract(e: Extract<Expr, { k: 'extract' }>, scope: Scope): Typed {
    const arg = this.expr(e.arg, scope).sql
    const fields: Record<string, string> = {
      YEAR: 'year',
      QUARTER: 'quarter',
      MONTH: 'month',
      WEEK: 'week',
      DAY: 'day',
      DAY_OF_MONTH: 'day',
      DAY_OF_WEEK: 'isodow',
      DOW: 'isodow',
      DAY_OF_YEAR: 'doy',
      DOY: 'doy',
      YEAR_OF_WEEK: 'isoyear',
      YOW: 'isoyear',
      HOUR: 'hour',
      MINUTE: 'minute',
      SECOND: 'second',
      TIMEZONE_HOUR: 'timezone_hour',
      TIMEZONE_MINUTE: 'timezone_minute',
    }
    const f = fields[e.field]
    if (!f) failAt('INVALID_FUNCTION_ARGUMENT', e.pos, `Invalid EXTRACT field: ${e.field}`)
    return { sql: `CAST(date_part('${f}', ${arg}) AS BIGINT)`, type: BIGINT }
  }

  private special(e: Extract<Expr, { k: 'special' }>): Typed {
    switch (e.name) {
      case 'CURRENT_DATE':
        return { sql: 'CAST(current_timestamp AS DATE)', type: DATE }
      case 'CURRENT_TIMESTAMP':
        return { sql: 'current_timestamp', type: timestamp(e.precision ?? 3, true) }
      case 'LOCALTIMESTAMP':
        return { sql: 'CAST(current_timestamp AS TIMESTAMP)', type: timestamp(e.precision ?? 3) }
      case 'CURRENT_TIME':
      case 'LOCALTIME':
        return { sql: 'CAST(current_timestamp AS TIME)', type: simple('time', [e.precision ?? 3]) }
      case 'CURRENT_USER':
        return { sql: "'athena-local'", type: VARCHAR }
      case 'CURRENT_CATALOG':
        return { sql: "'awsdatacatalog'", type: VARCHAR }
      case 'CURRENT_SCHEMA':
        return { sql: duckString(this.database), type: VARCHAR }
    }
    return failAt('NOT_SUPPORTED', e.pos, `${e.name} is not supported`)
  }
}

/** Trino refuses AND / OR / NOT over non-boolean operands (DuckDB would coerce them). */
function requireBoolean(t: SqlType | null, pos: Pos, what: string): void {
  if (t?.kind === 'simple' && t.name !== 'boolean' && t.name !== 'unknown') {
    failAt(
      'TYPE_MISMATCH',
      pos,
      `${what} must evaluate to a boolean (actual: ${t.name === 'varchar' && t.params.length > 0 ? `varchar(${t.params[0]})` : t.name})`,
    )
  }
  if (t && t.kind !== 'simple')
    failAt('TYPE_MISMATCH', pos, `${what} must evaluate to a boolean (actual: ${t.kind})`)
}

/** Trino's name for an unaliased select item. */
export function outputName(e: Expr, index: number): string {
  if (e.k === 'ident') return e.parts.at(-1)!.name.toLowerCase()
  if (e.k === 'deref') return e.field.name.toLowerCase()
  return `_col${index}`
}

function codePoints(s: string): number {
  let n = 0
  for (const _ of s) n++
  return n
}

function isJson(t: SqlType): boolean {
  return t.kind === 'simple' && t.name === 'json'
}

const JSON_SCALARS = new Set([
  'boolean',
  'tinyint',
  'smallint',
  'integer',
  'bigint',
  'decimal',
  'varchar',
  'char',
  'json',
  'unknown',
])

/**
 * Trino's text of a timestamp (its VARCHAR cast, and its string in JSON): every digit of its precision, and ` UTC`
 * for a timestamp with time zone (athena-local keeps those in UTC).
 */
function timestampText(sql: string, type: Extract<SqlType, { kind: 'simple' }>): string {
  const precision = type.params[0] ?? 3
  const plain = type.withTimeZone ? `CAST(${sql} AS TIMESTAMP)` : sql
  const fraction =
    precision === 0 ? '' : ` || '.' || rpad(left(strftime(${plain}, '%f'), ${precision}), ${precision}, '0')`
  return `(strftime(${plain}, '%Y-%m-%d %H:%M:%S')${fraction}${type.withTimeZone ? " || ' UTC'" : ''})`
}

/** Whether Trino folds the expression to a value while planning: literals and casts, signs, rows and arrays of them. */
function isConstant(e: Expr): boolean {
  switch (e.k) {
    case 'cast':
    case 'unary':
      return isConstant(e.arg)
    case 'array':
    case 'row':
      return e.items.every(isConstant)
    default:
      return ['null', 'bool', 'integer', 'decimal', 'double', 'string', 'binlit', 'typed'].includes(e.k)
  }
}

/** Map key types Trino writes as JSON object keys (JsonUtil.isValidJsonObjectKeyType). */
const JSON_KEYS = new Set([
  'boolean',
  'tinyint',
  'smallint',
  'integer',
  'bigint',
  'real',
  'double',
  'decimal',
  'varchar',
])

/**
 * Whether Trino casts a value of this type to JSON (JsonUtil.canCastToJson): the scalars above, and inside an
 * array, map or row also a date or a timestamp without time zone; a map's keys must be of JSON_KEYS.
 */
function castsToJson(type: SqlType, depth: number): boolean {
  switch (type.kind) {
    case 'row':
      return type.fields.every((f) => castsToJson(f.type, depth + 1))
    case 'array':
      return castsToJson(type.element, depth + 1)
    case 'map':
      return (
        type.key.kind === 'simple' &&
        (JSON_KEYS.has(type.key.name) || type.key.name === 'unknown') &&
        castsToJson(type.value, depth + 1)
      )
    case 'simple':
      if (JSON_SCALARS.has(type.name) || type.name === 'double' || type.name === 'real') return true
      return depth > 0 && (type.name === 'date' || (type.name === 'timestamp' && !type.withTimeZone))
    default:
      return false
  }
}

/**
 * Trino's CAST(x AS JSON) by the value's Trino type (RowToJsonCast, JsonUtil's writers), for a type castsToJson
 * accepts: every row is an object keyed by its field names, "" for a field without one (DuckDB's to_json does the
 * same for an unnamed struct, but it is spelled out so that the fields convert by Trino's rules too); arrays
 * convert their elements the same way, maps are DuckDB's to_json; a NULL value is a SQL NULL, a NULL inside is
 * JSON null; doubles and reals that are NaN or infinite are the strings Jackson writes for them; a date or
 * timestamp inside is its text, at the timestamp's precision.
 */
function jsonOf(sql: string, type: SqlType | null, depth: number): string {
  if (type === null) return `to_json(${sql})`
  const guarded = (body: string) => `CASE WHEN (${sql}) IS NULL THEN NULL ELSE ${body} END`
  switch (type.kind) {
    case 'row': {
      const pairs = type.fields.map(
        (f, i) =>
          `${duckString(f.name ?? '')}, ${jsonOf(`struct_extract_at(${sql}, ${i + 1})`, f.type, depth + 1)}`,
      )
      return guarded(`json_object(${pairs.join(', ')})`)
    }
    case 'array': {
      const element = `"__j${depth}"`
      return guarded(
        `to_json(list_transform(${sql}, lambda ${element}: ${jsonOf(element, type.element, depth + 1)}))`,
      )
    }
    case 'simple':
      if (type.name === 'json') return sql
      if (type.name === 'double' || type.name === 'real') {
        // A REAL is written from the float (0.1), not from the double nearest it as to_json does.
        const number = type.name === 'real' ? `CAST(CAST(${sql} AS VARCHAR) AS JSON)` : `to_json(${sql})`
        return `CASE WHEN isnan(${sql}) THEN '"NaN"'::JSON WHEN isinf(${sql}) THEN (CASE WHEN (${sql}) > 0 THEN '"Infinity"' ELSE '"-Infinity"' END)::JSON ELSE ${number} END`
      }
      if (type.name === 'date') return `to_json(CAST(${sql} AS VARCHAR))`
      if (type.name === 'timestamp') return `to_json(${timestampText(sql, type)})`
      return `to_json(${sql})`
    default:
      return `to_json(${sql})`
  }
}

function typeName(t: SqlType): string {
  return t.kind === 'simple' ? t.name : t.kind
}

function normalizeCastType(t: SqlType): SqlType {
  switch (t.kind) {
    case 'simple': {
      const map: Record<string, string> = {
        int: 'integer',
        float: 'real',
        string: 'varchar',
        binary: 'varbinary',
      }
      const name = map[t.name] ?? t.name
      if (
        name === 'double' ||
        name === 'real' ||
        name === 'integer' ||
        name === 'bigint' ||
        name === 'smallint' ||
        name === 'tinyint' ||
        name === 'boolean' ||
        name === 'date' ||
        name === 'varbinary' ||
        name === 'json' ||
        name === 'uuid'
      ) {
        return simple(name)
      }
      return { ...t, name }
    }
    case 'array':
      return { kind: 'array', element: normalizeCastType(t.element) }
    case 'map':
      return { kind: 'map', key: normalizeCastType(t.key), value: normalizeCastType(t.value) }
    case 'row':
      return {
        kind: 'row',
        fields: t.fields.map((f) => ({
          name: f.name?.toLowerCase() ?? null,
          type: normalizeCastType(f.type),
        })),
      }
    case 'interval':
      return t
  }
}

const NUMERIC_RANK = ['tinyint', 'smallint', 'integer', 'bigint', 'decimal', 'real', 'double']

function arithmeticType(a: SqlType | null, b: SqlType | null): SqlType | null {
  if (a?.kind !== 'simple' || b?.kind !== 'simple') return null
  const ra = NUMERIC_RANK.indexOf(a.name)
  const rb = NUMERIC_RANK.indexOf(b.name)
  if (ra < 0 || rb < 0) return null
  if (a.name === 'decimal' || b.name === 'decimal') {
    if (ra > 4 || rb > 4) return DOUBLE
    return null
  }
  return ra >= rb ? simple(a.name) : simple(b.name)
}

function temporalArithmetic(op: string, a: SqlType | null, b: SqlType | null): SqlType | null {
  if (op !== '+' && op !== '-') return null
  const temporal = (t: SqlType | null) =>
    t?.kind === 'simple' && (t.name === 'date' || t.name === 'timestamp' || t.name === 'time')
  if (temporal(a) && b?.kind === 'interval') return a
  if (temporal(b) && a?.kind === 'interval') return b
  return null
}

function commonType(types: (SqlType | null)[]): SqlType | null {
  const known = types.filter(
    (t): t is SqlType => t !== null && !(t.kind === 'simple' && t.name === 'unknown'),
  )
  if (known.length === 0) return types.length > 0 && types.every((t) => t !== null) ? UNKNOWN : null
  const first = known[0]!
  if (first.kind === 'simple' && first.name === 'varchar') {
    if (known.every((t) => t.kind === 'simple' && t.name === 'varchar')) {
      if (known.some((t) => t.kind === 'simple' && t.params.length === 0)) return VARCHAR
      const max = Math.max(...known.map((t) => (t.kind === 'simple' ? (t.params[0] ?? 0) : 0)))
      return simple('varchar', [max])
    }
    return null
  }
  if (known.every((t) => JSON.stringify(t) === JSON.stringify(first))) return first
  if (known.every((t) => t.kind === 'simple' && NUMERIC_RANK.includes(t.name) && t.name !== 'decimal')) {
    return known.reduce((acc, t) => arithmeticType(acc, t) ?? acc)
  }
  return null
}
