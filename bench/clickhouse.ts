/**
 * `npm run bench`: Tributary against @clickhouse/client and @founderpath/kysely-clickhouse,
 * in one run, on the same servers (Debian's ClickHouse 18.16, and the chDB-backed modern
 * HTTP endpoint from packages/clickhouse/test/servers). Every measurement runs in its own process so its peak
 * RSS is its own. Prints a Markdown report; docs/performance.md records one.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startChdbHttpServer } from '../packages/clickhouse/test/servers/chdb-http-server.ts'
import { startClickHouseServer } from '../packages/clickhouse/test/servers/clickhouse-server.ts'

interface Result {
  case: string
  impl: string
  ms?: number
  rowsPerSec?: number
  maxRssMb?: number
  error?: string
}

const casesScript = fileURLToPath(new URL('./cases.js', import.meta.url))

function measure(name: string, impl: string, server: object, env: Record<string, string> = {}): Result {
  const out = execFileSync(process.execPath, [casesScript, name, impl, JSON.stringify(server)], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  })
  const line = out.trim().split('\n').pop()!
  return JSON.parse(line) as Result
}

const fmt = (n: number | undefined, digits = 2) => (n === undefined ? 'n/a' : n.toFixed(digits))
const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toFixed(2)}×` : 'n/a')

async function suite(
  label: string,
  server: { url: string; username: string; password: string },
): Promise<string[]> {
  const creds = { url: server.url, username: server.username, password: server.password }
  const lines = [`### ${label}`, '']

  const s1 = Object.fromEntries(
    ['undici', 'ours', 'official', 'founderpath'].map((i) => [i, measure('select1', i, creds)]),
  )
  lines.push('`SELECT 1` round trip (2,000 sequential queries after warm-up):', '')
  lines.push('| client | ms/query | vs bare undici | official ÷ ours |', '| --- | --- | --- | --- |')
  for (const [impl, r] of Object.entries(s1)) {
    lines.push(
      `| ${impl} | ${r.error ? `error: ${r.error}` : fmt(r.ms, 3)} | ${ratio(r.ms, s1.undici!.ms)} | ${impl === 'ours' ? ratio(s1.official!.ms, r.ms) : ''} |`,
    )
  }

  const st = Object.fromEntries(['ours', 'official'].map((i) => [i, measure('stream', i, creds)]))
  lines.push('', 'Streaming 2M rows (UInt64, String, Float64) into row objects:', '')
  lines.push('| client | ms | rows/s | peak RSS MB |', '| --- | --- | --- | --- |')
  for (const [impl, r] of Object.entries(st)) {
    lines.push(
      `| ${impl} | ${r.error ? `error: ${r.error}` : fmt(r.ms, 0)} | ${fmt(r.rowsPerSec, 0)} | ${fmt(r.maxRssMb, 0)} |`,
    )
  }
  lines.push(`\nours ÷ official rows/s: ${ratio(st.ours!.rowsPerSec, st.official!.rowsPerSec)}`)
  const big = measure('stream', 'ours', creds, { BENCH_ROWS: '10000000' })
  lines.push(
    `Streaming 10M rows with ours: ${big.error ? `error: ${big.error}` : `${fmt(big.rowsPerSec, 0)} rows/s, peak RSS ${fmt(big.maxRssMb, 0)} MB`}`,
  )

  const ky = Object.fromEntries(['client', 'kysely'].map((i) => [i, measure('kysely1k', i, creds)]))
  lines.push('', 'Kysely on top of the client, 1k-row select (1,000 queries after warm-up):', '')
  lines.push('| path | ms/query |', '| --- | --- |')
  for (const [impl, r] of Object.entries(ky))
    lines.push(`| ${impl} | ${r.error ? `error: ${r.error}` : fmt(r.ms, 3)} |`)
  lines.push(`\nKysely ÷ client: ${ratio(ky.kysely!.ms, ky.client!.ms)}`)

  const ins = Object.fromEntries(['ours', 'official'].map((i) => [i, measure('insert', i, creds)]))
  lines.push('', 'Insert of 1M rows from an async iterable:', '')
  lines.push('| client | ms | rows/s | peak RSS MB |', '| --- | --- | --- | --- |')
  for (const [impl, r] of Object.entries(ins)) {
    lines.push(
      `| ${impl} | ${r.error ? `error: ${r.error}` : fmt(r.ms, 0)} | ${fmt(r.rowsPerSec, 0)} | ${fmt(r.maxRssMb, 0)} |`,
    )
  }
  lines.push(`\nours ÷ official rows/s: ${ratio(ins.ours!.rowsPerSec, ins.official!.rowsPerSec)}`, '')
  return lines
}

const report: string[] = [`Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`, '']
const debian = await startClickHouseServer()
try {
  report.push(...(await suite(`Debian ClickHouse ${debian.version} (HTTP, TSV results)`, debian)))
} finally {
  await debian.stop()
}
const modern = await startChdbHttpServer()
try {
  report.push(...(await suite('Modern HTTP endpoint on chDB 26.7 (RowBinary results)', modern)))
} finally {
  await modern.stop()
}
console.log(report.join('\n'))
