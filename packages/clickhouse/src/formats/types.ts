/**
 * ClickHouse data types as a tree. Every codec (RowBinary, TSV text, parameter
 * text, SQL literals, inference) works on this one representation, produced by
 * `parseType` in `type-parser.ts` from the type strings the server reports.
 */
export type ClickHouseType =
  | { kind: 'Int'; signed: boolean; bits: 8 | 16 | 32 | 64 | 128 | 256 }
  | { kind: 'Float'; bits: 32 | 64 }
  | { kind: 'Bool' }
  | { kind: 'Decimal'; precision: number; scale: number; bits: 32 | 64 | 128 | 256 }
  | { kind: 'String' }
  | { kind: 'FixedString'; length: number }
  | { kind: 'Date' }
  | { kind: 'Date32' }
  | { kind: 'DateTime'; timezone?: string | undefined }
  | { kind: 'DateTime64'; precision: number; timezone?: string | undefined }
  | { kind: 'Enum'; bits: 8 | 16; values: ReadonlyMap<number, string> }
  | { kind: 'UUID' }
  | { kind: 'IPv4' }
  | { kind: 'IPv6' }
  | { kind: 'Nothing' }
  | { kind: 'Nullable'; inner: ClickHouseType }
  | { kind: 'LowCardinality'; inner: ClickHouseType }
  | { kind: 'Array'; element: ClickHouseType }
  | { kind: 'Tuple'; elements: readonly ClickHouseType[]; names?: readonly string[] | undefined }
  | { kind: 'Map'; key: ClickHouseType; value: ClickHouseType }
  | { kind: 'Variant'; variants: readonly ClickHouseType[] }
  | { kind: 'JSON' }
  | { kind: 'Dynamic' }

export type ClickHouseTypeKind = ClickHouseType['kind']
