import { ProtocolError } from '@tributary/core'

/**
 * chDB's streaming API formats every block as a complete output of its own:
 * header rows repeat (TSVWithNames, RowBinaryWithNamesAndTypes, …) and document
 * formats (JSON, XML, …) restart. A joiner turns the blocks back into one
 * continuous output, as a server sends over HTTP. Formats that cannot be joined
 * have no joiner; they must be read whole.
 */
export type ChunkJoiner = (chunk: Uint8Array, index: number) => Uint8Array

/** Row formats whose blocks concatenate into a valid whole as they are. */
const PLAIN_ROW_FORMATS = new Set([
  'tabseparated',
  'tsv',
  'tabseparatedraw',
  'tsvraw',
  'rawblob',
  'csv',
  'jsoneachrow',
  'jsonlines',
  'ndjson',
  'jsonstringseachrow',
  'jsoncompacteachrow',
  'jsoncompactstringseachrow',
  'rowbinary',
  'native',
  'lineasstring',
])

/** Line-based formats with header lines to drop from every block after the first. */
const HEADER_LINES = new Map([
  ['tabseparatedwithnames', 1],
  ['tsvwithnames', 1],
  ['tabseparatedrawwithnames', 1],
  ['tsvrawwithnames', 1],
  ['tabseparatedwithnamesandtypes', 2],
  ['tsvwithnamesandtypes', 2],
  ['tabseparatedrawwithnamesandtypes', 2],
  ['tsvrawwithnamesandtypes', 2],
  ['csvwithnames', 1],
  ['csvwithnamesandtypes', 2],
  ['jsoncompacteachrowwithnames', 1],
  ['jsoncompacteachrowwithnamesandtypes', 2],
  ['jsoncompactstringseachrowwithnames', 1],
  ['jsoncompactstringseachrowwithnamesandtypes', 2],
])

/** RowBinary formats with a header of `lists` string lists (names; names and types). */
const BINARY_HEADER_LISTS = new Map([
  ['rowbinarywithnames', 1],
  ['rowbinarywithnamesandtypes', 2],
])

/** A joiner for `format`, or undefined when the format's blocks cannot be joined into one output. */
export function chunkJoinerFor(format: string): ChunkJoiner | undefined {
  const name = format.toLowerCase()
  if (PLAIN_ROW_FORMATS.has(name)) return (chunk) => chunk
  const lines = HEADER_LINES.get(name)
  if (lines !== undefined)
    return (chunk, index) => (index === 0 ? chunk : chunk.subarray(afterLines(chunk, lines)))
  const lists = BINARY_HEADER_LISTS.get(name)
  if (lists !== undefined) {
    return (chunk, index) => (index === 0 ? chunk : chunk.subarray(binaryHeaderLength(chunk, lists)))
  }
  return undefined
}

function binaryHeaderLength(chunk: Uint8Array, lists: number): number {
  let offset = 0
  const leb = (): number => {
    let value = 0
    let shift = 0
    for (;;) {
      if (offset >= chunk.length) throw truncated()
      const byte = chunk[offset++]!
      value += (byte & 0x7f) * 2 ** shift
      if (byte < 0x80) return value
      shift += 7
    }
  }
  const columns = leb()
  for (let i = 0; i < columns * lists; i++) {
    const length = leb()
    offset += length
    if (offset > chunk.length) throw truncated()
  }
  return offset
}

function afterLines(chunk: Uint8Array, lines: number): number {
  let offset = 0
  for (let i = 0; i < lines; i++) {
    const end = chunk.indexOf(0x0a, offset)
    if (end === -1) throw truncated()
    offset = end + 1
  }
  return offset
}

function truncated(): ProtocolError {
  return new ProtocolError('embedded ClickHouse sent a block with an incomplete header', {
    system: 'clickhouse',
  })
}
