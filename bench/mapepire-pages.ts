/**
 * Parsing one page of 1,000 terse rows as mapepire-local writes them for bench/mapepire.ts's stream
 * (INTEGER, VARCHAR, and a DECIMAL expression whose cells carry 20 decimals): the whole path from frame text
 * to decoded rows, before (every number with a fraction quoted, then JSON.parse) and now (rows read from the
 * frame), with mapepire-js's plain JSON.parse (no decoding, decimals rounded) for scale. Run: npx node --conditions=tributary-source bench/mapepire-pages.ts
 */
import { parseNumbersAsText } from '../packages/mapepire/src/codecs/reply-json.ts'
import { parsePage } from '../packages/mapepire/src/codecs/result-replies.ts'
import { readColumns, rowDecoder } from '../packages/mapepire/src/codecs/values.ts'

const ROWS = 1000
const ROUNDS = 2000

function page(decimal: (n: number) => string): string {
  const rows: string[] = []
  for (let n = 1; n <= ROWS; n++) rows.push(`[${n},"item ${n}",${decimal(n)}]`)
  return `{"id":"5","data":[${rows.join(',')}],"is_done":false,"success":true,"execution_time":0}`
}

const columns = (precision: number, scale: number) =>
  readColumns({
    columns: [
      { name: 'ID', type: 'INTEGER', precision: 10, scale: 0 },
      { name: 'NAME', type: 'VARCHAR', precision: 32739, scale: 0 },
      { name: 'PRICE', type: 'DECIMAL', precision, scale },
    ],
  })

// mapepire-local's metadata for the bench's `CAST(N AS DECIMAL(12, 2)) / 4`: DECIMAL(31, 0), cells with 20 decimals.
const wide = { text: page((n) => (n / 4).toFixed(20)), decoder: rowDecoder(columns(31, 0)) }
// A DECIMAL(9, 2) column (the bench's lookup table).
const narrow = { text: page((n) => (n / 4).toFixed(2)), decoder: rowDecoder(columns(9, 2)) }

type Way = (text: string, decoder: ReturnType<typeof rowDecoder>) => unknown[]

const ways: Record<string, Way> = {
  // Before: every number with a fraction or an exponent quoted, then JSON.parse.
  'quote numbers, JSON.parse': (text, decoder) =>
    (parseNumbersAsText(text).data as unknown[][]).map((row) => decoder.object(row)),
  // Now: the rows read from the frame by their columns' cell kinds, the fields around them JSON.parse'd.
  'rows read from the frame': (text, decoder) =>
    (parsePage(text, decoder).data as unknown[][]).map((row) => decoder.object(row)),
  // What mapepire-js does (no decoding, decimals rounded to doubles), for scale.
  'JSON.parse only': (text) => JSON.parse(text).data as unknown[],
}

for (const [label, { text, decoder }] of Object.entries({
  'DECIMAL(31, 0), 20 decimals': wide,
  'DECIMAL(9, 2)': narrow,
})) {
  console.log(`\n${label}, ${ROWS} rows, ${(text.length / 1024).toFixed(0)} KiB a page:`)
  for (const [name, way] of Object.entries(ways)) {
    let check = 0
    for (let i = 0; i < ROUNDS / 4; i++) check += way(text, decoder).length
    const start = performance.now()
    for (let i = 0; i < ROUNDS; i++) check += way(text, decoder).length
    const us = ((performance.now() - start) / ROUNDS) * 1000
    console.log(`  ${name.padEnd(28)} ${us.toFixed(0).padStart(5)} µs a page (${check > 0 ? 'ok' : '?'})`)
  }
}
