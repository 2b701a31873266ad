/**
 * Typed access to the few pg-core members that drizzle-orm 0.45 marks
 * `@internal` or `private` in its declarations but that every driver uses.
 * Kept in one file so a Drizzle upgrade (1.0 renames several) touches one place.
 */

import type { SQL, Subquery } from 'drizzle-orm'
import * as drizzle from 'drizzle-orm'
import type { CasingCache } from 'drizzle-orm/casing'
import type { PgDialect, PgSelectJoinConfig, PgTable, SelectedFieldsOrdered } from 'drizzle-orm/pg-core'

interface PgDialectInternals {
  casing: CasingCache
  buildWithCTE(queries: Subquery[] | undefined): SQL | undefined
  buildFromTable(table: unknown): SQL
  buildJoins(joins: PgSelectJoinConfig[] | undefined): SQL | undefined
}

export function dialectInternals(dialect: PgDialect): PgDialectInternals {
  return dialect as unknown as PgDialectInternals
}

const NameSymbol = Symbol.for('drizzle:Name')
const SchemaSymbol = Symbol.for('drizzle:Schema')
const OriginalNameSymbol = Symbol.for('drizzle:OriginalName')

export function tableMeta(table: PgTable): {
  name: string
  schema: string | undefined
  originalName: string
} {
  const record = table as unknown as Record<symbol, string | undefined>
  return {
    name: record[NameSymbol] as string,
    schema: record[SchemaSymbol],
    originalName: record[OriginalNameSymbol] as string,
  }
}

type RowMapper = (
  columns: SelectedFieldsOrdered,
  row: unknown[],
  joinsNotNullableMap: Record<string, boolean> | undefined,
) => Record<string, unknown>

/** Drizzle's own positional-row mapper (decoders, nested paths, null left joins). */
export const mapResultRow: RowMapper = (drizzle as unknown as { mapResultRow: RowMapper }).mapResultRow
