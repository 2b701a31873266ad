/**
 * chDB's queryStream formats every chunk as a complete output of its own: header rows repeat
 * (TSVWithNames, RowBinaryWithNamesAndTypes…) and document formats (JSON, XML…) restart per chunk.
 * A joiner turns the chunks back into one continuous output; formats that cannot be joined are
 * answered from a buffered run instead.
 */
export type ChunkJoiner = (chunk: Uint8Array, index: number) => Uint8Array

/** Row formats whose chunks concatenate into a valid whole as they are. */
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

/** Line-based formats with header lines to drop from every chunk after the first. */
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

function skipLines(chunk: Uint8Array, lines: number): Uint8Array {
  let offset = 0
  for (let line = 0; line < lines; line++) {
    const newline = chunk.indexOf(0x0a, offset)
    if (newline < 0) return chunk.subarray(chunk.length)
    offset = newline + 1
  }
  return chunk.subarray(offset)
}

function readLeb128(chunk: Uint8Array, start: number): [value: number, next: number] {
  let value = 0
  let shift = 0
  let offset = start
  for (;;) {
    const byte = chunk[offset++]
    value += (byte & 0x7f) * 2 ** shift
    if ((byte & 0x80) === 0) return [value, offset]
    shift += 7
  }
}

/** Skips the RowBinaryWithNames[AndTypes] header: column count, then `groups` × count strings. */
function skipBinaryHeader(chunk: Uint8Array, groups: number): Uint8Array {
  const [columns, start] = readLeb128(chunk, 0)
  let offset = start
  for (let index = 0; index < columns * groups; index++) {
    const [length, next] = readLeb128(chunk, offset)
    offset = next + length
  }
  return chunk.subarray(offset)
}

/** A joiner for `format`, or undefined when the format's chunks cannot be joined into one output. */
export function chunkJoinerFor(format: string): ChunkJoiner | undefined {
  const name = format.toLowerCase()
  if (PLAIN_ROW_FORMATS.has(name)) return (chunk) => chunk
  const lines = HEADER_LINES.get(name)
  if (lines !== undefined) return (chunk, index) => (index === 0 ? chunk : skipLines(chunk, lines))
  if (name === 'rowbinarywithnames')
    return (chunk, index) => (index === 0 ? chunk : skipBinaryHeader(chunk, 1))
  if (name === 'rowbinarywithnamesandtypes') {
    return (chunk, index) => (index === 0 ? chunk : skipBinaryHeader(chunk, 2))
  }
  return undefined
}
