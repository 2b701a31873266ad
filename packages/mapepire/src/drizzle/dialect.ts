/**
 * Db2 for i's differences from pg-core's SQL (the user-facing side is in
 * docs/mapepire.md, "Drizzle"):
 * - parameters are `?`; a value bound without a column (raw `sql` values) is
 *   cast to a type from its JavaScript value, since Db2 cannot type a marker
 *   in a select list or a function argument (SQL0418);
 * - LIMIT/OFFSET become `OFFSET n ROWS FETCH FIRST m ROWS ONLY`, with checked
 *   integer literals;
 * - INSERT … RETURNING is `SELECT … FROM FINAL TABLE (INSERT …)`;
 *   UPDATE/DELETE … RETURNING, ON CONFLICT, DISTINCT ON, row locks, ILIKE and
 *   relational queries with `with` throw NotSupportedError while the statement
 *   is built;
 * - pg-core's `timestamp()` and `date()` columns send `toISOString()` text;
 *   Db2 reads `YYYY-MM-DD HH:MM:SS.ffffff` and `YYYY-MM-DD`, so those values
 *   are rewritten when the statement runs.
 */

import { NotSupportedError } from '@tributary/core'
import { BridgeDialect, type BridgeDialectConfig, type LimitValue } from '@tributary/core/drizzle'
import { Column, entityKind, is, Param, Placeholder, type Query, type SQL, sql } from 'drizzle-orm'
import {
  PgDate,
  type PgDeleteConfig,
  type PgInsertConfig,
  type PgSelectConfig,
  PgTimestamp,
  type PgUpdateConfig,
} from 'drizzle-orm/pg-core'
import type { DriverValueEncoder } from 'drizzle-orm/sql/sql'
import { SYSTEM } from '../errors.ts'
import { castType } from '../kysely/compiler.ts'
import { codeWords } from '../statement-kind.ts'

export type Db2DrizzleDialectConfig = BridgeDialectConfig

type Conversion = 'timestamp' | 'date'

/** `2024-06-15T13:45:30.123Z`, as `Date.prototype.toISOString` writes it. */
const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}\.\d{3})Z$/

/**
 * `db.$count()`'s statement: its unquoted alias folds to COUNT in Db2 (Drizzle reads `count`),
 * and Db2 refuses the trailing semicolon.
 */
const COUNT_QUERY = /^select count\(\*\) as count from ([\s\S]*);$/

export class Db2DrizzleDialect extends BridgeDialect<Conversion> {
  static override readonly [entityKind]: string = 'Db2DrizzleDialect'
  readonly system = SYSTEM
  readonly databaseName = 'Db2 for i'
  override readonly supportsReturning = true

  constructor(config: Db2DrizzleDialectConfig = {}) {
    super(config)
  }

  formatParam(
    index: number,
    value: unknown,
    encoder: DriverValueEncoder<unknown, unknown> | undefined,
  ): string {
    if (is(encoder, PgTimestamp)) this.markParameter(index, 'timestamp')
    else if (is(encoder, PgDate)) this.markParameter(index, 'date')
    if (is(value, Placeholder) || is(encoder, Column)) return '?'
    const raw = is(value, Param) ? value.value : value
    if (is(raw, Placeholder)) return '?'
    return `cast(? as ${castType(raw)})`
  }

  protected override statementText(rendered: string): string {
    const count = COUNT_QUERY.exec(rendered)
    const text = count ? `select count(*) as "count" from ${count[1]}` : rendered
    refuseIlike(text)
    return text
  }

  override finalizeStatement(query: Query, params: unknown[]): { sql: string; params: unknown[] } {
    const conversions = this.parameterMarks(query)
    if (!conversions) return { sql: query.sql, params }
    const out = [...params]
    for (const [index, kind] of conversions) {
      const value = out[index]
      if (typeof value !== 'string') continue
      const match = ISO_INSTANT.exec(value)
      if (match) out[index] = kind === 'date' ? match[1] : `${match[1]} ${match[2]}000`
    }
    return { sql: query.sql, params: out }
  }

  override buildLimitOffset(limit: LimitValue | undefined, offset: LimitValue | undefined): SQL | undefined {
    const hasLimit = typeof limit === 'object' || (typeof limit === 'number' && limit >= 0)
    const hasOffset = typeof offset === 'object' || (typeof offset === 'number' && offset > 0)
    const offsetSql = hasOffset ? sql` offset ${rowCount(offset as LimitValue)} rows` : undefined
    const limitSql = hasLimit ? sql` fetch first ${rowCount(limit as LimitValue)} rows only` : undefined
    if (!offsetSql && !limitSql) return undefined
    return sql`${offsetSql}${limitSql}`
  }

  override buildSelectQuery(config: PgSelectConfig): SQL {
    if (config.distinct && typeof config.distinct === 'object' && config.distinct.on) {
      throw this.notSupported('DISTINCT ON')
    }
    return super.buildSelectQuery(config)
  }

  override buildInsertQuery(config: PgInsertConfig): SQL {
    const { returning } = config
    if (!returning) return super.buildInsertQuery(config)
    const insert = super.buildInsertQuery({ ...config, returning: undefined })
    const fields = (
      this as unknown as { buildSelection(fields: unknown, options: { isSingleTable: boolean }): SQL }
    ).buildSelection(returning, { isSingleTable: true })
    return sql`select ${fields} from final table (${insert})`
  }

  override buildUpdateQuery(config: PgUpdateConfig): SQL {
    if (config.returning) {
      throw this.notSupported(
        'UPDATE … RETURNING',
        'Db2 for i reads back only inserted rows; select them after the update.',
      )
    }
    if (config.from || (config.joins && config.joins.length > 0)) {
      throw this.notSupported('UPDATE … FROM / JOIN', 'Use a subquery in SET or WHERE.')
    }
    return super.buildUpdateQuery(config)
  }

  override buildDeleteQuery(config: PgDeleteConfig): SQL {
    if (config.returning) {
      throw this.notSupported(
        'DELETE … RETURNING',
        'Db2 for i reads back only inserted rows; select them before the delete.',
      )
    }
    return super.buildDeleteQuery(config)
  }
}

/** A row count as a checked integer literal; a placeholder stays a marker. */
function rowCount(value: LimitValue): SQL {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new NotSupportedError(`a row count (limit/offset) must be a non-negative integer, got ${value}`, {
        system: SYSTEM,
      })
    }
    return sql.raw(String(value))
  }
  return sql`${value}`
}

function refuseIlike(text: string): void {
  if (!/ilike/i.test(text)) return
  if (codeWords(text).some((w) => !w.quoted && w.text === 'ILIKE')) {
    throw new NotSupportedError(
      'ILIKE is not supported by Db2 for i. Compare upper-cased values: like(sql`upper(...)`, value.toUpperCase()).',
      { system: SYSTEM },
    )
  }
}
