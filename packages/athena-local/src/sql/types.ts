// Athena (Trino) types: spelling, parsing of Hive type names, and the DuckDB type each one runs as.
import type { SqlType } from './ast.ts'

export const VARCHAR: SqlType = { kind: 'simple', name: 'varchar', params: [] }
export const BIGINT: SqlType = { kind: 'simple', name: 'bigint', params: [] }
export const INTEGER: SqlType = { kind: 'simple', name: 'integer', params: [] }
export const DOUBLE: SqlType = { kind: 'simple', name: 'double', params: [] }
export const BOOLEAN: SqlType = { kind: 'simple', name: 'boolean', params: [] }
export const DATE: SqlType = { kind: 'simple', name: 'date', params: [] }
export const VARBINARY: SqlType = { kind: 'simple', name: 'varbinary', params: [] }
export const JSON_TYPE: SqlType = { kind: 'simple', name: 'json', params: [] }
export const UNKNOWN: SqlType = { kind: 'simple', name: 'unknown', params: [] }

export function simple(name: string, params: number[] = [], withTimeZone = false): SqlType {
  return withTimeZone ? { kind: 'simple', name, params, withTimeZone } : { kind: 'simple', name, params }
}

export function timestamp(precision = 3, withTimeZone = false): SqlType {
  return simple('timestamp', [precision], withTimeZone)
}

/** Canonical Trino spelling, e.g. `array(row(a integer, b varchar))`, `timestamp(3) with time zone`. */
export function typeToString(t: SqlType): string {
  switch (t.kind) {
    case 'array':
      return `array(${typeToString(t.element)})`
    case 'map':
      return `map(${typeToString(t.key)}, ${typeToString(t.value)})`
    case 'row':
      return `row(${t.fields.map((f) => (f.name === null ? typeToString(f.type) : `${f.name} ${typeToString(f.type)}`)).join(', ')})`
    case 'interval':
      return `interval ${t.from} to ${t.to}`
    case 'simple': {
      const params = t.params.length > 0 ? `(${t.params.join(',')})` : ''
      return `${t.name}${params}${t.withTimeZone ? ' with time zone' : ''}`
    }
  }
}

/** Spelling used by Hive DDL output (DESCRIBE, GetTableMetadata): `array<int>`, `struct<a:int>`. */
export function hiveTypeToString(t: SqlType): string {
  switch (t.kind) {
    case 'array':
      return `array<${hiveTypeToString(t.element)}>`
    case 'map':
      return `map<${hiveTypeToString(t.key)},${hiveTypeToString(t.value)}>`
    case 'row':
      return `struct<${t.fields.map((f) => `${f.name}:${hiveTypeToString(f.type)}`).join(',')}>`
    case 'interval':
      return `interval ${t.from} to ${t.to}`
    case 'simple': {
      const name =
        t.name === 'integer'
          ? 'int'
          : t.name === 'varchar' && t.params.length === 0
            ? 'string'
            : t.name === 'real'
              ? 'float'
              : t.name === 'varbinary'
                ? 'binary'
                : t.name
      const params = t.name === 'timestamp' ? '' : t.params.length > 0 ? `(${t.params.join(',')})` : ''
      return `${name}${params}`
    }
  }
}

/** Reads a Hive column type (`int`, `string`, `array<int>`, `map<int,int>`, `struct<a:int,b:string>`). */
export function parseHiveType(text: string): SqlType {
  let i = 0
  const s = text.trim()
  const skip = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++
  }
  const word = () => {
    skip()
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i))
    if (!m) throw new Error(`cannot parse type '${text}'`)
    i += m[0].length
    return m[0]
  }
  const expect = (c: string) => {
    skip()
    if (s[i] !== c) throw new Error(`cannot parse type '${text}'`)
    i++
  }
  const peek = () => {
    skip()
    return s[i]
  }
  const one = (): SqlType => {
    const w = word().toLowerCase()
    if (w === 'array') {
      const open = peek()
      expect(open === '(' ? '(' : '<')
      const element = one()
      expect(open === '(' ? ')' : '>')
      return { kind: 'array', element }
    }
    if (w === 'map') {
      const open = peek()
      expect(open === '(' ? '(' : '<')
      const key = one()
      expect(',')
      const value = one()
      expect(open === '(' ? ')' : '>')
      return { kind: 'map', key, value }
    }
    if (w === 'struct' || w === 'row') {
      const open = peek()
      expect(open === '(' ? '(' : '<')
      const fields: { name: string | null; type: SqlType }[] = []
      for (;;) {
        skip()
        let name: string
        if (s[i] === '`') {
          const close = s.indexOf('`', i + 1)
          name = s.slice(i + 1, close)
          i = close + 1
        } else {
          name = word()
        }
        if (peek() === ':') expect(':')
        fields.push({ name: name.toLowerCase(), type: one() })
        if (peek() === ',') {
          i++
          continue
        }
        break
      }
      expect(open === '(' ? ')' : '>')
      return { kind: 'row', fields }
    }
    const params: number[] = []
    if (peek() === '(') {
      i++
      for (;;) {
        skip()
        const m = /^\d+/.exec(s.slice(i))
        if (!m) throw new Error(`cannot parse type '${text}'`)
        params.push(Number(m[0]))
        i += m[0].length
        if (peek() === ',') {
          i++
          continue
        }
        break
      }
      expect(')')
    }
    const rest = s.slice(i).match(/^\s+with\s+time\s+zone\b/i)
    if (rest) {
      i += rest[0].length
      return simple(w === 'time' ? 'time' : 'timestamp', params.length > 0 ? params : [3], true)
    }
    if (w === 'double' && /^\s+precision\b/i.test(s.slice(i)))
      i += s.slice(i).match(/^\s+precision/i)![0].length
    return normalizeTypeName(w, params)
  }
  const t = one()
  skip()
  if (i !== s.length) throw new Error(`cannot parse type '${text}'`)
  return t
}

function normalizeTypeName(w: string, params: number[]): SqlType {
  switch (w) {
    case 'int':
    case 'integer':
      return INTEGER
    case 'string':
      return VARCHAR
    case 'float':
    case 'real':
      return simple('real')
    case 'binary':
    case 'varbinary':
      return VARBINARY
    case 'decimal':
      return simple('decimal', params.length === 0 ? [10, 0] : params.length === 1 ? [params[0]!, 0] : params)
    case 'timestamp':
      return timestamp(params[0] ?? 3)
    default:
      return simple(w, params)
  }
}

/** DuckDB type for an Athena type. */
export function duckType(t: SqlType): string {
  switch (t.kind) {
    case 'array':
      return `${duckType(t.element)}[]`
    case 'map':
      return `MAP(${duckType(t.key)}, ${duckType(t.value)})`
    case 'row':
      return `STRUCT(${t.fields.map((f, i) => `${quoteDuck(f.name ?? `field${i}`)} ${duckType(f.type)}`).join(', ')})`
    case 'interval':
      return 'INTERVAL'
    case 'simple':
      switch (t.name) {
        case 'boolean':
          return 'BOOLEAN'
        case 'tinyint':
          return 'TINYINT'
        case 'smallint':
          return 'SMALLINT'
        case 'integer':
        case 'int':
          return 'INTEGER'
        case 'bigint':
          return 'BIGINT'
        case 'real':
        case 'float':
          return 'FLOAT'
        case 'double':
          return 'DOUBLE'
        case 'decimal':
          return `DECIMAL(${t.params[0] ?? 38},${t.params[1] ?? 0})`
        case 'varchar':
        case 'char':
        case 'string':
          return 'VARCHAR'
        case 'varbinary':
        case 'binary':
          return 'BLOB'
        case 'date':
          return 'DATE'
        case 'time':
          return t.withTimeZone ? 'TIMETZ' : 'TIME'
        case 'timestamp':
          return t.withTimeZone ? 'TIMESTAMPTZ' : (t.params[0] ?? 3) > 6 ? 'TIMESTAMP_NS' : 'TIMESTAMP'
        case 'json':
          return 'JSON'
        case 'uuid':
          return 'UUID'
        case 'unknown':
          return 'VARCHAR'
        default:
          return ''
      }
  }
}

/**
 * A DuckDB string expression for the value. DuckDB's parser is handed the statement as a C string, which ends
 * at U+0000, so a value holding one is written as literals joined around `chr(0)` (DuckDB's VARCHAR holds it).
 */
export function duckString(value: string): string {
  const literal = (s: string) => `'${s.replaceAll("'", "''")}'`
  if (!value.includes('\0')) return literal(value)
  return `(${value.split('\0').map(literal).join(' || chr(0) || ')})`
}

export function quoteDuck(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

export function isNumericName(name: string): boolean {
  return ['tinyint', 'smallint', 'integer', 'bigint', 'real', 'double', 'decimal'].includes(name)
}

export function sameType(a: SqlType, b: SqlType): boolean {
  return typeToString(a) === typeToString(b)
}
