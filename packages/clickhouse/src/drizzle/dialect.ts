/**
 * ClickHouse's differences from pg-core's SQL (the user-facing side is in
 * docs/clickhouse-drizzle.md):
 * - parameters are `{pN:Type}` (1-based N), typed by the column a value is
 *   bound through, by `typed()`, or inferred; `sql.placeholder()` values are
 *   typed when the statement runs (`finalizeStatement`);
 * - LIMIT/OFFSET are checked integer literals, and OFFSET alone gets a LIMIT
 *   (servers before 19 accept nothing else);
 * - outer joins add `SETTINGS join_use_nulls = 1`; on servers before 19.1 a
 *   join reads the joined table through a subquery (legacy-joins.ts);
 * - values written to a column (INSERT values, UPDATE SET) are typed from the
 *   table's own column when the statement runs (params/deferred.ts), whatever
 *   the schema declares, so the server never converts them;
 * - UPDATE/DELETE are `ALTER TABLE` mutations with a mandatory WHERE and bare
 *   column names;
 * - RETURNING, ON CONFLICT, row locks, transactions and relational `with`
 *   throw `NotSupportedError` while the statement is built.
 */

import { ParameterError } from '@tributary/core'
import {
  BridgeDialect,
  type BridgeDialectConfig,
  type DeleteStatementParts,
  dialectInternals,
  type LimitValue,
  type UpdateStatementParts,
} from '@tributary/core/drizzle'
import { Column, entityKind, getTableName, is, Param, Placeholder, type Query, SQL, sql } from 'drizzle-orm'
import { PgCustomColumn, type PgInsertConfig, type PgSelectConfig, type PgTable } from 'drizzle-orm/pg-core'
import type { DriverValueEncoder } from 'drizzle-orm/sql/sql'
import { formatType, parseType } from '../formats/type-parser.ts'
import type { ClickHouseType } from '../formats/types.ts'
import { deferredPlaceholder } from '../params/deferred.ts'
import { placeholder } from '../params/infer.ts'
import { quoteLiteral } from '../params/literal.ts'
import { replacePlaceholders } from '../params/placeholders.ts'
import { TypedValue, typed } from '../params/typed.ts'
import { quoteIdentifier } from '../statement.ts'
import { chooseJoinForm, needsLegacyJoins, rewriteJoins } from './legacy-joins.ts'

export interface ClickHouseDrizzleDialectConfig extends BridgeDialectConfig {
  /** `mutation` (default): `ALTER TABLE t DELETE WHERE …`; `lightweight`: `DELETE FROM t WHERE …`. */
  deletes?: 'mutation' | 'lightweight' | undefined
  /**
   * Whether joins take the form servers before 19.1 need (see legacy-joins.ts).
   * Left out, it follows `serverVersion`.
   */
  legacyJoins?: boolean | undefined
  /** The server's version, asked once before the first statement runs. */
  serverVersion?: (() => Promise<string>) | undefined
}

/** Binds a value through a fixed ClickHouse type (LIMIT/OFFSET placeholders). */
export class ClickHouseParamEncoder implements DriverValueEncoder<unknown, unknown> {
  readonly type: string
  constructor(type: string) {
    this.type = type
  }
  mapToDriverValue(value: unknown): unknown {
    return value === null || value === undefined || value instanceof TypedValue
      ? value
      : typed(value, this.type)
  }
}

/** A value written to a column by INSERT or UPDATE; the client types it from the table's own column. */
class ColumnTarget implements DriverValueEncoder<unknown, unknown> {
  readonly column: Column
  readonly table: string
  readonly name: string
  readonly kind: 'column' | 'set'

  constructor(column: Column, table: string, name: string, kind: 'column' | 'set') {
    this.column = column
    this.table = table
    this.name = name
    this.kind = kind
  }

  mapToDriverValue(value: unknown): unknown {
    return this.column.mapToDriverValue(value)
  }
}

const SCHEMA = Symbol.for('drizzle:Schema')

/** The table as SQL text (`` `db`.`t` ``), the key the client describes it by. */
function tableSql(table: PgTable): string {
  const schema = (table as unknown as Record<symbol, string | undefined>)[SCHEMA]
  const name = quoteIdentifier(getTableName(table))
  return schema === undefined ? name : `${quoteIdentifier(schema)}.${name}`
}

const LIMIT_ENCODER = new ClickHouseParamEncoder('UInt64')
/** The largest safe integer: more rows than any server returns. */
const UNLIMITED = Number.MAX_SAFE_INTEGER

/** Marks a parameter whose type is only known once placeholder values are filled in. */
const DEFERRED = '\uE000'
/** Marks a LIMIT/OFFSET placeholder, written as a number once its value is known. */
const LIMIT_MARK = '\uE004'

export class ClickHouseDrizzleDialect extends BridgeDialect {
  static override readonly [entityKind]: string = 'ClickHouseDrizzleDialect'
  readonly system = 'clickhouse' as const
  readonly databaseName = 'ClickHouse'
  readonly deletes: 'mutation' | 'lightweight'
  #legacyJoins: boolean | undefined
  #serverVersion: (() => Promise<string>) | undefined
  #detecting: Promise<void> | undefined

  constructor(config: ClickHouseDrizzleDialectConfig = {}) {
    super(config)
    this.deletes = config.deletes ?? 'mutation'
    this.#legacyJoins = config.legacyJoins
    this.#serverVersion = config.legacyJoins === undefined ? config.serverVersion : undefined
  }

  /** Learns the server's join form once; statements built before then carry both forms. */
  override beforeExecute(): Promise<void> | undefined {
    if (this.#legacyJoins !== undefined || !this.#serverVersion) return undefined
    this.#detecting ??= this.#serverVersion().then(
      (version) => {
        this.#legacyJoins = needsLegacyJoins(version)
      },
      () => {
        // Unknown server (the query itself will report why): keep both forms, try again next time.
        this.#detecting = undefined
      },
    )
    return this.#detecting
  }

  override escapeName(name: string): string {
    return quoteIdentifier(name)
  }

  override escapeString(str: string): string {
    return quoteLiteral(str)
  }

  formatParam(
    index: number,
    value: unknown,
    encoder: DriverValueEncoder<unknown, unknown> | undefined,
  ): string {
    const name = `p${index + 1}`
    const target = is(value, Param) ? value.encoder : encoder
    if (target instanceof ColumnTarget)
      return deferredPlaceholder({ kind: target.kind, name, table: target.table, column: target.name })
    if (is(value, Placeholder)) return `{${name}:${DEFERRED}}`
    if (is(value, Param) && value.encoder === LIMIT_ENCODER) return `{${name}:${LIMIT_MARK}}`
    if (is(value, Param)) {
      // A column-bound sql.placeholder(): the column's type is known now.
      const type = encoderType(value.encoder)
      return `{${name}:${type ?? DEFERRED}}`
    }
    if (value instanceof TypedValue) return placeholder(name, value)
    const type = encoderType(encoder)
    if (type !== undefined)
      return `{${name}:${value === null || value === undefined ? nullableType(type) : type}}`
    return placeholder(name, value)
  }

  override finalizeStatement(query: Query, params: unknown[]): { sql: string; params: unknown[] } {
    const sqlText = chooseJoinForm(query.sql, this.#legacyJoins === true)
    if (!sqlText.includes(LIMIT_MARK) && !sqlText.includes(DEFERRED)) return { sql: sqlText, params }
    // Only placeholders in code: a string value inlined into the text may hold the same characters.
    const text = replacePlaceholders(sqlText, (p) => {
      if (p.type !== LIMIT_MARK && p.type !== DEFERRED) return undefined
      const value = params[Number(p.name.slice(1)) - 1]
      return p.type === LIMIT_MARK ? limitLiteral(value) : placeholder(p.name, value)
    })
    return { sql: text, params }
  }

  override limitOperand(value: LimitValue): SQL {
    if (is(value, Placeholder)) return sql`${new Param(value, LIMIT_ENCODER)}`
    return sql.raw(limitLiteral(value))
  }

  /** Servers before 19 have no OFFSET without LIMIT; the largest limit means "all the rest". */
  override buildLimitOffset(limit: LimitValue | undefined, offset: LimitValue | undefined): SQL | undefined {
    const hasLimit = typeof limit === 'object' || (typeof limit === 'number' && limit >= 0)
    const hasOffset = typeof offset === 'object' || (typeof offset === 'number' && offset > 0)
    return super.buildLimitOffset(hasOffset && !hasLimit ? UNLIMITED : limit, offset)
  }

  override buildSelectQuery(config: PgSelectConfig): SQL {
    const form = this.#legacyJoins === undefined ? 'unknown' : this.#legacyJoins ? 'legacy' : 'plain'
    const joins = rewriteJoins(config.joins, form, dialectInternals(this).casing)
    return super.buildSelectQuery(joins === config.joins ? config : { ...config, joins })
  }

  override buildSelectTail(config: PgSelectConfig): SQL | undefined {
    const outer = config.joins?.some(
      (join) => join.joinType === 'left' || join.joinType === 'right' || join.joinType === 'full',
    )
    return outer ? sql` settings join_use_nulls = 1` : undefined
  }

  override buildUpdateStatement(parts: UpdateStatementParts): SQL {
    if (parts.with) throw this.notSupported('WITH (common table expressions) in UPDATE')
    if (parts.from)
      throw this.notSupported('UPDATE … FROM and joins in UPDATE', 'Use a subquery in the where clause.')
    if (parts.aliased) throw this.notSupported('UPDATE through a table alias')
    const where = parts.where ? this.#unqualified(parts.where, parts.table) : sql.raw('1')
    const set = this.#unqualified(
      this.#targeted(parts.set, tableSql(parts.table as PgTable), 'set'),
      parts.table,
    )
    return sql`alter table ${parts.tableSql} update ${set} where ${where}`
  }

  override buildInsertQuery(config: PgInsertConfig): SQL {
    if (!Array.isArray(config.values)) return super.buildInsertQuery(config)
    const table = tableSql(config.table)
    const values = config.values.map((row) => {
      const out: Record<string, Param | SQL> = {}
      for (const [key, value] of Object.entries(row)) out[key] = this.#target(value, table, 'column')
      return out
    })
    return super.buildInsertQuery({ ...config, values })
  }

  /** Every value bound to a column in `expression` becomes a value written to that column. */
  #targeted(expression: SQL, table: string, kind: 'column' | 'set'): SQL {
    return new SQL(
      expression.queryChunks.map((chunk) =>
        is(chunk, SQL)
          ? this.#targeted(chunk, table, kind)
          : is(chunk, Param)
            ? this.#target(chunk, table, kind)
            : chunk,
      ),
    )
  }

  #target<T>(value: T, table: string, kind: 'column' | 'set'): T | Param {
    if (!is(value, Param) || !is(value.encoder, Column)) return value
    const column = value.encoder as Column
    return new Param(
      value.value,
      new ColumnTarget(column, table, dialectInternals(this).casing.getColumnCasing(column), kind),
    )
  }

  /** Mutations on servers before 19 know the table's columns only by bare name. */
  #unqualified(expression: SQL, table: unknown): SQL {
    const casing = dialectInternals(this).casing
    const chunks = expression.queryChunks.map((chunk) => {
      if (is(chunk, SQL)) return this.#unqualified(chunk, table)
      if (is(chunk, Column) && chunk.table === table) return sql.identifier(casing.getColumnCasing(chunk))
      return chunk
    })
    return new SQL(chunks)
  }

  override buildDeleteStatement(parts: DeleteStatementParts): SQL {
    if (parts.with) throw this.notSupported('WITH (common table expressions) in DELETE')
    const where = parts.where ? this.#unqualified(parts.where, parts.table) : sql.raw('1')
    if (this.deletes === 'lightweight') return sql`delete from ${parts.table} where ${where}`
    return sql`alter table ${parts.table} delete where ${where}`
  }
}

/**
 * A LIMIT/OFFSET operand as a number literal: servers before 19 accept
 * nothing else there, not even a CAST. Checked, so nothing else reaches the text.
 */
function limitLiteral(value: unknown): string {
  const raw = value instanceof TypedValue ? value.value : value
  if (typeof raw === 'bigint' && raw >= 0n && raw < 2n ** 64n) return raw.toString()
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return String(raw)
  throw new ParameterError(`LIMIT and OFFSET take a non-negative integer, got ${describe(raw)}`, {
    system: 'clickhouse',
  })
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `a string` : String(value)
}

/** The ClickHouse type an encoder binds values as, when it has one. */
function encoderType(encoder: unknown): string | undefined {
  if (encoder instanceof ClickHouseParamEncoder) return encoder.type
  // Custom columns (ours and users' customType on ClickHouse) declare a ClickHouse type.
  if (is(encoder, PgCustomColumn)) return encoder.getSQLType()
  return undefined
}

/** The type a NULL of a column's type is sent as: `Nullable(T)` where ClickHouse allows it. */
function nullableType(text: string): string {
  const type = parseType(text)
  return formatType(nullable(type))
}

function nullable(type: ClickHouseType): ClickHouseType {
  switch (type.kind) {
    case 'Nullable':
      return type
    case 'LowCardinality':
      return { kind: 'LowCardinality', inner: nullable(type.inner) }
    case 'Array':
    case 'Map':
    case 'Tuple':
    case 'JSON':
    case 'Variant':
    case 'Dynamic':
      return { kind: 'Nullable', inner: { kind: 'Nothing' } }
    default:
      return { kind: 'Nullable', inner: type }
  }
}
