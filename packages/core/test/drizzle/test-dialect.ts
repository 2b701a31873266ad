/** Minimal BridgeDialects for the tests: `?` placeholders, with the encoder's SQL type noted when there is one. */
import type { Query } from 'drizzle-orm'
import type { PgColumn } from 'drizzle-orm/pg-core'
import type { DriverValueEncoder } from 'drizzle-orm/sql/sql'
import { BridgeDialect, type BridgeDialectConfig, type FinalStatement } from '../../src/drizzle/index.ts'

export class QuestionMarkDialect extends BridgeDialect {
  readonly system = 'athena' as const
  readonly databaseName = 'TestDB'
  readonly formatted: { index: number; value: unknown; encoderType: string | undefined }[] = []
  finalized: FinalStatement[] = []

  constructor(config?: BridgeDialectConfig) {
    super(config)
  }

  formatParam(
    index: number,
    value: unknown,
    encoder: DriverValueEncoder<unknown, unknown> | undefined,
  ): string {
    const encoderType = encoder && 'getSQLType' in encoder ? (encoder as PgColumn).getSQLType() : undefined
    this.formatted.push({ index, value, encoderType })
    return '?'
  }

  override finalizeStatement(query: Query, params: unknown[]): FinalStatement {
    const final = { sql: query.sql, params }
    this.finalized.push(final)
    return final
  }
}

/** Athena's clause order: OFFSET before LIMIT. */
export class OffsetFirstDialect extends QuestionMarkDialect {
  override readonly limitOffsetOrder = 'offset-limit' as const
}

/**
 * Marks each parameter bound through a column with the column's SQL type, and prefixes marked values with
 * it when the statement runs: what a driver does to give text values the type their column has.
 */
export class MarkingDialect extends BridgeDialect<string> {
  readonly system = 'athena' as const
  readonly databaseName = 'TestDB'
  /** A rewrite of the rendered text, as a dialect that adjusts pg-core's SQL makes. */
  rewrite: ((text: string) => string) | undefined

  formatParam(
    index: number,
    _value: unknown,
    encoder: DriverValueEncoder<unknown, unknown> | undefined,
  ): string {
    if (encoder && 'getSQLType' in encoder) this.markParameter(index, (encoder as PgColumn).getSQLType())
    return '?'
  }

  protected override statementText(rendered: string): string {
    return this.rewrite ? this.rewrite(rendered) : rendered
  }

  override finalizeStatement(query: Query, params: unknown[]): FinalStatement {
    const out = [...params]
    for (const [index, type] of this.parameterMarks(query) ?? []) out[index] = `${type}:${String(out[index])}`
    return { sql: query.sql, params: out }
  }

  /** The marks kept for a built query object (the protected accessor, for assertions). */
  marksOf(query: Query): readonly (readonly [number, string])[] | undefined {
    return this.parameterMarks(query)
  }
}
