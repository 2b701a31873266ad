/**
 * Athena's differences from pg-core's SQL (the user-facing side is in
 * docs/athena.md, "Drizzle"):
 * - parameters are `?`, bound as literals from the one formatter;
 * - `OFFSET n LIMIT m`, in Trino's order, with checked integer literals;
 * - pg-core's `timestamp()`, `date()` and `numeric()` columns send text
 *   (`toISOString()`, `String(…)`); Athena does not cast text to those types
 *   on its own, so their values become TIMESTAMP, DATE and DECIMAL literals
 *   when the statement runs;
 * - a column an inserted row leaves out is NULL (Athena's VALUES has no DEFAULT);
 * - relational queries with `with` are built by relational-query.ts (pg-core's
 *   lateral joins and json_agg are PostgreSQL's);
 * - RETURNING, ON CONFLICT, row locks, WITH on writes and UPDATE … FROM throw
 *   `NotSupportedError` while the statement is built.
 */

import { ParameterError } from '@tributary/core'
import {
  BridgeDialect,
  type BridgeDialectConfig,
  type DeleteStatementParts,
  type LimitValue,
  type RelationalQueryOptions,
  type UpdateStatementParts,
} from '@tributary/core/drizzle'
import {
  type BuildRelationalQueryResult,
  entityKind,
  getTableColumns,
  is,
  Param,
  Placeholder,
  type Query,
  type SQL,
  sql,
} from 'drizzle-orm'
import {
  type PgColumn,
  PgDate,
  PgDateString,
  type PgInsertConfig,
  PgJson,
  PgJsonb,
  PgNumeric,
  type PgTable,
  PgTimestamp,
  PgTimestampString,
} from 'drizzle-orm/pg-core'
import type { DriverValueEncoder } from 'drizzle-orm/sql/sql'
import { typed } from '../params/typed.ts'
import { buildRelationalQuery } from './relational-query.ts'

export type AthenaDrizzleDialectConfig = BridgeDialectConfig

/** How a parameter bound through a column becomes a typed literal. */
type Conversion =
  | { kind: 'timestamp'; precision: number }
  | { kind: 'date' }
  | { kind: 'decimal' }
  | { kind: 'json' }

export class AthenaDrizzleDialect extends BridgeDialect<Conversion> {
  static override readonly [entityKind]: string = 'AthenaDrizzleDialect'
  readonly system = 'athena' as const
  readonly databaseName = 'Amazon Athena'
  override readonly limitOffsetOrder = 'offset-limit' as const
  override readonly supportsRelationalWith = true

  constructor(config: AthenaDrizzleDialectConfig = {}) {
    super(config)
  }

  formatParam(
    index: number,
    _value: unknown,
    encoder: DriverValueEncoder<unknown, unknown> | undefined,
  ): string {
    const conversion = conversionOf(encoder)
    if (conversion) this.markParameter(index, conversion)
    return '?'
  }

  override finalizeStatement(query: Query, params: unknown[]): { sql: string; params: unknown[] } {
    const conversions = this.parameterMarks(query)
    if (!conversions) return { sql: query.sql, params }
    const out = [...params]
    for (const [index, conversion] of conversions) {
      const value = out[index]
      if (value === null || value === undefined || typeof value !== 'string') continue
      switch (conversion.kind) {
        case 'timestamp':
          out[index] = typed(value, `timestamp(${conversion.precision})`)
          break
        case 'date':
          out[index] = typed(value.slice(0, 10), 'date')
          break
        case 'decimal':
          out[index] = typed(value, 'decimal')
          break
        case 'json':
          out[index] = typed(value, 'json')
          break
      }
    }
    return { sql: query.sql, params: out }
  }

  override limitOperand(value: LimitValue): SQL {
    if (is(value, Placeholder)) return sql`${new Param(value)}`
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new ParameterError(`LIMIT and OFFSET take a non-negative integer, got ${String(value)}`, {
        system: 'athena',
      })
    }
    return sql.raw(String(value))
  }

  override buildInsertQuery(config: PgInsertConfig): SQL {
    if (config.withList && config.withList.length > 0) {
      throw this.notSupported('WITH (common table expressions) on INSERT', 'Put the subquery in the select.')
    }
    // Athena's VALUES has no DEFAULT (its tables have no defaults): a column a row leaves out is NULL.
    const columns = Object.entries(getTableColumns(config.table))
    const values = Array.isArray(config.values)
      ? config.values.map((row) => {
          const filled: Record<string, unknown> = { ...row }
          for (const [key, column] of columns) {
            const value = filled[key]
            const missing = value === undefined || (is(value, Param) && value.value === undefined)
            if (missing && column.defaultFn === undefined && column.onUpdateFn === undefined)
              filled[key] = sql`null`
          }
          return filled as typeof row
        })
      : config.values
    return super.buildInsertQuery({ ...config, values })
  }

  override buildUpdateStatement(parts: UpdateStatementParts): SQL {
    if (parts.with) throw this.notSupported('WITH (common table expressions) on UPDATE')
    if (parts.from)
      throw this.notSupported('UPDATE … FROM and joins in UPDATE', 'Use a subquery in the where clause.')
    if (parts.aliased) throw this.notSupported('UPDATE through a table alias')
    return super.buildUpdateStatement(parts)
  }

  override buildRelationalQueryWithoutPK(
    options: RelationalQueryOptions,
  ): BuildRelationalQueryResult<PgTable, PgColumn> {
    const config = options.queryConfig
    if (config === true || !config.with || !Object.values(config.with).some(Boolean)) {
      return super.buildRelationalQueryWithoutPK(options)
    }
    return buildRelationalQuery(this, options)
  }

  override buildDeleteStatement(parts: DeleteStatementParts): SQL {
    if (parts.with) throw this.notSupported('WITH (common table expressions) on DELETE')
    return super.buildDeleteStatement(parts)
  }
}

function conversionOf(encoder: unknown): Conversion | undefined {
  if (is(encoder, PgTimestamp) || is(encoder, PgTimestampString)) {
    return { kind: 'timestamp', precision: (encoder as { precision?: number }).precision ?? 3 }
  }
  if (is(encoder, PgDate) || is(encoder, PgDateString)) return { kind: 'date' }
  if (is(encoder, PgNumeric)) return { kind: 'decimal' }
  if (is(encoder, PgJson) || is(encoder, PgJsonb)) return { kind: 'json' }
  return undefined
}
