/**
 * `npm run bench:mapepire` (part of `npm run bench`): @tributary/mapepire against the official
 * @ibm/mapepire-js 0.6.0, in one run, on the same mapepire-local server. Each measurement runs in its own
 * process (bench/mapepire-cases.js on the built packages) so its peak RSS is its own; the server runs in this
 * process. Prints a Markdown report, with the CPU time of client, server process and PostgreSQL (from /proc) per case.
 *
 * `--rtt 0,1,5` runs the three timed cases once per round-trip time (milliseconds): the server delays every reply by
 * it (mapepire-local's `delayMs` fault), for both clients alike, as a network between client and server would.
 * Loopback alone (0) by default.
 */
import { execFile, execFileSync, spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createClient } from '@tributary/mapepire'
import { startMapepireLocal } from '@tributary/mapepire-local'
import { startStatementLedger } from '../packages/mapepire/test/support/statement-ledger.ts'

interface Result {
  case: string
  impl: string
  error?: string
  [key: string]: unknown
}

const casesScript = fileURLToPath(new URL('./mapepire-cases.js', import.meta.url))
const fmt = (n: unknown, digits = 0) => (typeof n === 'number' ? n.toFixed(digits) : 'n/a')
const ratio = (a: unknown, b: unknown) =>
  typeof a === 'number' && typeof b === 'number' && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a'

const run = promisify(execFile)

function rttOption(argv: string[]): number[] {
  const at = argv.indexOf('--rtt')
  if (at === -1) return [0]
  const values = (argv[at + 1] ?? '').split(',').map(Number)
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || v < 0)) {
    throw new Error('--rtt takes round-trip times in milliseconds, e.g. --rtt 0,1,5')
  }
  return values
}
const rtts = rttOption(process.argv.slice(2))

const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100

/** utime, stime, cutime, cstime and the parent of a process, from /proc (Linux). */
function procStat(pid: number): { ppid: number; self: number; children: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = text
      .slice(text.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number)
    return { ppid: f[1]!, self: f[11]! + f[12]!, children: f[13]! + f[14]! }
  } catch {
    return undefined
  }
}

/** CPU milliseconds of our PostgreSQL cluster: the postmaster, its live children, and the children it has reaped. */
function postgresCpuMs(postmaster: number): number {
  let ticks = 0
  const main = procStat(postmaster)
  if (main) ticks += main.self + main.children
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid === postmaster) continue
    const stat = procStat(pid)
    if (stat?.ppid === postmaster) ticks += stat.self
  }
  return (ticks * 1000) / ticksPerSecond
}

let postmaster = 0

/**
 * One case in a child process; asynchronous, since the server runs in this process. The server's credentials
 * go in the environment. Adds the CPU time the server process and PostgreSQL spent meanwhile.
 */
async function measure(name: string, impl: string, server: object): Promise<Result> {
  const cpu = process.cpuUsage()
  const pg = postgresCpuMs(postmaster)
  const { stdout } = await run(process.execPath, [casesScript, name, impl], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    env: { ...process.env, BENCH_SERVER: JSON.stringify(server) },
  })
  const used = process.cpuUsage(cpu)
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as Result
  return {
    ...result,
    serverCpuMs: (used.user + used.system) / 1000,
    postgresCpuMs: postgresCpuMs(postmaster) - pg,
  }
}

/** CPU seconds of client, server process and PostgreSQL during a case. */
const cpu = (r: Result) =>
  `${fmt(Number(r.cpuMs) / 1000, 2)} / ${fmt(Number(r.serverCpuMs) / 1000, 2)} / ${fmt(Number(r.postgresCpuMs) / 1000, 2)}`

/** Both clients, one after the other. */
async function both(name: string, server: object): Promise<Record<string, Result>> {
  return { ours: await measure(name, 'ours', server), official: await measure(name, 'official', server) }
}

/** Runs the leftOpen case through the ledger and counts what the server still holds while its sockets are open. */
async function leftOpen(
  impl: string,
  server: object,
  ledger: { open(): unknown[] },
): Promise<number | string> {
  const child = spawn(process.execPath, [casesScript, 'leftOpen', impl], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_SERVER: JSON.stringify(server) },
  })
  let text = ''
  const line = await new Promise<string>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      if (text.includes('\n')) resolve(text.split('\n')[0]!)
    })
  })
  const parsed = JSON.parse(line) as Result
  // Let the last sqlclose frames arrive.
  await new Promise((resolve) => setTimeout(resolve, 300))
  const open = parsed.error ? `error: ${parsed.error}` : ledger.open().length
  child.stdin.write('done\n')
  await new Promise((resolve) => child.on('exit', resolve))
  return open
}

const local = await startMapepireLocal({ port: 0, sample: false })
const server = {
  host: 'localhost',
  port: local.port,
  user: local.user,
  password: local.password,
  ca: local.ca,
}
const report: string[] = [
  `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, mapepire-local (PostgreSQL 15) on loopback, 2 cores shared by client and server; load average at the start ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
  '',
]
const summary: string[] = [
  '| round trip | 64 concurrent lookups, q/s | 1M-row stream, rows/s | 200k-row result, rows/s | 200k-row stream at each client’s default page, rows/s |',
  '| --- | --- | --- | --- | --- |',
]
/** A rows/s case's table in the report, and the ratio under it. */
function rowsTable(title: string, results: Record<string, Result>) {
  report.push(
    title,
    '',
    '| client | ms | rows/s | peak RSS MB | CPU s: client / server / PostgreSQL |',
    '| --- | --- | --- | --- | --- |',
  )
  for (const [impl, r] of Object.entries(results)) {
    report.push(
      r.error
        ? `| ${impl} | error: ${r.error} | | | |`
        : `| ${impl} | ${fmt(r.ms)} | ${fmt(r.rowsPerSec)} | ${fmt(r.maxRssMb)} | ${cpu(r)} |`,
    )
  }
  report.push(
    '',
    `ours ÷ official rows/s: ${ratio(results.ours!.rowsPerSec, results.official!.rowsPerSec)}`,
    '',
  )
}
const pair = (r: Record<string, Result>, key: string) =>
  `${fmt(r.ours![key])} ÷ ${fmt(r.official![key])} = ${ratio(r.ours![key], r.official![key])}`
try {
  const setup = createClient(server)
  await setup.query('CREATE SCHEMA BENCH')
  await setup.query(
    'CREATE TABLE BENCH.ITEMS (ID INTEGER NOT NULL PRIMARY KEY, NAME VARCHAR(40) NOT NULL, PRICE DECIMAL(9, 2) NOT NULL)',
  )
  await setup.batch(
    'INSERT INTO BENCH.ITEMS (ID, NAME, PRICE) VALUES (?, ?, ?)',
    Array.from({ length: 1000 }, (_, i) => [i + 1, `item ${i + 1}`, ((i + 1) / 4).toFixed(2)]),
  )
  // The PostgreSQL backend of a job is a child of the cluster's postmaster.
  const backend = (await setup.query<{ '00001': number }>('VALUES (PG_BACKEND_PID())')).rows[0]!['00001']
  postmaster = procStat(backend)?.ppid ?? 0
  await setup.close()

  for (const rtt of rtts) {
    // Set after the setup above, so only the measured clients see the delay.
    local.faults.set({ delayMs: rtt })
    report.push(
      `### ${rtt === 0 ? 'Loopback' : `Every reply delayed by ${rtt} ms (a round trip of ${rtt} ms)`}`,
      '',
    )
    const c = await both('concurrent', server)
    report.push(
      '64 concurrent workers, each running one-row lookups by key (`SELECT … WHERE ID = ?`) back to back, pools of 8 jobs:',
      '',
      '| client | queries | queries/s | p50 ms | p99 ms | peak RSS MB | CPU s: client / server / PostgreSQL |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    )
    for (const [impl, r] of Object.entries(c)) {
      report.push(
        r.error
          ? `| ${impl} | error: ${r.error} | | | | | |`
          : `| ${impl} | ${r.queries} | ${fmt(r.qps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.maxRssMb)} | ${cpu(r)} |`,
      )
    }
    report.push('', `ours ÷ official queries/s: ${ratio(c.ours!.qps, c.official!.qps)}`, '')

    const s = await both('stream', server)
    rowsTable('Streaming 1M rows (INTEGER, VARCHAR, DECIMAL) into row objects, 5,000 rows per page:', s)
    const l = await both('large', server)
    rowsTable(
      'One large result (200,000 rows) read whole (ours: pages of 2,000; official: one `execute` of every row):',
      l,
    )
    const d = await both('streamDefaults', server)
    rowsTable(
      'Streaming 200,000 rows as each client’s documentation starts you off (ours: `stream(sql)`, batches of 1,000; official: `execute()` and `fetchMore()`, pages of 100):',
      d,
    )
    summary.push(
      `| ${rtt} ms | ${pair(c, 'qps')} | ${pair(s, 'rowsPerSec')} | ${pair(l, 'rowsPerSec')} | ${pair(d, 'rowsPerSec')} |`,
    )
  }
  local.faults.set({ delayMs: 0 })

  const ledger = await startStatementLedger(local, { tls: true })
  try {
    const viaLedger = { ...server, host: 'localhost', port: ledger.port, ca: ledger.ca }
    const ourOpen = await leftOpen('ours', viaLedger, ledger)
    const officialOpen = await leftOpen('official', viaLedger, ledger)
    report.push(
      'Statements the server still holds after 20 lookups, a stream left after 1,500 of 5,000 rows and a 3,000-row query',
      '(counted by a proxy that keeps the server’s statement map, while the client is still connected):',
      '',
      `| client | statements left open |`,
      '| --- | --- |',
      `| ours | ${ourOpen} |`,
      `| official | ${officialOpen} |`,
      '',
    )
  } finally {
    await ledger.close()
  }
} finally {
  await local.stop()
}
report.push(
  'Ours ÷ official:',
  '',
  ...summary,
  '',
  `load average at the end ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
)
console.log(report.join('\n'))
