import { queryAsync } from 'chdb'

/** The body of `sql` in `format`, as chDB (the real engine) produces it. */
export async function chdbBody(sql: string, format: string, settings = ''): Promise<Uint8Array> {
  settings = ` SETTINGS output_format_binary_write_json_as_string = 1${settings === '' ? '' : `, ${settings}`}`
  return (await queryAsync(sql + settings, { format })).bytes()
}

export interface RowReaderLike {
  push(chunk: Uint8Array): void
  readRows(out: unknown[][], max?: number): number
  finish(): void
}

/** Deterministic pseudo-random chunk sizes (1 byte included) for a given seed. */
export function* chunks(bytes: Uint8Array, seed: number, maxSize = 64): Generator<Uint8Array> {
  let state = seed
  let pos = 0
  while (pos < bytes.length) {
    state = (state * 1103515245 + 12345) & 0x7fffffff
    const size = state % 4 === 0 ? 1 : 1 + (state % maxSize)
    // Copies, so a reader that keeps a chunk must not see it change.
    yield bytes.slice(pos, pos + size)
    pos += size
  }
}

export function decodeAll(
  reader: RowReaderLike,
  bytes: Uint8Array,
  seed: number,
  maxRowsPerRead?: number,
): unknown[][] {
  const out: unknown[][] = []
  for (const chunk of chunks(bytes, seed)) {
    reader.push(chunk)
    while (reader.readRows(out, maxRowsPerRead) > 0) {}
  }
  reader.finish()
  while (reader.readRows(out, maxRowsPerRead) > 0) {}
  return out
}
