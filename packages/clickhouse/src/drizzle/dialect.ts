/**
 * ClickHouse's differences from pg-core's SQL:
 * - parameters are `{pN:Type}` (1-based N): the type comes from the column a
 *   value is bound through, from `typed()`, or is inferred from the value;
 *   `sql.placeholder()` values, unknown until execution, are typed then;
 * - LIMIT/OFFSET operands are `UInt64` parameters;
 * - identifiers are back-quoted (backslash escapes, like the client's quoting);
 * - a SELECT with an outer join adds `SETTINGS join_use_nulls = 1`, so unmatched
 *   rows come back NULL (what Drizzle's result mapping and types expect) rather
 *   than ClickHouse's default of zero values;
 * - UPDATE is `ALTER TABLE t UPDATE … WHERE …` and DELETE is
 *   `ALTER TABLE t DELETE WHERE …` (mutations; the client waits for them). The
 *   WHERE clause is mandatory there: without one Drizzle's builder means "every
 *   row", which is written `WHERE 1`. `deletes: 'lightweight'` emits
 *   `DELETE FROM t WHERE …` instead;
 * - RETURNING, ON CONFLICT, row locks, transactions and relational `with`
 *   throw `NotSupportedError` while the statement is built.
 */
import {
  BridgeDialect,
  type BridgeDialectConfig,
  type DeleteStatementParts,
  type LimitValue,
  type UpdateStatementParts,
} from '@tributary/core/drizzle'
import { entityKind, is, Param, Placeholder, type SQL, sql } from 'drizzle-orm'
import { PgCustomColumn, type PgSelectConfig } from 'drizzle-orm/pg-core'
import type { DriverValueEncoder } from 'drizzle-orm/sql/sql'
import { formatType, parseType } from '../formats/type-parser.ts'
import type { ClickHouseType } from '../formats/types.ts'
import { placeholder } from '../params/infer.ts'
import { quoteLiteral } from '../params/literal.ts'
import { TypedValue, typed } from '../params/typed.ts'
import { quoteIdentifier } from '../statement.ts'

export interface ClickHouseDrizzleDialectConfig extends BridgeDialectConfig {
  /** `mutation` (default): `ALTER TABLE t DELETE WHERE …`; `lightweight`: `DELETE FROM t WHERE …`. */
  deletes?: 'mutation' | 'lightweight' | undefined
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

const LIMIT_ENCODER = new ClickHouseParamEncoder('UInt64')

/** Marks a parameter whose type is only known once placeholder values are filled in. */
const DEFERRED = '\uE000'
const DEFERRED_PLACEHOLDER = /\{p(\d+):\uE000\}/g

export class ClickHouseDrizzleDialect extends BridgeDialect {
  static override readonly [entityKind]: string = 'ClickHouseDrizzleDialect'
  readonly system = 'clickhouse' as const
  readonly databaseName = 'ClickHouse'
  readonly deletes: 'mutation' | 'lightweight'

  constructor(config: ClickHouseDrizzleDialectConfig = {}) {
    super(config)
    this.deletes = config.deletes ?? 'mutation'
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
    if (is(value, Placeholder)) return `{${name}:${DEFERRED}}`
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

  override finalizeStatement(sqlText: string, params: unknown[]): { sql: string; params: unknown[] } {
    if (!sqlText.includes(DEFERRED)) return { sql: sqlText, params }
    const text = sqlText.replace(DEFERRED_PLACEHOLDER, (_, n: string) =>
      placeholder(`p${n}`, params[Number(n) - 1]),
    )
    return { sql: text, params }
  }

  override limitOperand(value: LimitValue): SQL {
    if (is(value, Placeholder)) return sql`${new Param(value, LIMIT_ENCODER)}`
    return sql`${typed(value, 'UInt64')}`
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
    return sql`alter table ${parts.tableSql} update ${parts.set} where ${parts.where ?? sql.raw('1')}`
  }

  override buildDeleteStatement(parts: DeleteStatementParts): SQL {
    if (parts.with) throw this.notSupported('WITH (common table expressions) in DELETE')
    const where = parts.where ?? sql.raw('1')
    if (this.deletes === 'lightweight') return sql`delete from ${parts.table} where ${where}`
    return sql`alter table ${parts.table} delete where ${where}`
  }
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
