import { randomBytes } from 'node:crypto'
import { NotSupportedError } from '@tributary/core'
import {
  AliasNode,
  type AlterTableNode,
  type ColumnDefinitionNode,
  ColumnNode,
  type CompiledQuery,
  type CreateTableNode,
  type DataTypeNode,
  DefaultQueryCompiler,
  type DropTableNode,
  IdentifierNode,
  type InsertQueryNode,
  type LimitNode,
  type OffsetNode,
  type OperationNode,
  type QueryId,
  ReferenceNode,
  type RootOperationNode,
  type SelectionNode,
  type SelectQueryNode,
  TableNode,
} from 'kysely'
import { formatLiteral } from '../params/literal.ts'

export interface AthenaCompilerOptions {
  /**
   * Where CREATE TABLE puts a table's data when the statement names no
   * LOCATION: `<tablesLocation><table>_<random>/`. Required for CREATE TABLE
   * without a LOCATION of its own.
   */
  tablesLocation?: string | undefined
  /**
   * Array, map and row columns by table: `{ events: ['tags', 'attrs'] }`.
   * ColumnInfo gives no element types and Athena's text of nested values is
   * ambiguous, so where the outermost select list names one of these columns
   * the compiler reads it through `cast(… as json)`, parsed exactly by the
   * client. Not in `unload` mode, whose Parquet files carry the types (except
   * for an ordered query, which that mode reads from its CSV file).
   */
  nestedColumns?: Readonly<Record<string, readonly string[]>> | undefined
  /** The dialect's result mode; `unload` needs no JSON casts. */
  resultMode?: 'api' | 'csv' | 'unload' | undefined
}

/** SQL type names as Kysely users write them, in the types Athena's Iceberg tables take. */
const HIVE_TYPES: Record<string, string> = {
  varchar: 'string',
  char: 'string',
  text: 'string',
  string: 'string',
  uuid: 'string',
  json: 'string',
  jsonb: 'string',
  integer: 'int',
  int: 'int',
  int4: 'int',
  int2: 'int',
  smallint: 'int',
  tinyint: 'int',
  int8: 'bigint',
  bigint: 'bigint',
  real: 'float',
  float4: 'float',
  float: 'float',
  float8: 'double',
  double: 'double',
  'double precision': 'double',
  boolean: 'boolean',
  bool: 'boolean',
  date: 'date',
  timestamp: 'timestamp',
  timestamptz: 'timestamp',
  datetime: 'timestamp',
  bytea: 'binary',
  blob: 'binary',
  binary: 'binary',
  varbinary: 'binary',
}

/**
 * Kysely's compiler for Athena. DML is Trino's: double-quoted names, `?`
 * markers (bound as literals by the client), `OFFSET n LIMIT m` in that order,
 * `INSERT INTO t WITH … SELECT`. Table DDL is Hive's: backquoted names, Hive
 * types, and an Iceberg table (`LOCATION … TBLPROPERTIES ('table_type'='ICEBERG')`)
 * unless the statement says otherwise. What Athena cannot express fails here
 * with `NotSupportedError`.
 */
export class AthenaQueryCompiler extends DefaultQueryCompiler {
  readonly #options: AthenaCompilerOptions
  /** Inside Hive DDL: backquotes and Hive quoting. */
  #hive = false
  /** The statement being compiled, whose select list (only) gets JSON casts of nested columns. */
  #root: RootOperationNode | undefined
  /** The OFFSET of the select being compiled, when it also has a LIMIT. */
  #offsetBeforeLimit: OffsetNode | undefined

  constructor(options: AthenaCompilerOptions = {}) {
    super()
    this.#options = options
  }

  override compileQuery(node: RootOperationNode, queryId: QueryId): CompiledQuery {
    this.#root = node
    try {
      return super.compileQuery(node, queryId)
    } finally {
      this.#root = undefined
    }
  }

  protected override visitSelection(node: SelectionNode): void {
    const nested = this.#nestedSelection(node)
    if (!nested) {
      super.visitSelection(node)
      return
    }
    this.append('cast(')
    this.visitNode(nested.reference)
    this.append(' as json) as ')
    this.visitNode(nested.name)
  }

  /** A bare reference to a nested column in the outermost select list, and the name it is selected as. */
  #nestedSelection(node: SelectionNode): { reference: OperationNode; name: OperationNode } | undefined {
    const hints = this.#options.nestedColumns
    const select = this.parentNode
    if (!hints || select === undefined || select !== this.#root) return
    // UNLOAD's Parquet keeps nested types; an ordered query is read from its CSV instead (UNLOAD loses order).
    if (this.#options.resultMode === 'unload' && !(select as SelectQueryNode).orderBy) return
    let reference: OperationNode = node.selection
    let name: OperationNode | undefined
    if (AliasNode.is(reference)) {
      name = reference.alias
      reference = reference.node
    }
    if (!ReferenceNode.is(reference) || !ColumnNode.is(reference.column)) return
    const ref = reference
    const column = reference.column.column.name
    const tables = fromTables(select as SelectQueryNode)
    const qualifier = reference.table?.table.identifier.name
    const candidates = qualifier === undefined ? [...tables.values()] : [tables.get(qualifier) ?? qualifier]
    if (!candidates.some((table) => hints[table]?.includes(column))) return
    return { reference, name: name ?? (ref.column as ColumnNode).column }
  }

  protected override getCurrentParameterPlaceholder(): string {
    return '?'
  }

  protected override getLeftIdentifierWrapper(): string {
    return this.#hive ? '`' : '"'
  }

  protected override getRightIdentifierWrapper(): string {
    return this.#hive ? '`' : '"'
  }

  protected override sanitizeIdentifier(identifier: string): string {
    const quote = this.#hive ? '`' : '"'
    return identifier.split(quote).join(quote + quote)
  }

  /** Immediate values (`sql.lit`) go through the one literal formatter, with Hive quoting in DDL. */
  protected override appendImmediateValue(value: unknown): void {
    this.append(formatLiteral(value, { engine: this.#hive ? 'hive' : 'trino' }))
  }

  protected override visitSelectQuery(node: SelectQueryNode): void {
    // Trino reads `OFFSET n LIMIT m`; `LIMIT m OFFSET n` is a syntax error there. With both, the offset
    // is written by visitLimit (saved per select, so a subquery's LIMIT never takes it).
    const outer = this.#offsetBeforeLimit
    const both = node.limit !== undefined && node.offset !== undefined
    this.#offsetBeforeLimit = both ? node.offset : undefined
    try {
      super.visitSelectQuery(both ? { ...node, offset: undefined } : node)
    } finally {
      this.#offsetBeforeLimit = outer
    }
  }

  protected override visitLimit(node: LimitNode): void {
    const offset = this.#offsetBeforeLimit
    this.#offsetBeforeLimit = undefined
    if (offset) {
      this.append('offset ')
      this.#appendRowCount(offset.offset)
      this.append(' ')
    }
    this.append('limit ')
    this.#appendRowCount(node.limit)
  }

  protected override visitOffset(node: OffsetNode): void {
    this.append('offset ')
    this.#appendRowCount(node.offset)
  }

  protected override visitInsertQuery(node: InsertQueryNode): void {
    if (node.returning) unsupported('RETURNING', 'run a select after the write')
    if (node.onConflict) unsupported('ON CONFLICT', 'use MERGE on an Iceberg table')
    if (node.onDuplicateKey) unsupported('ON DUPLICATE KEY')
    if (node.replace || node.orAction) unsupported('INSERT OR REPLACE / IGNORE')
    if (node.defaultValues) unsupported('DEFAULT VALUES')
    if (!node.with) {
      super.visitInsertQuery(node)
      return
    }
    // Trino's form is `INSERT INTO t WITH … SELECT …`: the CTE belongs to the query.
    const values = node.values
    if (values?.kind !== 'SelectQueryNode' || (values as SelectQueryNode).with) {
      unsupported('WITH on an INSERT whose rows are not a SELECT')
    }
    const select: SelectQueryNode = { ...(values as SelectQueryNode), with: node.with }
    super.visitInsertQuery({ ...node, with: undefined, values: select })
  }

  protected override visitReturning(): void {
    unsupported('RETURNING', 'run a select after the write')
  }

  protected override visitOnConflict(): void {
    unsupported('ON CONFLICT', 'use MERGE on an Iceberg table')
  }

  protected override visitOnDuplicateKey(): void {
    unsupported('ON DUPLICATE KEY')
  }

  protected override visitCreateIndex(): void {
    unsupported('CREATE INDEX')
  }

  protected override visitCreateSchema(node: Parameters<DefaultQueryCompiler['visitCreateSchema']>[0]): void {
    this.#inHive(() => {
      this.append('create database ')
      if (node.ifNotExists) this.append('if not exists ')
      this.visitNode(node.schema)
    })
  }

  protected override visitDropSchema(node: Parameters<DefaultQueryCompiler['visitDropSchema']>[0]): void {
    this.#inHive(() => {
      this.append('drop database ')
      if (node.ifExists) this.append('if exists ')
      this.visitNode(node.schema)
      if (node.cascade) this.append(' cascade')
    })
  }

  protected override visitDropTable(node: DropTableNode): void {
    if (node.temporary) unsupported('temporary tables')
    if (node.cascade) unsupported('DROP TABLE … CASCADE')
    this.#inHive(() => super.visitDropTable(node))
  }

  protected override visitCreateTable(node: CreateTableNode): void {
    if (node.temporary) unsupported('temporary tables')
    if (node.onCommit) unsupported('ON COMMIT')
    if (node.indexes?.length) unsupported('indexes')
    for (const constraint of node.constraints ?? []) {
      // Athena has no constraints; a primary key is accepted and not written (as for columns).
      if (constraint.kind !== 'PrimaryKeyConstraintNode')
        unsupported(`${constraint.kind} (Athena has no constraints)`)
    }
    if (node.selectQuery) {
      this.#createTableAs(node)
      return
    }
    this.#inHive(() => {
      this.append('create ')
      if (node.frontModifiers?.length) {
        this.compileList(node.frontModifiers, ' ')
        this.append(' ')
      }
      this.append('table ')
      if (node.ifNotExists) this.append('if not exists ')
      this.visitNode(node.table)
      this.append(' (')
      this.compileList(node.columns)
      this.append(')')
      const modifiers = node.endModifiers ?? []
      const own = modifiers.map((m) => rawText(m)).join(' ')
      if (modifiers.length > 0) {
        this.append(' ')
        this.compileList(modifiers, ' ')
      }
      if (!/\blocation\b/i.test(own)) {
        this.append(` location ${formatLiteral(this.#location(node.table), { engine: 'hive' })}`)
      }
      if (!/\btblproperties\b/i.test(own) && !/\bstored\s+as\b/i.test(own)) {
        this.append(" tblproperties ('table_type'='ICEBERG')")
      }
    })
  }

  /** CTAS is Trino's: `CREATE TABLE "t" WITH (table_type = 'ICEBERG', location = …) AS SELECT …`. */
  #createTableAs(node: CreateTableNode): void {
    this.append('create table ')
    if (node.ifNotExists) this.append('if not exists ')
    this.visitNode(node.table)
    const modifiers = node.endModifiers ?? []
    if (modifiers.length > 0) {
      this.append(' ')
      this.compileList(modifiers, ' ')
    } else {
      const location = formatLiteral(this.#location(node.table))
      this.append(` with (table_type = 'ICEBERG', is_external = false, location = ${location})`)
    }
    this.append(' as ')
    this.visitNode(node.selectQuery!)
  }

  protected override visitAlterTable(node: AlterTableNode): void {
    this.#inHive(() => {
      this.append('alter table ')
      this.visitNode(node.table)
      this.append(' ')
      if (node.renameTo) {
        this.append('rename to ')
        this.visitNode(node.renameTo)
        return
      }
      const alterations = node.columnAlterations ?? []
      if (
        alterations.length === 0 ||
        alterations.some((a) => a.kind !== 'AddColumnNode') ||
        node.addConstraint ||
        node.dropConstraint ||
        node.addIndex ||
        node.dropIndex ||
        node.setSchema
      ) {
        unsupported(
          'this ALTER TABLE (Athena adds columns with ADD COLUMNS and renames tables; nothing else here)',
        )
      }
      this.append('add columns (')
      this.compileList(alterations.map((a) => (a as unknown as { column: OperationNode }).column))
      this.append(')')
    })
  }

  protected override visitColumnDefinition(node: ColumnDefinitionNode): void {
    if (node.autoIncrement || node.identity) unsupported('auto-increment columns')
    if (node.unique) unsupported('UNIQUE (Athena has no constraints)')
    if (node.references) unsupported('foreign keys (Athena has no constraints)')
    if (node.check) unsupported('CHECK constraints (Athena has no constraints)')
    if (node.generated) unsupported('generated columns')
    // NOT NULL, PRIMARY KEY and DEFAULT are not written: Athena's tables have no constraints and no
    // defaults (docs/athena.md, "DDL"). Kysely's own migration tables declare all three.
    this.visitNode(node.column)
    this.append(' ')
    this.visitNode(node.dataType)
    if (node.endModifiers?.length) {
      this.append(' ')
      this.compileList(node.endModifiers, ' ')
    }
  }

  protected override visitDataType(node: DataTypeNode): void {
    this.append(hiveType(node.dataType))
  }

  #location(table: OperationNode): string {
    const base = this.#options.tablesLocation
    if (!base) {
      throw new NotSupportedError(
        'CREATE TABLE without a LOCATION needs tablesLocation in the dialect config (or an outputLocation to derive it from)',
        { system: 'athena' },
      )
    }
    const name = (table as unknown as { table: { identifier: { name: string } } }).table.identifier.name
    const suffix = randomBytes(4).toString('hex')
    return `${base.endsWith('/') ? base : `${base}/`}${name}_${suffix}/`
  }

  #inHive(fn: () => void): void {
    const outer = this.#hive
    this.#hive = true
    try {
      fn()
    } finally {
      this.#hive = outer
    }
  }

  #appendRowCount(node: OperationNode): void {
    if (node.kind === 'ValueNode') {
      const value = (node as unknown as { value: unknown }).value
      const ok =
        (typeof value === 'bigint' && value >= 0n && value < 2n ** 63n) ||
        (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)
      if (!ok) {
        throw new NotSupportedError(`LIMIT/OFFSET must be a non-negative integer, got ${String(value)}`, {
          system: 'athena',
        })
      }
      this.append(String(value))
      return
    }
    this.visitNode(node)
  }
}

/** A Kysely data type in Hive DDL: `varchar(255)` → `string`, `integer` → `int`, decimals kept. */
export function hiveType(dataType: string): string {
  const match = /^([a-z][a-z0-9 ]*?)\s*(\(.*\))?$/i.exec(dataType.trim())
  if (!match) return dataType
  const base = match[1]!.toLowerCase()
  if (base === 'decimal' || base === 'numeric') return `decimal${(match[2] ?? '(38, 0)').replace(/\s+/g, '')}`
  return HIVE_TYPES[base] ?? dataType
}

/** The tables a select reads (FROM and joins), by the name or alias the query calls them. */
function fromTables(select: SelectQueryNode): Map<string, string> {
  const out = new Map<string, string>()
  const add = (node: OperationNode) => {
    if (TableNode.is(node)) {
      out.set(node.table.identifier.name, node.table.identifier.name)
    } else if (AliasNode.is(node) && TableNode.is(node.node) && IdentifierNode.is(node.alias)) {
      out.set(node.alias.name, node.node.table.identifier.name)
    }
  }
  for (const from of select.from?.froms ?? []) add(from)
  for (const join of select.joins ?? []) add(join.table)
  return out
}

function rawText(node: OperationNode): string {
  if (node.kind === 'RawNode')
    return (node as unknown as { sqlFragments: readonly string[] }).sqlFragments.join(' ')
  return ''
}

function unsupported(what: string, hint?: string): never {
  throw new NotSupportedError(`Athena cannot express ${what}${hint ? `: ${hint}` : ''}`, { system: 'athena' })
}
