// ExecutionParameters as Athena interprets them: each value is SQL text standing for one `?`. A value that
// parses as an expression without column references is that expression (so `1 OR 1=1` is evaluated);
// one that does not parse, or names a column, is a string. Values go through the statement's own parser:
// athena-local has no literal parser of its own.

import { QueryFailure } from '../failure.ts'
import type { Expr, Statement } from './ast.ts'
import { parseExpression } from './trino-parser.ts'

function referencesColumns(node: unknown, lambdaParams: Set<string> = new Set()): boolean {
  if (Array.isArray(node)) return node.some((n) => referencesColumns(n, lambdaParams))
  if (!node || typeof node !== 'object') return false
  const e = node as Expr
  if (e.k === 'ident') return !(e.parts.length === 1 && lambdaParams.has(e.parts[0]!.name.toLowerCase()))
  if (e.k === 'lambda')
    return referencesColumns(e.body, new Set([...lambdaParams, ...e.params.map((p) => p.toLowerCase())]))
  return Object.values(node).some((v) => typeof v === 'object' && referencesColumns(v, lambdaParams))
}

/** The expression a parameter value stands for. */
export function parameterExpression(value: string): Expr {
  const pos = { line: 1, column: 1 }
  try {
    const e = parseExpression(value)
    if (!referencesColumns(e)) return e
  } catch {
    // not an expression: a string
  }
  return { k: 'string', value, pos }
}

function substitute<T>(node: T, values: Expr[]): T {
  if (Array.isArray(node)) return node.map((n) => substitute(n, values)) as T
  if (!node || typeof node !== 'object') return node
  const e = node as unknown as Expr
  if (e.k === 'param') return values[e.index] as T
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) out[k] = typeof v === 'object' ? substitute(v, values) : v
  return out as T
}

/** Replaces the statement's `?` with the given values; values beyond a statement without `?` are ignored. */
export function bindParameters(statement: Statement, parameterCount: number, values: string[]): Statement {
  if (parameterCount === 0) return statement
  if (values.length !== parameterCount) {
    throw new QueryFailure(
      'INVALID_PARAMETER_USAGE',
      `line 1:1: Incorrect number of parameters: expected ${parameterCount} but found ${values.length}`,
    )
  }
  return substitute(statement, values.map(parameterExpression))
}

/** EXECUTE … USING: the values are already expressions. */
export function bindExpressions(statement: Statement, parameterCount: number, values: Expr[]): Statement {
  if (values.length !== parameterCount) {
    throw new QueryFailure(
      'INVALID_PARAMETER_USAGE',
      `line 1:1: Incorrect number of parameters: expected ${parameterCount} but found ${values.length}`,
    )
  }
  return parameterCount === 0 ? statement : substitute(statement, values)
}
