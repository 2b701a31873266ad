// The files Athena leaves in OutputLocation: `<id>.csv` (header, every non-NULL field quoted), `<id>.txt`
// (tab separated, no header, no trailing newline), the `.metadata` companion (protobuf with the engine
// query id, update type, update count and ColumnInfo) and `-manifest.csv` listing written data files.
import type { ColumnInfo } from './column-info.ts'

export function csvField(value: string | null): string {
  return value === null ? '' : `"${value.replaceAll('"', '""')}"`
}

export function csvLine(values: (string | null)[]): string {
  return `${values.map(csvField).join(',')}\n`
}

export function txtBody(rows: (string | null)[][]): string {
  return rows.map((r) => r.map((v) => v ?? '').join('\t')).join('\n')
}

/** Reads back a CSV written by csvLine (quoted fields may span lines); NULL is an empty unquoted field. */
export function parseResultCsv(text: string): (string | null)[][] {
  const rows: (string | null)[][] = []
  let row: (string | null)[] = []
  let i = 0
  const n = text.length
  while (i < n) {
    let value: string | null
    if (text[i] === '"') {
      value = ''
      i++
      for (;;) {
        const q = text.indexOf('"', i)
        if (q < 0) {
          value += text.slice(i)
          i = n
          break
        }
        value += text.slice(i, q)
        i = q + 1
        if (text[i] !== '"') break
        value += '"'
        i++
      }
    } else {
      let j = i
      while (j < n && text[j] !== ',' && text[j] !== '\n') j++
      value = j > i ? text.slice(i, j) : null
      i = j
    }
    row.push(value)
    if (i >= n) break
    if (text[i] === ',') {
      i++
      if (i >= n) row.push(null)
      continue
    }
    i++
    rows.push(row)
    row = []
  }
  if (row.length > 0) rows.push(row)
  return rows
}

// ---------- .metadata (protobuf) ----------

function varint(out: number[], value: number | bigint): void {
  let v = BigInt(value)
  while (v >= 0x80n) {
    out.push(Number((v & 0x7fn) | 0x80n))
    v >>= 7n
  }
  out.push(Number(v))
}

function fieldVarint(out: number[], field: number, value: number | bigint): void {
  varint(out, field << 3)
  varint(out, value)
}

function fieldBytes(out: number[], field: number, bytes: Uint8Array | number[]): void {
  varint(out, (field << 3) | 2)
  varint(out, bytes.length)
  for (const b of bytes) out.push(b)
}

function fieldString(out: number[], field: number, text: string): void {
  fieldBytes(out, field, Buffer.from(text, 'utf8'))
}

/** Which of Precision / Scale / CaseSensitive the file carries depends on the type name alone. */
function optionalFields(type: string): [boolean, boolean, boolean] {
  switch (type) {
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'bigint':
    case 'double':
    case 'float':
    case 'decimal':
    case 'varchar':
    case 'char':
    case 'varbinary':
    case 'timestamp':
    case 'time':
    case 'timestamp with time zone':
    case 'time with time zone':
      return [true, true, true]
    case 'boolean':
    case 'interval day to second':
    case 'interval year to month':
      return [false, false, true]
    case 'date':
      return [false, true, true]
    default:
      return [false, false, false]
  }
}

export function metadataFile(
  queryId: string,
  updateType: string | null,
  updateCount: number | null,
  columns: ColumnInfo[],
): Buffer {
  const out: number[] = []
  fieldString(out, 1, queryId)
  if (updateType !== null) fieldString(out, 2, updateType)
  if (updateCount !== null) fieldVarint(out, 3, updateCount)
  for (const c of columns) {
    const [precision, scale, caseSensitive] = optionalFields(c.Type)
    const col: number[] = []
    fieldString(col, 1, c.CatalogName)
    fieldString(col, 4, c.Name)
    fieldString(col, 5, c.Label)
    fieldString(col, 6, c.Type)
    if (precision) fieldVarint(col, 7, c.Precision)
    if (scale) fieldVarint(col, 8, c.Scale)
    fieldVarint(col, 9, 3)
    if (caseSensitive) fieldVarint(col, 10, c.CaseSensitive ? 1 : 0)
    fieldBytes(out, 4, col)
  }
  return Buffer.from(out)
}
