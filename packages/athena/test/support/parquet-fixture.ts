/**
 * Parquet files written byte by byte, for reading tests that must not trust
 * any Parquet writer: the footer in Thrift's compact protocol, one PLAIN,
 * uncompressed data page (v1) per column chunk, definition levels as RLE runs.
 * Only what the tests need: flat columns, REQUIRED or OPTIONAL, the physical
 * types BOOLEAN, INT32, INT64, INT96, DOUBLE, BYTE_ARRAY and
 * FIXED_LEN_BYTE_ARRAY with the DECIMAL, UTF8 and DATE annotations.
 *
 * INT96 is how Athena's UNLOAD stores timestamps: 8 bytes of nanoseconds
 * within the day, then 4 bytes of Julian day number, both little-endian.
 */

type Physical = 'BOOLEAN' | 'INT32' | 'INT64' | 'INT96' | 'DOUBLE' | 'BYTE_ARRAY' | 'FIXED_LEN_BYTE_ARRAY'

const PHYSICAL: Record<Physical, number> = {
  BOOLEAN: 0,
  INT32: 1,
  INT64: 2,
  INT96: 3,
  DOUBLE: 5,
  BYTE_ARRAY: 6,
  FIXED_LEN_BYTE_ARRAY: 7,
}
const CONVERTED = { UTF8: 0, DECIMAL: 5, DATE: 6 } as const

export interface FixtureColumn {
  name: string
  type: Physical
  /** FIXED_LEN_BYTE_ARRAY's width. */
  length?: number
  annotation?: keyof typeof CONVERTED
  precision?: number
  scale?: number
  optional?: boolean
  /** Values already in the physical form: boolean, number, bigint, Uint8Array (INT96 and byte arrays); null. */
  values: unknown[][]
}

// --- Thrift compact protocol -------------------------------------------------------------------------------

type Field = [id: number, value: TValue]
type TValue =
  | { t: 'i32'; v: number }
  | { t: 'i64'; v: bigint }
  | { t: 'bin'; v: Uint8Array }
  | { t: 'list'; elem: 'i32' | 'bin' | 'struct'; v: TValue[] }
  | { t: 'struct'; v: Field[] }

const i32 = (v: number): TValue => ({ t: 'i32', v })
const i64 = (v: bigint | number): TValue => ({ t: 'i64', v: BigInt(v) })
const str = (v: string): TValue => ({ t: 'bin', v: new TextEncoder().encode(v) })
const struct = (...v: Field[]): TValue => ({ t: 'struct', v })
const list = (elem: 'i32' | 'bin' | 'struct', v: TValue[]): TValue => ({ t: 'list', elem, v })

const COMPACT = { i32: 5, i64: 6, bin: 8, list: 9, struct: 12 } as const

class Bytes {
  readonly parts: number[] = []
  byte(b: number): void {
    this.parts.push(b & 0xff)
  }
  varint(n: bigint): void {
    let x = n
    do {
      let b = Number(x & 0x7fn)
      x >>= 7n
      if (x !== 0n) b |= 0x80
      this.byte(b)
    } while (x !== 0n)
  }
  zigzag(n: bigint): void {
    this.varint(n >= 0n ? n << 1n : (-n << 1n) - 1n)
  }
  raw(bytes: Uint8Array): void {
    for (const b of bytes) this.byte(b)
  }
  get bytes(): Uint8Array {
    return Uint8Array.from(this.parts)
  }
}

function writeValue(out: Bytes, value: TValue): void {
  switch (value.t) {
    case 'i32':
      out.zigzag(BigInt(value.v))
      return
    case 'i64':
      out.zigzag(value.v)
      return
    case 'bin':
      out.varint(BigInt(value.v.length))
      out.raw(value.v)
      return
    case 'list': {
      const type = COMPACT[value.elem]
      if (value.v.length < 15) out.byte((value.v.length << 4) | type)
      else {
        out.byte(0xf0 | type)
        out.varint(BigInt(value.v.length))
      }
      for (const item of value.v) writeValue(out, item)
      return
    }
    case 'struct': {
      let last = 0
      for (const [id, field] of value.v) {
        const type = COMPACT[field.t]
        const delta = id - last
        if (delta > 0 && delta <= 15) out.byte((delta << 4) | type)
        else {
          out.byte(type)
          out.zigzag(BigInt(id))
        }
        writeValue(out, field)
        last = id
      }
      out.byte(0)
    }
  }
}

function thrift(value: TValue): Uint8Array {
  const out = new Bytes()
  writeValue(out, value)
  return out.bytes
}

// --- pages -----------------------------------------------------------------------------------------------

function le32(n: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setInt32(0, n, true)
  return b
}

/** Definition levels (bit width 1) as RLE runs, with the 4-byte length v1 pages put before them. */
function definitionLevels(values: unknown[]): Uint8Array {
  const out = new Bytes()
  let i = 0
  while (i < values.length) {
    const level = values[i] === null ? 0 : 1
    let run = 1
    while (i + run < values.length && (values[i + run] === null ? 0 : 1) === level) run++
    out.varint(BigInt(run << 1))
    out.byte(level)
    i += run
  }
  const levels = out.bytes
  return concat([le32(levels.length), levels])
}

function plainValues(column: FixtureColumn, values: unknown[]): Uint8Array {
  const present = values.filter((v) => v !== null)
  const out = new Bytes()
  if (column.type === 'BOOLEAN') {
    for (let i = 0; i < present.length; i += 8) {
      let b = 0
      for (let k = 0; k < 8 && i + k < present.length; k++) if (present[i + k]) b |= 1 << k
      out.byte(b)
    }
    return out.bytes
  }
  for (const v of present) {
    switch (column.type) {
      case 'INT32':
        out.raw(le32(v as number))
        break
      case 'INT64': {
        const b = new Uint8Array(8)
        new DataView(b.buffer).setBigInt64(0, v as bigint, true)
        out.raw(b)
        break
      }
      case 'DOUBLE': {
        const b = new Uint8Array(8)
        new DataView(b.buffer).setFloat64(0, v as number, true)
        out.raw(b)
        break
      }
      case 'BYTE_ARRAY':
        out.raw(le32((v as Uint8Array).length))
        out.raw(v as Uint8Array)
        break
      default:
        // INT96 and FIXED_LEN_BYTE_ARRAY: the bytes as they are.
        out.raw(v as Uint8Array)
    }
  }
  return out.bytes
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** A whole Parquet file: every column has `values[g]` for row group `g`. */
export function parquetFile(columns: FixtureColumn[]): Uint8Array {
  const groups = columns[0]!.values.length
  const parts: Uint8Array[] = [new TextEncoder().encode('PAR1')]
  let offset = 4
  const rowGroups: TValue[] = []
  let totalRows = 0
  for (let g = 0; g < groups; g++) {
    const rows = columns[0]!.values[g]!.length
    totalRows += rows
    const chunks: TValue[] = []
    let groupBytes = 0
    for (const column of columns) {
      const values = column.values[g]!
      if (values.length !== rows)
        throw new Error(`column ${column.name} has ${values.length} rows in group ${g}`)
      const body = concat([
        ...(column.optional ? [definitionLevels(values)] : []),
        plainValues(column, values),
      ])
      const header = thrift(
        struct(
          [1, i32(0)], // DATA_PAGE
          [2, i32(body.length)],
          [3, i32(body.length)],
          [5, struct([1, i32(rows)], [2, i32(0)], [3, i32(3)], [4, i32(3)])], // PLAIN values, RLE levels
        ),
      )
      const chunkOffset = offset
      parts.push(header, body)
      offset += header.length + body.length
      groupBytes += header.length + body.length
      chunks.push(
        struct(
          [2, i64(chunkOffset)],
          [
            3,
            struct(
              [1, i32(PHYSICAL[column.type])],
              [2, list('i32', [i32(0), i32(3)])],
              [3, list('bin', [str(column.name)])],
              [4, i32(0)], // UNCOMPRESSED
              [5, i64(rows)],
              [6, i64(header.length + body.length)],
              [7, i64(header.length + body.length)],
              [9, i64(chunkOffset)],
            ),
          ],
        ),
      )
    }
    rowGroups.push(struct([1, list('struct', chunks)], [2, i64(groupBytes)], [3, i64(rows)]))
  }
  const schema: TValue[] = [struct([4, str('schema')], [5, i32(columns.length)])]
  for (const column of columns) {
    const fields: Field[] = [[1, i32(PHYSICAL[column.type])]]
    if (column.length !== undefined) fields.push([2, i32(column.length)])
    fields.push([3, i32(column.optional ? 1 : 0)], [4, str(column.name)])
    if (column.annotation !== undefined) fields.push([6, i32(CONVERTED[column.annotation])])
    if (column.scale !== undefined) fields.push([7, i32(column.scale)])
    if (column.precision !== undefined) fields.push([8, i32(column.precision)])
    schema.push(struct(...fields))
  }
  const footer = thrift(
    struct(
      [1, i32(1)],
      [2, list('struct', schema)],
      [3, i64(totalRows)],
      [4, list('struct', rowGroups)],
      [6, str('tributary test fixture')],
    ),
  )
  parts.push(footer, le32(footer.length), new TextEncoder().encode('PAR1'))
  return concat(parts)
}

// --- values in physical form -----------------------------------------------------------------------------

const JULIAN_UNIX_EPOCH = 2_440_588n
const NANOS_PER_DAY = 86_400_000_000_000n

/** An instant (nanoseconds since 1970, negative before) as INT96's 12 bytes. */
export function int96(nanosSinceEpoch: bigint): Uint8Array {
  let day = nanosSinceEpoch / NANOS_PER_DAY
  let nanos = nanosSinceEpoch % NANOS_PER_DAY
  if (nanos < 0n) {
    nanos += NANOS_PER_DAY
    day -= 1n
  }
  const b = new Uint8Array(12)
  const view = new DataView(b.buffer)
  view.setBigUint64(0, nanos, true)
  view.setUint32(8, Number(day + JULIAN_UNIX_EPOCH), true)
  return b
}

/** A decimal's unscaled value as big-endian two's complement of `width` bytes. */
export function decimalBytes(unscaled: bigint, width: number): Uint8Array {
  const b = new Uint8Array(width)
  let x = BigInt.asUintN(width * 8, unscaled)
  for (let i = width - 1; i >= 0; i--) {
    b[i] = Number(x & 0xffn)
    x >>= 8n
  }
  return b
}
