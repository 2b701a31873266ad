/**
 * `npm run bench`: Tributary against @clickhouse/client and @founderpath/kysely-clickhouse,
 * in one run, on the same servers (Debian's ClickHouse 18.16, and the chDB-backed modern
 * HTTP endpoint from packages/clickhouse/test/servers). Every measurement runs in its own process so its peak
 * RSS is its own. Prints a Markdown report; docs/performance.md records one.
 * `node --conditions=tributary-source bench/clickhouse.ts --only stream --server modern` (after `npm run build`) runs a part of it.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startChdbHttpServer } from '../packages/clickhouse/test/servers/chdb-http-server.ts'
import { startClickHouseServer } from '../packages/clickhouse/test/servers/clickhouse-server.ts'

interface Delay {
  p50: number
  p99: number
  max: number
}

interface Result {
  case: string
  impl: string
  ms?: number
  /** CPU time of the client's process during the case (all threads). */
  cpuMs?: number
  rowsPerSec?: number
  maxRssMb?: number
  /** Event-loop delay during the case, wall-clock and the client's own CPU time (see cases.js). */
  loop?: { wall: Delay; cpu: Delay }
  error?: string
}

/**
 * `--only stream,insert` runs just those cases (select1, stream, stream10m, kysely1k, insert);
 * `--server debian` or `--server modern` just that server.
 */
const CASES = ['select1', 'stream', 'stream10m', 'kysely1k', 'insert'] as const
const SERVERS = ['debian', 'modern'] as const
function option(name: string): string | undefined {
  const args = process.argv.slice(2)
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`))
  if (i < 0) return undefined
  const arg = args[i]!
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[i + 1]
}
function choice<T extends string>(name: string, all: readonly T[]): Set<T> {
  const value = option(name)
  if (value === undefined) return new Set(all)
  const picked = value.split(',')
  const unknown = picked.filter((v) => !all.includes(v as T))
  if (unknown.length > 0)
    throw new Error(`--${name}: unknown ${unknown.join(', ')} (one of ${all.join(', ')})`)
  return new Set(picked as T[])
}
const only = choice('only', CASES)
const servers = choice('server', SERVERS)

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
const delay = (d: Delay | undefined) =>
  d === undefined ? 'n/a' : `${d.p50.toFixed(1)} / ${d.p99.toFixed(1)} / ${d.max.toFixed(1)}`
const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toFixed(2)}×` : 'n/a')

async function suite(
  label: string,
  server: { url: string; username: string; password: string },
): Promise<string[]> {
  const creds = { url: server.url, username: server.username, password: server.password }
  const lines = [`### ${label}`, '']

  if (only.has('select1')) {
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
    lines.push('')
  }

  if (only.has('stream')) {
    const st = Object.fromEntries(['ours', 'official'].map((i) => [i, measure('stream', i, creds)]))
    lines.push('Streaming 2M rows (UInt64, String, Float64) into row objects:', '')
    lines.push(...rowsTable(st))
    lines.push(
      '',
      `ours ÷ official rows/s: ${ratio(st.ours!.rowsPerSec, st.official!.rowsPerSec)}; event-loop delay p99 (wall) ours ÷ official: ${ratio(st.ours!.loop?.wall.p99, st.official!.loop?.wall.p99)}`,
    )
  }
  if (only.has('stream10m')) {
    const big = measure('stream', 'ours', creds, { BENCH_ROWS: '10000000' })
    lines.push(
      `Streaming 10M rows with ours: ${big.error ? `error: ${big.error}` : `${fmt(big.rowsPerSec, 0)} rows/s, peak RSS ${fmt(big.maxRssMb, 0)} MB, event-loop delay p50 / p99 / max ${delay(big.loop?.wall)} ms (CPU ${delay(big.loop?.cpu)} ms)`}`,
    )
  }
  if (only.has('stream') || only.has('stream10m')) lines.push('')

  if (only.has('kysely1k')) {
    const ky = Object.fromEntries(['client', 'kysely'].map((i) => [i, measure('kysely1k', i, creds)]))
    lines.push('Kysely on top of the client, 1k-row select (1,000 queries after warm-up):', '')
    lines.push('| path | ms/query |', '| --- | --- |')
    for (const [impl, r] of Object.entries(ky))
      lines.push(`| ${impl} | ${r.error ? `error: ${r.error}` : fmt(r.ms, 3)} |`)
    lines.push(`\nKysely ÷ client: ${ratio(ky.kysely!.ms, ky.client!.ms)}`, '')
  }

  if (only.has('insert')) {
    const ins = Object.fromEntries(['ours', 'official'].map((i) => [i, measure('insert', i, creds)]))
    lines.push('Insert of 1M rows from an async iterable:', '')
    lines.push(...rowsTable(ins))
    lines.push(`\nours ÷ official rows/s: ${ratio(ins.ours!.rowsPerSec, ins.official!.rowsPerSec)}`, '')
  }
  return lines
}

/**
 * Throughput, CPU time, peak memory and event-loop delay of each client. A wall value is the time between
 * two ticks of a 10 ms timer (10 means no delay); a CPU value is the client's own CPU time between
 * ticks of a 1 ms timer, which other processes on a loaded machine do not inflate.
 */
function rowsTable(results: Record<string, Result>): string[] {
  const lines = [
    '| client | ms | CPU ms | rows/s | peak RSS MB | event-loop delay ms, p50 / p99 / max (wall) | (CPU) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ]
  for (const [impl, r] of Object.entries(results)) {
    lines.push(
      r.error
        ? `| ${impl} | error: ${r.error} | | | | | |`
        : `| ${impl} | ${fmt(r.ms, 0)} | ${fmt(r.cpuMs, 0)} | ${fmt(r.rowsPerSec, 0)} | ${fmt(r.maxRssMb, 0)} | ${delay(r.loop?.wall)} | ${delay(r.loop?.cpu)} |`,
    )
  }
  return lines
}

const report: string[] = [`Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`, '']
if (servers.has('debian')) {
  const debian = await startClickHouseServer()
  try {
    report.push(...(await suite(`Debian ClickHouse ${debian.version} (HTTP, TSV results)`, debian)))
  } finally {
    await debian.stop()
  }
}
if (servers.has('modern')) {
  const modern = await startChdbHttpServer()
  try {
    report.push(...(await suite('Modern HTTP endpoint on chDB 26.7 (RowBinary results)', modern)))
  } finally {
    await modern.stop()
  }
}
console.log(report.join('\n'))
