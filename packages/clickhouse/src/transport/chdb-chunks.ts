import { ProtocolError } from '@tributary/core'

/**
 * chDB's streaming API formats every block as a complete output, so with a
 * `…WithNames…` format each chunk repeats the header. The client reads one
 * continuous body, as HTTP sends it; this returns the offset where a repeated
 * chunk's rows begin.
 */
export function repeatedHeaderLength(format: string, chunk: Uint8Array): number {
  switch (format) {
    case 'RowBinaryWithNamesAndTypes':
      return rowBinaryHeaderLength(chunk, 2)
    case 'RowBinaryWithNames':
      return rowBinaryHeaderLength(chunk, 1)
    case 'TSVWithNamesAndTypes':
    case 'TabSeparatedWithNamesAndTypes':
      return afterLines(chunk, 2)
    case 'TSVWithNames':
    case 'TabSeparatedWithNames':
      return afterLines(chunk, 1)
    default:
      return 0
  }
}

function rowBinaryHeaderLength(chunk: Uint8Array, lists: number): number {
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
