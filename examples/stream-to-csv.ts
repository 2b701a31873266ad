/**
 * Streams a large result into a CSV file with bounded memory: rows are pulled
 * from ClickHouse only as fast as the file takes them. Embedded ClickHouse, no server.
 *
 *   node --conditions=tributary-source examples/stream-to-csv.ts [rows] [file]
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createClient } from '@tributary/clickhouse'
import { chdb } from '@tributary/clickhouse/embedded'

const rows = Number(process.argv[2] ?? 1_000_000)
const dataDir = mkdtempSync(join(tmpdir(), 'tributary-csv-'))
const file = process.argv[3] ?? join(dataDir, 'export.csv')
const client = createClient({ transport: chdb({ path: dataDir }) })

/** CSV field quoting: quotes doubled, fields with separators quoted. */
function csvField(value: unknown): string {
  const text = value instanceof Date ? value.toISOString() : String(value)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

let written = 0
async function* lines() {
  yield 'id,label,at\n'
  for await (const row of client.stream<{ id: bigint; label: string; at: Date }>(
    `SELECT number AS id, concat('item "', toString(number), '", ok') AS label,
            toDateTime('2026-01-01 00:00:00', 'UTC') + number AS at
     FROM system.numbers LIMIT {rows:UInt64}`,
    { rows: BigInt(rows) },
  )) {
    yield `${csvField(row.id)},${csvField(row.label)},${csvField(row.at)}\n`
    written++
  }
}

try {
  const started = performance.now()
  await pipeline(Readable.from(lines()), createWriteStream(file))
  const seconds = (performance.now() - started) / 1000
  console.log(`wrote ${written} rows (${statSync(file).size} bytes) to ${file} in ${seconds.toFixed(2)} s`)
  console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`)
} finally {
  await client.close()
  if (!process.argv[3]) rmSync(dataDir, { recursive: true, force: true })
}
