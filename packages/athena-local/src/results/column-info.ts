// ResultSetMetadata.ColumnInfo as real Athena fills it, by type.
import type { SqlType } from '../sql/ast.ts'

export interface ColumnInfo {
  CatalogName: string
  SchemaName: string
  TableName: string
  Name: string
  Label: string
  Type: string
  Precision: number
  Scale: number
  Nullable: 'UNKNOWN'
  CaseSensitive: boolean
}

/** Athena's ColumnInfo.Type: the type name without parameters (`real` is reported as `float`). */
export function columnTypeName(t: SqlType): string {
  switch (t.kind) {
    case 'array':
    case 'map':
    case 'row':
      return t.kind
    case 'interval':
      return `interval ${t.from} to ${t.to}`
    case 'simple':
      if (t.name === 'real') return 'float'
      if (t.withTimeZone) return `${t.name} with time zone`
      return t.name
  }
}

export function precisionOf(t: SqlType): number {
  if (t.kind !== 'simple') return 0
  switch (t.name) {
    case 'tinyint':
      return 3
    case 'smallint':
      return 5
    case 'integer':
      return 10
    case 'bigint':
      return 19
    case 'real':
    case 'double':
      return 17
    case 'decimal':
      return t.params[0] ?? 38
    case 'varchar':
      return t.params[0] ?? 2147483647
    case 'char':
      return t.params[0] ?? 1
    case 'varbinary':
      return 1073741824
    case 'time':
    case 'timestamp':
      return t.params[0] ?? 3
    default:
      return 0
  }
}

export function columnInfo(name: string, t: SqlType): ColumnInfo {
  const caseSensitive = t.kind === 'simple' && (t.name === 'varchar' || t.name === 'char')
  return {
    CatalogName: 'hive',
    SchemaName: '',
    TableName: '',
    Name: name,
    Label: name,
    Type: columnTypeName(t),
    Precision: precisionOf(t),
    Scale: t.kind === 'simple' && t.name === 'decimal' ? (t.params[1] ?? 0) : 0,
    Nullable: 'UNKNOWN',
    CaseSensitive: caseSensitive,
  }
}
