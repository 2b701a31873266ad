/**
 * PostgreSQL result columns described the way JTOpen describes Db2 for i columns
 * (ResultSetMetaData: type name, display size, precision, scale, nullability).
 */

export const OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  xml: 142,
  float4: 700,
  float8: 701,
  unknown: 705,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  timetz: 1266,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const

/** How a value of a column is written on the wire. */
export type ValueForm =
  | 'integer'
  | 'bigint'
  | 'decimal'
  | 'float'
  | 'char'
  | 'string'
  | 'binary'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'boolean'

export interface Db2Type {
  name: string
  displaySize: number
  precision: number
  scale: number
  form: ValueForm
}

/** Domain OIDs of the Db2 types kept as PostgreSQL domains (qsys.clob …), by Db2 name. */
export type DomainTypes = Map<number, string>

export function db2Type(
  typeId: number,
  typmod: number,
  domains: DomainTypes,
  declaredType?: number,
): Db2Type {
  const domain = declaredType === undefined ? undefined : domains.get(declaredType)
  if (domain !== undefined) {
    switch (domain) {
      case 'CLOB':
        return { name: 'CLOB', displaySize: 1048576, precision: 1048576, scale: 0, form: 'string' }
      case 'BLOB':
        return { name: 'BLOB', displaySize: 2097152, precision: 1048576, scale: 0, form: 'binary' }
      case 'BINARY':
        return { name: 'BINARY', displaySize: 64, precision: 32, scale: 0, form: 'binary' }
      case 'VARBINARY':
        return { name: 'VARBINARY', displaySize: 64, precision: 32, scale: 0, form: 'binary' }
      case 'DECFLOAT':
        return { name: 'DECFLOAT', displaySize: 42, precision: 34, scale: 0, form: 'decimal' }
      case 'ROWID':
        return { name: 'ROWID', displaySize: 80, precision: 40, scale: 0, form: 'binary' }
    }
  }
  switch (typeId) {
    case OID.int2:
      return { name: 'SMALLINT', displaySize: 6, precision: 5, scale: 0, form: 'integer' }
    case OID.int4:
    case OID.oid:
      return { name: 'INTEGER', displaySize: 11, precision: 10, scale: 0, form: 'integer' }
    case OID.int8:
      return { name: 'BIGINT', displaySize: 20, precision: 19, scale: 0, form: 'bigint' }
    case OID.numeric: {
      if (typmod < 0) return { name: 'DECIMAL', displaySize: 33, precision: 31, scale: 0, form: 'decimal' }
      const precision = ((typmod - 4) >> 16) & 0xffff
      const scale = (typmod - 4) & 0xffff
      return { name: 'DECIMAL', displaySize: precision + 2, precision, scale, form: 'decimal' }
    }
    case OID.float4:
      return { name: 'REAL', displaySize: 13, precision: 24, scale: 0, form: 'float' }
    case OID.float8:
      return { name: 'DOUBLE', displaySize: 22, precision: 53, scale: 0, form: 'float' }
    case OID.bpchar: {
      const length = typmod < 0 ? 1 : typmod - 4
      return { name: 'CHAR', displaySize: length, precision: length, scale: 0, form: 'char' }
    }
    case OID.varchar: {
      const length = typmod < 0 ? 32739 : typmod - 4
      return { name: 'VARCHAR', displaySize: length, precision: length, scale: 0, form: 'string' }
    }
    case OID.text:
    case OID.unknown:
    case OID.json:
    case OID.jsonb:
    case OID.uuid:
    case OID.interval:
      return { name: 'VARCHAR', displaySize: 32739, precision: 32739, scale: 0, form: 'string' }
    case OID.xml:
      return { name: 'XML', displaySize: 2147483647, precision: 2147483647, scale: 0, form: 'string' }
    case OID.bytea:
      return { name: 'VARBINARY', displaySize: 65408, precision: 32704, scale: 0, form: 'binary' }
    case OID.date:
      return { name: 'DATE', displaySize: 10, precision: 10, scale: 0, form: 'date' }
    case OID.time:
    case OID.timetz:
      return { name: 'TIME', displaySize: 8, precision: 8, scale: 0, form: 'time' }
    case OID.timestamp:
    case OID.timestamptz: {
      const scale = typmod < 0 ? 6 : typmod
      return {
        name: 'TIMESTAMP',
        displaySize: scale === 0 ? 19 : 20 + scale,
        precision: 20 + scale,
        scale,
        form: 'timestamp',
      }
    }
    case OID.bool:
      return { name: 'BOOLEAN', displaySize: 5, precision: 1, scale: 0, form: 'boolean' }
    default:
      return { name: 'VARCHAR', displaySize: 32739, precision: 32739, scale: 0, form: 'string' }
  }
}

/** A Db2 parameter type name (as JTOpen's ParameterMetaData names it) for a PostgreSQL type name. */
export function parameterTypeName(pgType: string): { name: string; precision: number; scale: number } {
  const t = pgType.toLowerCase()
  if (t === 'smallint') return { name: 'SMALLINT', precision: 5, scale: 0 }
  if (t === 'integer' || t === 'oid') return { name: 'INTEGER', precision: 10, scale: 0 }
  if (t === 'bigint') return { name: 'BIGINT', precision: 19, scale: 0 }
  if (t === 'numeric') return { name: 'DECIMAL', precision: 31, scale: 0 }
  if (t === 'real') return { name: 'REAL', precision: 24, scale: 0 }
  if (t === 'double precision') return { name: 'DOUBLE', precision: 53, scale: 0 }
  if (t === 'character' || t === 'bpchar') return { name: 'CHAR', precision: 1, scale: 0 }
  if (t === 'date') return { name: 'DATE', precision: 10, scale: 0 }
  if (t.startsWith('time without')) return { name: 'TIME', precision: 8, scale: 0 }
  if (t.startsWith('timestamp')) return { name: 'TIMESTAMP', precision: 26, scale: 6 }
  if (t === 'boolean') return { name: 'BOOLEAN', precision: 1, scale: 0 }
  if (t === 'bytea' || t.startsWith('qsys.')) return { name: 'VARBINARY', precision: 32704, scale: 0 }
  return { name: 'VARCHAR', precision: 32739, scale: 0 }
}
