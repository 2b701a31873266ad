// The statement tree the Trino parser produces and the translator reads.

export interface Ident {
  name: string
  quoted: boolean
}

/** A parsed SQL type (Trino spelling, lower case names). */
export type SqlType =
  | { kind: 'simple'; name: string; params: number[]; withTimeZone?: boolean }
  | { kind: 'array'; element: SqlType }
  | { kind: 'map'; key: SqlType; value: SqlType }
  | { kind: 'row'; fields: { name: string | null; type: SqlType }[] }
  | { kind: 'interval'; from: string; to: string | null }

export interface Pos {
  line: number
  column: number
}

export type Expr =
  | { k: 'null'; pos: Pos }
  | { k: 'bool'; value: boolean; pos: Pos }
  | { k: 'integer'; text: string; pos: Pos }
  | { k: 'decimal'; text: string; pos: Pos }
  | { k: 'double'; text: string; pos: Pos }
  | { k: 'string'; value: string; pos: Pos }
  | { k: 'binlit'; hex: string; pos: Pos }
  | { k: 'typed'; type: string; value: string; pos: Pos }
  | { k: 'interval'; value: string; negative: boolean; from: string; to: string | null; pos: Pos }
  | { k: 'ident'; parts: Ident[]; pos: Pos }
  | { k: 'param'; index: number; pos: Pos }
  | { k: 'deref'; base: Expr; field: Ident; pos: Pos }
  | { k: 'subscript'; base: Expr; index: Expr; pos: Pos }
  | { k: 'unary'; op: '-' | '+' | 'NOT'; arg: Expr; pos: Pos }
  | { k: 'binary'; op: string; left: Expr; right: Expr; pos: Pos }
  | { k: 'between'; arg: Expr; low: Expr; high: Expr; not: boolean; pos: Pos }
  | { k: 'in'; arg: Expr; list: Expr[] | null; query: Query | null; not: boolean; pos: Pos }
  | { k: 'like'; arg: Expr; pattern: Expr; escape: Expr | null; not: boolean; pos: Pos }
  | { k: 'isnull'; arg: Expr; not: boolean; pos: Pos }
  | { k: 'distinct'; left: Expr; right: Expr; not: boolean; pos: Pos }
  | { k: 'exists'; query: Query; pos: Pos }
  | { k: 'subquery'; query: Query; pos: Pos }
  | { k: 'quantified'; op: string; quantifier: 'ALL' | 'ANY' | 'SOME'; arg: Expr; query: Query; pos: Pos }
  | { k: 'case'; operand: Expr | null; whens: { when: Expr; result: Expr }[]; else: Expr | null; pos: Pos }
  | { k: 'cast'; arg: Expr; type: SqlType; safe: boolean; pos: Pos }
  | {
      k: 'call'
      name: Ident[]
      args: Expr[]
      distinct: boolean
      filter: Expr | null
      orderBy: OrderItem[]
      over: WindowSpec | null
      nulls: 'IGNORE' | 'RESPECT' | null
      pos: Pos
    }
  | { k: 'lambda'; params: string[]; body: Expr; pos: Pos }
  | { k: 'array'; items: Expr[]; pos: Pos }
  | { k: 'row'; items: Expr[]; pos: Pos }
  | { k: 'attz'; arg: Expr; zone: Expr; pos: Pos }
  | { k: 'extract'; field: string; arg: Expr; pos: Pos }
  | { k: 'special'; name: string; precision: number | null; pos: Pos }
  | { k: 'trim'; spec: 'BOTH' | 'LEADING' | 'TRAILING'; chars: Expr | null; arg: Expr; pos: Pos }
  | { k: 'position'; needle: Expr; haystack: Expr; pos: Pos }
  | { k: 'substring'; arg: Expr; from: Expr; for: Expr | null; pos: Pos }

export interface WindowSpec {
  name: string | null
  partitionBy: Expr[]
  orderBy: OrderItem[]
  frame: { type: 'ROWS' | 'RANGE' | 'GROUPS'; start: FrameBound; end: FrameBound | null } | null
}

export type FrameBound =
  | { kind: 'UNBOUNDED PRECEDING' | 'UNBOUNDED FOLLOWING' | 'CURRENT ROW' }
  | { kind: 'PRECEDING' | 'FOLLOWING'; value: Expr }

export interface OrderItem {
  expr: Expr
  desc: boolean
  nulls: 'FIRST' | 'LAST' | null
}

export type SelectItem =
  | { kind: 'expr'; expr: Expr; alias: Ident | null }
  | { kind: 'star'; qualifier: Ident[] | null }

export type GroupingElement =
  | { kind: 'expr'; expr: Expr }
  | { kind: 'rollup' | 'cube'; exprs: Expr[] }
  | { kind: 'sets'; sets: Expr[][] }

export interface QuerySpec {
  kind: 'select'
  distinct: boolean
  items: SelectItem[]
  from: Relation[]
  where: Expr | null
  groupBy: { distinct: boolean; elements: GroupingElement[] } | null
  having: Expr | null
  windows: { name: string; spec: WindowSpec }[]
}

export type QueryBody =
  | QuerySpec
  | { kind: 'setop'; op: 'UNION' | 'INTERSECT' | 'EXCEPT'; all: boolean; left: QueryBody; right: QueryBody }
  | { kind: 'values'; rows: Expr[] }
  | { kind: 'table'; name: Ident[] }
  | { kind: 'query'; query: Query }

export interface Query {
  with: { recursive: boolean; ctes: { name: Ident; columns: Ident[] | null; query: Query }[] } | null
  body: QueryBody
  orderBy: OrderItem[]
  offset: Expr | null
  limit: Expr | 'ALL' | null
  fetch: { count: Expr; withTies: boolean } | null
}

export interface AliasSpec {
  name: Ident
  columns: Ident[] | null
}

export type Relation =
  | { kind: 'table'; name: Ident[]; alias: AliasSpec | null; pos: Pos }
  | { kind: 'subquery'; query: Query; alias: AliasSpec | null; lateral: boolean }
  | { kind: 'unnest'; args: Expr[]; ordinality: boolean; alias: AliasSpec | null }
  | {
      kind: 'join'
      type: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS'
      natural: boolean
      left: Relation
      right: Relation
      on: Expr | null
      using: Ident[] | null
    }
  | { kind: 'values'; rows: Expr[]; alias: AliasSpec | null }

export interface Property {
  name: string
  value: Expr
}

export type MergeClause =
  | { kind: 'update'; condition: Expr | null; sets: { column: Ident; value: Expr }[] }
  | { kind: 'delete'; condition: Expr | null }
  | { kind: 'insert'; condition: Expr | null; columns: Ident[] | null; values: Expr[] }

export type Statement =
  | { kind: 'query'; query: Query }
  | { kind: 'insert'; table: Ident[]; columns: Ident[] | null; query: Query }
  | {
      kind: 'ctas'
      ifNotExists: boolean
      table: Ident[]
      columns: Ident[] | null
      comment: string | null
      properties: Property[]
      query: Query
      withData: boolean
    }
  | { kind: 'create-view'; orReplace: boolean; name: Ident[]; query: Query; text: string }
  | { kind: 'drop-view'; ifExists: boolean; name: Ident[] }
  | { kind: 'update'; table: Ident[]; sets: { column: Ident; value: Expr }[]; where: Expr | null }
  | { kind: 'delete'; table: Ident[]; where: Expr | null }
  | {
      kind: 'merge'
      target: Ident[]
      targetAlias: Ident | null
      source: Relation
      on: Expr
      clauses: (MergeClause & { matched: boolean })[]
    }
  | { kind: 'unload'; query: Query; location: string; properties: Property[] }
  | { kind: 'explain'; analyze: boolean; statement: Statement }
  | { kind: 'vacuum'; table: Ident[] }
  | { kind: 'optimize'; table: Ident[] }
  | { kind: 'prepare'; name: Ident; statement: Statement; text: string }
  | { kind: 'execute'; name: Ident; using: Expr[] }
  | { kind: 'deallocate'; name: Ident }
  | { kind: 'use'; catalog: Ident | null; schema: Ident }
