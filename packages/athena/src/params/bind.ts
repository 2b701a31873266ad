/**
 * Puts a statement's values into it. Every value becomes a literal from the
 * one formatter; the literals travel as `ExecutionParameters` where Athena
 * takes them (DML, each literal at most 1024 characters) and are written in
 * place of their `?` marker otherwise (DDL, longer literals, or when asked).
 */
import { findMarkers, ParameterError, replaceMarkers } from '@tributary/core'
import { ATHENA_SQL, HIVE_SQL, type StatementKind } from '../statement-kind.ts'
import { formatLiteral } from './literal.ts'

/** Athena's limit on one `ExecutionParameters` value. */
export const MAX_PARAMETER_LENGTH = 1024

export interface BoundStatement {
  sql: string
  /** Literals for the statement's remaining `?` markers, in order; undefined when there are none. */
  executionParameters: string[] | undefined
}

export function bindParameters(
  sql: string,
  params: readonly unknown[],
  kind: StatementKind,
  options: { inline?: boolean | undefined } = {},
): BoundStatement {
  const lexicon = kind.engine === 'hive' ? HIVE_SQL : ATHENA_SQL
  const markers = findMarkers(sql, lexicon)
  if (markers.length !== params.length) {
    throw new ParameterError(
      `the statement has ${markers.length} ? marker${markers.length === 1 ? '' : 's'} but ${params.length} value${params.length === 1 ? ' was' : 's were'} given`,
      { system: 'athena' },
    )
  }
  if (params.length === 0) return { sql, executionParameters: undefined }
  const literals = params.map((value, i) =>
    formatLiteral(value, { engine: kind.engine, target: { name: String(i + 1) } }),
  )
  const asParameters = kind.executionParameters && options.inline !== true
  const keep = literals.map((literal) => asParameters && literal.length <= MAX_PARAMETER_LENGTH)
  if (keep.every(Boolean)) return { sql, executionParameters: literals }
  const text = replaceMarkers(sql, lexicon, (k) => (keep[k] ? '?' : literals[k]!))
  const remaining = literals.filter((_, k) => keep[k])
  return { sql: text, executionParameters: remaining.length > 0 ? remaining : undefined }
}
