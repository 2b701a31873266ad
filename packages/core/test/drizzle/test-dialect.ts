/** A minimal BridgeDialect for the tests: `?` placeholders, with the encoder's SQL type noted when there is one. */
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

  override finalizeStatement(sql: string, params: unknown[]): FinalStatement {
    const final = { sql, params }
    this.finalized.push(final)
    return final
  }
}

/** Athena's clause order: OFFSET before LIMIT. */
export class OffsetFirstDialect extends QuestionMarkDialect {
  override readonly limitOffsetOrder = 'offset-limit' as const
}
