/**
 * Part of `npm run bench`: @tributary/athena's three result modes against athena-express-plus 8.1.0 (its S3
 * CSV mode and its GetQueryResults pagination; it has no UNLOAD), in one run, on athena-local whose
 * Athena API calls each take 50 ms, as round trips to Athena do (S3 calls get no added latency). A result of
 * 1M rows (bigint, varchar, double, decimal, timestamp). Each measurement runs in its own process
 * (bench/athena-cases.js on the built packages) so its peak RSS is its own, against an athena-local of its
 * own started in this process.
 * Prints a Markdown report.
 *
 * `queryMs` is from StartQueryExecution to SUCCEEDED (athena-local's DuckDB writing the result files);
 * `readMs` and rows/s are the reading alone, which is what the modes differ in. Event-loop delay p99 is
 * measured in the reading process while it decodes. BENCH_ROWS changes the size; `--only api,csv` runs only the
 * modes named; BENCH_CPU_PROF=<dir> writes a CPU profile of each measurement.
 */
import { execFile } from 'node:child_process'
import { availableParallelism, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'
import { startAthenaLocal } from '@tributary/athena-local'

interface Result {
  mode: string
  impl: string
  error?: string
  rows?: number
  readMode?: string
  queryMs?: number
  readMs?: number
  rowsPerSec?: number
  elP99Ms?: number
  maxRssMb?: number
  rssAtTenthMb?: number
  rssAtEndMb?: number
}

const LATENCY_MS = 50
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000)
const EXPRESS_PAGES = Number(process.env.BENCH_EXPRESS_PAGES ?? 100)
const { values: args } = parseArgs({ options: { only: { type: 'string' } } })
const MODES = (args.only ?? 'api,csv,unload').split(',').filter((m) => m !== '')
for (const m of MODES) if (!['api', 'csv', 'unload'].includes(m)) throw new Error(`--only: unknown mode ${m}`)
const casesScript = fileURLToPath(new URL('./athena-cases.js', import.meta.url))
const run = promisify(execFile)
const fmt = (n: unknown, digits = 0) => (typeof n === 'number' ? n.toFixed(digits) : 'n/a')
const ratio = (a: unknown, b: unknown) =>
  typeof a === 'number' && typeof b === 'number' && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a'

async function measure(mode: string, impl: string, server: object): Promise<Result> {
  try {
    // BENCH_CPU_PROF=<dir> writes a CPU profile of each measurement there.
    const profile = process.env.BENCH_CPU_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
      : []
    // BENCH_CASE_FLAGS='--max-old-space-size=40' gives each measuring process those Node flags (not this one, which hosts athena-local).
    const flags = process.env.BENCH_CASE_FLAGS?.split(' ').filter(Boolean) ?? []
    const { stdout } = await run(process.execPath, [...flags, ...profile, casesScript, mode, impl], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
      timeout: 900_000,
      env: {
        ...process.env,
        BENCH_SERVER: JSON.stringify(server),
        BENCH_ROWS: String(ROWS),
        BENCH_EXPRESS_PAGES: String(EXPRESS_PAGES),
      },
    })
    return JSON.parse(stdout.trim().split('\n').pop()!) as Result
  } catch (error) {
    return { mode, impl, error: String((error as Error).message).slice(0, 200) }
  }
}

const report: string[] = [
  `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, athena-local on loopback with ${LATENCY_MS} ms per Athena API call, ` +
    `${availableParallelism()} cores shared by client and server (load average ${loadavg()[0]!.toFixed(1)} at the start)`,
  '',
  `One result of ${ROWS.toLocaleString('en-US')} rows (bigint, varchar, double, decimal(12,2) ÷ 4, timestamp), streamed in batches of 1,000 by ours;`,
  `athena-express-plus parses its CSV into one array, and its api case reads the first ${EXPRESS_PAGES} pages of the same result.`,
  '',
  '| mode | client | rows read | query ms | read ms | rows/s | event-loop p99 ms | RSS after 10% MB | peak RSS MB |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
]
const results: Record<string, Result> = {}
for (const mode of MODES) {
  for (const impl of ['ours', 'express']) {
    // An athena-local of its own for each measurement: it keeps every query's rows for GetQueryResults, and
    // the 1M-row results of the measurements before would otherwise weigh on this one (its heap, its GC).
    const local = await startAthenaLocal({ port: 0 })
    let r: Result
    try {
      local.latency.apiMs = LATENCY_MS
      r = await measure(mode, impl, {
        endpoint: local.endpoint,
        region: local.region,
        credentials: local.credentials,
        outputLocation: local.outputLocation,
      })
    } finally {
      await local.stop()
    }
    results[`${mode}/${impl}`] = r
    const name = impl === 'ours' ? '@tributary/athena' : 'athena-express-plus'
    report.push(
      r.error
        ? `| ${mode} | ${name} | ${r.error} | | | | | | |`
        : `| ${mode}${r.readMode && r.readMode !== mode ? ` (read as ${r.readMode})` : ''} | ${name} | ${r.rows} | ${fmt(r.queryMs)} | ${fmt(r.readMs)} | ${fmt(r.rowsPerSec)} | ${fmt(r.elP99Ms, 1)} | ${fmt(r.rssAtTenthMb)} | ${fmt(r.maxRssMb)} |`,
    )
  }
}

const api = results['api/ours']
const csv = results['csv/ours']
const unload = results['unload/ours']
const pages = Math.ceil((ROWS + 1) / 1000)
report.push(
  '',
  `- csv ÷ api rows/s (target ≥ 10×): ${ratio(csv?.rowsPerSec, api?.rowsPerSec)}`,
  `- unload ÷ csv rows/s (target ≥ 1×): ${ratio(unload?.rowsPerSec, csv?.rowsPerSec)}`,
  `- api read time ÷ (${pages} pages × ${LATENCY_MS} ms) (target ≤ 1.1): ${api?.readMs === undefined ? 'n/a' : (api.readMs / (pages * LATENCY_MS)).toFixed(2)}`,
  `- ours ÷ athena-express-plus rows/s, csv (target ≥ 2×): ${ratio(csv?.rowsPerSec, results['csv/express']?.rowsPerSec)}`,
  `- ours ÷ athena-express-plus rows/s, api: ${ratio(api?.rowsPerSec, results['api/express']?.rowsPerSec)}`,
  `- event-loop delay p99 while decoding (target < 20 ms): api ${fmt(api?.elP99Ms, 1)}, csv ${fmt(csv?.elP99Ms, 1)}, unload ${fmt(unload?.elP99Ms, 1)}`,
  '',
)
console.log(report.join('\n'))
