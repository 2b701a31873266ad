/**
 * A pg-core dialect whose per-database differences are small hooks.
 *
 * Drizzle has no core for ClickHouse, Athena or Db2; their SQL is close enough
 * to PostgreSQL that pg-core's builders produce it, once parameter placeholders,
 * LIMIT/OFFSET, UPDATE/DELETE shapes and the unsupported clauses are adjusted
 * here. Everything pg-core would emit that the database cannot run is refused
 * while the statement is built, with a `NotSupportedError` naming the feature.
 */

import type {
  BuildRelationalQueryResult,
  DBQueryConfig,
  Relation,
  TableRelationalConfig,
  TablesRelationalConfig,
} from 'drizzle-orm'
import { Column, entityKind, is, type Placeholder, type Query, SQL, sql } from 'drizzle-orm'
import type { MigrationConfig, MigrationMeta } from 'drizzle-orm/migrator'
import type {
  PgDeleteConfig,
  PgInsertConfig,
  PgSelectConfig,
  PgSession,
  PgUpdateConfig,
} from 'drizzle-orm/pg-core'
import { type PgColumn, PgDialect, type PgDialectConfig, type PgTable } from 'drizzle-orm/pg-core'
import type { DriverValueEncoder, QueryTypingsValue, QueryWithTypings } from 'drizzle-orm/sql/sql'
import { NotSupportedError } from '../errors.ts'
import { dialectInternals, tableMeta } from './internals.ts'

export type { PgDialectConfig as BridgeDialectConfig }

export type LimitValue = number | Placeholder

/** The parts of an UPDATE, already rendered, for `buildUpdateStatement`. */
export interface UpdateStatementParts {
  table: PgTable
  /** The table reference (schema-qualified, with its alias if any). */
  tableSql: SQL
  /** True when the statement addresses the table through an alias. */
  aliased: boolean
  /** `"col" = value, …` */
  set: SQL
  where: SQL | undefined
  /** The WITH clause including its trailing space, if any. */
  with: SQL | undefined
  /** ` from …` and the joins, if any (PostgreSQL's UPDATE … FROM). */
  from: SQL | undefined
}

/** The parts of a DELETE for `buildDeleteStatement`. */
export interface DeleteStatementParts {
  table: PgTable
  where: SQL | undefined
  with: SQL | undefined
}

/** A statement ready for the client, after placeholder values were filled in. */
export interface FinalStatement {
  sql: string
  params: unknown[]
}

type SetOperator = PgSelectConfig['setOperators'][number]

/** A parameter's index (0-based) and what the dialect noted about it while the statement was built. */
export type ParameterMark<Mark> = readonly [index: number, mark: Mark]

/** What pg-core's `buildRelationalQueryWithoutPK` is given: a relational query and where it sits in its parent. */
export type RelationalQueryOptions = {
  fullSchema: Record<string, unknown>
  schema: TablesRelationalConfig
  tableNamesMap: Record<string, string>
  table: PgTable
  tableConfig: TableRelationalConfig
  queryConfig: true | DBQueryConfig<'many', true>
  tableAlias: string
  nestedQueryRelation?: Relation
  joinOn?: SQL
}

/**
 * `Mark` is what a dialect notes about a parameter while the statement is built (`markParameter`, from
 * `formatParam`) and reads back when it runs (`parameterMarks`, in `finalizeStatement`): typically the
 * type a value sent as text must be given.
 */
export abstract class BridgeDialect<Mark = unknown> extends PgDialect {
  static override readonly [entityKind]: string = 'TributaryBridgeDialect'

  /** Marks noted while the statement being built is rendered. */
  #marking: [number, Mark][] = []
  /**
   * Marks of the statements built, by the query object `sqlToQuery` returned: a prepared statement runs that
   * same object for as long as it lives, and two statements with the same text keep their own marks.
   */
  readonly #marks = new WeakMap<Query, readonly ParameterMark<Mark>[]>()

  /** The database, for error messages and `DatabaseError.system`. */
  abstract readonly system: string

  /** Human-readable database name used in error messages. */
  abstract readonly databaseName: string

  /** `RETURNING` on insert/update/delete. None of the target databases has it. */
  readonly supportsReturning: boolean = false

  /** `ON CONFLICT` on insert. */
  readonly supportsOnConflict: boolean = false

  /** `FOR UPDATE` / `FOR SHARE` row locks on select. */
  readonly supportsRowLocks: boolean = false

  /**
   * Relational queries with `with: { … }`: pg-core builds them with lateral
   * joins and json_build_array / json_agg, which only PostgreSQL runs.
   */
  readonly supportsRelationalWith: boolean = false

  /** Athena (Trino) requires `OFFSET n LIMIT m`; most databases take `LIMIT m OFFSET n`. */
  readonly limitOffsetOrder: 'limit-offset' | 'offset-limit' = 'limit-offset'

  constructor(config?: PgDialectConfig) {
    super(config)
  }

  /**
   * The placeholder text for parameter `index` (0-based). `value` is the
   * driver value (after the column's `toDriver`), or a Drizzle `Placeholder`
   * (or a `Param` wrapping one) when the value is only known at execution.
   * `encoder` is the column (or other encoder) the value was bound through.
   */
  abstract formatParam(
    index: number,
    value: unknown,
    encoder: DriverValueEncoder<unknown, unknown> | undefined,
  ): string

  /**
   * Awaited before each statement runs, when it returns a promise: a dialect
   * that must learn something about the server (its version) before
   * `finalizeStatement` does so here. The default returns nothing.
   */
  beforeExecute(): Promise<void> | undefined {
    return undefined
  }

  /**
   * Last step before a prepared statement goes to the client, after
   * `sql.placeholder()` values were filled in. `query` is the object `sqlToQuery`
   * returned (its text is `query.sql`; `parameterMarks(query)` gives its marks).
   * The default changes nothing.
   */
  finalizeStatement(query: Query, params: unknown[]): FinalStatement {
    return { sql: query.sql, params }
  }

  override escapeName(name: string): string {
    return `"${name.replace(/"/g, '""')}"`
  }

  /**
   * pg-core's migrator creates a schema, a SERIAL table and runs inside a
   * transaction; none of that fits these databases, so it is refused clearly.
   */
  override async migrate(
    _migrations: MigrationMeta[],
    _session: PgSession,
    _config: string | MigrationConfig,
  ): Promise<void> {
    throw this.notSupported(
      "Drizzle's PostgreSQL migrator (migrate())",
      'Apply the generated SQL with your own runner.',
    )
  }

  /**
   * Notes, from `formatParam`, that parameter `index` of the statement being built needs `mark` when it
   * runs; `parameterMarks` gives the marks back for the query object `sqlToQuery` returned.
   */
  protected markParameter(index: number, mark: Mark): void {
    this.#marking.push([index, mark])
  }

  /** The marks noted while `sqlToQuery` built this query object; undefined if it had none. */
  protected parameterMarks(query: Query): readonly ParameterMark<Mark>[] | undefined {
    return this.#marks.get(query)
  }

  /**
   * The text the database is sent, from the text pg-core rendered: a dialect may rewrite it, or refuse the
   * statement by throwing. The default changes nothing.
   */
  protected statementText(rendered: string): string {
    return rendered
  }

  /** Quotes a string for `sql.inlineParams()`; standard SQL doubles the quote. */
  override escapeString(str: string): string {
    return `'${str.replace(/'/g, "''")}'`
  }

  /** The SQL for a LIMIT or OFFSET operand. Override to give the parameter a type. */
  limitOperand(value: LimitValue): SQL {
    return sql`${value}`
  }

  /** Anything appended to a single SELECT after LIMIT/OFFSET (e.g. per-query settings). */
  buildSelectTail(_config: PgSelectConfig): SQL | undefined {
    return undefined
  }

  /** The UPDATE statement; the default is PostgreSQL's shape. */
  buildUpdateStatement(parts: UpdateStatementParts): SQL {
    const whereSql = parts.where ? sql` where ${parts.where}` : undefined
    return sql`${parts.with}update ${parts.tableSql} set ${parts.set}${parts.from}${whereSql}`
  }

  /** The DELETE statement; the default is PostgreSQL's shape. */
  buildDeleteStatement(parts: DeleteStatementParts): SQL {
    const whereSql = parts.where ? sql` where ${parts.where}` : undefined
    return sql`${parts.with}delete from ${parts.table}${whereSql}`
  }

  /** The error every refused feature throws, built in one place so messages read alike. */
  notSupported(feature: string, hint?: string): NotSupportedError {
    const tail = hint ? ` ${hint}` : ''
    return new NotSupportedError(`${feature} is not supported by ${this.databaseName}.${tail}`, {
      system: this.system,
    })
  }

  override sqlToQuery(query: SQL, invokeSource?: 'indexes' | undefined): QueryWithTypings {
    // pg-core calls prepareTyping(encoder) right before escapeParam for a bound
    // Param; remembering it lets formatParam see the column a value belongs to
    // (needed to type a NULL, which carries no type of its own).
    let pendingEncoder: DriverValueEncoder<unknown, unknown> | undefined
    const outer = this.#marking
    this.#marking = []
    try {
      const built = query.toQuery({
        casing: dialectInternals(this).casing,
        escapeName: (name) => this.escapeName(name),
        escapeParam: (num, value) => {
          const encoder = pendingEncoder
          pendingEncoder = undefined
          return this.formatParam(num, value, encoder)
        },
        escapeString: (str) => this.escapeString(str),
        prepareTyping: (encoder): QueryTypingsValue => {
          pendingEncoder = encoder
          return 'none'
        },
        invokeSource,
      })
      const result: QueryWithTypings = { sql: this.statementText(built.sql), params: built.params }
      if (this.#marking.length > 0) this.#marks.set(result, this.#marking)
      return result
    } finally {
      this.#marking = outer
    }
  }

  override buildSelectQuery(config: PgSelectConfig): SQL {
    if (config.lockingClause && !this.supportsRowLocks) {
      throw this.notSupported(`Row locks (FOR ${config.lockingClause.strength.toUpperCase()})`)
    }
    const { limit, offset, setOperators } = config
    const base = super.buildSelectQuery({
      ...config,
      limit: undefined,
      offset: undefined,
      lockingClause: undefined,
      setOperators: [],
    })
    const single = sql`${base}${this.buildLimitOffset(limit, offset)}${this.buildSelectTail(config)}`
    return setOperators.length > 0 ? this.buildSetOperations(single, setOperators) : single
  }

  override buildSetOperationQuery({
    leftSelect,
    setOperator,
  }: {
    leftSelect: SQL
    setOperator: SetOperator
  }): SQL {
    const { type, isAll, rightSelect, limit, orderBy, offset } = setOperator
    let orderBySql: SQL | undefined
    if (orderBy && orderBy.length > 0) {
      // Outside the parenthesised operands, columns are known only by name.
      const items = orderBy.map((item) =>
        isColumn(item) ? sql.identifier(item.name) : unqualifyColumns(item as SQL),
      )
      orderBySql = sql` order by ${sql.join(items, sql`, `)}`
    }
    const operator = sql.raw(`${type} ${isAll ? 'all ' : ''}`)
    return sql`(${leftSelect.getSQL()}) ${operator}(${rightSelect.getSQL()})${orderBySql}${this.buildLimitOffset(limit, offset)}`
  }

  /** LIMIT/OFFSET in the database's order, operands through `limitOperand`. */
  buildLimitOffset(limit: LimitValue | undefined, offset: LimitValue | undefined): SQL | undefined {
    const hasLimit = typeof limit === 'object' || (typeof limit === 'number' && limit >= 0)
    const hasOffset = typeof offset === 'object' || (typeof offset === 'number' && offset > 0)
    const limitSql = hasLimit ? sql` limit ${this.limitOperand(limit as LimitValue)}` : undefined
    const offsetSql = hasOffset ? sql` offset ${this.limitOperand(offset as LimitValue)}` : undefined
    if (!limitSql && !offsetSql) return undefined
    return this.limitOffsetOrder === 'limit-offset'
      ? sql`${limitSql}${offsetSql}`
      : sql`${offsetSql}${limitSql}`
  }

  override buildInsertQuery(config: PgInsertConfig): SQL {
    if (config.returning && !this.supportsReturning) throw this.notSupported('RETURNING', returningHint)
    if (config.onConflict && !this.supportsOnConflict)
      throw this.notSupported('ON CONFLICT (onConflictDoNothing / onConflictDoUpdate)')
    if (config.overridingSystemValue_) throw this.notSupported('OVERRIDING SYSTEM VALUE')
    return super.buildInsertQuery(config)
  }

  override buildUpdateQuery({ table, set, where, returning, withList, from, joins }: PgUpdateConfig): SQL {
    if (returning && !this.supportsReturning) throw this.notSupported('RETURNING', returningHint)
    const internals = dialectInternals(this)
    const { name: tableName, schema: tableSchema, originalName } = tableMeta(table)
    const alias = tableName === originalName ? undefined : tableName
    const tableSql = sql`${tableSchema ? sql`${sql.identifier(tableSchema)}.` : undefined}${sql.identifier(originalName)}${alias ? sql` ${sql.identifier(alias)}` : undefined}`
    const fromSql = from ? sql.join([sql.raw(' from '), internals.buildFromTable(from)]) : undefined
    const joinsSql = internals.buildJoins(joins)
    return this.buildUpdateStatement({
      table,
      tableSql,
      aliased: alias !== undefined,
      set: this.buildUpdateSet(table, set),
      where,
      with: internals.buildWithCTE(withList),
      from: fromSql || joinsSql ? sql`${fromSql}${joinsSql}` : undefined,
    })
  }

  override buildDeleteQuery({ table, where, returning, withList }: PgDeleteConfig): SQL {
    if (returning && !this.supportsReturning) throw this.notSupported('RETURNING', returningHint)
    return this.buildDeleteStatement({ table, where, with: dialectInternals(this).buildWithCTE(withList) })
  }

  override buildRelationalQueryWithoutPK(
    options: RelationalQueryOptions,
  ): BuildRelationalQueryResult<PgTable, PgColumn> {
    const config = options.queryConfig
    if (
      !this.supportsRelationalWith &&
      config !== true &&
      config.with &&
      Object.values(config.with).some(Boolean)
    ) {
      const names = Object.keys(config.with).filter((key) => config.with?.[key])
      throw this.notSupported(
        `Relational queries with nested relations (with: { ${names.join(', ')} })`,
        'Drizzle builds them with lateral joins and JSON aggregation; use findMany/findFirst without `with`, or db.select() with joins.',
      )
    }
    return super.buildRelationalQueryWithoutPK(options)
  }
}

const returningHint = 'Run a separate select after the write.'

function isColumn(value: unknown): value is PgColumn {
  return is(value, Column)
}

/** Replaces column chunks of an ORDER BY expression by their bare names (for set operations). */
function unqualifyColumns(expression: SQL): SQL {
  return new SQL(
    expression.queryChunks.map((chunk) => (isColumn(chunk) ? sql.identifier(chunk.name) : chunk)),
  )
}
