/**
 * Decode speed of RowBinaryReader for 2M rows of (UInt64, String, Float64)
 * produced by chDB. Run: npx node --conditions=tributary-source bench/rowbinary-decode.ts
 */
import { queryAsync } from 'chdb'
import { RowBinaryReader } from '../packages/clickhouse/src/formats/rowbinary-reader.ts'
import { TsvReader } from '../packages/clickhouse/src/formats/tsv-reader.ts'

const ROWS = 2_000_000
const CHUNK = 64 * 1024
const sql = `SELECT number AS id, concat('name-', toString(number % 1000)) AS name, number / 7 AS ratio FROM numbers(${ROWS})`

async function body(format: string): Promise<Uint8Array> {
  return (await queryAsync(sql, { format })).bytes()
}

type Reader = { push(c: Uint8Array): void; readRows(out: unknown[][], max?: number): number; finish(): void }

function run(label: string, bytes: Uint8Array, make: () => Reader): void {
  for (let round = 0; round < 4; round++) {
    const reader = make()
    const start = performance.now()
    let rows = 0
    let batch: unknown[][] = []
    for (let i = 0; i < bytes.length; i += CHUNK) {
      reader.push(bytes.subarray(i, i + CHUNK))
      rows += reader.readRows(batch)
      batch = []
    }
    reader.finish()
    rows += reader.readRows(batch)
    const ms = performance.now() - start
    if (rows !== ROWS) throw new Error(`decoded ${rows} rows`)
    if (round > 0) {
      console.log(
        `${label}: ${ROWS} rows in ${ms.toFixed(0)} ms = ${(((ROWS / ms) * 1000) / 1e6).toFixed(2)} M rows/s (${(bytes.length / 1e6).toFixed(0)} MB)`,
      )
    }
  }
}

run('RowBinaryWithNamesAndTypes', await body('RowBinaryWithNamesAndTypes'), () => new RowBinaryReader())
run('TSVWithNamesAndTypes', await body('TSVWithNamesAndTypes'), () => new TsvReader())
