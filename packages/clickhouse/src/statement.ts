import { ParameterError } from '@tributary/core'
import { parseType } from './formats/type-parser.ts'
import type { ClickHouseType } from './formats/types.ts'
import { findPlaceholders, substitutePlaceholders } from './params/placeholders.ts'
import type { ValueContext } from './params/scalars.ts'
import { formatParamText } from './params/text.ts'
import { TypedValue } from './params/typed.ts'
import type { ServerInfo } from './transport/transport.ts'

/** Values for `{name:Type}` placeholders: positional (`{p1:…}` is index 0) or by name. */
export type QueryParams = readonly unknown[] | Readonly<Record<string, unknown>>

/**
 * `auto`: server-side binding where the server has it, literals otherwise.
 * `client`: always literals (for places the server refuses parameters, and for testing the formatter).
 */
export type ParameterBinding = 'auto' | 'client'

export interface PrepareOptions {
  binding?: ParameterBinding | undefined
  /** Where a parameter's value is written (a column), for error messages; by parameter name. */
  targets?: Readonly<Record<string, ValueContext>> | undefined
  /** How every value is written (`subsecondDates`). */
  values?: ValueContext | undefined
}

export interface PreparedStatement {
  sql: string
  /** `param_<name>` values in ClickHouse text form, when the server binds them. */
  params: Record<string, string> | undefined
}

/**
 * Binds parameters the safest way the server allows: server-side `param_<name>`
 * when it has query parameters, otherwise one literal formatter
 * (`substitutePlaceholders`) that knows strings, comments and quoted names.
 */
export function prepareStatement(
  sql: string,
  params: QueryParams | undefined,
  server: ServerInfo,
  options: PrepareOptions = {},
): PreparedStatement {
  const { binding = 'auto', targets } = options
  const base = options.values ?? {}
  const values = params === undefined ? undefined : paramsByName(params)
  const placeholders = findPlaceholders(sql)
  if (placeholders.length === 0) {
    if (values && Object.keys(values).length > 0 && Array.isArray(params) === false) {
      // Named values with no placeholder are almost always a typo in the SQL.
      throw new ParameterError(
        `parameters ${Object.keys(values).join(', ')} have no {name:Type} placeholder`,
        {
          system: 'clickhouse',
        },
      )
    }
    return { sql, params: undefined }
  }
  if (!values) {
    throw new ParameterError(`the statement has placeholders but no parameters were given`, {
      system: 'clickhouse',
    })
  }
  for (const p of placeholders) {
    if (!(p.name in values)) {
      throw new ParameterError(`no value for placeholder {${p.name}:${p.type}}`, { system: 'clickhouse' })
    }
  }
  if (binding === 'client' || !server.supportsQueryParameters) {
    const legacy = !server.supportsQueryParameters
    return {
      sql: substitutePlaceholders(sql, values, { ...base, legacy }, undefined, targets),
      params: undefined,
    }
  }
  const texts: Record<string, string> = {}
  let asLiterals: Set<string> | undefined
  for (const p of placeholders) {
    if (p.name in texts || asLiterals?.has(p.name)) continue
    const type = parseType(p.type)
    const value = values[p.name]
    if (hidesArrayDepth(value instanceof TypedValue ? value.value : value, type)) {
      asLiterals ??= new Set()
      asLiterals.add(p.name)
      continue
    }
    texts[p.name] = formatParamText(value, type, { ...base, ...(targets?.[p.name] ?? { name: p.name }) })
  }
  const bound = asLiterals ? substitutePlaceholders(sql, values, base, asLiterals, targets) : sql
  return { sql: bound, params: texts }
}

/**
 * Servers mis-type a parameter such as `[[], []]` for `Array(Array(Array(T)))`: an array whose
 * elements are all empty arrays loses its depth and the server's CAST fails. Such values are
 * sent as typed literals (which cast each level) instead.
 */
function hidesArrayDepth(value: unknown, type: ClickHouseType): boolean {
  switch (type.kind) {
    case 'Nullable':
    case 'LowCardinality':
      return hidesArrayDepth(value, type.inner)
    case 'Array': {
      if (!Array.isArray(value) || value.length === 0) return false
      if (type.element.kind === 'Array' && value.every((v) => Array.isArray(v) && v.length === 0)) return true
      return value.some((v) => hidesArrayDepth(v, type.element))
    }
    case 'Tuple':
      return Array.isArray(value)
        ? value.some((v, i) => type.elements[i] !== undefined && hidesArrayDepth(v, type.elements[i]!))
        : typeof value === 'object' && value !== null && type.names !== undefined
          ? type.names.some((n, i) =>
              hidesArrayDepth((value as Record<string, unknown>)[n], type.elements[i]!),
            )
          : false
    default:
      return false
  }
}

export function paramsByName(params: QueryParams): Record<string, unknown> {
  if (!Array.isArray(params)) return params as Record<string, unknown>
  const named: Record<string, unknown> = {}
  for (let i = 0; i < params.length; i++) named[`p${i + 1}`] = params[i]
  return named
}

/** Backquotes an identifier (`db.table` is quoted part by part). */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``
}

export function quoteTableName(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    return name.split('.').map(quoteIdentifier).join('.')
  }
  return quoteIdentifier(name)
}
