import { NotSupportedError } from '@tributary/core'
import {
  type ColumnDefinitionNode,
  type ColumnNode,
  type ColumnUpdateNode,
  type CreateTableNode,
  type DataTypeNode,
  DefaultQueryCompiler,
  type DeleteQueryNode,
  type InsertQueryNode,
  type LimitNode,
  type OffsetNode,
  type OperationNode,
  type PrimaryKeyConstraintNode,
  type PrimitiveValueListNode,
  type SelectQueryNode,
  type TableNode,
  type UpdateQueryNode,
  type ValueListNode,
  type ValueNode,
  type ValuesNode,
} from 'kysely'
import { parseType } from '../formats/type-parser.ts'
import { deferredMark, deferredPlaceholder } from '../params/deferred.ts'
import { inferType, placeholder } from '../params/infer.ts'
import { formatLiteral } from '../params/literal.ts'
import { quoteIdentifier } from '../statement.ts'

/** The largest row count ClickHouse accepts; `LIMIT offset, ALL_ROWS` expresses an OFFSET without a LIMIT. */
const ALL_ROWS = '18446744073709551615'

/** SQL type names Kysely users write in schema builders, mapped to ClickHouse types. */
const DATA_TYPES: Record<string, string> = {
  varchar: 'String',
  char: 'String',
  text: 'String',
  bytea: 'String',
  blob: 'String',
  binary: 'String',
  integer: 'Int32',
  int2: 'Int16',
  int4: 'Int32',
  int8: 'Int64',
  smallint: 'Int16',
  bigint: 'Int64',
  real: 'Float32',
  float4: 'Float32',
  float8: 'Float64',
  'double precision': 'Float64',
  boolean: 'Bool',
  date: 'Date',
  datetime: deferredMark({ kind: 'instant', precision: 3 }),
  timestamp: deferredMark({ kind: 'instant', precision: 3 }),
  timestamptz: deferredMark({ kind: 'instant', precision: 3 }),
  uuid: 'UUID',
  json: 'JSON',
  jsonb: 'JSON',
}

/** The VALUES of the INSERT being compiled: its rows are written to these columns. */
interface InsertTarget {
  values: ValuesNode
  table: string
  columns: readonly string[]
}

/**
 * Kysely's compiler for ClickHouse: backquoted identifiers, typed `{pN:Type}`
 * placeholders, ClickHouse's mutation forms for UPDATE and DELETE, and table
 * definitions with an engine. What ClickHouse cannot express fails here with
 * `NotSupportedError` instead of reaching the server.
 *
 * A value written to a column (INSERT … VALUES, UPDATE … SET) gets the type of
 * that column, and a JS Date the instant type of the server; neither is known
 * here, so such placeholders carry a mark the client resolves when the
 * statement runs (params/deferred.ts).
 */
export class ClickHouseQueryCompiler extends DefaultQueryCompiler {
  #insert: InsertTarget | undefined
  /** The table of the UPDATE being compiled. */
  #updated: string | undefined

  protected override getLeftIdentifierWrapper(): string {
    return '`'
  }

  protected override getRightIdentifierWrapper(): string {
    return '`'
  }

  protected override sanitizeIdentifier(identifier: string): string {
    return quoteIdentifier(identifier).slice(1, -1)
  }

  protected override appendValue(value: unknown): void {
    this.addParameter(value)
    this.append(placeholder(`p${this.numParameters}`, value))
  }

  /** A value written to `column` of `table`: typed from the column when the statement runs. */
  #appendColumnValue(value: unknown, table: string, column: string, kind: 'column' | 'set'): void {
    this.addParameter(value)
    this.append(deferredPlaceholder({ kind, name: `p${this.numParameters}`, table, column }))
  }

  protected override visitValues(node: ValuesNode): void {
    const parent = this.parentNode
    const insert = parent?.kind === 'InsertQueryNode' ? (parent as InsertQueryNode) : undefined
    const outer = this.#insert
    this.#insert =
      insert?.into && insert.columns
        ? { values: node, table: tableSql(insert.into), columns: insert.columns.map((c) => c.column.name) }
        : undefined
    try {
      super.visitValues(node)
    } finally {
      this.#insert = outer
    }
  }

  protected override visitValueList(node: ValueListNode): void {
    const target = this.#insert
    if (target === undefined || this.parentNode !== target.values) {
      super.visitValueList(node)
      return
    }
    this.append('(')
    node.values.forEach((item, i) => {
      if (i > 0) this.append(', ')
      const column = target.columns[i]
      if (item.kind === 'ValueNode' && !(item as ValueNode).immediate && column !== undefined)
        this.#appendColumnValue((item as ValueNode).value, target.table, column, 'column')
      else this.visitNode(item)
    })
    this.append(')')
  }

  protected override visitPrimitiveValueList(node: PrimitiveValueListNode): void {
    const target = this.#insert
    if (target === undefined || this.parentNode !== target.values) {
      super.visitPrimitiveValueList(node)
      return
    }
    this.append('(')
    node.values.forEach((value, i) => {
      if (i > 0) this.append(', ')
      const column = target.columns[i]
      if (column !== undefined) this.#appendColumnValue(value, target.table, column, 'column')
      else this.appendValue(value)
    })
    this.append(')')
  }

  protected override visitColumnUpdate(node: ColumnUpdateNode): void {
    const value = node.value as ValueNode
    if (this.#updated === undefined || value.kind !== 'ValueNode' || value.immediate) {
      super.visitColumnUpdate(node)
      return
    }
    this.visitNode(node.column)
    this.append(' = ')
    this.#appendColumnValue(value.value, this.#updated, (node.column as ColumnNode).column.name, 'set')
  }

  /** Immediate values (`sql.lit`, DDL defaults) go through the one literal formatter. */
  protected override appendImmediateValue(value: unknown): void {
    this.append(formatLiteral(value, parseType(inferType(value))))
  }

  protected override visitLimit(node: LimitNode): void {
    // `LIMIT offset, count` is understood by every ClickHouse version; `LIMIT … OFFSET …` is not.
    const select = this.parentNode as SelectQueryNode | undefined
    this.append('limit ')
    if (select?.offset) {
      this.#appendRowCount(select.offset.offset)
      this.append(', ')
    }
    this.#appendRowCount(node.limit)
  }

  protected override visitOffset(node: OffsetNode): void {
    const select = this.parentNode as SelectQueryNode | undefined
    if (select?.limit) return // written by visitLimit
    this.append('limit ')
    this.#appendRowCount(node.offset)
    this.append(`, ${ALL_ROWS}`)
  }

  protected override visitUpdateQuery(node: UpdateQueryNode): void {
    if (this.parentNode !== undefined) unsupported('UPDATE inside another statement')
    if (node.from || node.joins) unsupported('UPDATE … FROM / JOIN')
    if (node.returning || node.output) unsupported('RETURNING')
    if (node.with) unsupported('WITH on UPDATE')
    this.append('alter table ')
    this.#visitMutationTable(node.table)
    this.append(' update ')
    this.#updated = tableSql(node.table as TableNode)
    try {
      if (node.updates) this.compileList(node.updates)
    } finally {
      this.#updated = undefined
    }
    this.#appendMutationWhere(node.where)
  }

  protected override visitDeleteQuery(node: DeleteQueryNode): void {
    if (this.parentNode !== undefined) unsupported('DELETE inside another statement')
    if (node.using || node.joins) unsupported('DELETE … USING / JOIN')
    if (node.returning || node.output) unsupported('RETURNING')
    if (node.with) unsupported('WITH on DELETE')
    if (node.from.froms.length !== 1) unsupported('DELETE from several tables')
    this.append('alter table ')
    this.#visitMutationTable(node.from.froms[0])
    this.append(' delete')
    this.#appendMutationWhere(node.where)
  }

  protected override visitReturning(): void {
    unsupported('RETURNING')
  }

  protected override visitOnConflict(): void {
    unsupported('ON CONFLICT')
  }

  protected override visitOnDuplicateKey(): void {
    unsupported('ON DUPLICATE KEY')
  }

  protected override visitMergeQuery(): void {
    unsupported('MERGE')
  }

  protected override visitCreateIndex(): void {
    unsupported('CREATE INDEX (use a data-skipping index in the table definition instead)')
  }

  protected override visitCreateSchema(node: Parameters<DefaultQueryCompiler['visitCreateSchema']>[0]): void {
    this.append('create database ')
    if (node.ifNotExists) this.append('if not exists ')
    this.visitNode(node.schema)
  }

  protected override visitDropSchema(node: Parameters<DefaultQueryCompiler['visitDropSchema']>[0]): void {
    this.append('drop database ')
    if (node.ifExists) this.append('if exists ')
    this.visitNode(node.schema)
  }

  protected override visitCreateTable(node: CreateTableNode): void {
    const primaryKey = node.columns.filter((c) => c.primaryKey).map((c) => c.column.column.name)
    for (const constraint of node.constraints ?? []) {
      if (constraint.kind !== 'PrimaryKeyConstraintNode') unsupported(`${constraint.kind} in CREATE TABLE`)
      for (const column of (constraint as PrimaryKeyConstraintNode).columns)
        primaryKey.push(column.column.name)
    }
    if (node.indexes?.length) unsupported('indexes in CREATE TABLE')
    if (node.onCommit) unsupported('ON COMMIT')

    this.append('create ')
    if (node.frontModifiers?.length) {
      this.compileList(node.frontModifiers, ' ')
      this.append(' ')
    }
    if (node.temporary) this.append('temporary ')
    this.append('table ')
    if (node.ifNotExists) this.append('if not exists ')
    this.visitNode(node.table)
    if (!node.selectQuery) {
      this.append(' (')
      this.compileList(node.columns)
      this.append(')')
    }
    const modifiers = node.endModifiers ?? []
    if (!modifiers.some((m) => /\bengine\b/i.test(this.#compileFragment(m)))) {
      this.append(node.temporary ? ' engine = Memory' : ' engine = MergeTree order by ')
      if (!node.temporary) {
        this.append(
          primaryKey.length === 0 ? 'tuple()' : `(${primaryKey.map((c) => this.#quote(c)).join(', ')})`,
        )
      }
    }
    if (modifiers.length > 0) {
      this.append(' ')
      this.compileList(modifiers, ' ')
    }
    if (node.selectQuery) {
      this.append(' as ')
      this.visitNode(node.selectQuery)
    }
  }

  protected override visitColumnDefinition(node: ColumnDefinitionNode): void {
    if (node.autoIncrement || node.identity) unsupported('auto-increment columns')
    if (node.unique) unsupported('UNIQUE')
    if (node.references) unsupported('foreign keys')
    if (node.check) unsupported('CHECK constraints')
    if (node.generated) unsupported('generated columns (use DEFAULT or MATERIALIZED in a raw type)')
    if (node.ifNotExists) this.append('if not exists ')
    this.visitNode(node.column)
    this.append(' ')
    const nullable = !node.notNull && !node.primaryKey
    if (node.dataType.kind === 'DataTypeNode') {
      const type = clickHouseDataType((node.dataType as DataTypeNode).dataType)
      this.append(nullable && !/^Nullable\(/.test(type) ? `Nullable(${type})` : type)
    } else {
      this.visitNode(node.dataType)
    }
    if (node.frontModifiers?.length) {
      this.append(' ')
      this.compileList(node.frontModifiers, ' ')
    }
    if (node.defaultTo) {
      this.append(' ')
      this.visitNode(node.defaultTo)
    }
    if (node.endModifiers?.length) {
      this.append(' ')
      this.compileList(node.endModifiers, ' ')
    }
  }

  protected override visitDataType(node: DataTypeNode): void {
    this.append(clickHouseDataType(node.dataType))
  }

  #appendRowCount(node: OperationNode): void {
    if (node.kind === 'ValueNode') {
      const value = (node as unknown as { value: unknown }).value
      const count = typeof value === 'bigint' ? value : typeof value === 'number' ? value : Number.NaN
      if ((typeof count === 'number' && !Number.isSafeInteger(count)) || count < 0) {
        throw new NotSupportedError(`LIMIT/OFFSET must be a non-negative integer, got ${String(value)}`, {
          system: 'clickhouse',
        })
      }
      this.append(String(count))
      return
    }
    this.visitNode(node)
  }

  #visitMutationTable(table: OperationNode | undefined): void {
    if (table?.kind !== 'TableNode') unsupported('aliases or expressions as the target of UPDATE/DELETE')
    this.visitNode(table)
  }

  #appendMutationWhere(where: { where: OperationNode } | undefined): void {
    // ClickHouse mutations require WHERE; a missing one means every row.
    this.append(' where ')
    if (where) this.visitNode(where.where)
    else this.append('1')
  }

  #quote(identifier: string): string {
    return quoteIdentifier(identifier)
  }

  /** Compiles a node to text without touching this compiler's output or parameters. */
  #compileFragment(node: OperationNode): string {
    if (node.kind === 'RawNode')
      return (node as unknown as { sqlFragments: readonly string[] }).sqlFragments.join(' ')
    return ''
  }
}

function clickHouseDataType(dataType: string): string {
  const match = /^([a-z][a-z ]*?)\s*(\(.*\))?$/i.exec(dataType.trim())
  if (!match) return dataType
  const base = match[1]!.toLowerCase()
  const args = match[2]
  if (base === 'decimal' || base === 'numeric') return `Decimal${args ?? '(18, 0)'}`
  if (base === 'varchar' || base === 'char') return 'String'
  if ((base === 'timestamp' || base === 'timestamptz' || base === 'datetime') && args) {
    const precision = Number(/^\(\s*(\d)\s*\)$/.exec(args)?.[1] ?? Number.NaN)
    if (Number.isInteger(precision)) return deferredMark({ kind: 'instant', precision })
  }
  return DATA_TYPES[base] ?? dataType
}

/** The table as SQL text (`` `db`.`t` ``), the key the client describes it by. */
function tableSql(node: TableNode): string {
  const { schema, identifier } = node.table
  const name = quoteIdentifier(identifier.name)
  return schema === undefined ? name : `${quoteIdentifier(schema.name)}.${name}`
}

function unsupported(what: string): never {
  throw new NotSupportedError(`ClickHouse cannot express ${what}`, { system: 'clickhouse' })
}
